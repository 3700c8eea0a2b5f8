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
	emailJob[domain.SendInvitationArgs]
	store  RequestStore
	sender mail.Sender
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
		SeriesTitle: out.SeriesTitle, UnfollowURL: unfollow, Locale: out.Locale,
	})
	if errors.Is(err, mail.ErrStale) {
		// The event was cancelled or is over before the invitation left.
		return river.JobCancel(w.store.MarkInvitation(ctx, id, domain.InvitationQueued, "not sent: "+err.Error()))
	}
	mark := func(status domain.InvitationStatus) func(context.Context, error) error {
		return func(ctx context.Context, answer error) error {
			return w.store.MarkInvitation(ctx, id, status, answer.Error())
		}
	}
	a := attempt{cfg: w.cfg, kind: domain.MessageInvitation, noun: "invitation", idKey: "invitation_id", id: id, try: job.Attempt, tries: job.MaxAttempts,
		sent:     func(ctx context.Context) error { return w.store.MarkInvitation(ctx, id, domain.InvitationSent, "") },
		retrying: mark(domain.InvitationQueued), failed: mark(domain.InvitationBounced)}
	if err != nil {
		return a.fail(ctx, err)
	}
	return a.send(ctx, w.sender, msg)
}

// ConfirmationWorker sends the e-mail that confirms a pending RSVP. It
// stops retrying when the request expires: a link that arrives after that
// would not work.
type ConfirmationWorker struct {
	emailJob[domain.SendConfirmationArgs]
	store  RequestStore
	sender mail.Sender
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
		Locale: p.Locale, // the page's the person replied on
	})
	a := attempt{cfg: w.cfg, kind: domain.MessageConfirm, noun: "confirmation", idKey: "pending_id", id: id, try: job.Attempt, tries: job.MaxAttempts,
		expires: p.ExpiresAt, // a link that arrives after that would not work
		sent:    func(ctx context.Context) error { return w.store.MarkConfirmation(ctx, id, true, "") },
		failed: func(ctx context.Context, answer error) error {
			return w.store.MarkConfirmation(ctx, id, false, answer.Error())
		}}
	if err != nil {
		return a.fail(ctx, err)
	}
	return a.send(ctx, w.sender, msg)
}

// FollowConfirmationWorker sends the e-mail that confirms following a
// series. It stops retrying when the link expires.
type FollowConfirmationWorker struct {
	emailJob[domain.SendFollowConfirmationArgs]
	store  RequestStore
	sender mail.Sender
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
		SeriesTitle: out.Series.Title, FollowMode: f.Mode, Locale: f.Locale,
	})
	a := attempt{cfg: w.cfg, kind: domain.MessageConfirmFollow, noun: "follow confirmation", idKey: "follower_id", id: id,
		try: job.Attempt, tries: job.MaxAttempts, expires: *f.ConfirmExpiresAt,
		sent: func(context.Context) error { return nil }} // the follower's token is the record
	if err != nil {
		return a.fail(ctx, err)
	}
	return a.send(ctx, w.sender, msg)
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
