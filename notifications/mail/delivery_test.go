package mail

import (
	"bytes"
	"context"
	"errors"
	stdhtml "html"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
)

// sent is one composed message and what the test server received for it.
type sent struct {
	name string
	msg  Message
	got  parsedMail
}

// sendAll sends the messages through a real SMTP server in one Send and
// returns each with what arrived, matched by Message-ID.
func sendAll(t *testing.T, named map[string]Message, order []string) (map[string]sent, *testServer) {
	t.Helper()
	ts := startServer(t)
	sender, err := NewSMTP(ts.config(TLSNone))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []Message
	ids := map[string]bool{}
	for _, n := range order {
		msgs = append(msgs, named[n])
		if ids[named[n].ID] {
			t.Fatalf("two messages share the Message-ID %s", named[n].ID)
		}
		ids[named[n].ID] = true
	}
	for i, err := range sender.Send(context.Background(), msgs) {
		if err != nil {
			t.Fatalf("message %d (%s): %v", i, order[i], err)
		}
	}
	byID := map[string]parsedMail{}
	for _, r := range ts.messages() {
		checkRawLines(t, r.Data)
		pm := parseMail(t, r.Data)
		byID[pm.Header.Get("Message-ID")] = pm
	}
	out := map[string]sent{}
	for _, n := range order {
		m := named[n]
		pm, ok := byID["<"+m.ID+">"]
		if !ok {
			t.Fatalf("%s: no message with Message-ID <%s> arrived", n, m.ID)
		}
		out[n] = sent{name: n, msg: m, got: pm}
	}
	return out, ts
}

// TestSMTP_InviteLifecycle composes every kind, sends them through SMTP and
// checks what arrived against rules M1–M3, I5–I8 and I11.
func TestSMTP_InviteLifecycle(t *testing.T) {
	onlineIn := invite()
	onlineIn.Event = session()
	onlineIn.RSVP.EventID = onlineIn.Event.ID
	onlineIn.RSVP.ID = "rsvp_01jf7b"
	waitCancel := cancelledInvite(domain.RSVPWaitlisted)
	waitCancel.RSVP.ID = "rsvp_01jf7c"
	named := map[string]Message{
		"going":           mustCompose(t, domain.MessageGoing, invite()),
		"updated":         mustCompose(t, domain.MessageUpdated, updatedInvite()),
		"event_cancelled": mustCompose(t, domain.MessageEventCancelled, cancelledInvite(domain.RSVPGoing)),
		"waitlisted":      mustCompose(t, domain.MessageWaitlisted, func() Invite { in := invite(); in.RSVP = rsvp(domain.RSVPWaitlisted); return in }()),
		"waitlist_cancel": mustCompose(t, domain.MessageEventCancelled, waitCancel),
		"rsvp_cancelled": mustCompose(t, domain.MessageRSVPCancelled, func() Invite {
			in := invite()
			in.RSVP = rsvp(domain.RSVPCancelled)
			in.Sequence = 1
			return in
		}()),
		"online_going": mustCompose(t, domain.MessageGoing, onlineIn),
	}
	order := []string{"going", "updated", "event_cancelled", "waitlisted", "waitlist_cancel", "rsvp_cancelled", "online_going"}
	got, ts := sendAll(t, named, order)
	if n := ts.connections(); n != 1 {
		t.Errorf("%d messages took %d connections, want 1", len(order), n)
	}

	withCalendar := map[string]string{
		"going": "REQUEST", "updated": "REQUEST", "event_cancelled": "CANCEL",
		"waitlist_cancel": "CANCEL", "rsvp_cancelled": "CANCEL", "online_going": "REQUEST",
	}
	const (
		calShape   = "multipart/mixed{multipart/alternative{text/plain,text/html,text/calendar},application/ics}"
		plainShape = "multipart/alternative{text/plain,text/html}"
	)

	uids := map[string]string{}
	seqs := map[string]int{}
	for _, n := range order {
		s := got[n]
		t.Run(n, func(t *testing.T) {
			h := s.got.Header
			// Headers.
			if h.Get("Message-ID") != "<"+s.msg.ID+">" {
				t.Errorf("Message-ID %q, want <%s>", h.Get("Message-ID"), s.msg.ID)
			}
			rsvpID := map[string]string{"online_going": "rsvp_01jf7b", "waitlist_cancel": "rsvp_01jf7c"}[n]
			if rsvpID == "" {
				rsvpID = "rsvp_01jf7a"
			}
			if want := MessageID(rsvpID, s.msg.Kind, seqOf(s.msg), "convene.example"); s.msg.ID != want {
				t.Errorf("ID %q, want %q", s.msg.ID, want)
			}
			if h.Get("MIME-Version") != "1.0" || h.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("MIME-Version %q, Auto-Submitted %q", h.Get("MIME-Version"), h.Get("Auto-Submitted"))
			}
			if d, err := h.Date(); err != nil || !d.Equal(s.msg.Date) {
				t.Errorf("Date %q (%v), want %v", h.Get("Date"), err, s.msg.Date)
			}
			to, err := mail.ParseAddress(h.Get("To"))
			if err != nil || to.Address != "ingrid@example.net" || to.Name != "Ingrid Bjørnstad" {
				t.Errorf("To %q: %v %v", h.Get("To"), to, err)
			}
			from, err := mail.ParseAddress(h.Get("From"))
			if err != nil || from.Address != "no-reply@convene.example" || from.Name != "Oslo Gophers via Convene" {
				t.Errorf("From %q: %v %v", h.Get("From"), from, err)
			}
			if rt, err := mail.ParseAddress(h.Get("Reply-To")); err != nil || rt.Address != "hello@oslogophers.example" {
				t.Errorf("Reply-To %q: %v", h.Get("Reply-To"), err)
			}
			if subj := decodeHeader(t, h.Get("Subject")); subj != s.msg.Subject {
				t.Errorf("Subject %q, want %q", subj, s.msg.Subject)
			}

			// The MIME tree (M2).
			method, hasCal := withCalendar[n]
			wantShape := plainShape
			if hasCal {
				wantShape = calShape
			}
			if got := s.got.Root.shape(); got != wantShape {
				t.Fatalf("MIME tree %s, want %s", got, wantShape)
			}
			text, html := s.got.Root.find("text/plain"), s.got.Root.find("text/html")
			for _, p := range []*part{text, html} {
				if !strings.EqualFold(p.Params["charset"], "utf-8") {
					t.Errorf("%s charset %q", p.MediaType, p.Params["charset"])
				}
			}
			if string(text.Body) != strings.ReplaceAll(s.msg.Text, "\n", "\r\n") {
				t.Errorf("text body changed on the way:\n%q\nwant\n%q", text.Body, s.msg.Text)
			}
			checkBodies(t, n, s.msg, string(text.Body), string(html.Body))
			if !hasCal {
				if len(s.msg.Calendar) != 0 || s.msg.Method != "" {
					t.Errorf("a %s message has a calendar", n)
				}
				return
			}

			// M1: the method parameter is the METHOD inside.
			cal := s.got.Root.find("text/calendar")
			if cal.Params["method"] != method || !strings.EqualFold(cal.Params["charset"], "utf-8") {
				t.Errorf("text/calendar params %v, want method=%s charset=UTF-8", cal.Params, method)
			}
			if !bytes.Equal(cal.Body, s.msg.Calendar) {
				t.Errorf("text/calendar part differs from the encoded calendar (CRLF lost?):\n%q\nwant\n%q", cal.Body, s.msg.Calendar)
			}
			att := s.got.Root.Children[1]
			if att.Header.Get("Content-Transfer-Encoding") != "base64" {
				t.Errorf("attachment encoding %q", att.Header.Get("Content-Transfer-Encoding"))
			}
			if disp, params, _ := mime.ParseMediaType(att.Header.Get("Content-Disposition")); disp != "attachment" || params["filename"] != "invite.ics" {
				t.Errorf("attachment disposition %q", att.Header.Get("Content-Disposition"))
			}
			if !bytes.Equal(att.Body, cal.Body) {
				t.Error("invite.ics is not byte-equal to the text/calendar part")
			}

			props := parseICS(t, cal.Body)
			if m := icsOne(t, props, "METHOD"); m.Value != method {
				t.Errorf("METHOD %s, want %s", m.Value, method)
			}
			// M3: one event, one attendee: this one.
			if b := icsAll(props, "BEGIN"); len(b) != 2 || b[1].Value != "VEVENT" {
				t.Errorf("components %v, want VCALENDAR with one VEVENT", b)
			}
			att0 := icsOne(t, props, "ATTENDEE")
			if att0.Value != "mailto:ingrid@example.net" || att0.Params["CN"] != "Ingrid Bjørnstad" {
				t.Errorf("ATTENDEE %+v", att0)
			}
			org := icsOne(t, props, "ORGANIZER")
			if org.Params["CN"] != "Oslo Gophers" || org.Value != "mailto:hello@oslogophers.example" {
				t.Errorf("ORGANIZER %+v", org)
			}
			uid := icsOne(t, props, "UID").Value
			seq, _ := strconv.Atoi(icsOne(t, props, "SEQUENCE").Value)
			uids[n], seqs[n] = uid, seq
			if stamp := icsOne(t, props, "DTSTAMP").Value; stamp != s.msg.Date.UTC().Format("20060102T150405Z") {
				t.Errorf("DTSTAMP %s, want the send time %v", stamp, s.msg.Date)
			}
			status := icsOne(t, props, "STATUS").Value
			switch method {
			case "REQUEST":
				// I6: the attendee said yes.
				if att0.Params["PARTSTAT"] != "ACCEPTED" || att0.Params["RSVP"] != "TRUE" || att0.Params["ROLE"] != "REQ-PARTICIPANT" {
					t.Errorf("ATTENDEE params %v, want PARTSTAT=ACCEPTED RSVP=TRUE", att0.Params)
				}
				if status != "CONFIRMED" {
					t.Errorf("STATUS %s", status)
				}
			case "CANCEL":
				// I8.
				if status != "CANCELLED" || seq < 1 {
					t.Errorf("CANCEL with STATUS %s SEQUENCE %d", status, seq)
				}
			}
			for _, p := range []string{"DTSTART", "DTEND"} {
				if v := icsOne(t, props, p).Value; !strings.HasSuffix(v, "Z") {
					t.Errorf("%s %s is not UTC", p, v)
				}
			}
			// I11: online events carry the join link in URL, LOCATION and DESCRIPTION.
			join := "https://meet.example.com/gen-deep-dive?pwd=abc123"
			url, loc := icsOne(t, props, "URL").Value, icsUnescape(icsOne(t, props, "LOCATION").Value)
			desc := icsUnescape(icsOne(t, props, "DESCRIPTION").Value)
			if n == "online_going" {
				if url != join || loc != join || !strings.Contains(desc, join) {
					t.Errorf("online event: URL %q LOCATION %q DESCRIPTION %q, want the join link in each", url, loc, desc)
				}
			} else {
				if strings.Contains(string(cal.Body), "meet.example.com") {
					t.Error("in-person event mentions a join link")
				}
				if url != "https://Convene.Example/e/go-and-gloegg" || loc != "Kulturhuset, Youngstorget 3, 0181 Oslo" {
					t.Errorf("URL %q LOCATION %q", url, loc)
				}
			}
			if strings.Contains(desc, "/r/") {
				t.Error("the DESCRIPTION carries the manage link, which calendars share")
			}
		})
	}

	// I7, I8: one UID from invitation to cancellation, SEQUENCE rising.
	if uids["going"] != "evt_01jf5z@convene.example" || uids["updated"] != uids["going"] || uids["event_cancelled"] != uids["going"] {
		t.Errorf("UIDs %v, want evt_01jf5z@convene.example throughout", uids)
	}
	if !(seqs["going"] < seqs["updated"] && seqs["updated"] < seqs["event_cancelled"]) {
		t.Errorf("SEQUENCE going %d, updated %d, cancelled %d: want rising", seqs["going"], seqs["updated"], seqs["event_cancelled"])
	}
}

// seqOf reads the sequence back out of a Message-ID.
func seqOf(m Message) int {
	left, _, _ := strings.Cut(m.ID, "@")
	n, _ := strconv.Atoi(left[strings.LastIndexByte(left, '.')+1:])
	return n
}

// checkBodies checks what each kind's bodies must say: the local time with
// the zone named, the place or the join link, the manage link or the
// fallback sentence, the calendar links.
func checkBodies(t *testing.T, name string, m Message, text, html string) {
	t.Helper()
	html = stdhtml.UnescapeString(html)
	has := func(what, s string) {
		t.Helper()
		if !strings.Contains(text, s) {
			t.Errorf("text body lacks %s %q", what, s)
		}
		if !strings.Contains(html, s) {
			t.Errorf("HTML body lacks %s %q", what, s)
		}
	}
	hasNot := func(what, s string) {
		t.Helper()
		if strings.Contains(text, s) || strings.Contains(html, s) {
			t.Errorf("a body has %s %q", what, s)
		}
	}
	join := "https://meet.example.com/gen-deep-dive?pwd=abc123"
	switch name {
	case "going":
		has("local time", "Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)")
		has("venue", "Kulturhuset, Youngstorget 3, 0181 Oslo")
		has("manage link", manageURL)
		has("Google link", "https://calendar.google.com/calendar/render?action=TEMPLATE")
		has("Outlook link", "https://outlook.live.com/calendar/0/deeplink/compose?")
		hasNot("join link", "meet.example.com")
	case "online_going":
		has("local time", "Tuesday 15 December 2026, 19:00–20:30 (Europe/Oslo, CET)")
		has("place", "Online")
		has("join link", join)
		has("manage link", manageURL)
	case "updated":
		has("change", "The time changed: now Thursday 10 December, 19:00–21:00 (was 18:00–20:00).")
		has("local time", "Thursday 10 December 2026, 19:00–21:00 (Europe/Oslo, CET)")
		has("manage fallback", "Use the link in your first email from us")
		has("Google link", "https://calendar.google.com/calendar/render?")
		hasNot("manage link", "/r/")
	case "event_cancelled", "waitlist_cancel":
		has("reason", "The venue flooded.")
		has("reason", "We'll announce a new date soon — sorry!")
		has("local time", "Thursday 10 December 2026, 19:00–21:00 (Europe/Oslo, CET)")
		hasNot("calendar link", "calendar.google.com")
	case "waitlisted":
		has("position", "number 3 in line")
		has("manage link", manageURL)
		has("local time", "Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)")
		hasNot("calendar link", "calendar.google.com")
	case "rsvp_cancelled":
		has("confirmation", "is cancelled")
		has("event page", "https://Convene.Example/e/go-and-gloegg")
	}
	if m.Text == "" || !strings.HasPrefix(html, "<!DOCTYPE html>") {
		t.Errorf("bodies missing")
	}
}

// TestMessageNeedsDate: a message without a Date is refused rather than
// dated by the computer's clock: the Date comes from the service's one
// clock, through the composer's Now.
func TestMessageNeedsDate(t *testing.T) {
	m := mustCompose(t, domain.MessageGoing, invite())
	m.Date = time.Time{}
	if _, err := m.EML(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("EML of a message with no Date: %v, want ErrInvalid", err)
	}
	m.Date = invite().Now
	data, err := m.EML()
	if err != nil {
		t.Fatal(err)
	}
	if d, err := parseMail(t, data).Header.Date(); err != nil || !d.Equal(invite().Now.Truncate(time.Second)) {
		t.Errorf("Date %v %v, want the composer's Now %v", d, err, invite().Now)
	}
}

// checkRawLines checks that a message is 7-bit (headers RFC 2047-encoded,
// bodies quoted-printable or base64), ends every line with CRLF, and keeps
// lines within 78 characters (RFC 5322 §2.1.1).
func checkRawLines(t *testing.T, data []byte) {
	t.Helper()
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 78 {
			t.Errorf("line %d is %d characters long: %q", i+1, len(line), line)
		}
		for j := 0; j < len(line); j++ {
			if line[j] >= 0x80 {
				t.Errorf("line %d is not 7-bit: %q", i+1, line)
				break
			}
		}
	}
}
