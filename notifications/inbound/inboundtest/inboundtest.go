// Package inboundtest writes the e-mails that attendees' calendar apps send
// back to an invite's organiser (iTIP REPLY, COUNTER or REFRESH over iMIP,
// RFC 5546 and RFC 6047), in the shapes of Outlook/Exchange, Gmail (Google
// Calendar) and Apple Calendar, for tests of notifications/inbound and of
// whatever receives mail.
//
// The fixtures are written here from the clients' documented and commonly
// observed output, not copied from captured mail: Outlook's base64
// multipart/alternative with a Windows time zone and X-MICROSOFT-CDO-*
// properties, Gmail's multipart/mixed with a 7bit calendar part and an
// invite.ics attachment and lines folded at 75 octets, Apple Mail's
// quoted-printable calendar with LF line endings and quoted CN. The output
// depends only on the Reply: there is no clock and no randomness, so a
// message can be compared byte for byte.
package inboundtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Client is a calendar app whose replies Message imitates.
type Client string

// The clients.
const (
	Outlook Client = "outlook" // Outlook desktop and web, through Exchange / Microsoft 365
	Gmail   Client = "gmail"   // Google Calendar, sent from Gmail
	Apple   Client = "apple"   // Calendar on macOS, sent through Apple Mail
)

// Clients lists every Client, for table tests.
var Clients = []Client{Outlook, Gmail, Apple}

// ProdID is the PRODID the client writes into its calendar objects.
func (c Client) ProdID() string {
	switch c {
	case Outlook:
		return "Microsoft Exchange Server 2010"
	case Gmail:
		return "-//Google Inc//Google Calendar 70.9054//EN"
	case Apple:
		return "-//Apple Inc.//macOS 15.1//EN"
	}
	panic(fmt.Sprintf("inboundtest: unknown client %q", string(c)))
}

// Reply is the answer an attendee gives to an invite.
type Reply struct {
	To     string // the reply address: the invite's ORGANIZER
	ToName string // the organiser's name in the invite ("" for Convene)
	From   string // the attendee's address
	Name   string // the attendee's name; may be empty, non-ASCII, or hold commas and semicolons

	UID        string    // the invite's UID
	Sequence   int       // the invite's SEQUENCE
	Summary    string    // the invite's SUMMARY
	Start, End time.Time // the event's times (End zero: Start plus an hour)
	Stamp      time.Time // DTSTAMP and the Date header: when the attendee answered; required

	PartStat string // "ACCEPTED", "DECLINED" or "TENTATIVE"; "" writes no PARTSTAT
	Method   string // "" for REPLY; "COUNTER" or "REFRESH"
}

func (r Reply) method() string {
	if r.Method == "" {
		return "REPLY"
	}
	return strings.ToUpper(r.Method)
}

func (r Reply) end() time.Time {
	if r.End.IsZero() {
		return r.Start.Add(time.Hour)
	}
	return r.End
}

func (r Reply) organizerName() string {
	if r.ToName == "" {
		return "Convene"
	}
	return r.ToName
}

// verb is the word a subject starts with.
func (r Reply) verb() string {
	switch r.method() {
	case "COUNTER":
		return "New Time Proposed"
	case "REFRESH":
		return "Refresh"
	}
	switch strings.ToUpper(r.PartStat) {
	case "ACCEPTED":
		return "Accepted"
	case "DECLINED":
		return "Declined"
	case "TENTATIVE":
		return "Tentative"
	}
	return "Reply"
}

// seed returns stable hex digits drawn from the reply, for Message-IDs,
// boundaries and the like.
func (r Reply) seed(c Client) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{string(c), r.To, r.From, r.UID,
		strconv.Itoa(r.Sequence), r.Stamp.UTC().Format(time.RFC3339), r.PartStat, r.method()}, "\x00")))
	return hex.EncodeToString(sum[:])
}

// Message returns a whole RFC 5322 message carrying the reply as client c
// sends it. It panics when r lacks To, From, UID or Stamp, or c is not a
// Client.
func Message(c Client, r Reply) []byte {
	check(r)
	switch c {
	case Outlook:
		return outlookMessage(r)
	case Gmail:
		return gmailMessage(r)
	case Apple:
		return appleMessage(r)
	}
	panic(fmt.Sprintf("inboundtest: unknown client %q", string(c)))
}

// ICS returns the iCalendar object of the reply as client c writes it,
// with the client's line endings (CRLF, except LF for Apple).
func ICS(c Client, r Reply) []byte {
	check(r)
	switch c {
	case Outlook:
		return []byte(outlookICS(r))
	case Gmail:
		return []byte(gmailICS(r))
	case Apple:
		return []byte(appleICS(r))
	}
	panic(fmt.Sprintf("inboundtest: unknown client %q", string(c)))
}

func check(r Reply) {
	switch {
	case r.To == "", r.From == "", r.UID == "":
		panic("inboundtest: Reply needs To, From and UID")
	case r.Stamp.IsZero():
		panic("inboundtest: Reply needs Stamp (no clock is read)")
	}
}

// --- Outlook / Exchange ---

// outlookZone is the Windows zone Outlook writes for Central Europe, with
// the one yearly rule per change that Outlook reduces every zone to.
const outlookZone = "W. Europe Standard Time"

func outlookICS(r Reply) string {
	var w icsWriter
	w.nl = "\r\n"
	busy := map[string]string{"ACCEPTED": "BUSY", "TENTATIVE": "TENTATIVE", "DECLINED": "FREE"}[strings.ToUpper(r.PartStat)]
	if busy == "" {
		busy = "BUSY"
	}
	w.line("BEGIN:VCALENDAR")
	w.line("METHOD:" + r.method())
	w.line("PRODID:" + Outlook.ProdID())
	w.line("VERSION:2.0")
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + outlookZone)
	w.line("BEGIN:STANDARD")
	w.line("DTSTART:16010101T030000")
	w.line("TZOFFSETFROM:+0200")
	w.line("TZOFFSETTO:+0100")
	w.line("RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10")
	w.line("END:STANDARD")
	w.line("BEGIN:DAYLIGHT")
	w.line("DTSTART:16010101T020000")
	w.line("TZOFFSETFROM:+0100")
	w.line("TZOFFSETTO:+0200")
	w.line("RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3")
	w.line("END:DAYLIGHT")
	w.line("END:VTIMEZONE")
	w.line("BEGIN:VEVENT")
	w.line("ATTENDEE" + partStat(r) + ";CN=" + cnIfNeeded(nameOr(r.Name, r.From)) + ":mailto:" + r.From)
	w.line("COMMENT;LANGUAGE=en-US:\\n")
	w.line("SUMMARY;LANGUAGE=en-US:" + escapeText(r.verb()+": "+r.Summary))
	w.line("DTSTART;TZID=" + outlookZone + ":" + centralEurope(r.Start))
	w.line("DTEND;TZID=" + outlookZone + ":" + centralEurope(r.end()))
	w.line("UID:" + r.UID)
	w.line("ORGANIZER;CN=" + cnIfNeeded(r.organizerName()) + ":mailto:" + r.To)
	w.line("CLASS:PUBLIC")
	w.line("PRIORITY:5")
	w.line("DTSTAMP:" + utc(r.Stamp))
	w.line("TRANSP:OPAQUE")
	w.line("STATUS:CONFIRMED")
	w.line("SEQUENCE:" + strconv.Itoa(r.Sequence))
	w.line("LOCATION;LANGUAGE=en-US:")
	w.line("X-MICROSOFT-CDO-APPT-SEQUENCE:" + strconv.Itoa(r.Sequence))
	w.line("X-MICROSOFT-CDO-OWNERAPPTID:" + strconv.FormatUint(uint64(hexNumber(r.seed(Outlook))%2000000000), 10))
	w.line("X-MICROSOFT-CDO-BUSYSTATUS:" + busy)
	w.line("X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY")
	w.line("X-MICROSOFT-CDO-ALLDAYEVENT:FALSE")
	w.line("X-MICROSOFT-CDO-IMPORTANCE:1")
	w.line("X-MICROSOFT-CDO-INSTTYPE:0")
	w.line("X-MICROSOFT-DONOTFORWARDMEETING:FALSE")
	w.line("X-MICROSOFT-DISALLOW-COUNTER:FALSE")
	w.line("X-MICROSOFT-REQUESTEDATTENDANCEMODE:DEFAULT")
	w.line("X-MICROSOFT-ISRESPONSE:TRUE")
	w.line("X-MS-OLK-AUTOSTARTCHECK:FALSE")
	w.line("X-MS-OLK-CONFTYPE:0")
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return w.String()
}

func outlookMessage(r Reply) []byte {
	seed := r.seed(Outlook)
	boundary := "_000_" + strings.ToUpper("AM9PR07MB"+seed[:12]) + "namprd07prod_"
	var m msgWriter
	m.nl = "\r\n"
	m.header("From", address(r.Name, r.From))
	m.header("To", address(r.organizerName(), r.To))
	m.header("Subject", mime.QEncoding.Encode("utf-8", r.verb()+": "+r.Summary))
	m.header("Thread-Topic", mime.QEncoding.Encode("utf-8", r.Summary))
	m.header("Thread-Index", "AQH"+base64.StdEncoding.EncodeToString([]byte(seed[:18])))
	m.header("Date", r.Stamp.UTC().Format(time.RFC1123Z))
	m.header("Message-ID", "<"+strings.ToUpper("AM9PR07MB"+seed[12:28])+"@AM9PR07MB"+seed[28:32]+".eurprd07.prod.outlook.com>")
	m.header("Accept-Language", "en-US")
	m.header("Content-Language", "en-US")
	m.header("X-MS-Has-Attach", "")
	m.header("X-MS-TNEF-Correlator", "")
	m.header("Content-Type", "multipart/alternative;"+m.nl+"\tboundary=\""+boundary+"\"")
	m.header("MIME-Version", "1.0")
	m.raw(m.nl)

	text := r.verb() + ": " + r.Summary + "\n"
	m.raw("--" + boundary + m.nl)
	m.header("Content-Type", `text/plain; charset="utf-8"`)
	m.header("Content-Transfer-Encoding", "quoted-printable")
	m.raw(m.nl + qp(text, m.nl) + m.nl)
	m.raw("--" + boundary + m.nl)
	m.header("Content-Type", `text/html; charset="utf-8"`)
	m.header("Content-Transfer-Encoding", "quoted-printable")
	html := "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n</head>\n" +
		"<body>\n<div style=\"font-family: Aptos, sans-serif; font-size: 12pt\">" + htmlEscape(text) + "</div>\n</body>\n</html>\n"
	m.raw(m.nl + qp(html, m.nl) + m.nl)
	m.raw("--" + boundary + m.nl)
	m.header("Content-Type", `text/calendar; charset="utf-8"; method=`+r.method())
	m.header("Content-Transfer-Encoding", "base64")
	m.raw(m.nl + base64Lines(outlookICS(r), 76, m.nl) + m.nl)
	m.raw("--" + boundary + "--" + m.nl)
	return m.Bytes()
}

// centralEurope writes an instant as local time in Central Europe (the
// zone of outlookZone), by the EU rule: summer time from the last Sunday
// of March to the last Sunday of October, 01:00 UTC.
func centralEurope(t time.Time) string {
	t = t.UTC()
	lastSunday := func(month time.Month) time.Time {
		d := time.Date(t.Year(), month+1, 1, 1, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
		return d.AddDate(0, 0, -int(d.Weekday()))
	}
	offset := time.Hour
	if !t.Before(lastSunday(time.March)) && t.Before(lastSunday(time.October)) {
		offset = 2 * time.Hour
	}
	return t.Add(offset).Format("20060102T150405")
}

// --- Gmail / Google Calendar ---

func gmailICS(r Reply) string {
	var w icsWriter
	w.nl = "\r\n"
	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:" + Gmail.ProdID())
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + r.method())
	w.line("BEGIN:VEVENT")
	w.line("DTSTART:" + utc(r.Start))
	w.line("DTEND:" + utc(r.end()))
	w.line("DTSTAMP:" + utc(r.Stamp))
	w.line("ORGANIZER;CN=" + cnIfNeeded(r.organizerName()) + ":mailto:" + r.To)
	w.line("UID:" + r.UID)
	w.line("ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT" + partStat(r) + ";CN=" + cnIfNeeded(nameOr(r.Name, r.From)) +
		";X-NUM-GUESTS=0:mailto:" + r.From)
	w.line("X-GOOGLE-CONFERENCE:")
	w.line("CREATED:" + utc(r.Start.AddDate(0, 0, -14)))
	w.line("DESCRIPTION:" + escapeText("This event has been changed with a note from "+nameOr(r.Name, r.From)+
		".\n\nReply for "+r.From+" and view more details at https://calendar.google.com/calendar/event?action=VIEW&eid="+
		r.seed(Gmail)[:40]+"\n\nForwarding this invitation could allow any recipient to send a response to the organiser."))
	w.line("LAST-MODIFIED:" + utc(r.Stamp))
	w.line("LOCATION:")
	w.line("SEQUENCE:" + strconv.Itoa(r.Sequence))
	w.line("STATUS:CONFIRMED")
	w.line("SUMMARY:" + escapeText(r.Summary))
	w.line("TRANSP:OPAQUE")
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return w.String()
}

func gmailMessage(r Reply) []byte {
	seed := r.seed(Gmail)
	mixed := "000000000000" + seed[:16]
	alt := "000000000000" + seed[16:32]
	cal := gmailICS(r)
	subject := fmt.Sprintf("%s: %s @ %s - %s (UTC) (%s)", r.verb(), r.Summary,
		r.Start.UTC().Format("Mon Jan 2, 2006 3:04pm"), r.end().UTC().Format("3:04pm"), r.To)
	text := fmt.Sprintf("%s has %s this invitation.\n\n%s\n%s\n", nameOr(r.Name, r.From), strings.ToLower(r.verb()),
		r.Summary, r.Start.UTC().Format("Monday 2 January 2006 ⋅ 15:04 UTC"))

	var m msgWriter
	m.nl = "\r\n"
	m.header("MIME-Version", "1.0")
	m.header("Date", r.Stamp.UTC().Format(time.RFC1123Z))
	m.header("Reply-To", address(r.Name, r.From))
	m.header("Sender", address("Google Calendar", "calendar-notification@google.com"))
	m.header("Auto-Submitted", "auto-generated")
	m.header("Message-ID", "<calendar-"+seed[:8]+"-"+seed[8:12]+"-"+seed[12:16]+"-"+seed[16:20]+"-"+seed[20:32]+"@google.com>")
	m.header("Subject", mime.BEncoding.Encode("UTF-8", subject))
	m.header("From", address(r.Name, r.From))
	m.header("To", r.To)
	m.header("Content-Type", `multipart/mixed; boundary="`+mixed+`"`)
	m.raw(m.nl)

	m.raw("--" + mixed + m.nl)
	m.header("Content-Type", `multipart/alternative; boundary="`+alt+`"`)
	m.raw(m.nl)
	m.raw("--" + alt + m.nl)
	m.header("Content-Type", `text/plain; charset="UTF-8"; format=flowed; delsp=yes`)
	m.header("Content-Transfer-Encoding", "base64")
	m.raw(m.nl + base64Lines(text, 76, m.nl) + m.nl)
	m.raw("--" + alt + m.nl)
	m.header("Content-Type", `text/html; charset="UTF-8"`)
	m.header("Content-Transfer-Encoding", "quoted-printable")
	m.raw(m.nl + qp(`<span itemscope itemtype="http://schema.org/InformAction"><div>`+htmlEscape(text)+"</div></span>\n", m.nl) + m.nl)
	m.raw("--" + alt + m.nl)
	m.header("Content-Type", `text/calendar; charset="UTF-8"; method=`+r.method())
	if isASCII(cal) {
		m.header("Content-Transfer-Encoding", "7bit")
	} else {
		m.header("Content-Transfer-Encoding", "8bit")
	}
	m.raw(m.nl + cal + m.nl)
	m.raw("--" + alt + "--" + m.nl)
	m.raw("--" + mixed + m.nl)
	m.header("Content-Type", `application/ics; name="invite.ics"`)
	m.header("Content-Disposition", `attachment; filename="invite.ics"`)
	m.header("Content-Transfer-Encoding", "base64")
	m.raw(m.nl + base64Lines(cal, 76, m.nl) + m.nl)
	m.raw("--" + mixed + "--" + m.nl)
	return m.Bytes()
}

// --- Apple Calendar ---

func appleICS(r Reply) string {
	var w icsWriter
	w.nl = "\n"
	w.line("BEGIN:VCALENDAR")
	w.line("METHOD:" + r.method())
	w.line("VERSION:2.0")
	w.line("PRODID:" + Apple.ProdID())
	w.line("CALSCALE:GREGORIAN")
	w.line("BEGIN:VEVENT")
	cn := ""
	if r.Name != "" {
		cn = ";CN=" + quoteParam(r.Name)
	}
	w.line("ATTENDEE" + cn + ";EMAIL=" + r.From + partStat(r) + ":mailto:" + r.From)
	w.line("DTEND:" + utc(r.end()))
	w.line("DTSTAMP:" + utc(r.Stamp))
	w.line("DTSTART:" + utc(r.Start))
	w.line("LAST-MODIFIED:" + utc(r.Stamp))
	w.line("ORGANIZER;CN=" + quoteParam(r.organizerName()) + ";EMAIL=" + r.To + ":mailto:" + r.To)
	w.line("REQUEST-STATUS:2.0;Success")
	w.line("SEQUENCE:" + strconv.Itoa(r.Sequence))
	w.line("SUMMARY:" + escapeText(r.Summary))
	w.line("UID:" + r.UID)
	w.line("X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC")
	w.line("X-APPLE-CREATOR-IDENTITY:com.apple.calendar")
	w.line("X-APPLE-CREATOR-TEAM-IDENTITY:0000000000")
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return w.String()
}

// appleMessage is written with LF line endings throughout, as Apple Mail
// keeps messages and as many delivery agents hand them to a pipe.
func appleMessage(r Reply) []byte {
	seed := r.seed(Apple)
	uuid := strings.ToUpper(seed[:8] + "-" + seed[8:12] + "-" + seed[12:16] + "-" + seed[16:20] + "-" + seed[20:32])
	boundary := "Apple-Mail=_" + uuid
	text := fmt.Sprintf("%s has %s your invitation to “%s”.\n", nameOr(r.Name, r.From), strings.ToLower(r.verb()), r.Summary)

	var m msgWriter
	m.nl = "\n"
	m.header("From", address(r.Name, r.From))
	m.header("Content-Type", "multipart/alternative;"+m.nl+"\tboundary=\""+boundary+"\"")
	m.header("Mime-Version", `1.0 (Mac OS X Mail 16.0 \(3826.200.121\))`)
	m.header("Subject", mime.QEncoding.Encode("utf-8", r.verb()+": "+r.Summary))
	m.header("Date", r.Stamp.UTC().Format(time.RFC1123Z))
	m.header("Message-Id", "<"+uuid+"@icloud.com>")
	m.header("To", address(r.organizerName(), r.To))
	m.header("X-Mailer", "Apple Mail (2.3826.200.121)")
	m.raw(m.nl)

	m.raw("--" + boundary + m.nl)
	m.header("Content-Transfer-Encoding", "quoted-printable")
	m.header("Content-Type", "text/plain;"+m.nl+"\tcharset=utf-8")
	m.raw(m.nl + qp(text, m.nl) + m.nl)
	m.raw("--" + boundary + m.nl)
	m.header("Content-Transfer-Encoding", "quoted-printable")
	m.header("Content-Type", "text/calendar;"+m.nl+"\tmethod="+r.method()+";"+m.nl+"\tcharset=utf-8")
	m.raw(m.nl + qp(appleICS(r), m.nl) + m.nl)
	m.raw("--" + boundary + "--" + m.nl)
	return m.Bytes()
}

// --- writing ---

// icsWriter writes content lines folded at 75 octets, never inside a
// UTF-8 character, as all three clients do.
type icsWriter struct {
	bytes.Buffer
	nl string
}

func (w *icsWriter) line(s string) {
	limit := 75 // the first physical line; the others start with a space
	for len(s) > limit {
		cut := limit
		for !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.WriteString(s[:cut] + w.nl + " ")
		s, limit = s[cut:], 74
	}
	w.WriteString(s + w.nl)
}

// msgWriter writes a message's headers and parts.
type msgWriter struct {
	bytes.Buffer
	nl string
}

func (m *msgWriter) header(name, value string) {
	if value == "" {
		m.WriteString(name + ":" + m.nl)
		return
	}
	m.WriteString(name + ": " + value + m.nl)
}

func (m *msgWriter) raw(s string) { m.WriteString(s) }

// address writes a mailbox for a header, encoding a non-ASCII name.
func address(name, addr string) string {
	return (&mail.Address{Name: clean(name), Address: addr}).String()
}

// partStat is the PARTSTAT parameter, or nothing.
func partStat(r Reply) string {
	if r.PartStat == "" {
		return ""
	}
	return ";PARTSTAT=" + strings.ToUpper(r.PartStat)
}

// cnIfNeeded writes a parameter value quoted only when it must be (it
// holds ",", ";" or ":"), as Outlook and Google do.
func cnIfNeeded(v string) string {
	v = paramSafe(v)
	if strings.ContainsAny(v, ",;:") {
		return `"` + v + `"`
	}
	return v
}

// quoteParam always quotes a parameter value, as Apple does.
func quoteParam(v string) string { return `"` + paramSafe(v) + `"` }

// paramSafe removes what a parameter value cannot hold: a double quote
// (written as a single one) and control characters.
func paramSafe(v string) string {
	return strings.ReplaceAll(clean(v), `"`, `'`)
}

// clean turns control characters into spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

func nameOr(name, addr string) string {
	if name == "" {
		return addr
	}
	return name
}

var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// escapeText escapes a TEXT value (RFC 5545 §3.3.11).
func escapeText(s string) string { return textEscaper.Replace(s) }

func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "\n", "<br>\n").Replace(s)
}

// qp encodes text as quoted-printable with the given line ending, keeping
// the text's own line breaks as hard breaks.
func qp(text, nl string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(text))
	_ = w.Close()
	return strings.ReplaceAll(b.String(), "\r\n", nl)
}

// base64Lines encodes s in base64 lines of width characters.
func base64Lines(s string, width int, nl string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > width {
		b.WriteString(enc[:width] + nl)
		enc = enc[width:]
	}
	b.WriteString(enc)
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hexNumber(s string) uint32 {
	n, _ := strconv.ParseUint(s[:8], 16, 32)
	return uint32(n)
}
