package calendar

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// minimal returns a valid calendar of the given method with one event.
func minimal(m Method) Calendar {
	e := Event{
		UID:       "evt_1@convene.example",
		Sequence:  1,
		Stamp:     time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Start:     time.Date(2026, 2, 1, 18, 0, 0, 0, time.UTC),
		End:       time.Date(2026, 2, 1, 20, 0, 0, 0, time.UTC),
		Summary:   "Board games",
		Organizer: &Person{Name: "Host", Email: "host@example.org"},
	}
	if m != MethodPublish {
		e.Attendees = []Attendee{{Person: Person{Name: "Guest", Email: "guest@example.org"}, RSVP: true}}
	}
	return Calendar{Method: m, Events: []Event{e}}
}

func mustEncode(t testing.TB, c Calendar) []byte {
	t.Helper()
	b, err := c.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	checkLines(t, b)
	return b
}

// propValue returns the raw (still escaped) value of the first content line
// named name, unfolded.
func propLine(t testing.TB, data []byte, name string) string {
	t.Helper()
	for _, line := range unfold(data) {
		if strings.HasPrefix(line, name+":") || strings.HasPrefix(line, name+";") {
			return line
		}
	}
	t.Fatalf("no %s line in\n%s", name, data)
	return ""
}

// roundTrip parses data with golang-ical and returns the first event.
func roundTrip(t testing.TB, data []byte) parsedEvent {
	t.Helper()
	p, err := parseWithGolangICal(data)
	if err != nil {
		t.Fatalf("golang-ical cannot parse the output: %v\n%s", err, data)
	}
	if len(p.Events) == 0 {
		t.Fatalf("golang-ical found no event in\n%s", data)
	}
	return p.Events[0]
}

// I1: every line ends in CRLF and no other CR or LF appears.
func TestLineEndingsAreCRLF(t *testing.T) {
	for _, m := range []Method{MethodRequest, MethodCancel, MethodPublish} {
		c := minimal(m)
		c.Events[0].Description = "one\ntwo\r\nthree\rfour"
		b := mustEncode(t, c)
		if n, crlf := bytes.Count(b, []byte("\n")), bytes.Count(b, []byte("\r\n")); n != crlf {
			t.Errorf("%s: %d LF but %d CRLF", m, n, crlf)
		}
		if n, crlf := bytes.Count(b, []byte("\r")), bytes.Count(b, []byte("\r\n")); n != crlf {
			t.Errorf("%s: %d CR but %d CRLF", m, n, crlf)
		}
	}
}

// I2: folding at 75 octets never splits a UTF-8 character, whatever the
// offset at which multi-byte characters meet the boundary.
func TestFoldingKeepsCharactersWhole(t *testing.T) {
	for _, r := range []string{"é", "中", "🌱", "👩🏽‍🌾"} {
		for pad := 0; pad < 5; pad++ {
			title := strings.Repeat("x", pad) + strings.Repeat(r, 100)
			c := minimal(MethodRequest)
			c.Events[0].Summary = title
			c.Events[0].Description = strings.Repeat(r+" ", 60)
			b := mustEncode(t, c)
			if got := propLine(t, b, "SUMMARY"); got != "SUMMARY:"+title {
				t.Errorf("%q pad %d: unfolded SUMMARY is %q", r, pad, got)
			}
			e := roundTrip(t, b)
			if e.Summary != title {
				t.Errorf("%q pad %d: golang-ical read SUMMARY %q", r, pad, e.Summary)
			}
			if want := strings.Repeat(r+" ", 60); e.Description != want {
				t.Errorf("%q pad %d: golang-ical read DESCRIPTION %q", r, pad, e.Description)
			}
		}
	}
}

// I2: a line of exactly 75 octets stays whole, one more octet folds, and a
// continuation line carries one space and at most 74 octets of content.
func TestFoldingBoundary(t *testing.T) {
	for _, n := range []int{75, 76, 149, 150, 151, 300} {
		c := minimal(MethodRequest)
		c.Events[0].Summary = strings.Repeat("a", n-len("SUMMARY:"))
		b := mustEncode(t, c)
		var phys []string
		inSummary := false
		for _, line := range strings.Split(string(b), "\r\n") {
			switch {
			case strings.HasPrefix(line, "SUMMARY:"):
				inSummary = true
			case inSummary && !strings.HasPrefix(line, " "):
				inSummary = false
			}
			if inSummary {
				phys = append(phys, line)
			}
		}
		wantLines := 1
		if n > 75 {
			wantLines += (n - 75 + 73) / 74
		}
		if len(phys) != wantLines {
			t.Errorf("%d octets: %d physical lines, want %d: %q", n, len(phys), wantLines, phys)
		}
		for _, p := range phys {
			if len(p) > 75 {
				t.Errorf("%d octets: physical line of %d octets", n, len(p))
			}
		}
	}
}

// I2: a fold never separates a backslash from the character it escapes, at
// any alignment, including runs of escaped backslashes.
func TestFoldingKeepsEscapesWhole(t *testing.T) {
	for _, special := range []string{`\`, ";", ",", "\n", `\\`, `\;`} {
		for pad := 0; pad < 4; pad++ {
			title := strings.Repeat("b", pad) + strings.Repeat("a"+special, 80)
			c := minimal(MethodRequest)
			c.Events[0].Summary = title
			b := mustEncode(t, c) // checkLines reports split escapes
			if e := roundTrip(t, b); e.Summary != title {
				t.Errorf("%q pad %d: golang-ical read %q", special, pad, e.Summary)
			}
		}
	}
}

// I3: TEXT values are escaped and cleaned.
func TestTextEscaping(t *testing.T) {
	tests := []struct {
		name, in, wire, read string
	}{
		{"backslash", `C:\path`, `C:\\path`, `C:\path`},
		{"semicolon", "a;b", `a\;b`, "a;b"},
		{"comma", "a, b", `a\, b`, "a, b"},
		{"colon and quote stay", `a: "b"`, `a: "b"`, `a: "b"`},
		{"LF", "a\nb", `a\nb`, "a\nb"},
		{"CRLF", "a\r\nb", `a\nb`, "a\nb"},
		{"lone CR", "a\rb", `a\nb`, "a\nb"},
		{"tab", "a\tb", "a b", "a b"},
		{"controls", "a\x00b\x07c\x1bd\x7fe\u0085f\u009fg", "abcdefg", "abcdefg"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb", "a\uFFFDb"},
		{"escape lookalike", `\n is not a newline`, `\\n is not a newline`, `\n is not a newline`},
		{"unicode", "Zoë 中文 🌱", "Zoë 中文 🌱", "Zoë 中文 🌱"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := minimal(MethodRequest)
			c.Events[0].Summary = "x " + tt.in
			c.Events[0].Description = tt.in
			c.Events[0].Location = tt.in
			b := mustEncode(t, c)
			if got := propLine(t, b, "SUMMARY"); got != "SUMMARY:x "+tt.wire {
				t.Errorf("wire: %q, want %q", got, "SUMMARY:x "+tt.wire)
			}
			e := roundTrip(t, b)
			if e.Summary != "x "+tt.read || e.Description != tt.read || e.Location != tt.read {
				t.Errorf("read back %q / %q / %q, want %q", e.Summary, e.Description, e.Location, tt.read)
			}
		})
	}
}

// I3: a CR in user text cannot start a property of its own.
func TestInjectionAttempts(t *testing.T) {
	attacks := []string{
		"Party\rATTENDEE:mailto:evil@x",
		"Party\r\nATTENDEE:mailto:evil@x",
		"Party\nATTENDEE:mailto:evil@x",
		"Party\r ATTENDEE:mailto:evil@x",
		"Party\u0085ATTENDEE:mailto:evil@x",
		"Party\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:x\r\nATTENDEE:mailto:evil@x",
	}
	for _, attack := range attacks {
		c := minimal(MethodRequest)
		e := &c.Events[0]
		e.Summary, e.Description, e.Location = attack, attack, attack
		e.Organizer.Name = attack
		e.Attendees[0].Name = attack
		b := mustEncode(t, c)
		if n := countProps(b, "ATTENDEE"); n != 1 {
			t.Errorf("%q: %d ATTENDEE lines:\n%s", attack, n, b)
		}
		if n := countProps(b, "BEGIN") + countProps(b, "END"); n != 4 {
			t.Errorf("%q: %d BEGIN/END lines:\n%s", attack, n, b)
		}
		for _, line := range unfold(b) {
			if strings.Contains(line, "mailto:evil") && !strings.HasPrefix(line, "SUMMARY:") &&
				!strings.HasPrefix(line, "DESCRIPTION:") && !strings.HasPrefix(line, "LOCATION:") &&
				!strings.Contains(line, `CN="Party`) {
				t.Errorf("%q: injected line %q", attack, line)
			}
		}
		got := roundTrip(t, b)
		if len(got.Attendees) != 1 || got.Attendees[0].Value != "mailto:guest@example.org" {
			t.Errorf("%q: golang-ical read attendees %+v", attack, got.Attendees)
		}
		if got.Summary != wantText(attack) {
			t.Errorf("%q: golang-ical read SUMMARY %q", attack, got.Summary)
		}
	}
}

// I4: parameter values are quoted, never backslash-escaped, and cannot
// contain a double quote or a control character.
func TestParameterQuoting(t *testing.T) {
	tests := []struct{ name, param string }{
		{"Doe, Jane", `CN="Doe, Jane"`},
		{"a;b:c", `CN="a;b:c"`},
		{`Jane "JJ" Doe`, `CN="Jane 'JJ' Doe"`},
		{"Kai 🌱 Nakamura", `CN="Kai 🌱 Nakamura"`},
		{"Zoë Ñúñez-Çelik", `CN="Zoë Ñúñez-Çelik"`},
		{`DOMAIN\user`, `CN="DOMAIN/user"`},
		{`trailing\`, `CN="trailing/"`},
		{"two\r\nlines", `CN="two  lines"`},
		{"bell\x07 and\x00 nul", `CN="bell and nul"`},
		{"caret ^n ^' ^^ ^x", `CN="caret ^^n ^^' ^^^ ^x"`},
		{`quote caret ^"`, `CN="quote caret ^^'"`},
		{"  padded  ", `CN="padded"`},
	}
	for _, tt := range tests {
		c := minimal(MethodRequest)
		c.Events[0].Organizer.Name = tt.name
		c.Events[0].Attendees[0].Name = tt.name
		b := mustEncode(t, c)
		org := propLine(t, b, "ORGANIZER")
		if want := "ORGANIZER;" + tt.param + ":mailto:host@example.org"; org != want {
			t.Errorf("%q: got %q, want %q", tt.name, org, want)
		}
		att := propLine(t, b, "ATTENDEE")
		if !strings.HasPrefix(att, "ATTENDEE;"+tt.param+";") {
			t.Errorf("%q: got %q, want CN %s", tt.name, att, tt.param)
		}
		e := roundTrip(t, b)
		if want := wantCNWithoutRFC6868(tt.name); e.Organizer.CN != want || e.Attendees[0].CN != want {
			t.Errorf("%q: golang-ical read CN %q / %q, want %q", tt.name, e.Organizer.CN, e.Attendees[0].CN, want)
		}
	}
	// A name that is empty once cleaned is left out rather than written empty.
	for _, name := range []string{"", "   ", "\r\n\x00"} {
		c := minimal(MethodRequest)
		c.Events[0].Organizer.Name = name
		c.Events[0].Attendees[0].Name = name
		b := mustEncode(t, c)
		if got := propLine(t, b, "ORGANIZER"); got != "ORGANIZER:mailto:host@example.org" {
			t.Errorf("%q: got %q", name, got)
		}
		if got := propLine(t, b, "ATTENDEE"); got != "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:guest@example.org" {
			t.Errorf("%q: got %q", name, got)
		}
	}
}

// I6: the exact ATTENDEE and ORGANIZER lines clients expect.
func TestAttendeeAndOrganizerLines(t *testing.T) {
	c := minimal(MethodRequest)
	e := &c.Events[0]
	e.Organizer = &Person{Name: "Doe, Jane", Email: "jane@example.org"}
	e.Attendees = []Attendee{
		{Person: Person{Name: "Ann", Email: "ann@example.org"}, RSVP: true},
		{Person: Person{Name: "Bo", Email: "bo@example.org"}, PartStat: PartStatAccepted, RSVP: true},
		{Person: Person{Name: "Cy", Email: "cy@example.org"}, PartStat: PartStatDeclined},
	}
	b := mustEncode(t, c)
	want := []string{
		`ORGANIZER;CN="Doe, Jane":mailto:jane@example.org`,
		`ATTENDEE;CN="Ann";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ann@example.org`,
		`ATTENDEE;CN="Bo";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:bo@example.org`,
		`ATTENDEE;CN="Cy";ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED:mailto:cy@example.org`,
	}
	var got []string
	for _, line := range unfold(b) {
		if strings.HasPrefix(line, "ORGANIZER") || strings.HasPrefix(line, "ATTENDEE") {
			got = append(got, line)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// I5, I8, I10 and the checks on identifiers: Encode refuses a calendar that
// breaks a rule of its method, and names the rule.
func TestValidation(t *testing.T) {
	tests := []struct {
		name   string
		method Method
		change func(c *Calendar, e *Event)
		want   string // a substring of the error; empty means valid
	}{
		{"REQUEST OK", MethodRequest, func(*Calendar, *Event) {}, ""},
		{"REQUEST without end", MethodRequest, func(_ *Calendar, e *Event) { e.End = time.Time{} }, ""},
		{"REQUEST sequence 0", MethodRequest, func(_ *Calendar, e *Event) { e.Sequence = 0 }, ""},
		{"REQUEST no UID", MethodRequest, func(_ *Calendar, e *Event) { e.UID = "" }, "missing UID"},
		{"REQUEST no DTSTAMP", MethodRequest, func(_ *Calendar, e *Event) { e.Stamp = time.Time{} }, "missing DTSTAMP"},
		{"REQUEST no DTSTART", MethodRequest, func(_ *Calendar, e *Event) { e.Start, e.End = time.Time{}, time.Time{} }, "REQUEST needs DTSTART"},
		{"REQUEST no SUMMARY", MethodRequest, func(_ *Calendar, e *Event) { e.Summary = "" }, "REQUEST needs SUMMARY"},
		{"REQUEST SUMMARY of controls", MethodRequest, func(_ *Calendar, e *Event) { e.Summary = "\x00\x01" }, "REQUEST needs SUMMARY"},
		{"REQUEST no ORGANIZER", MethodRequest, func(_ *Calendar, e *Event) { e.Organizer = nil }, "REQUEST needs ORGANIZER"},
		{"REQUEST no ATTENDEE", MethodRequest, func(_ *Calendar, e *Event) { e.Attendees = nil }, "REQUEST needs at least one ATTENDEE"},
		{"REQUEST cancelled", MethodRequest, func(_ *Calendar, e *Event) { e.Status = StatusCancelled }, "send METHOD:CANCEL"},
		{"REQUEST two events", MethodRequest, func(c *Calendar, e *Event) {
			second := *e
			second.UID = "other@convene.example"
			c.Events = append(c.Events, second)
		}, "exactly one event"},
		{"REQUEST no events", MethodRequest, func(c *Calendar, _ *Event) { c.Events = nil }, "exactly one event"},
		{"REQUEST with feed name", MethodRequest, func(c *Calendar, _ *Event) { c.Name = "Feed" }, "feed properties"},
		{"REQUEST with refresh", MethodRequest, func(c *Calendar, _ *Event) { c.RefreshInterval = time.Hour }, "feed properties"},
		{"REQUEST with TTL", MethodRequest, func(c *Calendar, _ *Event) { c.PublishedTTL = time.Hour }, "feed properties"},

		{"CANCEL OK", MethodCancel, func(*Calendar, *Event) {}, ""},
		{"CANCEL without attendees or start", MethodCancel, func(_ *Calendar, e *Event) {
			e.Attendees, e.Start, e.End, e.Summary = nil, time.Time{}, time.Time{}, ""
		}, ""},
		{"CANCEL no ORGANIZER", MethodCancel, func(_ *Calendar, e *Event) { e.Organizer = nil }, "CANCEL needs ORGANIZER"},
		{"CANCEL sequence 0", MethodCancel, func(_ *Calendar, e *Event) { e.Sequence = 0 }, "CANCEL needs a SEQUENCE"},
		{"CANCEL no UID", MethodCancel, func(_ *Calendar, e *Event) { e.UID = "" }, "missing UID"},
		{"CANCEL no DTSTAMP", MethodCancel, func(_ *Calendar, e *Event) { e.Stamp = time.Time{} }, "missing DTSTAMP"},
		{"CANCEL confirmed", MethodCancel, func(_ *Calendar, e *Event) { e.Status = StatusConfirmed }, "always STATUS:CANCELLED"},

		{"PUBLISH OK", MethodPublish, func(*Calendar, *Event) {}, ""},
		{"PUBLISH cancelled event", MethodPublish, func(_ *Calendar, e *Event) { e.Status = StatusCancelled }, ""},
		{"PUBLISH without organizer", MethodPublish, func(_ *Calendar, e *Event) { e.Organizer = nil }, ""},
		{"PUBLISH empty feed", MethodPublish, func(c *Calendar, _ *Event) { c.Events = nil }, ""},
		{"PUBLISH with ATTENDEE", MethodPublish, func(_ *Calendar, e *Event) {
			e.Attendees = []Attendee{{Person: Person{Email: "a@example.org"}}}
		}, "PUBLISH must not carry ATTENDEE"},
		{"PUBLISH no DTSTART", MethodPublish, func(_ *Calendar, e *Event) { e.Start, e.End = time.Time{}, time.Time{} }, "PUBLISH needs DTSTART"},
		{"PUBLISH blank SUMMARY", MethodPublish, func(_ *Calendar, e *Event) { e.Summary = " \t\n" }, "PUBLISH needs SUMMARY"},
		{"PUBLISH duplicate UID", MethodPublish, func(c *Calendar, e *Event) { c.Events = append(c.Events, *e) }, "appears twice"},
		{"PUBLISH negative TTL", MethodPublish, func(c *Calendar, _ *Event) { c.PublishedTTL = -time.Hour }, "must not be negative"},

		{"no method", "", func(*Calendar, *Event) {}, "METHOD"},
		{"REPLY", "REPLY", func(*Calendar, *Event) {}, "METHOD"},
		{"UID with CR", MethodRequest, func(_ *Calendar, e *Event) { e.UID = "a\r\nATTENDEE:mailto:x@y" }, "UID has control"},
		{"PRODID with LF", MethodRequest, func(c *Calendar, _ *Event) { c.ProdID = "x\nMETHOD:PUBLISH" }, "PRODID"},
		{"negative sequence", MethodRequest, func(_ *Calendar, e *Event) { e.Sequence = -1 }, "SEQUENCE must not be negative"},
		{"end before start", MethodRequest, func(_ *Calendar, e *Event) { e.End = e.Start.Add(-time.Minute) }, "DTEND is before DTSTART"},
		{"organizer header injection", MethodRequest, func(_ *Calendar, e *Event) {
			e.Organizer.Email = "host@example.org\r\nBcc: x@y"
		}, "ORGANIZER email"},
		{"organizer display form", MethodRequest, func(_ *Calendar, e *Event) { e.Organizer.Email = "Host <host@example.org>" }, "ORGANIZER email"},
		{"attendee without address", MethodRequest, func(_ *Calendar, e *Event) { e.Attendees[0].Email = "" }, "ATTENDEE 0 email"},
		{"attendee with quote", MethodRequest, func(_ *Calendar, e *Event) { e.Attendees[0].Email = `"a b"@example.org` }, "ATTENDEE 0 email"},
		{"attendee twice", MethodRequest, func(_ *Calendar, e *Event) {
			e.Attendees = append(e.Attendees, Attendee{Person: Person{Email: "GUEST@example.org"}})
		}, "appears twice"},
		{"bad PARTSTAT", MethodRequest, func(_ *Calendar, e *Event) { e.Attendees[0].PartStat = "MAYBE" }, "PARTSTAT"},
		{"bad STATUS", MethodPublish, func(_ *Calendar, e *Event) { e.Status = "POSTPONED" }, "STATUS"},
		{"javascript URL", MethodRequest, func(_ *Calendar, e *Event) { e.URL = "javascript:alert(1)" }, "URL must be"},
		{"relative URL", MethodRequest, func(_ *Calendar, e *Event) { e.URL = "/e/1" }, "URL must be"},
		{"URL with space", MethodRequest, func(_ *Calendar, e *Event) { e.URL = "https://x.example/a b" }, "URL must be"},
		{"URL with CRLF", MethodRequest, func(_ *Calendar, e *Event) { e.URL = "https://x.example/\r\nATTENDEE:mailto:x@y" }, "URL must be"},
		{"tel conference", MethodRequest, func(_ *Calendar, e *Event) { e.Conference = "tel:+49-30-1234567" }, ""},
		{"data conference", MethodRequest, func(_ *Calendar, e *Event) { e.Conference = "data:text/html,hi" }, "CONFERENCE must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := minimal(tt.method)
			if tt.method == "" || tt.method == "REPLY" {
				c = minimal(MethodRequest)
				c.Method = tt.method
			}
			var e *Event
			if len(c.Events) > 0 {
				e = &c.Events[0]
			}
			tt.change(&c, e)
			b, err := c.Encode()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Encode: %v", err)
				}
				checkLines(t, b)
				return
			}
			if err == nil {
				t.Fatalf("Encode succeeded, want an error with %q:\n%s", tt.want, b)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Errorf("error %v is not a *ValidationError with problems", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if b != nil {
				t.Error("Encode returned bytes with its error")
			}
		})
	}
}

// PUBLISH SUMMARY is checked after cleaning, like REQUEST's.
func TestPublishNeedsSummary(t *testing.T) {
	c := minimal(MethodPublish)
	c.Events[0].Summary = "\x1b"
	if _, err := c.Encode(); err == nil || !strings.Contains(err.Error(), "PUBLISH needs SUMMARY") {
		t.Fatalf("got %v", err)
	}
}

// Encode lists every problem at once, so a caller can fix them together.
func TestValidationListsEveryProblem(t *testing.T) {
	c := Calendar{Method: MethodRequest, Events: []Event{{}}}
	_, err := c.Encode()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	want := []string{"missing UID", "missing DTSTAMP", "DTSTART", "SUMMARY", "ORGANIZER", "ATTENDEE"}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not mention %s", err, w)
		}
	}
}

// I8: a cancellation is METHOD:CANCEL with STATUS:CANCELLED.
func TestCancelIsCancelled(t *testing.T) {
	b := mustEncode(t, minimal(MethodCancel))
	if got := propLine(t, b, "METHOD"); got != "METHOD:CANCEL" {
		t.Errorf("got %q", got)
	}
	if got := propLine(t, b, "STATUS"); got != "STATUS:CANCELLED" {
		t.Errorf("got %q", got)
	}
	if got := propLine(t, b, "SEQUENCE"); got != "SEQUENCE:1" {
		t.Errorf("got %q", got)
	}
}

// I9: times are written in UTC with Z, whatever their location, and never
// with a TZID.
func TestTimesAreUTC(t *testing.T) {
	ny := mustLoad("America/New_York")
	tokyo := mustLoad("Asia/Tokyo")
	c := minimal(MethodRequest)
	e := &c.Events[0]
	e.Start = time.Date(2026, 3, 8, 1, 30, 0, 0, ny)            // the night New York moves to DST
	e.End = time.Date(2026, 3, 8, 17, 0, 0, 999_999_999, tokyo) // fractions are dropped
	e.Stamp = time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("X", 5*3600+1800))
	e.Created = time.Date(2026, 2, 1, 0, 0, 0, 0, berlin)
	e.LastModified = time.Date(2026, 2, 2, 0, 0, 0, 0, berlin)
	b := mustEncode(t, c)
	for name, want := range map[string]string{
		"DTSTART":       "DTSTART:20260308T063000Z",
		"DTEND":         "DTEND:20260308T080000Z",
		"DTSTAMP":       "DTSTAMP:20260301T063000Z",
		"CREATED":       "CREATED:20260131T230000Z",
		"LAST-MODIFIED": "LAST-MODIFIED:20260201T230000Z",
	} {
		if got := propLine(t, b, name); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if bytes.Contains(b, []byte("TZID")) || bytes.Contains(b, []byte("VTIMEZONE")) {
		t.Errorf("TZID written:\n%s", b)
	}
}

// The calendar header: VERSION, PRODID, CALSCALE and METHOD, in that order.
func TestCalendarHeader(t *testing.T) {
	b := mustEncode(t, minimal(MethodRequest))
	lines := unfold(b)
	want := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Convene//Convene//EN", "CALSCALE:GREGORIAN", "METHOD:REQUEST", "BEGIN:VEVENT"}
	if got := strings.Join(lines[:len(want)], "\n"); got != strings.Join(want, "\n") {
		t.Errorf("got\n%s", got)
	}
	if last := lines[len(lines)-1]; last != "END:VCALENDAR" {
		t.Errorf("last line %q", last)
	}

	c := minimal(MethodPublish)
	c.ProdID = "-//Convene, Inc.//Convene 1.2//EN"
	b = mustEncode(t, c)
	if got := propLine(t, b, "PRODID"); got != `PRODID:-//Convene\, Inc.//Convene 1.2//EN` {
		t.Errorf("got %q", got)
	}
}

// I10: feed properties appear on PUBLISH when set, and only then.
func TestFeedProperties(t *testing.T) {
	c := minimal(MethodPublish)
	c.Name = "Gardeners, Kreuzberg"
	c.RefreshInterval = 90 * time.Minute
	c.PublishedTTL = 6 * time.Hour
	b := mustEncode(t, c)
	for name, want := range map[string]string{
		"NAME":             `NAME:Gardeners\, Kreuzberg`,
		"X-WR-CALNAME":     `X-WR-CALNAME:Gardeners\, Kreuzberg`,
		"REFRESH-INTERVAL": "REFRESH-INTERVAL;VALUE=DURATION:PT1H30M",
		"X-PUBLISHED-TTL":  "X-PUBLISHED-TTL:PT6H",
	} {
		if got := propLine(t, b, name); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}

	for _, c := range []Calendar{minimal(MethodPublish), minimal(MethodRequest), minimal(MethodCancel)} {
		b := mustEncode(t, c)
		for _, name := range []string{"NAME", "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"} {
			if n := countProps(b, name); n != 0 {
				t.Errorf("%s: %d %s lines", c.Method, n, name)
			}
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour:                    "PT1H",
		90 * time.Minute:             "PT1H30M",
		25 * time.Hour:               "PT25H",
		45 * time.Second:             "PT45S",
		time.Hour + 2*time.Second:    "PT1H2S",
		1500 * time.Millisecond:      "PT1S",
		time.Millisecond:             "PT1S",
		15*time.Minute + time.Second: "PT15M1S",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// I11: the caller decides where a join link goes; CONFERENCE is written as
// RFC 7986 asks, and nothing is copied anywhere on its own.
func TestJoinLink(t *testing.T) {
	join := "https://meet.example.com/abc-defg-hij?pwd=a,b;c"
	c := minimal(MethodRequest)
	c.Events[0].Conference = join
	b := mustEncode(t, c)
	if got := propLine(t, b, "CONFERENCE"); got != "CONFERENCE;VALUE=URI:"+join {
		t.Errorf("got %q", got)
	}
	for _, name := range []string{"URL", "LOCATION", "DESCRIPTION"} {
		if n := countProps(b, name); n != 0 {
			t.Errorf("%s written although the caller did not set it", name)
		}
	}

	c.Events[0].URL = join
	c.Events[0].Location = join
	c.Events[0].Description = "Join: " + join
	b = mustEncode(t, c)
	if got := propLine(t, b, "URL"); got != "URL:"+join {
		t.Errorf("URL is a URI value and is not TEXT-escaped: got %q", got)
	}
	e := roundTrip(t, b)
	if e.URL != join || e.Location != join || e.Description != "Join: "+join {
		t.Errorf("read back %q / %q / %q", e.URL, e.Location, e.Description)
	}
}

func TestUID(t *testing.T) {
	if got := UID("evt_42", "Convene.Example"); got != "evt_42@convene.example" {
		t.Errorf("got %q", got)
	}
	c := minimal(MethodRequest)
	c.Events[0].UID = UID("evt,42;x", "convene.example")
	b := mustEncode(t, c)
	if got := roundTrip(t, b).UID; got != "evt,42;x@convene.example" {
		t.Errorf("UID read back as %q", got)
	}
}

// Golang-ical reads every golden object back to the values it was built
// from (its parser has no RFC 6868, so carets are compared as written).
func TestGoldenRoundTripGolangICal(t *testing.T) {
	for _, tc := range goldenCases {
		c := tc.cal()
		b := mustEncode(t, c)
		got, err := parseWithGolangICal(b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		comparePartial(t, tc.name, got, expect(c, quirks{}))
	}
}
