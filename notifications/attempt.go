package notifications

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/mail"
)

// emailJob gives every e-mail worker the same retries and the same time
// limit: backoff from 1 s, doubling, at most Config.RetryBackoffMax apart
// (ten minutes), and Config.SendTimeout an attempt.
type emailJob[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	cfg Config
}

// NextRetry backs off like every e-mail.
func (w *emailJob[T]) NextRetry(job *river.Job[T]) time.Time {
	return w.cfg.Clock.Now().Add(cappedBackoff(job.Attempt, w.cfg.RetryBackoffMax))
}

// Timeout bounds one attempt (Config.SendTimeout).
func (w *emailJob[T]) Timeout(*river.Job[T]) time.Duration { return w.cfg.sendTimeout() }

// attempt is one try at sending one e-mail, the same for every kind. It
// sends the message, recording it sent as soon as the server takes it,
// then sorts out a failure: a permanent refusal, the last attempt, or a
// link that has expired fails it for good; anything else is retried with
// backoff. Every outcome is counted under the e-mail's kind
// (convene_emails_total) and every failure logged with the e-mail's id,
// never an address.
type attempt struct {
	cfg  Config
	kind domain.MessageKind
	// noun names the e-mail in log lines ("invitation"); idKey and id name
	// the record it is about ("invitation_id").
	noun, idKey, id string
	// try and tries are the job's attempt and its maximum.
	try, tries int
	// expires, when set, is when the e-mail's link stops working: no
	// attempt is made after it.
	expires time.Time
	// sent records that the server took the message; retrying and failed
	// record the server's answer (each may be nil).
	sent     func(ctx context.Context) error
	retrying func(ctx context.Context, answer error) error
	failed   func(ctx context.Context, answer error) error
}

// send sends msg and returns what the job should: nil when sent, an error
// to retry, or a cancellation when it failed for good.
func (a attempt) send(ctx context.Context, s mail.Sender, msg mail.Message) error {
	sendErr, recordErr := sendOne(ctx, s, msg, a.sent)
	if sendErr == nil {
		a.cfg.countEmail(string(a.kind), EmailSent)
		return recordErr
	}
	expired := !a.expires.IsZero() && !a.cfg.Clock.Now().Before(a.expires)
	if mail.IsPermanent(sendErr) || a.try >= a.tries || expired {
		// Refused for good, retried for as long as we retry, or its link
		// has expired: its record says so rather than queued for ever.
		return a.fail(ctx, sendErr)
	}
	a.cfg.countEmail(string(a.kind), EmailRetried)
	a.cfg.Logger.WarnContext(ctx, a.noun+" not sent; will retry", a.idKey, a.id, "attempt", a.try, "err", Redact(sendErr.Error()))
	if a.retrying != nil {
		if err := a.retrying(ctx, sendErr); err != nil {
			return errors.New(Redact(errors.Join(sendErr, err).Error()))
		}
	}
	// The record keeps the server's whole answer for the organiser; the
	// job queue, which logs failed attempts, never sees an address.
	return errors.New(Redact(sendErr.Error()))
}

// fail fails the e-mail for good: a refusal, or data that can never make
// a valid message (retrying cannot help).
func (a attempt) fail(ctx context.Context, why error) error {
	a.cfg.countEmail(string(a.kind), EmailFailed)
	a.cfg.Logger.WarnContext(ctx, a.noun+" refused for good", a.idKey, a.id, "err", Redact(why.Error()))
	if a.failed != nil {
		if err := a.failed(ctx, why); err != nil {
			return err
		}
	}
	return river.JobCancel(errors.New(Redact(why.Error())))
}
