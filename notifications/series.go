package notifications

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
)

// SeriesStore is what the series worker needs from persistence.
type SeriesStore interface {
	// MaterialiseSeries adds the next occurrences of every running series
	// and returns how many events it created.
	MaterialiseSeries(ctx context.Context) (int, error)
}

// SeriesInterval is how often series get their next occurrences: the next
// one appears at most this long after the previous one started.
const SeriesInterval = 15 * time.Minute

// SeriesWorker keeps the next few occurrences of every series published.
type SeriesWorker struct {
	river.WorkerDefaults[domain.MaterialiseSeriesArgs]
	store SeriesStore
	log   *slog.Logger
}

// Work adds what is missing. Running it twice adds nothing twice: each
// occurrence has one row per series and original start.
func (w *SeriesWorker) Work(ctx context.Context, _ *river.Job[domain.MaterialiseSeriesArgs]) error {
	n, err := w.store.MaterialiseSeries(ctx)
	if n > 0 {
		w.log.InfoContext(ctx, "series occurrences published", "events", n)
	}
	return err
}

// Timeout bounds one round.
func (w *SeriesWorker) Timeout(*river.Job[domain.MaterialiseSeriesArgs]) time.Duration {
	return 5 * time.Minute
}

// RegisterSeries adds the series worker to a River worker registry;
// SeriesJobs schedules it.
func RegisterSeries(workers *river.Workers, st SeriesStore, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	river.AddWorker(workers, &SeriesWorker{store: st, log: log})
}

// SeriesJobs are the periodic jobs of the series worker: every
// SeriesInterval and once when the service starts.
func SeriesJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(SeriesInterval), func() (river.JobArgs, *river.InsertOpts) {
			return domain.MaterialiseSeriesArgs{}, &river.InsertOpts{Queue: domain.QueueFanOut, MaxAttempts: 1}
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
}
