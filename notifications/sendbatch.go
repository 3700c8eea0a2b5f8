package notifications

import (
	"context"
	"errors"
	"sync"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/mail"
)

// BatchStore is what the batch worker needs from persistence on top of
// Store.
type BatchStore interface {
	// LoadOutgoingBatch returns the still-queued deliveries among ids with
	// what their e-mails need, and a fresh manage token for each (""
	// when the attendee's data was erased), in one transaction.
	LoadOutgoingBatch(ctx context.Context, ids []string) ([]domain.Outgoing, []string, error)
	// MarkDeliveries records the outcomes of a batch in one transaction;
	// an outcome with a RetryAt gets a send_email job of its own.
	MarkDeliveries(ctx context.Context, outcomes []domain.DeliveryOutcome) error
}

// SendBatchWorker sends the deliveries of a fan-out (an update or a
// cancellation to every attendee) a batch at a time: one transaction loads
// them and mints their manage tokens, a mail.Composer writes their e-mails
// (what they share once, then each attendee's own parts), one call hands
// every message to the sender, and each message the server takes is
// recorded as sent at once (one single-row UPDATE), before the connection
// carries the next one. Refusals are recorded together at the end: a delivery refused for the
// time being is left queued with the server's answer and retried by a
// send_email job of its own, with SendWorker's backoff; one refused for
// good is marked failed. A batch run again — its time ran out, or the
// process died — sends only what is still queued and untried, with the
// same Message-IDs: at most the messages in flight at the time go out
// twice.
type SendBatchWorker struct {
	emailJob[domain.SendEmailBatchArgs] // retried and bounded as every e-mail job
	store                               interface {
		Store
		BatchStore
	}
	sender mail.Sender
	// gate bounds the batches worked at once (nil: no bound): each holds
	// its composed messages in memory until they are sent, and the
	// e-mail queue runs many workers.
	gate chan struct{}
}

// maxConcurrentBatches is how many batches are worked at once: enough to
// keep the sender's connections busy (it sends up to 50 messages per
// connection) while the next batches are loaded and composed, without
// holding a whole large fan-out's messages in memory.
const maxConcurrentBatches = 8

// Work sends the batch named by the job.
func (w *SendBatchWorker) Work(ctx context.Context, job *river.Job[domain.SendEmailBatchArgs]) error {
	if w.gate != nil {
		select {
		case w.gate <- struct{}{}:
			defer func() { <-w.gate }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	done, err := w.cfg.Foreground.wait(ctx)
	if err != nil {
		return err
	}
	defer done()
	outs, tokens, err := w.store.LoadOutgoingBatch(ctx, job.Args.DeliveryIDs)
	if err != nil {
		return err
	}
	var (
		outcomes = make([]domain.DeliveryOutcome, 0, len(outs))
		msgs     = make([]mail.Message, 0, len(outs))
		sending  = make([]domain.Outgoing, 0, len(outs))
		// The batch's e-mails are one piece of news to many attendees,
		// made at one time: what they share is set out once.
		c = composing{now: w.cfg.Clock.Now().UTC(), compose: mail.NewComposer().Compose}
	)
	for i, out := range outs {
		if out.RSVP.Email == "" {
			outcomes = append(outcomes, w.failed(ctx, out, errors.New("the attendee's data was erased")))
			continue
		}
		msg, err := composeOutgoing(ctx, w.store, w.cfg, out, tokens[i], c)
		var merr *mintError
		switch {
		case errors.As(err, &merr):
			// The store failed: the delivery gets its own job, as after a
			// failed send, rather than the whole batch being redone.
			outcomes = append(outcomes, w.retried(ctx, out, merr.err))
		case errors.Is(err, mail.ErrStale):
			outcomes = append(outcomes, domain.DeliveryOutcome{DeliveryID: out.Delivery.ID, Status: domain.DeliverySkipped, LastError: err.Error()})
		case err != nil:
			outcomes = append(outcomes, w.failed(ctx, out, err))
		default:
			msgs = append(msgs, msg)
			sending = append(sending, out)
		}
	}
	record, cancel := recordContext(ctx)
	defer cancel()
	var (
		mu          sync.Mutex
		interrupted bool
		subs        = make([]mail.Submission, len(msgs))
	)
	for i, msg := range msgs {
		out := sending[i]
		subs[i] = mail.Submission{Msg: msg, Ctx: ctx, Done: func(err error) {
			var o domain.DeliveryOutcome
			switch {
			case err == nil:
				w.cfg.countEmail(string(out.Delivery.Kind), EmailSent)
				// Recorded at once, before the connection takes the next
				// message: a crash from here on does not send it again.
				if w.store.MarkDelivery(record, out.Delivery.ID, domain.DeliverySent, "") == nil {
					return
				}
				o = domain.DeliveryOutcome{DeliveryID: out.Delivery.ID, Status: domain.DeliverySent}
			case mail.IsPermanent(err):
				o = w.failed(ctx, out, err)
			case ctx.Err() != nil:
				// The attempt's time is up, or the service is stopping:
				// the message was not begun, or was cut off. It stays
				// queued, untried, for the batch's next attempt.
				w.cfg.countEmail(string(out.Delivery.Kind), EmailRetried)
				mu.Lock()
				interrupted = true
				mu.Unlock()
				return
			default:
				o = w.retried(ctx, out, err)
			}
			mu.Lock()
			outcomes = append(outcomes, o)
			mu.Unlock()
		}}
	}
	mail.Submit(ctx, w.sender, subs)
	if err := w.store.MarkDeliveries(record, outcomes); err != nil {
		// Sent but not marked: the batch is run again and sends what is
		// still queued.
		return errors.New(Redact(err.Error()))
	}
	if interrupted {
		return ctx.Err()
	}
	return nil
}

// failed counts and logs a delivery refused for good (never its address).
func (w *SendBatchWorker) failed(ctx context.Context, out domain.Outgoing, err error) domain.DeliveryOutcome {
	w.cfg.countEmail(string(out.Delivery.Kind), EmailFailed)
	w.cfg.Logger.WarnContext(ctx, "e-mail refused for good", "delivery_id", out.Delivery.ID, "err", Redact(err.Error()))
	return domain.DeliveryOutcome{DeliveryID: out.Delivery.ID, Status: domain.DeliveryFailed, LastError: err.Error()}
}

// retried counts and logs a delivery to try again by its own job, after
// the backoff SendWorker waits after a first attempt.
func (w *SendBatchWorker) retried(ctx context.Context, out domain.Outgoing, err error) domain.DeliveryOutcome {
	w.cfg.countEmail(string(out.Delivery.Kind), EmailRetried)
	w.cfg.Logger.WarnContext(ctx, "e-mail not sent; will retry", "delivery_id", out.Delivery.ID, "attempt", 1, "err", Redact(err.Error()))
	return domain.DeliveryOutcome{DeliveryID: out.Delivery.ID, Status: domain.DeliveryQueued, LastError: err.Error(),
		RetryAt: w.cfg.Clock.Now().Add(cappedBackoff(1, w.cfg.RetryBackoffMax))}
}
