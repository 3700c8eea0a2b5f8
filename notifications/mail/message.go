// Package mail decides what the e-mails Convene sends look like and how
// they leave: it composes one Message per attendee and kind of news (pure
// functions, no I/O), renders it as MIME with github.com/wneessen/go-mail,
// and hands it to a Sender: SMTP, or a folder of .eml files when no SMTP
// server is configured. It is the only package that speaks SMTP; it
// imports domain, i18n, notifications/calendar and notifications/present,
// never the store or the jobs. Every e-mail to an attendee speaks their
// language (see lang.go).
//
// Messages that carry a calendar object follow the iMIP layout that
// calendar clients accept (docs/icalendar.md, rules M1–M3):
//
//	multipart/mixed
//	├── multipart/alternative
//	│   ├── text/plain
//	│   ├── text/html
//	│   └── text/calendar; method=REQUEST|CANCEL; charset=UTF-8
//	└── application/ics (attachment invite.ics, base64)
//
// and messages without one are multipart/alternative {text/plain, text/html}.
package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/present"
)

// attendeeKind reports whether k is the news of an e-mail to an attendee
// about their RSVP (Compose's kinds; ComposeRequest and ComposeThankYou
// write the others).
func attendeeKind(k domain.MessageKind) bool {
	switch k {
	case domain.MessageGoing, domain.MessageWaitlisted, domain.MessageUpdated, domain.MessageEventCancelled,
		domain.MessageRSVPCancelled, domain.MessageReminder, domain.MessageReconfirm:
		return true
	}
	return false
}

// ErrInvalid is matched (with errors.Is) by the errors Compose and Msg return
// for input that can never make a valid message: retrying cannot help.
var ErrInvalid = errors.New("message: invalid")

// ErrStale is matched (with errors.Is), together with ErrInvalid, by the
// error Compose returns when the RSVP's or the event's status does not fit
// the kind: an invitation for someone who is no longer going, a waitlist
// email for someone already promoted, anything but a cancellation for a
// cancelled event. A queued message whose news was overtaken by a later
// change ends this way; a worker may record it as skipped rather than
// failed.
var ErrStale = errors.New("message: the RSVP or the event changed since this message was queued")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Message is one email to one attendee, ready to render. Compose fills it;
// the caller may add Headers (List-Unsubscribe, for example) before sending.
type Message struct {
	// ID is the Message-ID without angle brackets. It is stable for one
	// piece of news to one person (see MessageID), so that a retry after an
	// ambiguous SMTP failure can be recognised as a duplicate.
	ID   string
	Kind domain.MessageKind
	// Date is the Date header; zero means the time of rendering.
	Date time.Time

	From mail.Address
	To   mail.Address
	// ReplyTo is where replies go (the organiser); zero means no Reply-To.
	ReplyTo mail.Address

	// Subject is one line: Compose removes line breaks and control
	// characters, and Msg refuses any that remain.
	Subject string
	Text    string
	HTML    string

	// Calendar is the iCalendar object sent both as the text/calendar
	// alternative and as the invite.ics attachment; nil for none. Method
	// must be the METHOD inside it (rule M1) and is empty when Calendar is.
	Calendar []byte
	Method   calendar.Method

	// Headers are extra header fields, for example List-Unsubscribe. Names
	// must be header tokens and must not be one that Msg writes itself;
	// values must be one line.
	Headers map[string]string
}

// MessageID returns the Message-ID (without angle brackets) of the email of
// the given kind and invitation sequence to the RSVP:
// "<rsvp-id>.<kind>.<sequence>@<host>". The same arguments always give the
// same ID, so a message that is sent twice can be recognised. Characters of
// the RSVP id that a Message-ID cannot carry are written as =XX.
//
// Mail providers (Gmail among them) drop a message whose Message-ID they
// have already seen, so two different emails must never share one: when an
// attendee joins again after cancelling, the new invitation needs a higher
// sequence (which calendar clients require anyway).
func MessageID(rsvpID string, kind domain.MessageKind, sequence int, host string) string {
	var b strings.Builder
	for i := 0; i < len(rsvpID); i++ {
		c := rsvpID[i]
		if isIDChar(c) && c != '.' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	b.WriteByte('.')
	b.WriteString(strings.ReplaceAll(string(kind), "_", "-"))
	b.WriteByte('.')
	b.WriteString(strconv.Itoa(sequence))
	b.WriteByte('@')
	b.WriteString(idHost(host))
	return b.String()
}

// isIDChar reports whether c may appear in a dot-atom without quoting.
func isIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.'
}

// idHost lower-cases a host name and drops what a dot-atom cannot carry: a
// port and IPv6 brackets go, an IPv6 address's colons become hyphens, other
// characters are dropped, and an empty result becomes "localhost".
func idHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	var b strings.Builder
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c == ':':
			b.WriteByte('-')
		case isIDChar(c) && c != '_':
			b.WriteByte(c)
		}
	}
	h := strings.Trim(b.String(), ".")
	for strings.Contains(h, "..") {
		h = strings.ReplaceAll(h, "..", ".")
	}
	if h == "" {
		return "localhost"
	}
	return h
}

// validMessageID accepts id-left "@" id-right made of dot-atoms (RFC 5322
// §3.6.4), which is all MessageID makes.
func validMessageID(id string) bool {
	left, right, ok := strings.Cut(id, "@")
	return ok && dotAtom(left) && dotAtom(right) && len(id) <= 900
}

func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isIDChar(c) && !strings.ContainsRune("!#$%&'*+/=?^`{|}~", rune(c)) {
			return false
		}
	}
	return true
}

// reservedHeaders are written by Msg and cannot be set through Headers.
var reservedHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "reply-to": true, "sender": true,
	"subject": true, "date": true, "message-id": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true, "content-disposition": true,
	"auto-submitted": true, "x-auto-response-suppress": true, "return-path": true,
}

// Msg renders the message as a go-mail message with the iMIP layout (see
// the package documentation): Message-ID, Date, From, To, Reply-To,
// Subject, MIME-Version and Auto-Submitted: auto-generated, then the
// text, HTML and calendar alternatives and the invite.ics attachment.
// It returns an error matching ErrInvalid when an address, the subject,
// the ID or a header would not make a safe, valid message.
func (m Message) Msg() (*gomail.Msg, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	gm := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	gm.SetMessageIDWithValue(m.ID)
	gm.SetDateWithValue(m.Date)
	gm.FromMailAddress(&mail.Address{Name: headerName(m.From.Name), Address: m.From.Address})
	gm.ToMailAddress(&mail.Address{Name: headerName(m.To.Name), Address: m.To.Address})
	if m.ReplyTo.Address != "" {
		gm.ReplyToMailAddress(&mail.Address{Name: headerName(m.ReplyTo.Name), Address: m.ReplyTo.Address})
	}
	gm.Subject(m.Subject)
	// RFC 3834: tells vacation responders and other robots not to answer.
	gm.SetGenHeader("Auto-Submitted", "auto-generated")
	// Exchange honours this instead; NDRs stay on so that bounces arrive.
	gm.SetGenHeader("X-Auto-Response-Suppress", "OOF, AutoReply")
	for name, value := range m.Headers {
		gm.SetGenHeader(gomail.Header(name), value)
	}

	gm.SetBodyString(gomail.TypeTextPlain, m.Text)
	gm.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	if len(m.Calendar) > 0 {
		// go-mail writes the part's Content-Type as "<type>; charset=UTF-8",
		// so the method parameter goes into the type.
		gm.AddAlternativeString(gomail.ContentType("text/calendar; method="+string(m.Method)), string(m.Calendar))
		if err := gm.AttachReader("invite.ics", bytes.NewReader(m.Calendar),
			gomail.WithFileContentType("application/ics"), gomail.WithFileEncoding(gomail.EncodingB64)); err != nil {
			return nil, fmt.Errorf("message: attach invite.ics: %w", err)
		}
	}
	return gm, nil
}

// check refuses what would make an unsafe or invalid message.
func (m Message) check() error {
	if !validMessageID(m.ID) {
		return invalidf("Message-ID %q is not id@host made of dot-atoms", m.ID)
	}
	if m.Date.IsZero() {
		return invalidf("the message has no Date (the service's clock gives it)")
	}
	if !plainAddress(m.From.Address) {
		return invalidf("From address %q is not a plain address", m.From.Address)
	}
	if !plainAddress(m.To.Address) {
		return invalidf("To address %q is not a plain address", m.To.Address)
	}
	if m.ReplyTo.Address != "" && !plainAddress(m.ReplyTo.Address) {
		return invalidf("Reply-To address %q is not a plain address", m.ReplyTo.Address)
	}
	if strings.TrimSpace(m.Subject) == "" || !oneLine(m.Subject) {
		return invalidf("the subject must be one non-empty line without control characters")
	}
	if m.Text == "" || m.HTML == "" {
		return invalidf("both a text and an HTML body are needed")
	}
	if (len(m.Calendar) == 0) != (m.Method == "") {
		return invalidf("a calendar needs a method and a method needs a calendar")
	}
	if len(m.Calendar) > 0 && !bytes.Contains(m.Calendar, []byte("\r\nMETHOD:"+string(m.Method)+"\r\n")) {
		return invalidf("the calendar's METHOD is not %s (rule M1)", m.Method)
	}
	for name, value := range m.Headers {
		if !headerToken(name) || reservedHeaders[strings.ToLower(name)] {
			return invalidf("header name %q is not allowed", name)
		}
		if !oneLine(value) || !isASCII(value) {
			return invalidf("header %s must be one line of ASCII", name)
		}
	}
	return nil
}

// WriteTo writes the message as RFC 5322 bytes with CRLF line endings (an
// .eml file). Each call renders it again: MIME boundaries differ between
// calls, and a zero Date becomes the current time.
func (m Message) WriteTo(w io.Writer) (int64, error) {
	gm, err := m.Msg()
	if err != nil {
		return 0, err
	}
	return gm.WriteTo(w)
}

// EML returns the message as it would be written by WriteTo.
func (m Message) EML() ([]byte, error) {
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// plainAddress accepts a bare address that is safe in a header and an SMTP
// command.
func plainAddress(s string) bool {
	return domain.ValidEmail(s)
}

// oneLine reports whether s is valid UTF-8 without control characters
// (CR and LF among them) or Unicode line separators.
func oneLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// headerToken reports whether s is a header field name (RFC 5322 §3.6.8).
func headerToken(s string) bool {
	if s == "" || len(s) > 76 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// headerName makes a display name safe and readable in an address header:
// line breaks and tabs become spaces, other control characters and Unicode
// line separators go, runs of spaces shrink to one. net/mail then quotes it
// or writes it as an RFC 2047 encoded word.
func headerName(s string) string {
	return present.OneLineText(s)
}
