package web

import (
	"html/template"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
)

// How the pages show an RSVP's last calendar answer (domain.LastReply):
// the organiser sees what it was, from which calendar, when and how it
// came in; the attendee sees what their calendar said, and what it did.
// The time shown is when Convene received the answer: the reply's own
// DTSTAMP is the attendee's clock, and a decline cancelled the RSVP at
// the time it was received.

// replyStatusLabels are the ids of the answers as the organiser reads
// them.
var replyStatusLabels = map[domain.ReplyStatus]string{
	domain.ReplyAccepted:  "console.people.reply.accepted",
	domain.ReplyTentative: "console.people.reply.tentative",
	domain.ReplyDeclined:  "console.people.reply.declined",
}

// replyStatusLabel names an answer in l ("Maybe").
func replyStatusLabel(l *i18n.Lang, s domain.ReplyStatus) string {
	if id, ok := replyStatusLabels[s]; ok {
		return l.T(id)
	}
	return string(s)
}

// replyClientLabel names the calendar that answered: the name read from
// its PRODID, or "a calendar" when it was none Convene knows.
func replyClientLabel(l *i18n.Lang, client string) string {
	if client == "" {
		return l.T("console.people.reply.client")
	}
	return client
}

// replyViaLabels say how an answer came in (message ids). Every way in
// carries an e-mail; the organiser who set them up knows them by these
// names.
var replyViaLabels = map[domain.ReplyVia]string{
	domain.ViaSMTP:    "console.people.reply.via.smtp",
	domain.ViaLMTP:    "console.people.reply.via.lmtp",
	domain.ViaWebhook: "console.people.reply.via.webhook",
	domain.ViaPipe:    "console.people.reply.via.pipe",
}

// replyViaLabel says how an answer came in ("by e-mail (webhook)").
func replyViaLabel(l *i18n.Lang, v domain.ReplyVia) string {
	if id, ok := replyViaLabels[v]; ok {
		return l.T(id)
	}
	return l.T("console.people.reply.via")
}

// consoleReply is the organiser's line about an RSVP's last calendar
// answer, "Calendar: Maybe · Google Calendar · 7 Dec 2026, 14:05 CET",
// and how it came in, in l; both "" when no answer came.
func consoleReply(l *i18n.Lang, r *domain.LastReply, at func(time.Time) template.HTML) (line template.HTML, via string) {
	if r == nil {
		return "", ""
	}
	return l.HTML("console.people.reply", "Answer", replyStatusLabel(l, r.Status), "Client", replyClientLabel(l, r.Client), "When", at(r.ReceivedAt)),
		replyViaLabel(l, r.Via)
}

// attendeeReply is the sentence on the attendee's page about their
// calendar's last answer, in the language, with the time in the event's
// zone, zone named ("Your calendar answered Maybe on Monday 7 December
// 2026, 14:05 (Europe/Oslo, CET)."); "" when no answer came. A decline
// that cancelled the RSVP says so; an acceptance while waitlisted says
// that it gave no place (domain.ReplyDecision never seats anyone); a
// maybe says what it kept.
func attendeeReply(l *i18n.Lang, rsvp domain.RSVP, loc *time.Location) template.HTML {
	r := rsvp.LastReply
	if r == nil {
		return ""
	}
	id := ""
	switch r.Status {
	case domain.ReplyDeclined:
		id = "rsvppage.reply.declined"
		if rsvp.Status == domain.RSVPCancelled {
			id = "rsvppage.reply.declined.cancelled"
		}
	case domain.ReplyAccepted:
		id = "rsvppage.reply.accepted"
		if rsvp.Status == domain.RSVPWaitlisted {
			id = "rsvppage.reply.accepted.waitlisted"
		}
	case domain.ReplyTentative:
		switch rsvp.Status {
		case domain.RSVPGoing:
			id = "rsvppage.reply.tentative.going"
		case domain.RSVPWaitlisted:
			id = "rsvppage.reply.tentative.waitlisted"
		default:
			// A cancelled RSVP's page tells only of a decline.
			return ""
		}
	default:
		return ""
	}
	return l.HTML(id, "When", instantHTML(l, r.ReceivedAt, loc))
}
