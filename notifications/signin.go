package notifications

import (
	"context"
	"errors"
	"net/url"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/mail"
)

// SignInStore is what the sign-in worker needs from storage.
type SignInStore interface {
	// LoadSignIn returns the link, its organiser and a new raw token for
	// it; the token is "" when the link can no longer be used.
	LoadSignIn(ctx context.Context, linkID string) (domain.SignInLink, domain.Organiser, string, error)
	MarkSignIn(ctx context.Context, linkID string, sent bool, lastError string) error
}

// SignInURL is an organiser's sign-in link to the console.
func SignInURL(baseURL, token string) string {
	return baseURL + "/manage/sign-in/" + url.PathEscape(token)
}

// SignInWorker e-mails an organiser their sign-in link. It stops retrying
// when the link expires: a link that arrives after that would not work.
type SignInWorker struct {
	emailJob[domain.SendSignInArgs]
	store  SignInStore
	sender mail.Sender
}

// Work sends the sign-in e-mail named by the job.
func (w *SignInWorker) Work(ctx context.Context, job *river.Job[domain.SendSignInArgs]) error {
	id := job.Args.LinkID
	link, o, token, err := w.store.LoadSignIn(ctx, id)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil // purged, or the organiser was removed
	}
	if err != nil {
		return err
	}
	if token == "" {
		return nil // used, expired or sent meanwhile
	}
	msg, err := mail.ComposeSignIn(mail.SignIn{
		LinkID: link.ID, Name: o.Name, Email: o.Email, ActionURL: SignInURL(w.cfg.BaseURL, token),
		ExpiresAt: link.ExpiresAt, From: w.cfg.From, BaseURL: w.cfg.BaseURL, Now: w.cfg.Clock.Now().UTC(),
		Locale: domain.LanguageTag(job.Args.Locale),
	})
	if errors.Is(err, mail.ErrStale) {
		return river.JobCancel(w.store.MarkSignIn(ctx, id, false, "not sent: "+err.Error()))
	}
	a := attempt{cfg: w.cfg, kind: domain.MessageSignIn, noun: "sign-in link", idKey: "link_id", id: id, try: job.Attempt, tries: job.MaxAttempts,
		expires: link.ExpiresAt, // a link that arrives after that would not work
		sent:    func(ctx context.Context) error { return w.store.MarkSignIn(ctx, id, true, "") },
		failed: func(ctx context.Context, answer error) error {
			return w.store.MarkSignIn(ctx, id, false, answer.Error())
		}}
	if err != nil {
		return a.fail(ctx, err)
	}
	return a.send(ctx, w.sender, msg)
}
