package notifications

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
)

// ContributionStore is what the contribution worker needs from
// persistence. DeriveContributions returns ENOTFOUND for events that no
// longer exist and ECONFLICT for events that are not over.
type ContributionStore interface {
	EventsToDerive(ctx context.Context, limit int) ([]string, error)
	DeriveContributions(ctx context.Context, eventID, baseURL string) (int, error)
}

// ContributionsInterval is how often records are brought up to date: an
// event's records appear at most this long after it ends, and follow a
// correction of its attendance as soon.
const ContributionsInterval = 5 * time.Minute

// contributionsBatch is how many events one round asks for at a time.
const contributionsBatch = 100

// ContributionsWorker derives the contribution records of events that
// ended recently, and again for those whose attendance, people or details
// changed since (see the store's DeriveContributions).
type ContributionsWorker struct {
	river.WorkerDefaults[domain.DeriveContributionsArgs]
	store ContributionStore
	cfg   Config
}

// Work derives every event that is due. One event that fails does not
// stop the others; it is tried again at the next round.
func (w *ContributionsWorker) Work(ctx context.Context, _ *river.Job[domain.DeriveContributionsArgs]) error {
	_, err := DeriveDue(ctx, w.store, w.cfg.BaseURL, w.cfg.Logger)
	return err
}

// DeriveDue derives the records of every event that is due and returns
// how many records it wrote. Failed events are logged and reported in the
// error after the others are done.
func DeriveDue(ctx context.Context, st ContributionStore, baseURL string, log *slog.Logger) (int, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		written, failed int
		// Each event once per round: one that fails, or that another
		// replica's clock keeps due, waits for the next round.
		done = map[string]bool{}
	)
	for {
		limit := contributionsBatch + len(done)
		ids, err := st.EventsToDerive(ctx, limit)
		if err != nil {
			return written, err
		}
		fresh := 0
		for _, id := range ids {
			if done[id] {
				continue
			}
			fresh++
			done[id] = true
			n, err := st.DeriveContributions(ctx, id, baseURL)
			switch domain.ErrorCode(err) {
			case "", domain.ENOTFOUND:
				written += n
			default:
				failed++
				log.WarnContext(ctx, "contribution records not derived; will retry", "event_id", id, "err", err.Error())
			}
		}
		if fresh == 0 || len(ids) < limit {
			break
		}
	}
	if written > 0 {
		log.InfoContext(ctx, "contribution records derived", "records", written)
	}
	if failed > 0 {
		return written, fmt.Errorf("the contribution records of %d events could not be derived", failed)
	}
	return written, nil
}

// Timeout bounds one round.
func (w *ContributionsWorker) Timeout(*river.Job[domain.DeriveContributionsArgs]) time.Duration {
	return 10 * time.Minute
}

// RegisterContributions adds the contribution worker to a River worker
// registry; ContributionJobs schedules it.
func RegisterContributions(workers *river.Workers, st ContributionStore, cfg Config) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	river.AddWorker(workers, &ContributionsWorker{store: st, cfg: cfg})
}

// ContributionJobs are the periodic jobs of the contribution worker: every
// ContributionsInterval, and once when the service starts. A round that
// fails is not retried: the next one comes soon.
func ContributionJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(ContributionsInterval), func() (river.JobArgs, *river.InsertOpts) {
			return domain.DeriveContributionsArgs{}, &river.InsertOpts{Queue: domain.QueueFanOut, MaxAttempts: 1}
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
}
