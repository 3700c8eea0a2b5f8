package inbound

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/convene/convene/domain"
)

// MaxMessageSize is the largest message Parse reads, in bytes. Calendar
// replies are a few kilobytes; callers stop reading a message (SMTP DATA, a
// webhook body, a pipe) at this size, and Parse refuses anything larger.
const MaxMessageSize = 4 << 20

// The errors of Parse, to be matched with errors.Is. None of them is told
// to the sender: the message is simply not a reply Convene can act on.
var (
	// ErrTooLarge: the message is larger than MaxMessageSize.
	ErrTooLarge = errors.New("inbound: message larger than MaxMessageSize")
	// ErrNoReplyAddress: no recipient is a reply address on the inbound
	// domain.
	ErrNoReplyAddress = errors.New("inbound: no reply address among the recipients")
	// ErrNoCalendar: the message has no text/calendar or application/ics
	// part.
	ErrNoCalendar = errors.New("inbound: no calendar in the message")
	// ErrNotReply: the calendar is an iTIP message an attendee does not
	// send to the organiser (REQUEST, CANCEL, PUBLISH…) or has no METHOD.
	ErrNotReply = errors.New("inbound: calendar method is not REPLY, COUNTER or REFRESH")
	// ErrMalformed: the message or its calendar cannot be read, or the
	// calendar lacks what a reply needs (a VEVENT with UID and ATTENDEE, a
	// usable PARTSTAT in a REPLY, a numeric SEQUENCE).
	ErrMalformed = errors.New("inbound: malformed message or calendar")
)

// recipientHeaders are the headers that name a message's recipients when
// the envelope is not known, in the order they are read: the ones a
// delivery agent adds first, then the ones the sender wrote.
var recipientHeaders = []string{"Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc"}

// Parse reads one raw RFC 5322 message and returns the calendar messages it
// carries, one per reply address (domain.ReplyTokenOf(addr, inboundDomain) != "")
// among rcpts. rcpts are the envelope recipients (SMTP RCPT TO); when empty,
// they come from the headers Delivered-To, X-Original-To, Envelope-To,
// X-Envelope-To, To and Cc (all of them, deduplicated).
// Each returned reply has Token set from its address and Via = via.
//
// The replies differ only in Token, in the order the addresses were first
// named. The calendar is the first text/calendar part, then the first
// application/ics attachment, that holds a REPLY, COUNTER or REFRESH; its
// METHOD property decides, and the method parameter of its Content-Type
// only stands in when the object has none. The errors are ErrTooLarge,
// ErrNoReplyAddress, ErrNoCalendar, ErrNotReply and ErrMalformed (wrapped
// with details).
func Parse(raw []byte, rcpts []string, inboundDomain string, via domain.ReplyVia) ([]domain.CalendarReply, error) {
	if len(raw) > MaxMessageSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(raw))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(skipMboxFrom(raw)))
	if err != nil {
		return nil, fmt.Errorf("%w: header: %s", ErrMalformed, clip(err.Error()))
	}
	tokens := replyTokens(msg.Header, rcpts, inboundDomain)
	if len(tokens) == 0 {
		return nil, ErrNoReplyAddress
	}
	r, err := readReply(textproto.MIMEHeader(msg.Header), msg.Body, fromAddress(msg.Header))
	if err != nil {
		return nil, err
	}
	out := make([]domain.CalendarReply, 0, len(tokens))
	for _, tok := range tokens {
		r.Token, r.Via = tok, via
		out = append(out, r)
	}
	return out, nil
}

// skipMboxFrom drops the "From sender date" line that starts a message in
// mbox form, as some delivery agents hand it to a pipe.
func skipMboxFrom(raw []byte) []byte {
	if !bytes.HasPrefix(raw, []byte("From ")) {
		return raw
	}
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		return raw[i+1:]
	}
	return raw
}

// replyTokens returns the reply tokens of the recipients' reply addresses,
// each once, in order: from the envelope when there is one, from the
// headers otherwise.
func replyTokens(h mail.Header, rcpts []string, inboundDomain string) []string {
	var out []string
	seen := make(map[string]bool)
	add := func(addr string) {
		if tok := domain.ReplyTokenOf(addr, inboundDomain); tok != "" && !seen[tok] {
			seen[tok] = true
			out = append(out, tok)
		}
	}
	if len(rcpts) > 0 {
		for _, r := range rcpts {
			add(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(r), "<"), ">"))
		}
		return out
	}
	for _, name := range recipientHeaders {
		for _, v := range h[name] {
			for _, addr := range headerAddresses(v) {
				add(addr)
			}
		}
	}
	return out
}

// headerAddresses returns the addresses in an address header. A header that
// is not a valid address list (a delivery agent's bare address with a
// comment, an undecodable name) is read as words, keeping those with an @.
func headerAddresses(v string) []string {
	var out []string
	if list, err := mail.ParseAddressList(v); err == nil {
		for _, a := range list {
			out = append(out, a.Address)
		}
		return out
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool {
		return strings.ContainsRune(" \t\r\n,;<>()\"'[]", r)
	}) {
		if strings.Contains(w, "@") {
			out = append(out, w)
		}
	}
	return out
}

// fromAddress returns the address of the message's From header, or "".
func fromAddress(h mail.Header) string {
	v := h.Get("From")
	if a, err := mail.ParseAddress(v); err == nil {
		return a.Address
	}
	if addrs := headerAddresses(v); len(addrs) > 0 {
		return addrs[0]
	}
	return ""
}
