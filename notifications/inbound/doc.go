// Package inbound reads the e-mail that comes back to Convene: the answers
// that attendees' calendar apps (Outlook and Exchange, Google Calendar,
// Apple Calendar and others) send to an invite's ORGANIZER, which is the
// RSVP's reply address (see domain.ReplyAddress).
//
// Parse turns one raw message into the iTIP messages it carries
// (domain.CalendarReply: REPLY, COUNTER or REFRESH, RFC 5546 and RFC 6047),
// one for each reply address the message was delivered to. It only reads:
// the processor that applies a reply to its RSVP (through
// domain.ReplyDecision) belongs in this package too, beside it.
//
// The MIME tree is walked with the standard library; the iCalendar object is
// parsed with github.com/arran4/golang-ical, after the text has been
// normalised into the form that parser expects (see normalizeCalendar).
// Everything here reads untrusted input: work is bounded (MaxMessageSize,
// MIME depth and part count, calendar nesting and line cost) and no input
// makes it panic (FuzzParse).
//
// The sub-package inboundtest writes reply e-mails in the shapes the three
// big calendar clients send, for tests here and elsewhere.
package inbound
