package notifications

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/mail"
)

// ReplyStore is what the answers to calendar replies need from storage.
type ReplyStore interface {
	// LoadDeclineCounter returns an RSVP with its event, group,
	// organiser's address and reply token (ENOTFOUND when it is gone).
	LoadDeclineCounter(ctx context.Context, rsvpID string) (domain.Outgoing, error)
}

// replyAddress is the ORGANIZER address of the invites of an RSVP whose
// reply token is token: its reply address when inbound mail is configured
// (Config.InboundDomain), else "" (the group's contact).
func (c Config) replyAddress(token string) string {
	if c.InboundDomain == "" || token == "" {
		return ""
	}
	return domain.ReplyAddress(token, c.InboundDomain)
}

// DeclineCounterWorker answers an attendee's calendar that proposed
// another time with a DECLINECOUNTER (domain.DeclineCounterArgs).
type DeclineCounterWorker struct {
	emailJob[domain.DeclineCounterArgs]
	store  ReplyStore
	sender mail.Sender
}

// Work sends the answer named by the job.
func (w *DeclineCounterWorker) Work(ctx context.Context, job *river.Job[domain.DeclineCounterArgs]) error {
	out, err := w.store.LoadDeclineCounter(ctx, job.Args.RSVPID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if out.RSVP.Status != domain.RSVPGoing || out.Event.Status != domain.EventPublished || out.RSVP.Email == "" {
		return nil // cancelled meanwhile: nothing to answer
	}
	msg, err := mail.ComposeDeclineCounter(mail.Invite{
		Event: out.Event, Group: out.Group, RSVP: out.RSVP,
		Organizer:    calendar.Person{Name: out.Group.Name, Email: out.OrganizerEmail},
		ReplyAddress: w.cfg.replyAddress(out.ReplyToken),
		From:         w.cfg.From, BaseURL: w.cfg.BaseURL, Now: w.cfg.Clock.Now().UTC(),
	}, job.Args.Sequence)
	if errors.Is(err, mail.ErrStale) {
		return nil
	}
	nothing := func(context.Context) error { return nil } // no record: the job is the record
	a := attempt{cfg: w.cfg, kind: domain.MessageDeclineCounter, noun: "declined proposal", idKey: "rsvp_id", id: out.RSVP.ID,
		try: job.Attempt, tries: job.MaxAttempts, sent: nothing,
		failed: func(context.Context, error) error { return nil }}
	if err != nil {
		return a.fail(ctx, err)
	}
	return a.send(ctx, w.sender, msg)
}
