package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"
)

// Calendar replies. Every invite Convene sends is an iTIP REQUEST in which
// the attendee is asked to answer (RSVP=TRUE), so calendar apps show
// Yes / Maybe / No. The answer is an e-mail carrying a METHOD:REPLY to the
// invite's ORGANIZER. When inbound mail is configured, that ORGANIZER is
// the RSVP's own reply address, reply+<reply token>@<inbound domain>, so
// the answer comes back to Convene and changes the RSVP (see ReplyDecision).
//
// The reply token is the same in every e-mail about one RSVP: calendars
// match updates to what they hold by UID and ORGANIZER, and a changing
// ORGANIZER makes some of them refuse an update or show a second copy. So
// it cannot be drawn afresh for each e-mail like a manage link; it is a
// keyed hash (HMAC-SHA256) of the RSVP's id under a key that comes from
// crypto/rand once per installation (ReplyKey), and only its hash is
// stored, to find the RSVP it names. It can do one job only: answer that
// RSVP's invite. Whoever holds it cannot read or cancel the RSVP through
// any link, and nothing derives from it.

// ReplyTokenLen is the length of a reply token: 52 characters of lower
// case base32 (256 bits), which fits with "reply+" in the 64 characters an
// address's local part may have. Lower case, because some mail systems
// fold the case of addresses.
const ReplyTokenLen = 52

// ReplyAddressPrefix starts the local part of every reply address.
const ReplyAddressPrefix = "reply+"

var replyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// ReplyKey is the key of the reply tokens, derived one way from the
// installation's random secret (the seed of the signing key): one secret
// to keep, and the derived key can never be turned back into it.
func ReplyKey(secret []byte) []byte {
	sum := sha256.Sum256(append([]byte("convene calendar reply key\x00"), secret...))
	return sum[:]
}

// ReplyToken returns the reply token of an RSVP.
func ReplyToken(key []byte, rsvpID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("rsvp\x00" + rsvpID))
	return strings.ToLower(replyEncoding.EncodeToString(m.Sum(nil)))
}

// ReplyAddress is the reply address of a token on the inbound domain.
func ReplyAddress(token, inboundDomain string) string {
	return ReplyAddressPrefix + token + "@" + strings.ToLower(inboundDomain)
}

// OnInboundDomain reports whether addr is an address on inboundDomain
// (case and a final dot do not matter): mail that the inbound listener
// takes, whether or not it is a reply address.
func OnInboundDomain(addr, inboundDomain string) bool {
	at := strings.LastIndexByte(addr, '@')
	return at >= 0 && inboundDomain != "" &&
		strings.EqualFold(strings.TrimSuffix(addr[at+1:], "."), strings.TrimSuffix(inboundDomain, "."))
}

// ReplyTokenOf returns the reply token in addr when it is a reply address
// on inboundDomain (case does not matter), and "" otherwise.
func ReplyTokenOf(addr, inboundDomain string) string {
	if !OnInboundDomain(addr, inboundDomain) {
		return ""
	}
	local := strings.ToLower(addr[:strings.LastIndexByte(addr, '@')])
	tok, ok := strings.CutPrefix(local, ReplyAddressPrefix)
	if !ok || len(tok) != ReplyTokenLen {
		return ""
	}
	for _, c := range tok {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return ""
		}
	}
	return tok
}

// CalendarMethod is the iTIP method of an incoming calendar message.
type CalendarMethod string

// The methods an attendee's calendar sends to the organiser (RFC 5546).
const (
	MethodReply   CalendarMethod = "REPLY"
	MethodCounter CalendarMethod = "COUNTER"
	MethodRefresh CalendarMethod = "REFRESH"
)

// ReplyStatus is an attendee's answer in a REPLY (its PARTSTAT).
type ReplyStatus string

// Answers. Other PARTSTATs (DELEGATED, NEEDS-ACTION…) are not answers
// Convene acts on; a reply with one is ignored.
const (
	ReplyAccepted  ReplyStatus = "accepted"
	ReplyTentative ReplyStatus = "tentative"
	ReplyDeclined  ReplyStatus = "declined"
)

// ReplyVia is the way a reply came into Convene.
type ReplyVia string

// The ways in: the SMTP or LMTP listener of `convene serve`, the HTTP
// webhook, and `convene inbound` reading a message from a pipe.
const (
	ViaSMTP    ReplyVia = "smtp"
	ViaLMTP    ReplyVia = "lmtp"
	ViaWebhook ReplyVia = "webhook"
	ViaPipe    ReplyVia = "pipe"
)

// CalendarReply is one calendar message from an attendee's calendar, as
// read from an e-mail to one reply address: Token is the reply token of
// the address it arrived at, the rest comes from its iCalendar object.
type CalendarReply struct {
	Token    string
	Method   CalendarMethod
	UID      string
	Attendee string // the ATTENDEE's address (mailto: removed)
	Status   ReplyStatus
	// Sequence is the SEQUENCE of the invite being answered (0 if absent).
	Sequence int
	// Stamp is the reply's DTSTAMP: when the attendee answered. Zero if
	// absent.
	Stamp time.Time
	// Client names the calendar that answered, from PRODID: "Outlook",
	// "Google Calendar", "Apple Calendar" or "" for another.
	Client string
	Via    ReplyVia
}

// LastReply is the last calendar answer recorded for an RSVP.
type LastReply struct {
	Status     ReplyStatus
	Client     string
	Via        ReplyVia
	Sequence   int
	Stamp      time.Time // the reply's DTSTAMP (zero if it had none)
	ReceivedAt time.Time
}

// ReplyAction is what a calendar reply does.
type ReplyAction string

// Actions, and the reasons a reply changes nothing (logged, never told to
// the sender).
const (
	ReplyCancel         ReplyAction = "cancel"          // declined: the RSVP is cancelled as if by the attendee
	ReplyReconfirm      ReplyAction = "reconfirm"       // accepted while a reconfirmation was pending
	ReplyRecord         ReplyAction = "record"          // recorded and shown; nothing else changes
	ReplyDeclineCounter ReplyAction = "decline_counter" // a COUNTER: answered with DECLINECOUNTER
	ReplyRefresh        ReplyAction = "refresh"         // a REFRESH: the current invite is sent again
	ReplyIgnoreMismatch ReplyAction = "ignored_mismatch"
	ReplyIgnoreStale    ReplyAction = "ignored_stale"
	ReplyIgnoreGone     ReplyAction = "ignored_gone" // RSVP cancelled, erased or not found; event cancelled
	ReplyIgnoreRepeat   ReplyAction = "ignored_repeat"
	ReplyIgnoreStatus   ReplyAction = "ignored_status" // a PARTSTAT Convene does not act on, or one it cannot apply
)

// ReplySubject is what ReplyDecision needs to know of the RSVP a reply
// names and of its event.
type ReplySubject struct {
	RSVP  RSVP
	Event Event
	// UID is the UID of the event's invites.
	UID string
	// SentSequence is the highest SEQUENCE of an invite or update sent to
	// this RSVP (0 when none was). Event.Sequence bounds it from above:
	// every invite carries the event's SEQUENCE of its day.
	SentSequence int
	// Last is the last reply recorded, if any.
	Last *LastReply
}

// ReplyDecision decides what a calendar message r does to the RSVP of
// s. It is the one place of the rules:
//
//   - it must be about this RSVP's event (UID) and from this RSVP's
//     attendee (ATTENDEE), or it is a forgery or a mistake;
//   - it must not answer an invite older than the last one sent to the
//     attendee (SEQUENCE), and one newer than the event is not believed;
//   - nothing changes for a cancelled event, or an RSVP that is cancelled,
//     erased or was attended;
//   - the same answer again (or an older one, by DTSTAMP) is applied once;
//   - DECLINED cancels the RSVP as the attendee would on their manage page:
//     a going person's seat goes to the first in line, a waiting person
//     leaves the line;
//   - ACCEPTED answers a pending reconfirmation; it never gives a waiting
//     person a seat;
//   - TENTATIVE is recorded and the seat kept;
//   - COUNTER (a proposed new time) is declined, REFRESH gets the current
//     invite again — both only for an RSVP that is going.
func ReplyDecision(r CalendarReply, s ReplySubject) ReplyAction {
	if !strings.EqualFold(strings.TrimSpace(r.UID), s.UID) || NormalizeEmail(r.Attendee) != NormalizeEmail(s.RSVP.Email) || s.RSVP.Email == "" {
		return ReplyIgnoreMismatch
	}
	if s.Event.Status == EventCancelled || s.RSVP.ErasedAt != nil || s.RSVP.Status == RSVPCancelled {
		return ReplyIgnoreGone
	}
	switch r.Method {
	case MethodCounter:
		if s.RSVP.Status != RSVPGoing {
			return ReplyIgnoreGone
		}
		return ReplyDeclineCounter
	case MethodRefresh:
		if s.RSVP.Status != RSVPGoing {
			return ReplyIgnoreGone
		}
		return ReplyRefresh
	case MethodReply:
	default:
		return ReplyIgnoreStatus
	}
	if r.Sequence < s.SentSequence {
		return ReplyIgnoreStale // an answer to an invite since replaced
	}
	if r.Sequence > s.Event.Sequence {
		return ReplyIgnoreMismatch // no invite of this SEQUENCE was ever sent
	}
	if l := s.Last; l != nil && l.Sequence == r.Sequence {
		if !r.Stamp.After(l.Stamp) && (l.Status == r.Status || r.Stamp.Before(l.Stamp)) {
			return ReplyIgnoreRepeat
		}
	}
	switch r.Status {
	case ReplyDeclined:
		if s.RSVP.AttendedAt != nil {
			return ReplyIgnoreStatus // they came: the records say so
		}
		return ReplyCancel
	case ReplyAccepted:
		if s.RSVP.Status == RSVPGoing && s.RSVP.ReconfirmAskedAt != nil && s.RSVP.ReconfirmedAt == nil {
			return ReplyReconfirm
		}
		return ReplyRecord
	case ReplyTentative:
		return ReplyRecord
	}
	return ReplyIgnoreStatus
}

// ParsePartStat maps an iCalendar PARTSTAT to an answer; ok is false for
// the values Convene does not act on.
func ParsePartStat(v string) (ReplyStatus, bool) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "ACCEPTED":
		return ReplyAccepted, true
	case "DECLINED":
		return ReplyDeclined, true
	case "TENTATIVE":
		return ReplyTentative, true
	}
	return "", false
}
