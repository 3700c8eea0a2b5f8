package inbound

import (
	"context"
	"errors"
	"log/slog"
	"net/url"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
)

// Store applies calendar replies (the store's ApplyCalendarReply).
type Store interface {
	ApplyCalendarReply(ctx context.Context, r domain.CalendarReply, uid func(eventID string) string) (domain.ReplyAction, error)
}

// Processor is the one place every way in hands its messages to: the SMTP
// and LMTP listener, the webhook and `convene inbound`. It reads a message
// (Parse), applies each calendar reply in it (the store, under
// domain.ReplyDecision's rules) and logs what it did — never an address, a
// token or the message's text.
type Processor struct {
	Store Store
	// Domain is the domain of the reply addresses (CONVENE_INBOUND_DOMAIN).
	Domain string
	// BaseURL is the service's public address; its host makes the UIDs of
	// the invites (calendar.UID).
	BaseURL string
	Logger  *slog.Logger
	// Applied, when set, is told of each reply's outcome (metrics).
	Applied func(via domain.ReplyVia, action domain.ReplyAction)
}

// Outcome is what Process did with one message.
type Outcome struct {
	// Actions are what each calendar reply in it did, in order; none when
	// the message carried no usable reply (Reason says why).
	Actions []domain.ReplyAction
	Reason  string
}

// ErrUnavailable wraps a failure to reach the database: the message was
// not processed and should come again (SMTP 451, HTTP 503, exit 75).
var ErrUnavailable = errors.New("inbound: the database is not available; try again later")

// Process reads and applies one message. rcpts are its envelope recipients
// (nil when only its headers say where it went). It fails only with
// ErrUnavailable: a message it cannot use is dropped, with the reason
// logged, and nothing about it is told to the sender.
func (p *Processor) Process(ctx context.Context, raw []byte, rcpts []string, via domain.ReplyVia) (Outcome, error) {
	log := p.logger()
	replies, err := Parse(raw, rcpts, p.Domain, via)
	if err != nil {
		o := Outcome{Reason: reason(err)}
		log.InfoContext(ctx, "inbound message dropped", "via", string(via), "reason", o.Reason, "bytes", len(raw))
		return o, nil
	}
	host := ""
	if u, err := url.Parse(p.BaseURL); err == nil {
		host = u.Hostname()
	}
	uid := func(eventID string) string { return calendar.UID(eventID, host) }
	var o Outcome
	for _, r := range replies {
		action, err := p.Store.ApplyCalendarReply(ctx, r, uid)
		if err != nil {
			log.ErrorContext(ctx, "calendar reply not applied; will be retried", "via", string(via), "err", err)
			return o, errors.Join(ErrUnavailable, err)
		}
		o.Actions = append(o.Actions, action)
		if p.Applied != nil {
			p.Applied(via, action)
		}
		log.InfoContext(ctx, "calendar reply", "via", string(via), "method", string(r.Method),
			"answer", string(r.Status), "client", r.Client, "sequence", r.Sequence, "action", string(action))
	}
	return o, nil
}

func (p *Processor) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

// reason is a short, address-free reason for a dropped message.
func reason(err error) string {
	switch {
	case errors.Is(err, ErrNoReplyAddress):
		return "no reply address among its recipients"
	case errors.Is(err, ErrNoCalendar):
		return "no calendar in it"
	case errors.Is(err, ErrNotReply):
		return "its calendar is not a reply"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	case errors.Is(err, ErrTooLarge):
		return "too large"
	}
	return "unreadable" // never the error text: it may quote the message
}
