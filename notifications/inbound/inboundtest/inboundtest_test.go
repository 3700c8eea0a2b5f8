package inboundtest_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/notifications/inbound/inboundtest"
)

func reply() inboundtest.Reply {
	start := time.Date(2026, 7, 7, 16, 0, 0, 0, time.UTC)
	return inboundtest.Reply{
		To:       "reply+abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz@events.example.org",
		From:     "jane@example.com",
		Name:     "Jane Doe",
		UID:      "evt_1@convene.example",
		Sequence: 2,
		Summary:  "Summer party",
		Start:    start,
		End:      start.Add(3 * time.Hour),
		Stamp:    time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC),
		PartStat: "DECLINED",
	}
}

// entity is a MIME entity read back from a message.
type entity struct {
	header textproto.MIMEHeader
	body   []byte // decoded
}

// tree returns the shape of the MIME tree ("multipart/mixed[text/plain,…]")
// and its leaves.
func tree(t *testing.T, h textproto.MIMEHeader, body io.Reader) (string, []entity) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		raw, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		var data []byte
		switch h.Get("Content-Transfer-Encoding") {
		case "base64":
			data, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw)))
		case "quoted-printable":
			data, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		default:
			data = raw
		}
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		return mt, []entity{{h, data}}
	}
	mr := multipart.NewReader(body, params["boundary"])
	var shapes []string
	var leaves []entity
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		s, l := tree(t, p.Header, p)
		shapes = append(shapes, s)
		leaves = append(leaves, l...)
	}
	return mt + "[" + strings.Join(shapes, ",") + "]", leaves
}

func read(t *testing.T, raw []byte) (*mail.Message, string, []entity) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	shape, leaves := tree(t, textproto.MIMEHeader(m.Header), m.Body)
	return m, shape, leaves
}

func calendarOf(t *testing.T, leaves []entity) (entity, string) {
	t.Helper()
	for _, e := range leaves {
		if strings.HasPrefix(e.header.Get("Content-Type"), "text/calendar") {
			return e, string(e.body)
		}
	}
	t.Fatal("no text/calendar part")
	return entity{}, ""
}

func contains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}

func TestOutlookShape(t *testing.T) {
	raw := inboundtest.Message(inboundtest.Outlook, reply())
	if bytes.Count(raw, []byte("\n")) != bytes.Count(raw, []byte("\r\n")) {
		t.Error("Outlook's message has bare LF line endings")
	}
	m, shape, leaves := read(t, raw)
	if want := "multipart/alternative[text/plain,text/html,text/calendar]"; shape != want {
		t.Errorf("shape = %s, want %s", shape, want)
	}
	for name, want := range map[string]string{
		"Subject":          "Declined: Summer party",
		"Thread-Topic":     "Summer party",
		"Content-Language": "en-US",
		"X-MS-Has-Attach":  "",
	} {
		if got, ok := m.Header[textproto.CanonicalMIMEHeaderKey(name)]; !ok || got[0] != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	part, ics := calendarOf(t, leaves)
	if got := part.header.Get("Content-Type"); got != `text/calendar; charset="utf-8"; method=REPLY` {
		t.Errorf("Content-Type = %q", got)
	}
	if got := part.header.Get("Content-Transfer-Encoding"); got != "base64" {
		t.Errorf("Content-Transfer-Encoding = %q", got)
	}
	contains(t, "Outlook's calendar", ics,
		"\r\nPRODID:Microsoft Exchange Server 2010\r\n",
		"\r\nBEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n",
		"\r\nATTENDEE;PARTSTAT=DECLINED;CN=Jane Doe:mailto:jane@example.com\r\n",
		"\r\nDTSTART;TZID=W. Europe Standard Time:20260707T180000\r\n", // summer time
		"\r\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\r\n",
		"\r\nX-MS-OLK-CONFTYPE:0\r\n",
		"\r\nSEQUENCE:2\r\n",
		"\r\nDTSTAMP:20260701T093000Z\r\n",
	)
}

func TestGmailShape(t *testing.T) {
	raw := inboundtest.Message(inboundtest.Gmail, reply())
	m, shape, leaves := read(t, raw)
	if want := "multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],application/ics]"; shape != want {
		t.Errorf("shape = %s, want %s", shape, want)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Declined: Summer party @ Tue Jul 7, 2026 4:00pm - 7:00pm (UTC) (" + reply().To + ")"; subject != want {
		t.Errorf("Subject = %q, want %q", subject, want)
	}
	part, ics := calendarOf(t, leaves)
	if got := part.header.Get("Content-Type"); got != `text/calendar; charset="UTF-8"; method=REPLY` {
		t.Errorf("Content-Type = %q", got)
	}
	if got := part.header.Get("Content-Transfer-Encoding"); got != "7bit" {
		t.Errorf("Content-Transfer-Encoding = %q", got)
	}
	att := leaves[len(leaves)-1]
	if got := att.header.Get("Content-Type"); got != `application/ics; name="invite.ics"` {
		t.Errorf("attachment Content-Type = %q", got)
	}
	if string(att.body) != ics {
		t.Error("invite.ics differs from the text/calendar part")
	}
	contains(t, "Google's calendar", strings.ReplaceAll(ics, "\r\n ", ""),
		"\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n",
		"\r\nATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;CN=Jane Doe;X-NUM-GUESTS=0:mailto:jane@example.com\r\n",
	)
	folded := false
	for _, line := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
		folded = folded || strings.HasPrefix(line, " ")
	}
	if !folded {
		t.Error("no folded line")
	}
}

func TestAppleShape(t *testing.T) {
	raw := inboundtest.Message(inboundtest.Apple, reply())
	if bytes.Contains(raw, []byte("\r")) {
		t.Error("Apple's message has CR")
	}
	m, shape, leaves := read(t, raw)
	if want := "multipart/alternative[text/plain,text/calendar]"; shape != want {
		t.Errorf("shape = %s, want %s", shape, want)
	}
	if got := m.Header.Get("X-Mailer"); !strings.HasPrefix(got, "Apple Mail") {
		t.Errorf("X-Mailer = %q", got)
	}
	if got := m.Header.Get("Mime-Version"); !strings.Contains(got, "Mac OS X Mail") {
		t.Errorf("Mime-Version = %q", got)
	}
	part, ics := calendarOf(t, leaves)
	if mt, params, _ := mime.ParseMediaType(part.header.Get("Content-Type")); mt != "text/calendar" || params["method"] != "REPLY" || params["charset"] != "utf-8" {
		t.Errorf("Content-Type = %q", part.header.Get("Content-Type"))
	}
	if got := part.header.Get("Content-Transfer-Encoding"); got != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding = %q", got)
	}
	if strings.Contains(ics, "\r") {
		t.Error("Apple's calendar has CR")
	}
	contains(t, "Apple's calendar", strings.ReplaceAll(ics, "\n ", ""),
		"\nPRODID:-//Apple Inc.//macOS 15.1//EN\n",
		"\nATTENDEE;CN=\"Jane Doe\";EMAIL=jane@example.com;PARTSTAT=DECLINED:mailto:jane@example.com\n",
		"\nX-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\n",
	)
}

// TestNames writes names as each client does: non-ASCII as it is, quoted
// when it holds a comma, semicolon or colon (always for Apple), a double
// quote turned into a single one.
func TestNames(t *testing.T) {
	cases := []struct {
		name                string
		outlook, gmail, mac string // the CN parameter
	}{
		{"Åse Ødegård", `CN=Åse Ødegård`, `CN=Åse Ødegård`, `CN="Åse Ødegård"`},
		{"Doe, Jane; Sr.", `CN="Doe, Jane; Sr."`, `CN="Doe, Jane; Sr."`, `CN="Doe, Jane; Sr."`},
		{`Jane "JD": Doe`, `CN="Jane 'JD': Doe"`, `CN="Jane 'JD': Doe"`, `CN="Jane 'JD': Doe"`},
		{"", `CN=jane@example.com`, `CN=jane@example.com`, `ATTENDEE;EMAIL=`},
	}
	for _, tc := range cases {
		r := reply()
		r.Name = tc.name
		for c, want := range map[inboundtest.Client]string{inboundtest.Outlook: tc.outlook, inboundtest.Gmail: tc.gmail, inboundtest.Apple: tc.mac} {
			ics := strings.NewReplacer("\r\n ", "", "\n ", "").Replace(string(inboundtest.ICS(c, r)))
			if !strings.Contains(ics, want) {
				t.Errorf("%s, %q: no %s in\n%s", c, tc.name, want, ics)
			}
		}
		_, _, _ = read(t, inboundtest.Message(inboundtest.Gmail, r))
	}
}

func TestDeterministic(t *testing.T) {
	for _, c := range inboundtest.Clients {
		a, b := inboundtest.Message(c, reply()), inboundtest.Message(c, reply())
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two messages of one reply differ", c)
		}
		r := reply()
		r.PartStat = "ACCEPTED"
		if bytes.Equal(a, inboundtest.Message(c, r)) {
			t.Errorf("%s: the answer changes nothing", c)
		}
	}
}

func TestWinterTime(t *testing.T) {
	r := reply()
	r.Start = time.Date(2026, 12, 7, 17, 0, 0, 0, time.UTC)
	r.End = time.Time{}
	ics := string(inboundtest.ICS(inboundtest.Outlook, r))
	contains(t, "Outlook's calendar", ics,
		"\r\nDTSTART;TZID=W. Europe Standard Time:20261207T180000\r\n",
		"\r\nDTEND;TZID=W. Europe Standard Time:20261207T190000\r\n")
}
