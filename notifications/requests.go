package notifications

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/mail"
)

// RequestStore is what the invitation and confirmation workers need from
// persistence. The Load methods return ENOTFOUND for what no longer
// exists, and a token only while the e-mail is still to be sent.
type RequestStore interface {
	LoadInvitation(ctx context.Context, id string) (domain.InvitationOutgoing, string, error)
	MarkInvitation(ctx context.Context, id string, status domain.InvitationStatus, lastError string) error
	LoadConfirmation(ctx context.Context, pendingID string) (domain.ConfirmationOutgoing, string, error)
	MarkConfirmation(ctx context.Context, pendingID string, sent bool, lastError string) error
	PurgeExpired(ctx context.Context) (int64, error)
	// LoadFollowConfirmation returns ENOTFOUND for a follower that no
	// longer exists, and a token only while a confirmation is to be sent.
	LoadFollowConfirmation(ctx context.Context, followerID string) (domain.FollowConfirmationOutgoing, string, error)
	// MintUnfollowToken makes a new unfollow link for an e-mail to a follower.
	MintUnfollowToken(ctx context.Context, followerID string) (string, error)
}

// InvitationURL is the personal link of an invitation.
func InvitationURL(baseURL, token string) string { return baseURL + "/i/" + url.PathEscape(token) }

// JoinURL is an attendee's personal join link of a live session.
func JoinURL(baseURL, joinToken string) string { return baseURL + "/j/" + url.PathEscape(joinToken) }

// ConfirmURL is the link that confirms a pending RSVP.
func ConfirmURL(baseURL, token string) string { return baseURL + "/c/" + url.PathEscape(token) }

// FollowURL is the link that confirms following a series.
func FollowURL(baseURL, token string) string { return baseURL + "/follow/" + url.PathEscape(token) }

// UnfollowURL is a follower's one-click unfollow link (also the target of
// the List-Unsubscribe header).
func UnfollowURL(baseURL, token string) string { return baseURL + "/unfollow/" + url.PathEscape(token) }

// unfollowLink mints the unfollow link of an e-mail to a follower; "" when
// the e-mail is not to a follower.
func unfollowLink(ctx context.Context, st RequestStore, baseURL, followerID string) (string, error) {
	if followerID == "" {
		return "", nil
	}
	tok, err := st.MintUnfollowToken(ctx, followerID)
	if err != nil {
		return "", err
	}
	return UnfollowURL(baseURL, tok), nil
}

// InvitationWorker sends one personal invitation. A permanent refusal by
// the recipient's server, or running out of attempts, marks it bounced,
// which the organiser sees.
type InvitationWorker struct {
	river.WorkerDefaults[domain.SendInvitationArgs]
	store  RequestStore
	sender mail.Sender
	cfg    Config
}

// Work sends the invitation named by the job.
func (w *InvitationWorker) Work(ctx context.Context, job *river.Job[domain.SendInvitationArgs]) error {
	id := job.Args.InvitationID
	out, token, err := w.store.LoadInvitation(ctx, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if token == "" {
		return nil // sent, answered or bounced already
	}
	inv := out.Invitation
	unfollow, err := unfollowLink(ctx, w.store, w.cfg.BaseURL, out.FollowerID)
	if err != nil {
		return err
	}
	msg, err := mail.ComposeRequest(domain.MessageInvitation, mail.Request{
		ID: inv.ID, Name: inv.Name, Email: inv.Email, Event: out.Event, Group: out.Group,
		OrganizerEmail: out.OrganizerEmail, From: w.cfg.From, BaseURL: w.cfg.BaseURL,
		ActionURL: InvitationURL(w.cfg.BaseURL, token), Note: inv.Message, InvitedBy: out.InvitedBy, Now: w.cfg.Clock.Now().UTC(),
		SeriesTitle: out.SeriesTitle, UnfollowURL: unfollow,
	})
	if errors.Is(err, mail.ErrStale) {
		// The event was cancelled or is over before the invitation left.
		return river.JobCancel(w.store.MarkInvitation(ctx, id, domain.InvitationQueued, "not sent: "+err.Error()))
	}
	if err != nil {
		return w.bounce(ctx, id, err)
	}
	sendErr, markErr := sendOne(ctx, w.sender, msg, func(ctx context.Context) error {
		return w.store.MarkInvitation(ctx, id, domain.InvitationSent, "")
	})
	if err := sendErr; err != nil {
		if mail.IsPermanent(err) || job.Attempt >= job.MaxAttempts {
			return w.bounce(ctx, id, err)
		}
		w.cfg.countEmail("invitation", EmailRetried)
		w.cfg.Logger.WarnContext(ctx, "invitation not sent; will retry", "invitation_id", id, "attempt", job.Attempt, "err", Redact(err.Error()))
		if merr := w.store.MarkInvitation(ctx, id, domain.InvitationQueued, err.Error()); merr != nil {
			return errors.New(Redact(errors.Join(err, merr).Error()))
		}
		return errors.New(Redact(err.Error()))
	}
	w.cfg.countEmail("invitation", EmailSent)
	return markErr
}

func (w *InvitationWorker) bounce(ctx context.Context, id string, err error) error {
	w.cfg.countEmail("invitation", EmailFailed)
	w.cfg.Logger.WarnContext(ctx, "invitation refused for good", "invitation_id", id, "err", Redact(err.Error()))
	if merr := w.store.MarkInvitation(ctx, id, domain.InvitationBounced, err.Error()); merr != nil {
		return merr
	}
	return river.JobCancel(errors.New(Redact(err.Error())))
}

// NextRetry backs off like every e-mail.
func (w *InvitationWorker) NextRetry(job *river.Job[domain.SendInvitationArgs]) time.Time {
	return w.cfg.Clock.Now().Add(cappedBackoff(job.Attempt, w.cfg.RetryBackoffMax))
}

// Timeout bounds one attempt.
func (w *InvitationWorker) Timeout(*river.Job[domain.SendInvitationArgs]) time.Duration {
	return w.cfg.sendTimeout()
}

// ConfirmationWorker sends the e-mail that confirms a pending RSVP. It
// stops retrying when the request expires: a link that arrives after that
// would not work.
type ConfirmationWorker struct {
	river.WorkerDefaults[domain.SendConfirmationArgs]
	store  RequestStore
	sender mail.Sender
	cfg    Config
}

// Work sends the confirmation named by the job.
func (w *ConfirmationWorker) Work(ctx context.Context, job *river.Job[domain.SendConfirmationArgs]) error {
	id := job.Args.PendingID
	out, token, err := w.store.LoadConfirmation(ctx, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil // expired and purged, or the event was deleted
	}
	if err != nil {
		return err
	}
	if token == "" {
		return nil
	}
	now := w.cfg.Clock.Now().UTC()
	p := out.Pending
	msg, err := mail.ComposeRequest(domain.MessageConfirm, mail.Request{
		ID: p.ID, Name: p.Name, Email: p.Email, Event: out.Event, Group: out.Group,
		OrganizerEmail: out.OrganizerEmail, From: w.cfg.From, BaseURL: w.cfg.BaseURL,
		ActionURL: ConfirmURL(w.cfg.BaseURL, token), ExpiresAt: p.ExpiresAt, Now: now,
	})
	if err != nil {
		return w.fail(ctx, id, err)
	}
	sendErr, markErr := sendOne(ctx, w.sender, msg, func(ctx context.Context) error {
		return w.store.MarkConfirmation(ctx, id, true, "")
	})
	if err := sendErr; err != nil {
		if mail.IsPermanent(err) || job.Attempt >= job.MaxAttempts || !now.Before(p.ExpiresAt) {
			return w.fail(ctx, id, err)
		}
		w.cfg.countEmail("confirmation", EmailRetried)
		w.cfg.Logger.WarnContext(ctx, "confirmation not sent; will retry", "pending_id", id, "attempt", job.Attempt, "err", Redact(err.Error()))
		return errors.New(Redact(err.Error()))
	}
	w.cfg.countEmail("confirmation", EmailSent)
	return markErr
}

func (w *ConfirmationWorker) fail(ctx context.Context, id string, err error) error {
	w.cfg.countEmail("confirmation", EmailFailed)
	w.cfg.Logger.WarnContext(ctx, "confirmation refused for good", "pending_id", id, "err", Redact(err.Error()))
	if merr := w.store.MarkConfirmation(ctx, id, false, err.Error()); merr != nil {
		return merr
	}
	return river.JobCancel(errors.New(Redact(err.Error())))
}

// NextRetry backs off like every e-mail.
func (w *ConfirmationWorker) NextRetry(job *river.Job[domain.SendConfirmationArgs]) time.Time {
	return w.cfg.Clock.Now().Add(cappedBackoff(job.Attempt, w.cfg.RetryBackoffMax))
}

// Timeout bounds one attempt.
func (w *ConfirmationWorker) Timeout(*river.Job[domain.SendConfirmationArgs]) time.Duration {
	return w.cfg.sendTimeout()
}

// FollowConfirmationWorker sends the e-mail that confirms following a
// series. It stops retrying when the link expires.
type FollowConfirmationWorker struct {
	river.WorkerDefaults[domain.SendFollowConfirmationArgs]
	store  RequestStore
	sender mail.Sender
	cfg    Config
}

// Work sends the confirmation named by the job.
func (w *FollowConfirmationWorker) Work(ctx context.Context, job *river.Job[domain.SendFollowConfirmationArgs]) error {
	id := job.Args.FollowerID
	out, token, err := w.store.LoadFollowConfirmation(ctx, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if token == "" {
		return nil // confirmed, unfollowed or expired meanwhile, or no session ahead
	}
	now := w.cfg.Clock.Now().UTC()
	f := out.Follower
	msg, err := mail.ComposeRequest(domain.MessageConfirmFollow, mail.Request{
		ID: f.ID, Name: f.Name, Email: f.Email, Event: out.Next, Group: out.Group,
		OrganizerEmail: out.OrganizerEmail, From: w.cfg.From, BaseURL: w.cfg.BaseURL,
		ActionURL: FollowURL(w.cfg.BaseURL, token), ExpiresAt: *f.ConfirmExpiresAt, Now: now,
		SeriesTitle: out.Series.Title, FollowMode: f.Mode,
	})
	if err != nil {
		w.cfg.countEmail("follow_confirmation", EmailFailed)
		return river.JobCancel(errors.New(Redact(err.Error())))
	}
	if err := w.sender.Send(ctx, []mail.Message{msg})[0]; err != nil {
		if mail.IsPermanent(err) || job.Attempt >= job.MaxAttempts || !now.Before(*f.ConfirmExpiresAt) {
			w.cfg.countEmail("follow_confirmation", EmailFailed)
			w.cfg.Logger.WarnContext(ctx, "follow confirmation refused for good", "follower_id", id, "err", Redact(err.Error()))
			return river.JobCancel(errors.New(Redact(err.Error())))
		}
		w.cfg.countEmail("follow_confirmation", EmailRetried)
		return errors.New(Redact(err.Error()))
	}
	w.cfg.countEmail("follow_confirmation", EmailSent)
	return nil
}

// NextRetry backs off like every e-mail.
func (w *FollowConfirmationWorker) NextRetry(job *river.Job[domain.SendFollowConfirmationArgs]) time.Time {
	return w.cfg.Clock.Now().Add(cappedBackoff(job.Attempt, w.cfg.RetryBackoffMax))
}

// Timeout bounds one attempt.
func (w *FollowConfirmationWorker) Timeout(*river.Job[domain.SendFollowConfirmationArgs]) time.Duration {
	return w.cfg.sendTimeout()
}

// PurgeWorker deletes expired confirmation requests; it runs periodically
// (PurgeInterval).
type PurgeWorker struct {
	river.WorkerDefaults[domain.PurgeArgs]
	store RequestStore
	cfg   Config
}

// PurgeInterval is how often expired data is deleted.
const PurgeInterval = time.Hour

// Work purges.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[domain.PurgeArgs]) error {
	n, err := w.store.PurgeExpired(ctx)
	if err == nil && n > 0 {
		w.cfg.Logger.InfoContext(ctx, "expired confirmation requests deleted", "count", n)
	}
	return err
}

// PeriodicJobs are the jobs the worker client runs on a schedule.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(PurgeInterval), func() (river.JobArgs, *river.InsertOpts) {
			return domain.PurgeArgs{}, &river.InsertOpts{Queue: domain.QueueFanOut}
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
}
