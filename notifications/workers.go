// Package notifications sends attendees their e-mails — calendar invites,
// waitlist notices, updates and cancellations — from background jobs
// (River). The jobs are inserted by the store in the same transaction as
// the change that causes them; this package works them, through the Store
// interface it declares. What an e-mail says and how it leaves is in
// notifications/mail, the calendar objects in notifications/calendar; this
// package never imports the store or the HTTP rooms.
package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	netmail "net/mail"
	"regexp"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/mail"
)

// Store is what the workers need from persistence. LoadOutgoing returns
// ENOTFOUND for a delivery that no longer exists.
type Store interface {
	LoadOutgoing(ctx context.Context, deliveryID string) (domain.Outgoing, error)
	MintManageToken(ctx context.Context, rsvpID string) (string, error)
	MarkDelivery(ctx context.Context, id string, status domain.DeliveryStatus, lastError string) error
	FanOut(ctx context.Context, eventID string, kind domain.MessageKind) (int, error)
	MintUnfollowToken(ctx context.Context, followerID string) (string, error)
}

// Config configures the workers.
type Config struct {
	// BaseURL is the public address of the service, for links.
	BaseURL string
	// From is the sender of every e-mail (CONVENE_MAIL_FROM).
	From netmail.Address
	// SendTimeout bounds one attempt of every e-mail job — one e-mail, a
	// fan-out's batch, an invitation, a confirmation — from the moment the
	// job queue hands it to a worker; zero means DefaultSendTimeout. Once
	// it is up the attempt sends nothing more (the message in flight is
	// cut off) and records what it sent within RecordGrace, so that a job
	// running longer than both can be taken for abandoned by a process
	// that died, and run again, without ever running twice at once.
	SendTimeout time.Duration
	// Logger receives one line per failed attempt; never addresses.
	Logger *slog.Logger
	// Clock is the service's one clock, the one the store was opened
	// with (required by Register).
	Clock domain.Clock
	// Metrics counts e-mails by outcome; nil counts nothing.
	Metrics Metrics
	// RetryBackoffMax caps the wait between two attempts to send an
	// e-mail; zero means ten minutes. Tests of mail-server outages
	// shorten it so that they need not wait for the long retries.
	RetryBackoffMax time.Duration
	// ThankYouDelay is how long after an event ends its attendees are
	// thanked; zero thanks them at the first round after the end. Zero is
	// a choice, not a missing value: the service's default of two hours
	// (domain.DefaultThankYouDelay) is CONVENE_THANK_YOU_DELAY's.
	ThankYouDelay time.Duration
	// Foreground, when set, makes e-mails give way to requests in flight
	// (see Foreground); nil sends as the job queue runs them.
	Foreground *Foreground
	// InboundDomain is the domain of the RSVPs' reply addresses
	// (CONVENE_INBOUND_DOMAIN): when set, an invite's ORGANIZER is the
	// RSVP's own reply address there, so that the attendee's calendar
	// answers come back to Convene. Empty leaves the invites' ORGANIZER
	// the group's contact.
	InboundDomain string
	// MailDir is the directory of .eml files from which the e-mails to an
	// erased address are removed (EraseFilesWorker): the data directory's
	// mail/, also when e-mail goes out by SMTP now (files may remain from
	// before). Empty means the sender's own directory when it is an
	// *mail.EMLDir, else none.
	MailDir string
}

// Register adds the workers to a River worker registry.
func Register(workers *river.Workers, st interface {
	Store
	BatchStore
	RequestStore
	ReminderStore
	EraseStore
	SignInStore
	ReplyStore
}, sender mail.Sender, cfg Config) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		panic("notifications: Config.Clock is nil; pass the store's clock")
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	river.AddWorker(workers, newSendWorker(st, sender, cfg))
	river.AddWorker(workers, &SendBatchWorker{emailJob: emailJob[domain.SendEmailBatchArgs]{cfg: cfg}, store: st, sender: sender, gate: make(chan struct{}, maxConcurrentBatches)})
	river.AddWorker(workers, &FanOutWorker{store: st})
	river.AddWorker(workers, &InvitationWorker{emailJob: emailJob[domain.SendInvitationArgs]{cfg: cfg}, store: st, sender: sender})
	river.AddWorker(workers, &ConfirmationWorker{emailJob: emailJob[domain.SendConfirmationArgs]{cfg: cfg}, store: st, sender: sender})
	river.AddWorker(workers, &FollowConfirmationWorker{emailJob: emailJob[domain.SendFollowConfirmationArgs]{cfg: cfg}, store: st, sender: sender})
	river.AddWorker(workers, &DeclineCounterWorker{emailJob: emailJob[domain.DeclineCounterArgs]{cfg: cfg}, store: st, sender: sender})
	river.AddWorker(workers, &SignInWorker{emailJob: emailJob[domain.SendSignInArgs]{cfg: cfg}, store: st, sender: sender})
	river.AddWorker(workers, &PurgeWorker{store: st, cfg: cfg})
	river.AddWorker(workers, &ReminderWorker{store: st})
	river.AddWorker(workers, &ReconfirmWorker{store: st, cfg: cfg})
	dir := cfg.MailDir
	if d, ok := sender.(*mail.EMLDir); ok && dir == "" {
		dir = d.Dir
	}
	river.AddWorker(workers, &EraseFilesWorker{store: st, dir: dir, cfg: cfg})
}

// SendWorker sends one delivery. Temporary failures (SMTP down, a 4xx
// answer) are retried with backoff; a permanent refusal (a 5xx for the
// recipient) marks the delivery failed and is not retried.
type SendWorker struct {
	emailJob[domain.SendEmailArgs]
	store  Store
	sender mail.Sender
}

// newSendWorker returns the worker that sends single deliveries.
func newSendWorker(st Store, sender mail.Sender, cfg Config) *SendWorker {
	return &SendWorker{emailJob: emailJob[domain.SendEmailArgs]{cfg: cfg}, store: st, sender: sender}
}

// Work sends the delivery named by the job.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[domain.SendEmailArgs]) error {
	done, err := w.cfg.Foreground.wait(ctx)
	if err != nil {
		return err
	}
	defer done()
	out, err := w.store.LoadOutgoing(ctx, job.Args.DeliveryID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil // the event or RSVP was deleted: nothing to send
	}
	if err != nil {
		return err
	}
	if out.Delivery.Status != domain.DeliveryQueued {
		return nil // already sent, or refused for good
	}
	a := w.attempt(out, job)
	if out.RSVP.Email == "" {
		return a.fail(ctx, errors.New("the attendee's data was erased"))
	}
	token, err := w.store.MintManageToken(ctx, out.RSVP.ID)
	if err != nil {
		return err
	}
	msg, err := composeOutgoing(ctx, w.store, w.cfg, out, token, composing{now: w.cfg.Clock.Now().UTC(), compose: mail.Compose})
	var merr *mintError
	if errors.As(err, &merr) {
		return merr.err
	}
	if errors.Is(err, mail.ErrStale) {
		// The news was overtaken (a waitlist notice for someone promoted
		// meanwhile, an invite for someone who already left, a thank-you
		// whose attendance was undone): the later message says what is
		// true now.
		return w.store.MarkDelivery(ctx, out.Delivery.ID, domain.DeliverySkipped, err.Error())
	}
	if err != nil {
		// The data can never make a valid message: retrying cannot help.
		return a.fail(ctx, err)
	}
	return a.send(ctx, w.sender, msg)
}

// attempt is one try at the delivery's e-mail, recorded on the delivery
// (the organiser sees its status and the server's answer).
func (w *SendWorker) attempt(out domain.Outgoing, job *river.Job[domain.SendEmailArgs]) attempt {
	id := out.Delivery.ID
	mark := func(status domain.DeliveryStatus) func(context.Context, error) error {
		return func(ctx context.Context, answer error) error {
			return w.store.MarkDelivery(ctx, id, status, answer.Error())
		}
	}
	return attempt{cfg: w.cfg, kind: out.Delivery.Kind, noun: "e-mail", idKey: "delivery_id", id: id, try: job.Attempt, tries: job.MaxAttempts,
		sent:     func(ctx context.Context) error { return w.store.MarkDelivery(ctx, id, domain.DeliverySent, "") },
		retrying: mark(domain.DeliveryQueued), failed: mark(domain.DeliveryFailed)}
}

// RecordGrace is how long after an attempt's time is up its worker may
// still record what it sent: a message the server took just before is
// recorded as sent rather than sent again by the next attempt. The job
// queue must not take a send job for abandoned (and run it elsewhere)
// before its Timeout and this grace have passed.
const RecordGrace = 5 * time.Second

// sendOne sends msg and, as soon as the server has taken it, records that
// with sent — before the connection carries another message (see
// mail.Submitter) and even if ctx ends meanwhile (recordContext). It
// returns the send's error and, after a send, sent's.
func sendOne(ctx context.Context, s mail.Sender, msg mail.Message, sent func(context.Context) error) (sendErr, recordErr error) {
	record, cancel := recordContext(ctx)
	defer cancel()
	mail.Submit(ctx, s, []mail.Submission{{Msg: msg, Ctx: ctx, Done: func(err error) {
		if sendErr = err; err == nil {
			recordErr = sent(record)
		}
	}}})
	return sendErr, recordErr
}

// recordContext is the context for recording the outcomes of an attempt
// whose context is ctx: it is not cancelled with ctx, and ends RecordGrace
// after ctx's deadline.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	rctx := context.WithoutCancel(ctx)
	if d, ok := ctx.Deadline(); ok {
		return context.WithDeadline(rctx, d.Add(RecordGrace))
	}
	return context.WithCancel(rctx)
}

// mintError is a store failure while composing (minting a link's token):
// the attempt is retried, unlike a message the data cannot make.
type mintError struct{ err error }

func (e *mintError) Error() string { return e.err.Error() }

// composing is how composeOutgoing writes an attendee's e-mail: made
// at now (its Date and DTSTAMP), with compose — mail.Compose for one
// e-mail, a mail.Composer's for a batch of them, which share one now.
type composing struct {
	now     time.Time
	compose func(domain.MessageKind, mail.Invite) (mail.Message, error)
}

// composeOutgoing writes the e-mail of a delivery with token as its
// manage token: a thank-you, or an invite, update, cancellation, notice…
// with an unfollow link (a fresh token) for a follower's RSVP. It returns
// mail.ErrStale for news that was overtaken, a *mintError when the
// store could not mint the unfollow token, and any other error for data
// that can never make a valid message.
func composeOutgoing(ctx context.Context, st Store, cfg Config, out domain.Outgoing, token string, c composing) (mail.Message, error) {
	if out.Delivery.Kind == domain.MessageThankYou {
		return mail.ComposeThankYou(mail.ThankYou{
			RSVP: out.RSVP, Event: out.Event, Group: out.Group, Speakers: out.Speakers,
			OrganizerEmail: out.OrganizerEmail, From: cfg.From, BaseURL: cfg.BaseURL,
			FeedbackURL: FeedbackURL(cfg.BaseURL, token), Now: c.now,
		})
	}
	in := inviteOf(cfg, out, token, c.now)
	in.SeriesTitle = out.SeriesTitle // without a link once they unfollowed
	if out.FollowerID != "" {
		tok, err := st.MintUnfollowToken(ctx, out.FollowerID)
		if err != nil {
			return mail.Message{}, &mintError{err}
		}
		in.UnfollowURL = UnfollowURL(cfg.BaseURL, tok)
	}
	kind := out.Delivery.Kind
	if out.Delivery.Kind == domain.MessageRepeat {
		// The RSVP as it stands now, with the event's own SEQUENCE.
		switch out.RSVP.Status {
		case domain.RSVPGoing:
			kind = domain.MessageGoing
		case domain.RSVPWaitlisted:
			kind = domain.MessageWaitlisted
		default:
			return mail.Message{}, mail.ErrStale // cancelled since
		}
		in.Repeat, in.Sequence = out.Delivery.Sequence, out.Event.Sequence
	}
	return c.compose(kind, in)
}

// inviteOf is what mail.Compose needs to write the e-mail of out at now.
func inviteOf(cfg Config, out domain.Outgoing, token string, now time.Time) mail.Invite {
	in := mail.Invite{
		Event: out.Event, Changed: out.Changed, Group: out.Group, RSVP: out.RSVP,
		Organizer:    calendar.Person{Name: out.Group.Name, Email: out.OrganizerEmail},
		ReplyAddress: cfg.replyAddress(out.ReplyToken),
		From:         cfg.From, BaseURL: cfg.BaseURL, ManageURL: mail.ManageURL(cfg.BaseURL, token),
		Sequence: out.Delivery.Sequence, Now: now,
		Before: out.Before, ConfirmBy: out.ConfirmBy, Why: out.Why,
	}
	if out.Event.OnlineURL != "" {
		// The personal join link, not the meeting's: it records online
		// attendance during the check-in window, then forwards.
		in.JoinURL = JoinURL(cfg.BaseURL, domain.JoinTokenOf(token))
	}
	if p := out.Previous; p != nil {
		prev := out.Event
		prev.Title, prev.StartsAt, prev.EndsAt, prev.TimeZone, prev.Venue, prev.OnlineURL = p.Title, p.StartsAt, p.EndsAt, p.TimeZone, p.Venue, p.OnlineURL
		in.Previous = &prev
	}
	return in
}

// cappedBackoff is 2^(attempt-1) seconds, at most limit (ten minutes when
// limit is zero).
func cappedBackoff(attempt int, limit time.Duration) time.Duration {
	if limit <= 0 {
		limit = 10 * time.Minute
	}
	d := time.Duration(math.Pow(2, float64(min(attempt, 20)-1))) * time.Second
	return min(d, limit)
}

// DefaultSendTimeout is how long one attempt of an e-mail job may take
// unless Config.SendTimeout says otherwise: a mail server answers each
// command within seconds, and a batch's fifty messages share the sender's
// connections with the other batches being worked (see
// maxConcurrentBatches). It is short so that the e-mails a killed process
// was sending are taken up again soon after (see Config.SendTimeout).
const DefaultSendTimeout = 30 * time.Second

// sendTimeout is Config.SendTimeout or its default.
func (c Config) sendTimeout() time.Duration {
	if c.SendTimeout > 0 {
		return c.SendTimeout
	}
	return DefaultSendTimeout
}

// FanOutWorker turns an event update or cancellation into one delivery per
// attendee (see the store's FanOut).
type FanOutWorker struct {
	river.WorkerDefaults[domain.FanOutArgs]
	store Store
}

// Work fans the message out.
func (w *FanOutWorker) Work(ctx context.Context, job *river.Job[domain.FanOutArgs]) error {
	if _, err := w.store.FanOut(ctx, job.Args.EventID, job.Args.Message); err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return fmt.Errorf("fan-out of %s for event %s: %w", job.Args.Message, job.Args.EventID, err)
	}
	return nil
}

// Timeout bounds one fan-out (5,000 attendees take seconds).
func (w *FanOutWorker) Timeout(*river.Job[domain.FanOutArgs]) time.Duration { return 10 * time.Minute }

var addressRE = regexp.MustCompile(`[^\s<>()\[\],;:"']+@(?:\[[^\]\s]*\]|[^\s<>()\[\],;:"']+)`)

// Redact replaces e-mail addresses in s (mail servers quote recipients in
// their answers) so that the text can be logged.
func Redact(s string) string { return addressRE.ReplaceAllString(s, "[address]") }
