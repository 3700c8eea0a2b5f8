package notifications

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
)

// ReminderStore is what the reminder and reconfirmation workers need from
// persistence. Each method re-reads the event and does nothing when the job
// is stale (the event was cancelled or moved, or its setting changed); each
// may be run again after a failure without sending anything twice. They
// return ENOTFOUND when the event no longer exists.
type ReminderStore interface {
	SendReminders(ctx context.Context, a domain.ReminderArgs) (int, error)
	RequestReconfirmation(ctx context.Context, a domain.ReconfirmArgs) (int, error)
	ReleaseUnconfirmed(ctx context.Context, a domain.ReconfirmArgs) ([]string, error)
}

// ReminderWorker turns a due reminder into one e-mail per person going.
type ReminderWorker struct {
	river.WorkerDefaults[domain.ReminderArgs]
	store ReminderStore
}

// Work creates the reminder's deliveries.
func (w *ReminderWorker) Work(ctx context.Context, job *river.Job[domain.ReminderArgs]) error {
	if _, err := w.store.SendReminders(ctx, job.Args); err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return fmt.Errorf("reminder %s for event %s: %w", domain.FormatISODuration(job.Args.Before), job.Args.EventID, err)
	}
	return nil
}

// Timeout bounds one reminder fan-out.
func (w *ReminderWorker) Timeout(*river.Job[domain.ReminderArgs]) time.Duration {
	return 10 * time.Minute
}

// ReconfirmWorker runs one step of an event's reconfirmation: asking the
// people going, or releasing the seats of those who did not confirm.
type ReconfirmWorker struct {
	river.WorkerDefaults[domain.ReconfirmArgs]
	store ReminderStore
	cfg   Config
}

// Work runs the step.
func (w *ReconfirmWorker) Work(ctx context.Context, job *river.Job[domain.ReconfirmArgs]) error {
	var err error
	switch job.Args.Step {
	case domain.ReconfirmAsk:
		_, err = w.store.RequestReconfirmation(ctx, job.Args)
	case domain.ReconfirmRelease:
		var released []string
		released, err = w.store.ReleaseUnconfirmed(ctx, job.Args)
		if len(released) > 0 {
			w.cfg.Logger.InfoContext(ctx, "seats of unconfirmed RSVPs released", "event_id", job.Args.EventID, "count", len(released))
		}
	default:
		return river.JobCancel(fmt.Errorf("unknown reconfirmation step %q", job.Args.Step))
	}
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return fmt.Errorf("reconfirmation %s for event %s: %w", job.Args.Step, job.Args.EventID, err)
	}
	return nil
}

// Timeout bounds one step.
func (w *ReconfirmWorker) Timeout(*river.Job[domain.ReconfirmArgs]) time.Duration {
	return 10 * time.Minute
}
