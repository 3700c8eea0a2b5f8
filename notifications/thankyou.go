package notifications

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
)

// ThankYouStore is what the thank-you worker needs from persistence.
// ThankAttendees returns ENOTFOUND for events that no longer exist and
// ECONFLICT for events that have not been over for delay.
type ThankYouStore interface {
	EventsToThank(ctx context.Context, delay time.Duration, limit int) ([]string, error)
	ThankAttendees(ctx context.Context, eventID string, delay time.Duration) (int, error)
}

// FeedbackURL is an attendee's personal feedback link.
func FeedbackURL(baseURL, token string) string { return baseURL + "/f/" + url.PathEscape(token) }

// ThankYouInterval is how often attendees of ended events are thanked: a
// thank-you leaves at most this long after it is due, and someone whose
// attendance is recorded late is thanked as soon.
const ThankYouInterval = 5 * time.Minute

// thankYouBatch is how many events one round asks for at a time.
const thankYouBatch = 100

// ThankYouWorker queues the thank-you e-mails of events that have been
// over for Config.ThankYouDelay (see the store's ThankAttendees); the
// send worker sends them.
type ThankYouWorker struct {
	river.WorkerDefaults[domain.ThankAttendeesArgs]
	store ThankYouStore
	cfg   Config
}

// Work thanks the attendees of every event that is due. One event that
// fails does not stop the others; it is tried again at the next round.
func (w *ThankYouWorker) Work(ctx context.Context, _ *river.Job[domain.ThankAttendeesArgs]) error {
	_, err := ThankDue(ctx, w.store, max(w.cfg.ThankYouDelay, 0), w.cfg.Logger)
	return err
}

// Timeout bounds one round.
func (w *ThankYouWorker) Timeout(*river.Job[domain.ThankAttendeesArgs]) time.Duration {
	return 10 * time.Minute
}

// ThankDue queues the thank-yous of every event that is due and returns
// how many it queued. Failed events are logged and reported in the error
// after the others are done.
func ThankDue(ctx context.Context, st ThankYouStore, delay time.Duration, log *slog.Logger) (int, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		queued, failed int
		// Each event once per round: one that fails waits for the next.
		done = map[string]bool{}
	)
	for {
		limit := thankYouBatch + len(done)
		ids, err := st.EventsToThank(ctx, delay, limit)
		if err != nil {
			return queued, err
		}
		fresh := 0
		for _, id := range ids {
			if done[id] {
				continue
			}
			fresh++
			done[id] = true
			n, err := st.ThankAttendees(ctx, id, delay)
			switch domain.ErrorCode(err) {
			case "", domain.ENOTFOUND, domain.ECONFLICT:
				queued += n
			default:
				failed++
				log.WarnContext(ctx, "thank-you e-mails not queued; will retry", "event_id", id, "err", err.Error())
			}
		}
		if fresh == 0 || len(ids) < limit {
			break
		}
	}
	if queued > 0 {
		log.InfoContext(ctx, "thank-you e-mails queued", "emails", queued)
	}
	if failed > 0 {
		return queued, fmt.Errorf("the thank-you e-mails of %d events could not be queued", failed)
	}
	return queued, nil
}

// RegisterThankYou adds the thank-you worker to a River worker registry;
// ThankYouJobs schedules it.
func RegisterThankYou(workers *river.Workers, st ThankYouStore, cfg Config) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	river.AddWorker(workers, &ThankYouWorker{store: st, cfg: cfg})
}

// ThankYouJobs are the periodic jobs of the thank-you worker: every
// interval (ThankYouInterval when zero), and once when the service starts.
// A round that fails is not retried: the next one comes soon.
func ThankYouJobs(interval time.Duration) []*river.PeriodicJob {
	if interval <= 0 {
		interval = ThankYouInterval
	}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
			return domain.ThankAttendeesArgs{}, &river.InsertOpts{Queue: domain.QueueFanOut, MaxAttempts: 1}
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
}
