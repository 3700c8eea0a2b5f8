package mail

import (
	"bytes"
	"errors"
	"net/mail"
	"sort"
	"strings"
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/present"
)

// headerNames are the header fields every message has, and no others.
var headerNames = []string{
	"Auto-Submitted", "Content-Type", "Date", "From", "Message-Id", "Mime-Version",
	"Reply-To", "Subject", "To", "X-Auto-Response-Suppress",
}

// TestHostileInput puts header-injection attempts, quotes, commas, emoji
// and right-to-left text into every name and title that reaches a header,
// and checks that the headers stay exactly the expected set and that the
// names and the subject read back as the cleaned text.
func TestHostileInput(t *testing.T) {
	cases := []struct {
		name, person, title, group string
	}{
		{"crlf injection",
			"Eve\r\nBcc: victim@example.org", "Party\r\nBcc: victim@example.org\r\n\r\nbody",
			"Gophers\r\nX-Evil: 1"},
		{"lone CR and LF",
			"Eve\rCc: a@example.org", "Party\nSubject: spoofed", "Gophers\nReply-To: evil@example.org"},
		{"quotes, commas, brackets",
			`"Doe, Jane" <jane@evil.example>`, `Meetup "Q&A", part 2; <b>bold</b>`, `Gophers, "Oslo" (the <real> one)`},
		{"emoji and encoded-word lookalikes",
			"Ana 🎉 =?utf-8?q?Bcc:_x@example.org?=", "🎄 Year-end =?UTF-8?B?QmNjOiB4?= party 🎉", "Go 🐹 Oslo"},
		{"ASCII encoded-word lookalikes",
			"Ana =?utf-8?q?Bcc:_x@example.org?=", "Party =?utf-8?q?Bcc:_x?=", "=?utf-8?b?R29waGVycw==?="},
		{"right to left",
			"مريم العلي", "لقاء مطوري Go — שלום", "\u202eGophers\u202c ישראל"},
		{"control characters and separators",
			"Nul\x00Bell\x07Tab\tName\u2028Line", "Title\x1b[31m\u2029Red", "Group\x7f\u0085Name"},
		{"long",
			strings.Repeat("Bjørnstad-", 30), strings.Repeat("Lightning talks ", 12) + "🎉", strings.Repeat("Gophers ", 20)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := invite()
			in.RSVP.Name = c.person
			in.Event.Title = c.title
			in.Group.Name = c.group
			in.Event.Venue.Name = c.title
			m := mustCompose(t, domain.MessageGoing, in)
			data, err := m.EML()
			if err != nil {
				t.Fatal(err)
			}
			checkRawLines(t, data)
			pm := parseMail(t, data)

			var names []string
			for k := range pm.Header {
				names = append(names, k)
			}
			sort.Strings(names)
			if strings.Join(names, ",") != strings.Join(headerNames, ",") {
				t.Errorf("header fields %v, want exactly %v", names, headerNames)
			}
			for k, v := range pm.Header {
				if len(v) != 1 {
					t.Errorf("header %s appears %d times", k, len(v))
				}
			}
			headerEnd := bytes.Index(data, []byte("\r\n\r\n"))
			for _, line := range strings.Split(string(data[:headerEnd]), "\r\n") {
				if strings.HasPrefix(strings.ToLower(line), "bcc:") || strings.HasPrefix(strings.ToLower(line), "x-evil") {
					t.Errorf("injected header line %q", line)
				}
			}

			to, err := mail.ParseAddress(pm.Header.Get("To"))
			if err != nil {
				t.Fatalf("To %q does not parse: %v", pm.Header.Get("To"), err)
			}
			if to.Address != "ingrid@example.net" || to.Name != present.OneLineText(c.person) {
				t.Errorf("To read back as %q <%s>, want %q", to.Name, to.Address, present.OneLineText(c.person))
			}
			from, err := mail.ParseAddress(pm.Header.Get("From"))
			if want := GroupFrom(mail.Address{}, c.group).Name; err != nil || from.Address != "no-reply@convene.example" || from.Name != want {
				t.Errorf("From %q read back as %v (%v), want name %q", pm.Header.Get("From"), from, err, want)
			}
			list, err := mail.ParseAddressList(pm.Header.Get("To"))
			if err != nil || len(list) != 1 {
				t.Errorf("To holds %d addresses (%v)", len(list), err)
			}
			subj := decodeHeader(t, pm.Header.Get("Subject"))
			if subj != m.Subject || !strings.Contains(subj, present.OneLineText(c.title)) {
				t.Errorf("Subject read back as %q, want %q", subj, m.Subject)
			}
			if strings.ContainsAny(subj, "\r\n") {
				t.Errorf("Subject has a line break: %q", subj)
			}

			// The calendar gets one attendee, whatever the name says.
			cal := parseICS(t, pm.Root.find("text/calendar").Body)
			if n := len(icsAll(cal, "ATTENDEE")); n != 1 {
				t.Errorf("%d ATTENDEE lines", n)
			}
			icsOne(t, cal, "ORGANIZER")
			icsOne(t, cal, "SUMMARY")

			// The HTML body escapes what it shows.
			html := string(pm.Root.find("text/html").Body)
			if strings.Contains(html, "<b>bold</b>") || strings.Contains(html, "<real>") {
				t.Error("HTML body has unescaped markup from user text")
			}
		})
	}
}

// TestMsgRefusesUnsafeFields checks the guard in Msg itself, for messages
// that were not made by Compose.
func TestMsgRefusesUnsafeFields(t *testing.T) {
	good := mustCompose(t, domain.MessageGoing, invite())
	cases := map[string]func(m *Message){
		"subject with CRLF":        func(m *Message) { m.Subject = "Hi\r\nBcc: x@example.org" },
		"subject with LF":          func(m *Message) { m.Subject = "Hi\nthere" },
		"empty subject":            func(m *Message) { m.Subject = " " },
		"to address with CRLF":     func(m *Message) { m.To.Address = "a@example.org\r\nBcc: x@example.org" },
		"to address with name":     func(m *Message) { m.To.Address = "Eve <eve@example.org>" },
		"from address missing":     func(m *Message) { m.From.Address = "" },
		"reply-to not an address":  func(m *Message) { m.ReplyTo.Address = "nobody" },
		"message id with brackets": func(m *Message) { m.ID = "<x@y>" },
		"message id with space":    func(m *Message) { m.ID = "a b@c" },
		"message id without host":  func(m *Message) { m.ID = "abc" },
		"header value with CRLF": func(m *Message) {
			m.Headers = map[string]string{"List-Unsubscribe": "<https://x.example/u>\r\nBcc: x@example.org"}
		},
		"header name with colon":  func(m *Message) { m.Headers = map[string]string{"X-A: b\r\nBcc": "x"} },
		"reserved header":         func(m *Message) { m.Headers = map[string]string{"bcc": "x@example.org"} },
		"method without calendar": func(m *Message) { m.Calendar = nil },
		"method differs":          func(m *Message) { m.Method = "PUBLISH" },
		"no HTML":                 func(m *Message) { m.HTML = "" },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			m := good
			spoil(&m)
			if _, err := m.Msg(); !errors.Is(err, ErrInvalid) {
				t.Errorf("Msg() = %v, want ErrInvalid", err)
			}
		})
	}
	t.Run("list-unsubscribe accepted", func(t *testing.T) {
		m := good
		m.Headers = map[string]string{"List-Unsubscribe": "<https://convene.example/u/abc>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
		data, err := m.EML()
		if err != nil {
			t.Fatal(err)
		}
		h := parseMail(t, data).Header
		if h.Get("List-Unsubscribe") != "<https://convene.example/u/abc>" || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe %q, Post %q", h.Get("List-Unsubscribe"), h.Get("List-Unsubscribe-Post"))
		}
	})
}

// TestHostileAttendeeAddress: an address that is not plain never reaches a
// header or an SMTP command.
func TestHostileAttendeeAddress(t *testing.T) {
	for _, addr := range []string{"a@example.org\r\nBcc: x@example.org", "Eve <eve@example.org>", "a@example.org, b@example.org", ""} {
		in := invite()
		in.RSVP = domain.RSVP{ID: "rsvp_x", Email: addr, Status: domain.RSVPGoing}
		if _, err := Compose(domain.MessageGoing, in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Compose with attendee %q: %v, want ErrInvalid", addr, err)
		}
	}
}
