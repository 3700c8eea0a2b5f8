package inbound

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/inbound/inboundtest"
)

const testDomain = "events.example.org"

var testKey = domain.ReplyKey([]byte("inbound test secret"))

// replyAddr is the reply address of an RSVP.
func replyAddr(rsvpID string) string {
	return domain.ReplyAddress(domain.ReplyToken(testKey, rsvpID), testDomain)
}

func tokenOf(t *testing.T, addr string) string {
	t.Helper()
	tok := domain.ReplyTokenOf(addr, testDomain)
	if tok == "" {
		t.Fatalf("%q is not a reply address", addr)
	}
	return tok
}

var (
	stamp = time.Date(2026, 12, 1, 10, 15, 42, 0, time.UTC)
	start = time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)
)

// fixture is a reply as the clients send it, to the reply address of
// rsvp_1.
func fixture() inboundtest.Reply {
	return inboundtest.Reply{
		To:       replyAddr("rsvp_1"),
		From:     "ase@example.com",
		Name:     "Åse Ødegård",
		UID:      "evt_01JEXAMPLE@convene.example",
		Sequence: 3,
		Summary:  "Kaffe, kake; og prat",
		Start:    start,
		End:      start.Add(2 * time.Hour),
		Stamp:    stamp,
		PartStat: "ACCEPTED",
	}
}

var clientNames = map[inboundtest.Client]string{
	inboundtest.Outlook: "Outlook",
	inboundtest.Gmail:   "Google Calendar",
	inboundtest.Apple:   "Apple Calendar",
}

// TestParseClients reads every client's reply of every kind into exactly
// the reply it means.
func TestParseClients(t *testing.T) {
	cases := []struct {
		name     string
		partStat string
		method   string
		person   string // the attendee's name
		want     domain.ReplyStatus
		method2  domain.CalendarMethod
	}{
		{"accepted", "ACCEPTED", "", "Åse Ødegård", domain.ReplyAccepted, domain.MethodReply},
		{"declined", "DECLINED", "", "Doe, Jane; Sr.", domain.ReplyDeclined, domain.MethodReply},
		{"tentative", "TENTATIVE", "", "", domain.ReplyTentative, domain.MethodReply},
		{"counter", "TENTATIVE", "COUNTER", "Jane: the \"boss\"", domain.ReplyTentative, domain.MethodCounter},
		{"refresh", "", "REFRESH", "Jane Doe", "", domain.MethodRefresh},
	}
	for _, c := range inboundtest.Clients {
		for _, tc := range cases {
			t.Run(string(c)+"/"+tc.name, func(t *testing.T) {
				r := fixture()
				r.PartStat, r.Method, r.Name = tc.partStat, tc.method, tc.person
				got, err := Parse(inboundtest.Message(c, r), nil, testDomain, domain.ViaSMTP)
				if err != nil {
					t.Fatal(err)
				}
				want := []domain.CalendarReply{{
					Token:    tokenOf(t, r.To),
					Method:   tc.method2,
					UID:      "evt_01JEXAMPLE@convene.example",
					Attendee: "ase@example.com",
					Status:   tc.want,
					Sequence: 3,
					Stamp:    stamp,
					Client:   clientNames[c],
					Via:      domain.ViaSMTP,
				}}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("(-want +got)\n%s", diff)
				}
			})
		}
	}
}

// The iCalendar objects below are written by hand, each with one thing
// that real clients do.

// lines is the body of a minimal REPLY, one content line per element.
var lines = []string{
	"BEGIN:VCALENDAR",
	"METHOD:REPLY",
	"PRODID:-//Example Corp.//CalDAV Client//EN",
	"VERSION:2.0",
	"BEGIN:VEVENT",
	"UID:evt_1@convene.example",
	"SEQUENCE:1",
	"DTSTAMP:20261201T101500Z",
	"ATTENDEE;PARTSTAT=ACCEPTED;CN=Jane Doe:mailto:jane@example.com",
	"END:VEVENT",
	"END:VCALENDAR",
}

// edit returns lines with the line that starts with prefix replaced by
// repl (removed when repl is empty; more lines than one may replace it).
func edit(ls []string, prefix string, repl ...string) []string {
	var out []string
	done := false
	for _, l := range ls {
		if !done && strings.HasPrefix(l, prefix) {
			out = append(out, repl...)
			done = true
			continue
		}
		out = append(out, l)
	}
	if !done {
		panic("edit: no line starts with " + prefix)
	}
	return out
}

func crlf(ls []string) string { return strings.Join(ls, "\r\n") + "\r\n" }

// wantReply is the reply of lines, as it arrives at rsvp_1's address.
func wantReply(t *testing.T) domain.CalendarReply {
	return domain.CalendarReply{
		Token:    tokenOf(t, replyAddr("rsvp_1")),
		Method:   domain.MethodReply,
		UID:      "evt_1@convene.example",
		Attendee: "jane@example.com",
		Status:   domain.ReplyAccepted,
		Sequence: 1,
		Stamp:    time.Date(2026, 12, 1, 10, 15, 0, 0, time.UTC),
		Via:      domain.ViaPipe,
	}
}

// single is a message whose whole body is one entity of the given
// Content-Type and transfer encoding ("" for none).
func single(contentType, encoding, body string) []byte {
	var b strings.Builder
	b.WriteString("From: Jane Doe <jane@example.com>\r\n")
	b.WriteString("To: Convene <" + replyAddr("rsvp_1") + ">\r\n")
	b.WriteString("Subject: Accepted: Coffee\r\n")
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: " + contentType + "\r\n")
	if encoding != "" {
		b.WriteString("Content-Transfer-Encoding: " + encoding + "\r\n")
	}
	b.WriteString("\r\n" + body)
	return []byte(b.String())
}

// calendarMessage is a message whose body is the calendar text.
func calendarMessage(text string) []byte {
	return single("text/calendar; method=REPLY; charset=UTF-8", "", text)
}

// part is one entity of a multipart body.
type part struct {
	header string // header lines, each ending in CRLF
	body   string
}

// multipartBody writes parts with boundary b.
func multipartBody(b string, parts ...part) string {
	var s strings.Builder
	s.WriteString("This is a multi-part message in MIME format.\r\n")
	for _, p := range parts {
		s.WriteString("--" + b + "\r\n" + p.header + "\r\n" + p.body + "\r\n")
	}
	s.WriteString("--" + b + "--\r\n")
	return s.String()
}

func calPart(text string) part {
	return part{"Content-Type: text/calendar; method=REPLY; charset=UTF-8\r\n", text}
}

func textPart(text string) part {
	return part{"Content-Type: text/plain; charset=utf-8\r\n", text}
}

func qpEncode(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// TestParseTolerates reads the variations that real clients and mail
// systems produce.
func TestParseTolerates(t *testing.T) {
	long := strings.Repeat("Very long name ", 20) // 300 characters
	cases := []struct {
		name string
		msg  []byte
		edit func(*domain.CalendarReply)
	}{
		{"CRLF", calendarMessage(crlf(lines)), nil},
		{"LF line endings", calendarMessage(strings.Join(lines, "\n") + "\n"), nil},
		{"CR line endings", calendarMessage(strings.Join(lines, "\r") + "\r"), nil},
		{"mixed line endings", calendarMessage(strings.Join(lines[:5], "\n") + "\r\n" + strings.Join(lines[5:], "\r\n")), nil},
		{"no final newline", calendarMessage(strings.Join(lines, "\r\n")), nil},
		{"byte order mark", calendarMessage("\uFEFF" + crlf(lines)), nil},
		{"trailing white space", calendarMessage(strings.Join(lines, " \t\r\n") + "  \r\n"), nil},
		{"blank lines", calendarMessage("\r\n\r\n" + strings.Join(lines, "\r\n\r\n") + "\r\n\r\n"), nil},
		{"text around the object", calendarMessage("Calendar follows\r\n" + crlf(lines) + "-- \r\nSent from my phone\r\n"), nil},
		{"two objects, the first counts", calendarMessage(crlf(lines) + crlf(edit(lines, "ATTENDEE", "ATTENDEE;PARTSTAT=DECLINED:mailto:x@example.com"))), nil},
		{"unfolded 300-character lines", calendarMessage(crlf(edit(lines, "ATTENDEE",
			`ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;CN="`+long+`";PARTSTAT=ACCEPTED;X-NUM-GUESTS=0:mailto:jane@example.com`,
			"DESCRIPTION:"+strings.Repeat("words\\, more words ", 20)))), nil},
		{"folded lines", calendarMessage(crlf(edit(lines, "ATTENDEE",
			"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PART",
			" STAT=ACCEPTED;CN=Jane Doe:mai",
			"\tlto:jane@exam",
			" ple.com"))), nil},
		{"fold that lost its space", calendarMessage(crlf(edit(lines, "ATTENDEE",
			"ATTENDEE;PARTSTAT=ACCEPTED;CN=Jane Doe:mailto:jane@exam",
			"ple.com"))), nil},
		{"quoted CN with colon and semicolon", calendarMessage(crlf(edit(lines, "ATTENDEE",
			`ATTENDEE;CN="Doe: Jane; Sr.";PARTSTAT=ACCEPTED:mailto:jane@example.com`))), nil},
		{"unquoted CN", calendarMessage(crlf(edit(lines, "ATTENDEE",
			`ATTENDEE;PARTSTAT=ACCEPTED;CN=Jane Doe:mailto:jane@example.com`))), nil},
		{"backslash-escaped CN", calendarMessage(crlf(edit(lines, "ATTENDEE",
			`ATTENDEE;CN=Doe\, Jane;PARTSTAT=ACCEPTED:mailto:jane@example.com`))), nil},
		{"non-ASCII CN", calendarMessage(crlf(edit(lines, "ATTENDEE",
			`ATTENDEE;CN=Åse Ødegård;PARTSTAT=ACCEPTED:mailto:jane@example.com`))), nil},
		{"MAILTO in upper case", calendarMessage(crlf(edit(lines, "ATTENDEE",
			`ATTENDEE;PARTSTAT=ACCEPTED:MAILTO:Jane@Example.COM`))),
			func(r *domain.CalendarReply) { r.Attendee = "Jane@Example.COM" }},
		{"percent-encoded mailto", calendarMessage(crlf(edit(lines, "ATTENDEE",
			`ATTENDEE;PARTSTAT=ACCEPTED:mailto:jane%2Bcal@example.com`))),
			func(r *domain.CalendarReply) { r.Attendee = "jane+cal@example.com" }},
		{"urn:uuid address with EMAIL", calendarMessage(crlf(edit(lines, "ATTENDEE",
			`ATTENDEE;CN="Jane Doe";EMAIL=jane@example.com;PARTSTAT=ACCEPTED:urn:uuid:4f1b6e2a-0000-4000-8000-000000000001`))), nil},
		{"lower case names", calendarMessage(strings.ToLower(crlf(edit(lines, "ATTENDEE",
			`ATTENDEE;PARTSTAT=ACCEPTED:mailto:jane@example.com`)))), nil},
		{"Outlook desktop PRODID", calendarMessage(crlf(edit(lines, "PRODID",
			"PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN"))),
			func(r *domain.CalendarReply) { r.Client = "Outlook" }},
		{"VTIMEZONE and X- properties", calendarMessage(crlf(edit(lines, "BEGIN:VEVENT",
			"BEGIN:VTIMEZONE", "TZID:W. Europe Standard Time", "BEGIN:STANDARD", "DTSTART:16010101T030000",
			"TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
			"END:STANDARD", "END:VTIMEZONE", "BEGIN:VEVENT",
			"X-MS-OLK-CONFTYPE:0", "X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC",
			"DTSTART;TZID=W. Europe Standard Time:20261207T180000",
			"BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "END:VALARM"))), nil},
		{"METHOD after the event", calendarMessage(crlf(edit(edit(lines, "METHOD"), "END:VCALENDAR", "METHOD:REPLY", "END:VCALENDAR"))), nil},
		{"method only in the Content-Type", single("text/calendar; method=REPLY; charset=UTF-8", "", crlf(edit(lines, "METHOD"))), nil},
		{"METHOD decides over the Content-Type", single("text/calendar; method=REQUEST", "", crlf(lines)), nil},
		{"no SEQUENCE", calendarMessage(crlf(edit(lines, "SEQUENCE"))), func(r *domain.CalendarReply) { r.Sequence = 0 }},
		{"no DTSTAMP", calendarMessage(crlf(edit(lines, "DTSTAMP"))), func(r *domain.CalendarReply) { r.Stamp = time.Time{} }},
		{"floating DTSTAMP", calendarMessage(crlf(edit(lines, "DTSTAMP", "DTSTAMP:20261201T101500"))), nil},
		{"DTSTAMP with TZID=UTC", calendarMessage(crlf(edit(lines, "DTSTAMP", "DTSTAMP;TZID=UTC:20261201T101500"))), nil},
		{"DTSTAMP with a Windows TZID", calendarMessage(crlf(edit(lines, "DTSTAMP", "DTSTAMP;TZID=W. Europe Standard Time:20261201T101500"))), nil},
		{"unreadable DTSTAMP", calendarMessage(crlf(edit(lines, "DTSTAMP", "DTSTAMP:yesterday"))), func(r *domain.CalendarReply) { r.Stamp = time.Time{} }},
		{"SEQUENCE with spaces", calendarMessage(crlf(edit(lines, "SEQUENCE", "SEQUENCE: 1"))), nil},
		{"lower case parameter names", calendarMessage(crlf(edit(lines, "ATTENDEE", `ATTENDEE;partstat=accepted;cn=Jane:mailto:jane@example.com`))), nil},
		{"no Content-Type charset", single("text/calendar; method=REPLY", "", crlf(lines)), nil},
		{"application/ics", single(`application/ics; name="invite.ics"`, "", crlf(lines)), nil},
		{"octet-stream named .ics", single(`application/octet-stream; name="Invite.ICS"`, "base64", base64.StdEncoding.EncodeToString([]byte(crlf(lines)))), nil},
		{"base64", single("text/calendar; method=REPLY", "base64", base64.StdEncoding.EncodeToString([]byte(crlf(lines)))), nil},
		{"base64 in lines without padding", single("text/calendar; method=REPLY", "BASE64", wrap(strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(crlf(lines))), "="), 60, "\r\n")), nil},
		{"quoted-printable", single("text/calendar; method=REPLY", "quoted-printable", qpEncode(crlf(lines))), nil},
		{"quoted-printable of LF text", single("text/calendar; method=REPLY", "quoted-printable", qpEncode(strings.Join(lines, "\n"))), nil},
		{"8bit", single("text/calendar; method=REPLY; charset=utf-8", "8bit", crlf(lines)), nil},
		{"windows-1252", single("text/calendar; method=REPLY; charset=windows-1252", "8bit",
			crlf(edit(lines, "UID", "UID:evt_1\x80@convene.example"))),
			func(r *domain.CalendarReply) { r.UID = "evt_1€@convene.example" }},
		{"invalid UTF-8", single("text/calendar; method=REPLY", "8bit", crlf(edit(lines, "PRODID", "PRODID:-//\xff\xfe//EN"))), nil},
		{"mbox From line", append([]byte("From jane@example.com Tue Dec  1 10:15:00 2026\n"), calendarMessage(crlf(lines))...), nil},
		{"lenient Content-Type", single(`text/calendar; method=REPLY; method=REQUEST; charset="utf-8`, "", crlf(lines)), nil},
		{"multipart/alternative", single(`multipart/alternative; boundary="b1"`, "",
			multipartBody("b1", textPart("Jane accepted"), calPart(crlf(lines)))), nil},
		{"nested multiparts", single(`multipart/mixed; boundary="m"`, "",
			multipartBody("m",
				part{"Content-Type: multipart/related; boundary=\"r\"\r\n", multipartBody("r",
					part{"Content-Type: multipart/alternative; boundary=\"a\"\r\n", multipartBody("a",
						textPart("Jane accepted"), part{"Content-Type: text/html\r\n", "<p>Jane accepted</p>"},
						calPart(crlf(lines)))},
					part{"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n", "iVBORw0KGgo="})},
				part{"Content-Type: application/pdf\r\n", "%PDF-1.7"})), nil},
		{"calendar nested 8 deep", single(`multipart/mixed; boundary="d0"`, "", nest(8, calPart(crlf(lines)))), nil},
		{"multipart with LF line endings", []byte(strings.ReplaceAll(string(single(`multipart/alternative; boundary="b1"`, "",
			multipartBody("b1", textPart("Jane accepted"), calPart(crlf(lines))))), "\r\n", "\n")), nil},
		{"multipart without its final boundary", single(`multipart/alternative; boundary="b1"`, "",
			"--b1\r\nContent-Type: text/plain\r\n\r\nJane accepted\r\n--b1\r\nContent-Type: text/calendar\r\n\r\n"+crlf(lines)), nil},
		{"text/calendar preferred to an attachment", single(`multipart/mixed; boundary="m"`, "",
			multipartBody("m",
				part{"Content-Type: application/ics; name=invite.ics\r\nContent-Disposition: attachment; filename=invite.ics\r\n",
					crlf(edit(lines, "ATTENDEE", "ATTENDEE;PARTSTAT=DECLINED:mailto:jane@example.com"))},
				calPart(crlf(lines)))), nil},
		{"the first calendar that is a reply", single(`multipart/mixed; boundary="m"`, "",
			multipartBody("m",
				calPart(crlf(edit(lines, "METHOD", "METHOD:REQUEST"))),
				calPart("BEGIN:VCALENDAR\r\nbroken"),
				part{"Content-Type: application/ics\r\n", crlf(lines)})), nil},
		{"attendee named by From among several", func() []byte {
			m := calendarMessage(crlf(edit(lines, "ATTENDEE",
				"ATTENDEE;PARTSTAT=DECLINED:mailto:other@example.com",
				"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:third@example.com",
				"ATTENDEE;PARTSTAT=ACCEPTED:mailto:JANE@example.com")))
			return m
		}(), func(r *domain.CalendarReply) { r.Attendee = "JANE@example.com" }},
		{"first attendee with an answer when From names none", func() []byte {
			m := calendarMessage(crlf(edit(lines, "ATTENDEE",
				"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:third@example.com",
				"ATTENDEE:mailto:fourth@example.com",
				"ATTENDEE;PARTSTAT=TENTATIVE:mailto:other@example.com",
				"ATTENDEE;PARTSTAT=DECLINED:mailto:jane@example.org")))
			return m
		}(), func(r *domain.CalendarReply) { r.Attendee = "other@example.com"; r.Status = domain.ReplyTentative }},
		{"COUNTER without PARTSTAT", calendarMessage(crlf(edit(edit(lines, "METHOD", "METHOD:COUNTER"), "ATTENDEE",
			"ATTENDEE;CN=Jane:mailto:jane@example.com"))),
			func(r *domain.CalendarReply) { r.Method = domain.MethodCounter; r.Status = "" }},
		{"REFRESH with PARTSTAT=DELEGATED", calendarMessage(crlf(edit(edit(lines, "METHOD", "METHOD:refresh"), "ATTENDEE",
			"ATTENDEE;PARTSTAT=DELEGATED:mailto:jane@example.com"))),
			func(r *domain.CalendarReply) { r.Method = domain.MethodRefresh; r.Status = "" }},
		{"unclosed components", calendarMessage(crlf(lines[:len(lines)-2])), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.msg, nil, testDomain, domain.ViaPipe)
			if err != nil {
				t.Fatalf("%v\n%s", err, tc.msg)
			}
			w := wantReply(t)
			if tc.edit != nil {
				tc.edit(&w)
			}
			if diff := cmp.Diff([]domain.CalendarReply{w}, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func wrap(s string, width int, nl string) string {
	var b strings.Builder
	for len(s) > width {
		b.WriteString(s[:width] + nl)
		s = s[width:]
	}
	b.WriteString(s)
	return b.String()
}

// TestParseRecipients finds the reply addresses in the envelope, or else
// in the headers.
func TestParseRecipients(t *testing.T) {
	a, b, c := replyAddr("rsvp_a"), replyAddr("rsvp_b"), replyAddr("rsvp_c")
	body := "MIME-Version: 1.0\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n" + crlf(lines)
	msg := func(headers ...string) []byte {
		return []byte("From: Jane Doe <jane@example.com>\r\n" + strings.Join(headers, "\r\n") + "\r\n" + body)
	}
	cases := []struct {
		name  string
		msg   []byte
		rcpts []string
		want  []string // the tokens' addresses
	}{
		{"To", msg("To: Convene <" + a + ">"), nil, []string{a}},
		{"upper case address", msg("To: " + strings.ToUpper(a)), nil, []string{a}},
		{"domain with a final dot", msg("To: <" + a + ".>"), nil, []string{a}},
		{"Cc among others", msg("To: Someone <someone@example.com>", "Cc: x@example.net, \"Convene, RSVP\" <"+b+">"), nil, []string{b}},
		{"every header, each address once", msg(
			"Delivered-To: "+b,
			"X-Original-To: "+b,
			"Envelope-To: "+c,
			"X-Envelope-To: <"+c+">",
			"To: "+a+", "+strings.ToUpper(b),
			"Cc: "+a,
		), nil, []string{b, c, a}},
		{"several Delivered-To", msg("Delivered-To: "+a, "Delivered-To: "+c, "To: list@example.com"), nil, []string{a, c}},
		{"header that is no address list", msg("To: Convene <" + a + "> (via relay; \"broken"), nil, []string{a}},
		{"envelope decides", msg("To: " + a), []string{"<" + strings.ToUpper(b) + ">", " " + c + " ", "someone@example.com"}, []string{b, c}},
		{"envelope without a reply address", msg("To: " + a), []string{"someone@example.com"}, nil},
		{"other domain", msg("To: reply+" + domain.ReplyToken(testKey, "x") + "@example.org"), nil, nil},
		{"not a token", msg("To: reply+hello@" + testDomain), nil, nil},
		{"no recipients", msg("Subject: nobody"), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.msg, tc.rcpts, testDomain, domain.ViaLMTP)
			if tc.want == nil {
				if !errors.Is(err, ErrNoReplyAddress) {
					t.Fatalf("err = %v, want ErrNoReplyAddress", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want []domain.CalendarReply
			for _, addr := range tc.want {
				r := wantReply(t)
				r.Token, r.Via = tokenOf(t, addr), domain.ViaLMTP
				want = append(want, r)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestParseRejects returns the right error for what is not a reply Convene
// can read, and never panics.
func TestParseRejects(t *testing.T) {
	r := fixture()
	big := make([]byte, MaxMessageSize+1)
	copy(big, inboundtest.Message(inboundtest.Gmail, r))
	cases := []struct {
		name string
		msg  []byte
		want error // nil: any error
	}{
		{"REQUEST", calendarMessage(crlf(edit(lines, "METHOD", "METHOD:REQUEST"))), ErrNotReply},
		{"PUBLISH", calendarMessage(crlf(edit(lines, "METHOD", "METHOD:PUBLISH"))), ErrNotReply},
		{"CANCEL", calendarMessage(crlf(edit(lines, "METHOD", "METHOD:CANCEL"))), ErrNotReply},
		{"DECLINECOUNTER", calendarMessage(crlf(edit(lines, "METHOD", "METHOD:DECLINECOUNTER"))), ErrNotReply},
		{"REQUEST, whatever the Content-Type says", single("text/calendar; method=REPLY", "", crlf(edit(lines, "METHOD", "METHOD:REQUEST"))), ErrNotReply},
		{"no METHOD anywhere", single("text/calendar", "", crlf(edit(lines, "METHOD"))), ErrNotReply},
		{"Convene's own invite", inboundtest.Message(inboundtest.Gmail, func() inboundtest.Reply { r := fixture(); r.Method = "REQUEST"; return r }()), ErrNotReply},
		{"plain text", single("text/plain; charset=utf-8", "", "Thanks, I'll come!\r\n"), ErrNoCalendar},
		{"no body", []byte("From: jane@example.com\r\nTo: " + replyAddr("rsvp_1") + "\r\n\r\n"), ErrNoCalendar},
		{"only headers", []byte("To: " + replyAddr("rsvp_1") + "\r\n"), ErrNoCalendar},
		{"multipart without calendar", single(`multipart/alternative; boundary="b"`, "", multipartBody("b", textPart("hi"), textPart("ho"))), ErrNoCalendar},
		{"multipart without boundary", single(`multipart/alternative`, "", multipartBody("b", calPart(crlf(lines)))), ErrNoCalendar},
		{"calendar nested too deep", single(`multipart/mixed; boundary="d0"`, "", nest(12, calPart(crlf(lines)))), ErrNoCalendar},
		{"forwarded message", single("message/rfc822", "", string(calendarMessage(crlf(lines)))), ErrNoCalendar},
		{"no reply address", []byte("To: jane@example.com\r\nContent-Type: text/calendar\r\n\r\n" + crlf(lines)), ErrNoReplyAddress},
		{"REPLY without PARTSTAT", calendarMessage(crlf(edit(lines, "ATTENDEE", "ATTENDEE;CN=Jane:mailto:jane@example.com"))), ErrMalformed},
		{"REPLY with PARTSTAT=NEEDS-ACTION", calendarMessage(crlf(edit(lines, "ATTENDEE", "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:jane@example.com"))), ErrMalformed},
		{"REPLY with PARTSTAT=DELEGATED", calendarMessage(crlf(edit(lines, "ATTENDEE", "ATTENDEE;PARTSTAT=DELEGATED:mailto:jane@example.com"))), ErrMalformed},
		{"no ATTENDEE", calendarMessage(crlf(edit(lines, "ATTENDEE"))), ErrMalformed},
		{"ATTENDEE without address", calendarMessage(crlf(edit(lines, "ATTENDEE", "ATTENDEE;PARTSTAT=ACCEPTED:urn:uuid:1234"))), ErrMalformed},
		{"COUNTER without ATTENDEE", calendarMessage(crlf(edit(edit(lines, "METHOD", "METHOD:COUNTER"), "ATTENDEE"))), ErrMalformed},
		{"no UID", calendarMessage(crlf(edit(lines, "UID"))), ErrMalformed},
		{"UID of 2000 characters", calendarMessage(crlf(edit(lines, "UID", "UID:"+strings.Repeat("u", 2000)))), ErrMalformed},
		{"address of 300 characters", calendarMessage(crlf(edit(lines, "ATTENDEE", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:"+strings.Repeat("a", 290)+"@example.com"))), ErrMalformed},
		{"empty UID", calendarMessage(crlf(edit(lines, "UID", "UID:  "))), ErrMalformed},
		{"no VEVENT", calendarMessage(crlf(edit(edit(lines, "BEGIN:VEVENT", "BEGIN:VTODO"), "END:VEVENT", "END:VTODO"))), ErrMalformed},
		{"SEQUENCE not a number", calendarMessage(crlf(edit(lines, "SEQUENCE", "SEQUENCE:two"))), ErrMalformed},
		{"SEQUENCE negative", calendarMessage(crlf(edit(lines, "SEQUENCE", "SEQUENCE:-1"))), ErrMalformed},
		{"SEQUENCE too large", calendarMessage(crlf(edit(lines, "SEQUENCE", "SEQUENCE:99999999999999999999"))), ErrMalformed},
		{"not iCalendar", calendarMessage("Hello, this is not a calendar\r\n"), ErrMalformed},
		{"VCALENDAR inside VEVENT", calendarMessage(crlf(edit(lines, "UID", "BEGIN:VCALENDAR", "END:VCALENDAR"))), ErrMalformed},
		{"unbalanced END", calendarMessage(crlf(edit(lines, "END:VEVENT", "END:VTODO"))), ErrMalformed},
		{"control character in a parameter", calendarMessage(crlf(edit(lines, "ATTENDEE", "ATTENDEE;CN=Ja\x01ne;PARTSTAT=ACCEPTED:mailto:jane@example.com"))), ErrMalformed},
		{"bad base64", single("text/calendar; method=REPLY", "base64", "!!!not base64!!!"), ErrMalformed},
		{"bad quoted-printable", single("text/calendar; method=REPLY", "quoted-printable", "BEGIN:VCALENDAR=\x01\r\n"), ErrMalformed},
		{"nested components", calendarMessage(crlf(edit(lines, "UID", strings.Split(strings.Repeat("BEGIN:X\n", 1000), "\n")[:1000]...))), ErrMalformed},
		{"malformed header", []byte("To " + replyAddr("rsvp_1") + "\r\nno colon here\r\n\r\nbody"), ErrMalformed},
		{"too large", big, ErrTooLarge},
		{"empty", nil, nil},
		{"garbage", []byte("\x00\x01\x02\xff\xfe garbage"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.msg, nil, testDomain, domain.ViaPipe)
			if err == nil || got != nil {
				t.Fatalf("Parse = %+v, %v; want an error", got, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error of %d bytes: %.300s…", len(err.Error()), err)
			}
		})
	}
}

// nest returns the body of a multipart with boundary d0 that holds
// multiparts d1 … d<depth>, each inside the one before, the last holding p.
func nest(depth int, p part) string {
	body := multipartBody(fmt.Sprintf("d%d", depth), p)
	for level := depth; level > 0; level-- {
		body = multipartBody(fmt.Sprintf("d%d", level-1),
			part{fmt.Sprintf("Content-Type: multipart/mixed; boundary=\"d%d\"\r\n", level), body})
	}
	return body
}

// TestParseBoundsWork refuses hostile input quickly, without the blow-ups
// golang-ical's parser would otherwise suffer.
func TestParseBoundsWork(t *testing.T) {
	near := MaxMessageSize - 4096
	cases := []struct {
		name string
		msg  []byte
		ok   bool // it may be read
	}{
		{"a line with a million parameters", calendarMessage(crlf(edit(lines, "ATTENDEE",
			"ATTENDEE"+strings.Repeat(";A=B", near/4-100)+":mailto:jane@example.com"))), false},
		{"a million commas in one parameter", calendarMessage(crlf(edit(lines, "ATTENDEE",
			"ATTENDEE;DELEGATED-TO="+strings.Repeat(",", near-100)+":mailto:jane@example.com"))), false},
		{"components nested 400000 deep", calendarMessage(crlf(edit(lines, "UID",
			strings.Split(strings.Repeat("BEGIN:X\n", near/10), "\n")...))), false},
		{"a million components", calendarMessage(crlf(edit(lines, "SEQUENCE",
			append(strings.Split(strings.Repeat("BEGIN:X\nEND:X\n", near/16), "\n"), "SEQUENCE:1")...))), false},
		{"a million continuation lines", calendarMessage(crlf(edit(lines, "SEQUENCE",
			append([]string{"DESCRIPTION:x"}, append(strings.Split(strings.Repeat(" y\n", near/4), "\n"), "SEQUENCE:1")...)...))), true},
		{"a million properties", calendarMessage(crlf(edit(lines, "SEQUENCE",
			append(strings.Split(strings.Repeat("X-A:b\n", near/7), "\n"), "SEQUENCE:1")...))), false},
		{"a million attendees", calendarMessage(crlf(edit(lines, "ATTENDEE",
			strings.Split(strings.Repeat("ATTENDEE:mailto:a@b\n", near/21), "\n")...))), false},
		{"a million parts", single(`multipart/mixed; boundary="b"`, "", strings.Repeat("--b\r\n\r\n\r\n", near/10)), false},
		{"a million calendar parts", single(`multipart/mixed; boundary="b"`, "", strings.Repeat("--b\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n", near/55)), false},
		{"one long base64 line", single("text/calendar", "base64", strings.Repeat("QUJD", near/4)), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.msg) > MaxMessageSize {
				t.Fatalf("test message is %d bytes", len(tc.msg))
			}
			began := time.Now()
			_, err := Parse(tc.msg, nil, testDomain, domain.ViaPipe)
			if err == nil && !tc.ok {
				t.Error("Parse succeeded")
			}
			if d := time.Since(began); d > 2*time.Second {
				t.Errorf("Parse took %v", d)
			}
		})
	}
}
