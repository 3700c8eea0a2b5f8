package mail

import (
	"bytes"
	"errors"
	"html"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/present"
)

// The request fixtures are an organiser's invitation to the Oslo meetup and
// the confirmation of a public RSVP to it (fixtures_test.go).

const (
	reqInvitationURL = "https://convene.example/i/tok_Inv7Qw2xYzK4"
	reqConfirmURL    = "https://convene.example/c/tok_Cnf4Lm9pRsT2"
)

// reqExpires is when the confirmation link stops working: Sunday 22
// November 2026, 09:30 UTC, which is 10:30 in Oslo (CET).
var reqExpires = stamp.Add(48 * time.Hour)

// reqInvitation is Kari's invitation to Ingrid, with a note of two
// paragraphs.
func reqInvitation() Request {
	return Request{
		ID:             "inv_01jfa1",
		Name:           "Ingrid Bjørnstad",
		Email:          "ingrid@example.net",
		Event:          meetup(),
		Group:          group(),
		OrganizerEmail: "hello@oslogophers.example",
		From:           mail.Address{Address: "no-reply@convene.example"},
		BaseURL:        baseURL,
		ActionURL:      reqInvitationURL,
		Note:           "Hei Ingrid!\r\nWe'd love to have you there.\n\nThere will be gløgg & pepperkaker.",
		InvitedBy:      "Kari Nordmann",
		Now:            stamp,
	}
}

// reqConfirmation asks Ola to confirm the RSVP he made on the event page.
func reqConfirmation() Request {
	return Request{
		ID:             "pend_01jfb2",
		Name:           "Ola Hansen",
		Email:          "ola@example.org",
		Event:          meetup(),
		Group:          group(),
		OrganizerEmail: "hello@oslogophers.example",
		From:           mail.Address{Address: "no-reply@convene.example"},
		BaseURL:        baseURL,
		ActionURL:      reqConfirmURL,
		ExpiresAt:      reqExpires,
		Now:            stamp,
	}
}

func mustComposeRequest(t testing.TB, kind domain.MessageKind, in Request) Message {
	t.Helper()
	m, err := ComposeRequest(kind, in)
	if err != nil {
		t.Fatalf("ComposeRequest(%s): %v", kind, err)
	}
	return m
}

// renderRequest composes and renders the message and reads it back with the
// standard library.
func renderRequest(t testing.TB, kind domain.MessageKind, in Request) (Message, []byte, parsedMail) {
	t.Helper()
	m := mustComposeRequest(t, kind, in)
	data, err := m.EML()
	if err != nil {
		t.Fatalf("EML(%s): %v", kind, err)
	}
	return m, data, parseMail(t, data)
}

// requestBodies returns the decoded text and HTML parts, with the CRLF line
// ends of MIME turned back into LF: a CR left over came from user text.
func requestBodies(t testing.TB, pm parsedMail) (text, html string) {
	t.Helper()
	tp, hp := pm.Root.find("text/plain"), pm.Root.find("text/html")
	if tp == nil || hp == nil {
		t.Fatalf("MIME tree %s lacks a text or an HTML part", pm.Root.shape())
	}
	return strings.ReplaceAll(string(tp.Body), "\r\n", "\n"), strings.ReplaceAll(string(hp.Body), "\r\n", "\n")
}

// TestRequestGolden compares the whole rendered invitation and confirmation
// with testdata/request_*.eml.golden. Run with -update to rewrite them after
// a deliberate change, and read the diff.
func TestRequestGolden(t *testing.T) {
	for name, c := range map[string]struct {
		kind domain.MessageKind
		in   Request
	}{
		"request_invitation": {domain.MessageInvitation, reqInvitation()},
		"request_confirm":    {domain.MessageConfirm, reqConfirmation()},
	} {
		t.Run(name, func(t *testing.T) {
			m, data, _ := renderRequest(t, c.kind, c.in)
			got := normalise(data)
			path := filepath.Join("testdata", name+".eml.golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the rendered message (run go test -update and read the diff):\n%s", path, got)
			}
			pm := parseMail(t, want)
			if pm.Header.Get("Message-ID") != "<"+m.ID+">" {
				t.Errorf("golden Message-ID %q, want <%s>", pm.Header.Get("Message-ID"), m.ID)
			}
		})
	}
}

// TestRequestBodies reads the decoded text and HTML parts of both e-mails
// and checks what each must say.
func TestRequestBodies(t *testing.T) {
	t.Run("invitation", func(t *testing.T) {
		_, _, pm := renderRequest(t, domain.MessageInvitation, reqInvitation())
		text, html := requestBodies(t, pm)
		wantText := "Hi Ingrid Bjørnstad,\n\n" +
			"Kari Nordmann invites you to Go & gløgg: year-end meetup.\n\n" +
			"Hei Ingrid!\nWe'd love to have you there.\n\nThere will be gløgg & pepperkaker.\n\n" +
			"When:  Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)\n" +
			"Where: Kulturhuset, Youngstorget 3, 0181 Oslo\n\n" +
			"Will you come?\nYes, I'll come: " + reqInvitationURL + "?answer=yes\nNot this time: " + reqInvitationURL + "?answer=no\n\n" +
			"Event page: https://Convene.Example/e/go-and-gloegg\n"
		if !strings.HasPrefix(text, wantText) {
			t.Errorf("text body:\n%s\nwant it to start:\n%s", text, wantText)
		}
		for _, s := range []string{
			`<span dir="auto">Kari Nordmann</span> invites you to <strong dir="auto">Go &amp; gløgg: year-end meetup</strong>.`,
			// The note keeps its paragraphs and line breaks, and no CR.
			`<p style="margin:8px 0;">Hei Ingrid!<br>We&#39;d love to have you there.</p>`,
			`<p style="margin:8px 0;">There will be gløgg &amp; pepperkaker.</p>`,
			"Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)",
			"Kulturhuset, Youngstorget 3, 0181 Oslo",
		} {
			if !strings.Contains(html, s) {
				t.Errorf("HTML body lacks %q", s)
			}
		}
		if strings.Contains(text+html, "\r") {
			t.Error("a CR from the note reached a decoded body")
		}
		if strings.Contains(text+html, "/c/") || strings.Contains(text, "confirm") {
			t.Error("the invitation talks about a confirmation")
		}
	})
	t.Run("confirmation", func(t *testing.T) {
		_, _, pm := renderRequest(t, domain.MessageConfirm, reqConfirmation())
		text, html := requestBodies(t, pm)
		wantText := "Hi Ola Hansen,\n\n" +
			"Someone — we hope it was you — asked to RSVP to Go & gløgg: year-end meetup with this e-mail address.\n\n" +
			"When:  Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)\n" +
			"Where: Kulturhuset, Youngstorget 3, 0181 Oslo\n\n" +
			"To confirm your RSVP, open this link by Sunday 22 November 10:30 (Europe/Oslo, CET):\n" + reqConfirmURL + "\n\n" +
			"Until you confirm, no place is held for you."
		if !strings.HasPrefix(text, wantText) {
			t.Errorf("text body:\n%s\nwant it to start:\n%s", text, wantText)
		}
		if !strings.Contains(html, "The link works until Sunday 22 November 10:30 (Europe/Oslo, CET).") {
			t.Errorf("HTML body does not give the expiry in Oslo time:\n%s", html)
		}
		if strings.Contains(text+html, "/i/") || strings.Contains(text+html, "invites you") {
			t.Error("the confirmation talks about an invitation")
		}
	})
}

// TestRequestStructure: both e-mails are multipart/alternative with a text
// and an HTML part, no calendar and no attachment, with the usual header
// fields and the right people in them.
func TestRequestStructure(t *testing.T) {
	for _, c := range []struct {
		kind      domain.MessageKind
		in        Request
		to        mail.Address
		actionURL string
		subject   string
	}{
		{domain.MessageInvitation, reqInvitation(), mail.Address{Name: "Ingrid Bjørnstad", Address: "ingrid@example.net"}, reqInvitationURL,
			"Invitation: Go & gløgg: year-end meetup — Thu 10 Dec 2026"},
		{domain.MessageConfirm, reqConfirmation(), mail.Address{Name: "Ola Hansen", Address: "ola@example.org"}, reqConfirmURL,
			"Confirm your RSVP: Go & gløgg: year-end meetup — Thu 10 Dec 2026"},
	} {
		t.Run(string(c.kind), func(t *testing.T) {
			m, data, pm := renderRequest(t, c.kind, c.in)
			checkRawLines(t, data)
			if m.Kind != c.kind || m.Calendar != nil || m.Method != "" {
				t.Errorf("Kind %q, Calendar %v, Method %q: want %q and no calendar", m.Kind, m.Calendar != nil, m.Method, c.kind)
			}
			if got := pm.Root.shape(); got != "multipart/alternative{text/plain,text/html}" {
				t.Errorf("MIME tree %s, want multipart/alternative{text/plain,text/html}", got)
			}
			for _, p := range append([]*part{pm.Root}, pm.Root.Children...) {
				if d := p.Header.Get("Content-Disposition"); d != "" {
					t.Errorf("%s has Content-Disposition %q", p.MediaType, d)
				}
			}
			if bytes.Contains(bytes.ToLower(data), []byte("text/calendar")) || bytes.Contains(bytes.ToLower(data), []byte("invite.ics")) ||
				bytes.Contains(data, []byte("BEGIN:VCALENDAR")) {
				t.Error("the message carries a calendar")
			}
			for _, p := range pm.Root.Children {
				if p.Params["charset"] != "UTF-8" {
					t.Errorf("%s charset %q", p.MediaType, p.Params["charset"])
				}
			}

			var names []string
			for k, v := range pm.Header {
				names = append(names, k)
				if len(v) != 1 {
					t.Errorf("header %s appears %d times", k, len(v))
				}
			}
			sort.Strings(names)
			if strings.Join(names, ",") != strings.Join(headerNames, ",") {
				t.Errorf("header fields %v, want exactly %v", names, headerNames)
			}
			if got := pm.Header.Get("Auto-Submitted"); got != "auto-generated" {
				t.Errorf("Auto-Submitted %q", got)
			}

			if subj := decodeHeader(t, pm.Header.Get("Subject")); subj != c.subject || m.Subject != c.subject {
				t.Errorf("Subject %q (message %q), want %q", subj, m.Subject, c.subject)
			}
			to, err := mail.ParseAddress(pm.Header.Get("To"))
			if err != nil || *to != c.to {
				t.Errorf("To %q reads %v (%v), want %v", pm.Header.Get("To"), to, err, c.to)
			}
			from, err := mail.ParseAddress(pm.Header.Get("From"))
			if err != nil || from.Name != "Oslo Gophers via Convene" || from.Address != "no-reply@convene.example" {
				t.Errorf("From %q reads %v (%v), want the group's name and the service's address", pm.Header.Get("From"), from, err)
			}
			replyTo, err := mail.ParseAddress(pm.Header.Get("Reply-To"))
			if err != nil || replyTo.Address != "hello@oslogophers.example" || replyTo.Name != "Oslo Gophers" {
				t.Errorf("Reply-To %q reads %v (%v), want the organiser", pm.Header.Get("Reply-To"), replyTo, err)
			}

			// The personal link: once as a line of the text, once as the
			// href of the button, and nowhere else. An invitation has two
			// answers, each its own link to the page with that answer picked.
			text, html := requestBodies(t, pm)
			actions := []string{c.actionURL}
			if c.kind == domain.MessageInvitation {
				actions = []string{c.actionURL + "?answer=yes", c.actionURL + "?answer=no"}
			}
			if n := strings.Count(text, c.actionURL); n != len(actions) {
				t.Errorf("text body has the action link %d times, want %d", n, len(actions))
			}
			if n := strings.Count(html, c.actionURL); n != len(actions) {
				t.Errorf("HTML body has the action link %d times, want %d", n, len(actions))
			}
			for _, a := range actions {
				if !strings.Contains(text, a+"\n") {
					t.Errorf("the link %s does not end a line of the text body:\n%s", a, text)
				}
				if n := strings.Count(html, `<a href="`+a+`"`); n != 1 {
					t.Errorf("HTML body has %d links to %s, want 1", n, a)
				}
			}
		})
	}
}

// TestRequestPeople: From, Reply-To and the inviter fall back to the group,
// and Reply-To is the organiser address the caller gives, not the group's
// contact address.
func TestRequestPeople(t *testing.T) {
	in := reqInvitation()
	in.Group.ContactEmail = ""
	in.OrganizerEmail = "kari@example.com" // the first owner
	in.From.Name = "Convene"
	in.InvitedBy = ""
	m := mustComposeRequest(t, domain.MessageInvitation, in)
	if m.ReplyTo != (mail.Address{Name: "Oslo Gophers", Address: "kari@example.com"}) {
		t.Errorf("Reply-To %v, want the organiser address", m.ReplyTo)
	}
	if m.From != (mail.Address{Name: "Oslo Gophers via Convene", Address: "no-reply@convene.example"}) {
		t.Errorf("From %v", m.From)
	}
	if !strings.Contains(m.Text, "\nOslo Gophers invites you to Go & gløgg") {
		t.Errorf("without an inviter, the group should invite:\n%s", m.Text)
	}

	// Without a name or a note, nothing is left empty.
	in.Name, in.Note = "", "  \r\n\n "
	m = mustComposeRequest(t, domain.MessageInvitation, in)
	if !strings.HasPrefix(m.Text, "Hi,\n\n") || strings.Contains(m.Text, "\n\n\n") {
		t.Errorf("text body without a name or a note:\n%s", m.Text)
	}
	if strings.Contains(m.HTML, "border-left") || strings.Contains(m.HTML, `<span dir="auto"></span>`) {
		t.Error("HTML body has an empty note or name")
	}
	if m.To != (mail.Address{Address: "ingrid@example.net"}) {
		t.Errorf("To %v, want the bare address", m.To)
	}

	// A note given for a confirmation is not shown: only organisers write
	// notes.
	c := reqConfirmation()
	c.Note = "Transfer 500 kr to claim your seat"
	c.InvitedBy = "Mallory"
	m = mustComposeRequest(t, domain.MessageConfirm, c)
	if strings.Contains(m.Text+m.HTML, "Transfer") || strings.Contains(m.Text+m.HTML, "Mallory") {
		t.Error("a confirmation shows a note or an inviter")
	}
}

// TestRequestLocalTime: the subject's date and the expiry are in the event's
// zone, with the zone named, whatever zone the instants come in.
func TestRequestLocalTime(t *testing.T) {
	// 00:30 on Friday 11 December in Oslo is still Thursday in UTC.
	late := reqConfirmation()
	late.Event.StartsAt = osloAt(12, 11, 0, 30)
	late.Event.EndsAt = osloAt(12, 11, 2, 0)
	if m := mustComposeRequest(t, domain.MessageConfirm, late); m.Subject != "Confirm your RSVP: Go & gløgg: year-end meetup — Fri 11 Dec 2026" {
		t.Errorf("subject %q, want the Oslo date Fri 11 Dec 2026", m.Subject)
	}
	inv := reqInvitation()
	inv.Event = late.Event
	if m := mustComposeRequest(t, domain.MessageInvitation, inv); m.Subject != "Invitation: Go & gløgg: year-end meetup — Fri 11 Dec 2026" {
		t.Errorf("subject %q, want the Oslo date Fri 11 Dec 2026", m.Subject)
	}

	ny := mustZone("America/New_York")
	for _, c := range []struct {
		name    string
		zone    string
		expires time.Time
		want    string
	}{
		{"oslo winter", "Europe/Oslo", reqExpires, "Sunday 22 November 10:30 (Europe/Oslo, CET)"},
		{"oslo given in another zone", "Europe/Oslo", reqExpires.In(ny), "Sunday 22 November 10:30 (Europe/Oslo, CET)"},
		{"new york", "America/New_York", reqExpires, "Sunday 22 November 04:30 (America/New_York, EST)"},
		{"kathmandu", "Asia/Kathmandu", reqExpires, "Sunday 22 November 15:15 (Asia/Kathmandu, UTC+5:45)"},
		{"utc", "UTC", reqExpires, "Sunday 22 November 09:30 (UTC)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := reqConfirmation()
			in.Event.TimeZone = c.zone
			in.ExpiresAt = c.expires
			m := mustComposeRequest(t, domain.MessageConfirm, in)
			if !strings.Contains(m.Text, "open this link by "+c.want+":\n") {
				t.Errorf("text body does not say %q:\n%s", c.want, m.Text)
			}
			// html/template writes + as &#43;.
			if !strings.Contains(html.UnescapeString(m.HTML), "The link works until "+c.want+".") {
				t.Errorf("HTML body does not say %q", c.want)
			}
		})
	}

	// The zone abbreviation is the one in force at the expiry, not at the
	// event: a request made in October expires in summer time.
	summer := reqConfirmation()
	summer.Now = time.Date(2026, 10, 20, 8, 0, 0, 0, time.UTC)
	summer.ExpiresAt = time.Date(2026, 10, 22, 8, 0, 0, 0, time.UTC)
	if m := mustComposeRequest(t, domain.MessageConfirm, summer); !strings.Contains(m.Text, "Thursday 22 October 10:00 (Europe/Oslo, CEST)") {
		t.Errorf("expiry in summer time:\n%s", m.Text)
	}
}

// TestRequestMessageID: the same request always has the same Message-ID (a
// retry is recognised as a duplicate); a new confirmation request (another
// expiry) and the other kind have another.
func TestRequestMessageID(t *testing.T) {
	inv := mustComposeRequest(t, domain.MessageInvitation, reqInvitation())
	if inv.ID != "inv_01jfa1.invitation.0@convene.example" {
		t.Errorf("invitation Message-ID %q", inv.ID)
	}
	retry := reqInvitation()
	retry.Now = stamp.Add(time.Hour)
	if got := mustComposeRequest(t, domain.MessageInvitation, retry).ID; got != inv.ID {
		t.Errorf("a retry of the invitation has Message-ID %q, want %q", got, inv.ID)
	}

	conf := mustComposeRequest(t, domain.MessageConfirm, reqConfirmation())
	if want := "pend_01jfb2.confirm-rsvp." + strconv.FormatInt(reqExpires.Unix(), 10) + "@convene.example"; conf.ID != want {
		t.Errorf("confirmation Message-ID %q, want %q", conf.ID, want)
	}
	again := reqConfirmation()
	again.Now = stamp.Add(10 * time.Minute)
	again.ExpiresAt = reqExpires.In(oslo)
	if got := mustComposeRequest(t, domain.MessageConfirm, again).ID; got != conf.ID {
		t.Errorf("a retry of the confirmation has Message-ID %q, want %q", got, conf.ID)
	}
	renewed := reqConfirmation()
	renewed.ExpiresAt = reqExpires.Add(time.Hour)
	if got := mustComposeRequest(t, domain.MessageConfirm, renewed).ID; got == conf.ID {
		t.Errorf("a new confirmation request (another expiry) reuses Message-ID %q", got)
	}

	sameID := reqConfirmation()
	sameID.ID = reqInvitation().ID
	if mustComposeRequest(t, domain.MessageConfirm, sameID).ID == inv.ID {
		t.Error("an invitation and a confirmation share a Message-ID")
	}
	other := reqInvitation()
	other.ID = "inv_01jfa2"
	if mustComposeRequest(t, domain.MessageInvitation, other).ID == inv.ID {
		t.Error("two invitations share a Message-ID")
	}
	for _, m := range []Message{inv, conf} {
		if !validMessageID(m.ID) {
			t.Errorf("Message-ID %q is not a valid msg-id", m.ID)
		}
	}
}

// requestTagRE finds the start of every element in an HTML body.
var requestTagRE = regexp.MustCompile(`<(/?)([!A-Za-z][A-Za-z0-9]*)`)

// requestTags are the elements the request template writes; user text must
// never add one.
var requestTags = map[string]bool{
	"!DOCTYPE": true, "html": true, "head": true, "meta": true, "title": true, "body": true, "table": true,
	"tr": true, "td": true, "p": true, "span": true, "strong": true, "div": true, "br": true, "a": true,
}

// TestRequestHostileInput puts header-injection attempts, markup, quotes,
// emoji, right-to-left text and control characters into every piece of user
// text both e-mails show, and checks that the headers stay exactly the
// expected set, that names and subject read back as the cleaned text, and
// that the HTML body escapes all of it.
func TestRequestHostileInput(t *testing.T) {
	cases := []struct {
		name, person, title, group, inviter, note string
	}{
		{"crlf injection",
			"Eve\r\nBcc: victim@example.org", "Party\r\nBcc: victim@example.org\r\n\r\nbody",
			"Gophers\r\nX-Evil: 1", "Mallory\r\nReply-To: evil@example.org",
			"Line one\r\nBcc: victim@example.org\r\n\r\n--BOUNDARY\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>"},
		{"lone CR and LF",
			"Eve\rCc: a@example.org", "Party\nSubject: spoofed", "Gophers\nReply-To: evil@example.org", "Mal\rlory",
			"one\rtwo\nthree"},
		{"markup",
			`<b>bold</b> <img src=x onerror=alert(1)>`, `Meetup "Q&A" <script>alert(1)</script>`, `Gophers (the <real> one)`,
			`<a href="https://evil.example/">Kari</a>`,
			"</p></div><script>alert(document.cookie)</script>\n<a href=\"javascript:alert(1)\">click</a>\n\n<!-- x --><style>body{display:none}</style>"},
		{"quotes, commas, encoded-word lookalikes",
			`"Doe, Jane" <jane@evil.example>`, "Party =?utf-8?q?Bcc:_x@example.org?= 🎉", `=?utf-8?b?R29waGVycw==?=, "Oslo"`,
			"Ana 🎉 =?utf-8?q?Bcc:_x?=", "It's \"great\" & <fun>, isn't it?"},
		{"right to left",
			"مريم العلي", "لقاء مطوري Go — שלום", "\u202eGophers\u202c ישראל", "\u202eKari\u2066",
			"مرحبا بكم\u2028שלום\u2029\u202eevil.exe\u202c"},
		{"control characters",
			"Nul\x00Bell\x07Tab\tName", "Title\x1b[31mRed\u0085Next", "Group\x7fName", "In\x00viter",
			"Esc\x1b[2J\tTab\x00Nul\x0bVT\x0cFF"},
		{"invalid UTF-8 and long",
			"Bj\xf8rn " + strings.Repeat("Bjørnstad-", 30), strings.Repeat("Lightning talks ", 12) + "\xff🎉",
			strings.Repeat("Gophers ", 20), strings.Repeat("Kari ", 30), strings.Repeat("A long line of the note. ", 40)},
	}
	for _, c := range cases {
		for _, kind := range []domain.MessageKind{domain.MessageInvitation, domain.MessageConfirm} {
			t.Run(c.name+"/"+string(kind), func(t *testing.T) {
				in := reqConfirmation()
				if kind == domain.MessageInvitation {
					in = reqInvitation()
				}
				in.Name = c.person
				in.Event.Title = c.title
				in.Event.Venue.Name = c.title
				in.Group.Name = c.group
				in.InvitedBy = c.inviter
				in.Note = c.note
				m, data, pm := renderRequest(t, kind, in)
				checkRawLines(t, data)

				var names []string
				for k, v := range pm.Header {
					names = append(names, k)
					if len(v) != 1 {
						t.Errorf("header %s appears %d times", k, len(v))
					}
				}
				sort.Strings(names)
				if strings.Join(names, ",") != strings.Join(headerNames, ",") {
					t.Errorf("header fields %v, want exactly %v", names, headerNames)
				}
				headerEnd := bytes.Index(data, []byte("\r\n\r\n"))
				for _, line := range strings.Split(string(data[:headerEnd]), "\r\n") {
					l := strings.ToLower(line)
					if strings.HasPrefix(l, "bcc:") || strings.HasPrefix(l, "cc:") || strings.HasPrefix(l, "x-evil") {
						t.Errorf("injected header line %q", line)
					}
				}
				if got := pm.Root.shape(); got != "multipart/alternative{text/plain,text/html}" {
					t.Errorf("MIME tree %s: the note or a name changed the structure", got)
				}

				list, err := mail.ParseAddressList(pm.Header.Get("To"))
				if err != nil || len(list) != 1 || list[0].Address != in.Email || list[0].Name != present.OneLineText(c.person) {
					t.Errorf("To %q reads %v (%v), want one address named %q", pm.Header.Get("To"), list, err, present.OneLineText(c.person))
				}
				from, err := mail.ParseAddress(pm.Header.Get("From"))
				if want := GroupFrom(mail.Address{}, c.group).Name; err != nil || from.Address != "no-reply@convene.example" || from.Name != want {
					t.Errorf("From %q reads %v (%v), want name %q", pm.Header.Get("From"), from, err, want)
				}
				replyTo, err := mail.ParseAddressList(pm.Header.Get("Reply-To"))
				if err != nil || len(replyTo) != 1 || replyTo[0].Address != "hello@oslogophers.example" {
					t.Errorf("Reply-To %q reads %v (%v), want the organiser alone", pm.Header.Get("Reply-To"), replyTo, err)
				}
				// The Message itself holds clean one-line names, not only its
				// rendering: callers log and store them.
				for _, s := range []string{m.To.Name, m.From.Name, m.ReplyTo.Name, m.Subject} {
					if !oneLine(s) || strings.Contains(s, "  ") {
						t.Errorf("Message field %q is not one clean line", s)
					}
				}
				subj := decodeHeader(t, pm.Header.Get("Subject"))
				if subj != m.Subject || !strings.Contains(subj, present.OneLineText(c.title)) || !oneLine(subj) {
					t.Errorf("Subject read back as %q, want %q with the cleaned title", subj, m.Subject)
				}

				text, html := requestBodies(t, pm)
				if strings.Contains(text, "\r") || strings.Contains(html, "\r") {
					t.Error("a CR reached a decoded body")
				}
				if strings.ContainsFunc(text+html, func(r rune) bool {
					return r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0))
				}) {
					t.Error("a control character reached a decoded body")
				}
				if !strings.Contains(text, present.OneLineText(c.title)) {
					t.Errorf("text body lacks the cleaned title %q", present.OneLineText(c.title))
				}
				for _, tag := range requestTagRE.FindAllStringSubmatch(html, -1) {
					if !requestTags[tag[2]] {
						t.Errorf("HTML body has a <%s%s> that user text made", tag[1], tag[2])
					}
				}
				// The action (an invitation has two: yes and no) and the event page.
				links := 2
				if kind == domain.MessageInvitation {
					links = 3
				}
				if n := strings.Count(html, "<a "); n != links {
					t.Errorf("HTML body has %d links, want %d", n, links)
				}
				if n := strings.Count(html, `href="`); n != links {
					t.Errorf("HTML body has %d href attributes, want %d", n, links)
				}
				if strings.Contains(html, "<script") || strings.Contains(html, "<b>") || strings.Contains(html, "<real>") ||
					strings.Contains(html, "onerror=alert") && !strings.Contains(html, "&lt;img src=x onerror=alert(1)&gt;") {
					t.Error("HTML body has unescaped markup from user text")
				}
				if strings.Contains(c.person, "<b>") && !strings.Contains(html, "&lt;b&gt;bold&lt;/b&gt;") {
					t.Error("HTML body does not show the escaped name")
				}
				if kind == domain.MessageInvitation && strings.Contains(c.note, "<script>") && !strings.Contains(html, "&lt;script&gt;") {
					t.Error("HTML body does not show the escaped note")
				}
				actions := []string{in.ActionURL}
				if kind == domain.MessageInvitation {
					actions = []string{in.ActionURL + "?answer=yes", in.ActionURL + "?answer=no"}
				}
				if n := strings.Count(text, in.ActionURL); n != len(actions) {
					t.Errorf("text body has the action link %d times, want %d", n, len(actions))
				}
				for _, a := range actions {
					if n := strings.Count(html, `href="`+a+`"`); n != 1 {
						t.Errorf("HTML body links to %s %d times", a, n)
					}
				}
			})
		}
	}
}

// TestRequestRightToLeft: right-to-left names and titles are isolated in the
// HTML body so that they cannot reorder the text around them.
func TestRequestRightToLeft(t *testing.T) {
	in := reqInvitation()
	in.Name, in.Event.Title, in.InvitedBy = "مريم العلي", "لقاء مطوري Go", "שרה כהן"
	in.Note = "أهلاً وسهلاً"
	m := mustComposeRequest(t, domain.MessageInvitation, in)
	for _, s := range []string{
		`<span dir="auto">مريم العلي</span>`,
		`<span dir="auto">שרה כהן</span> invites you to <strong dir="auto">لقاء مطوري Go</strong>`,
		`dir="auto">
<p style="margin:8px 0;">أهلاً وسهلاً</p>`,
	} {
		if !strings.Contains(m.HTML, s) {
			t.Errorf("HTML body lacks %q", s)
		}
	}
	if !strings.Contains(m.Text, "Hi مريم العلي,\n") || !strings.Contains(m.Text, "\nأهلاً وسهلاً\n") {
		t.Errorf("text body:\n%s", m.Text)
	}
}

// TestComposeRequestRefuses: input that can never make a valid request
// e-mail is ErrInvalid; an event that is no longer open to people, or a
// link that has expired, is also ErrStale.
func TestComposeRequestRefuses(t *testing.T) {
	both := []domain.MessageKind{domain.MessageInvitation, domain.MessageConfirm}
	cases := []struct {
		name  string
		kinds []domain.MessageKind
		spoil func(in *Request)
		stale bool
	}{
		{"cancelled event", both, func(in *Request) { in.Event.Status = domain.EventCancelled }, true},
		{"draft event", both, func(in *Request) { in.Event.Status = domain.EventDraft }, true},
		{"no event status", both, func(in *Request) { in.Event.Status = "" }, true},
		{"event over", both, func(in *Request) { in.Now = in.Event.EndsAt }, true},
		{"event long over", both, func(in *Request) {
			in.Now = in.Event.EndsAt.Add(30 * 24 * time.Hour)
			in.ExpiresAt = in.Now.Add(time.Hour)
		}, true},
		{"confirmation expired", []domain.MessageKind{domain.MessageConfirm}, func(in *Request) { in.Now = in.ExpiresAt }, true},

		{"unknown kind", []domain.MessageKind{"welcome", "", domain.MessageGoing, domain.MessageWaitlisted, "Invitation"}, func(in *Request) {}, false},
		{"confirmation without ExpiresAt", []domain.MessageKind{domain.MessageConfirm}, func(in *Request) { in.ExpiresAt = time.Time{} }, false},
		{"no ID", both, func(in *Request) { in.ID = "" }, false},
		{"no Now", both, func(in *Request) { in.Now = time.Time{} }, false},
		{"no start", both, func(in *Request) { in.Event.StartsAt = time.Time{} }, false},
		{"no end", both, func(in *Request) { in.Event.EndsAt = time.Time{} }, false},
		{"relative base URL", both, func(in *Request) { in.BaseURL = "/convene" }, false},
		{"ftp base URL", both, func(in *Request) { in.BaseURL = "ftp://convene.example" }, false},
		{"no zone", both, func(in *Request) { in.Event.TimeZone = "" }, false},
		{"unknown zone", both, func(in *Request) { in.Event.TimeZone = "Mars/Olympus" }, false},

		{"action URL with a quote", both, func(in *Request) { in.ActionURL = `https://convene.example/i/tok"onclick=alert(1)` }, false},
		{"action URL with a space", both, func(in *Request) { in.ActionURL = "https://convene.example/i/tok abc" }, false},
		{"action URL with CRLF", both, func(in *Request) { in.ActionURL = "https://convene.example/i/tok\r\nBcc: x@example.org" }, false},
		{"action URL with brackets", both, func(in *Request) { in.ActionURL = "https://convene.example/i/<tok>" }, false},
		{"action URL with a tab", both, func(in *Request) { in.ActionURL = "https://convene.example/i/tok\tx" }, false},
		{"action URL with a line separator", both, func(in *Request) { in.ActionURL = "https://convene.example/i/tok\u2028x" }, false},
		{"javascript action URL", both, func(in *Request) { in.ActionURL = "javascript:alert(1)" }, false},
		{"relative action URL", both, func(in *Request) { in.ActionURL = "/i/tok" }, false},
		{"action URL without host", both, func(in *Request) { in.ActionURL = "https:///i/tok" }, false},
		{"no action URL", both, func(in *Request) { in.ActionURL = "" }, false},

		{"recipient with CRLF", both, func(in *Request) { in.Email = "a@example.org\r\nBcc: x@example.org" }, false},
		{"recipient with a name", both, func(in *Request) { in.Email = "Eve <eve@example.org>" }, false},
		{"two recipients", both, func(in *Request) { in.Email = "a@example.org, b@example.org" }, false},
		{"recipient without domain", both, func(in *Request) { in.Email = "eve" }, false},
		{"no recipient", both, func(in *Request) { in.Email = "" }, false},
		{"organiser not an address", both, func(in *Request) { in.OrganizerEmail = "hello" }, false},
		{"no organiser", both, func(in *Request) { in.OrganizerEmail = "" }, false},
		{"bad from", both, func(in *Request) { in.From.Address = "no-reply" }, false},
	}
	for _, c := range cases {
		for _, kind := range c.kinds {
			t.Run(c.name+"/"+string(kind), func(t *testing.T) {
				in := reqConfirmation()
				if kind == domain.MessageInvitation {
					in = reqInvitation()
				}
				c.spoil(&in)
				m, err := ComposeRequest(kind, in)
				if !errors.Is(err, ErrInvalid) || !IsPermanent(err) {
					t.Fatalf("ComposeRequest = %v, want ErrInvalid", err)
				}
				if errors.Is(err, ErrStale) != c.stale {
					t.Errorf("ComposeRequest = %v: ErrStale %v, want %v", err, errors.Is(err, ErrStale), c.stale)
				}
				if m.ID != "" || m.Text != "" || m.HTML != "" {
					t.Errorf("a refused request still made a message: %+v", m)
				}
			})
		}
	}

	// The edges of what is still worth sending.
	ok := reqConfirmation()
	ok.Now = ok.ExpiresAt.Add(-time.Second)
	if _, err := ComposeRequest(domain.MessageConfirm, ok); err != nil {
		t.Errorf("a confirmation a second before it expires: %v", err)
	}
	during := reqInvitation()
	during.Now = during.Event.EndsAt.Add(-time.Minute)
	if _, err := ComposeRequest(domain.MessageInvitation, during); err != nil {
		t.Errorf("an invitation while the event is on: %v", err)
	}
	noExpiry := reqInvitation()
	noExpiry.ExpiresAt = time.Time{}
	if _, err := ComposeRequest(domain.MessageInvitation, noExpiry); err != nil {
		t.Errorf("an invitation needs no ExpiresAt: %v", err)
	}
}
