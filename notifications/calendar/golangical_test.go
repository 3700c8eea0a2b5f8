package calendar

import (
	"strings"
	"testing"
	"time"

	goics "github.com/arran4/golang-ical"
)

// TestGolangICalSerializerDefects records, as executable evidence, why this
// package writes its own content lines instead of calling golang-ical's
// Serialize (docs/icalendar.md lists the same defects for v0.3.4). If an
// upgrade makes a subtest fail, the defect is fixed: delete the subtest, and
// reconsider delegating that part of the writing to the library.
func TestGolangICalSerializerDefects(t *testing.T) {
	newEvent := func() (*goics.Calendar, *goics.VEvent) {
		cal := goics.NewCalendarFor("Convene")
		e := cal.AddEvent("evt_1@convene.example")
		e.SetDtStampTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		return cal, e
	}

	t.Run("1 LF line endings by default", func(t *testing.T) {
		cal, _ := newEvent()
		out := cal.Serialize()
		if strings.Contains(out, "\r\n") || !strings.Contains(out, "\n") {
			t.Errorf("fixed: Serialize now writes CRLF: %q", out)
		}
	})

	t.Run("2 control characters survive TEXT escaping", func(t *testing.T) {
		cal, e := newEvent()
		e.SetSummary("Party\rATTENDEE:mailto:evil@x")
		if out := cal.Serialize(goics.WithNewLineWindows); !strings.Contains(out, "Party\rATTENDEE:mailto:evil@x") {
			t.Errorf("fixed: the raw CR is gone: %q", out)
		}
	})

	t.Run("3 parameters backslash-escaped, not quoted", func(t *testing.T) {
		cal, e := newEvent()
		e.AddAttendee("jane@example.org", goics.WithCN("Doe, Jane"))
		if out := cal.Serialize(); !strings.Contains(out, `CN=Doe\, Jane`) {
			t.Errorf("fixed: CN is now written as %q", out)
		}
	})

	t.Run("4 SetStartAt with TZID writes TZID and Z", func(t *testing.T) {
		cal, e := newEvent()
		e.SetStartAt(time.Date(2026, 5, 16, 9, 0, 0, 0, berlin), goics.WithTZID("Europe/Berlin"))
		out := cal.Serialize()
		if !strings.Contains(out, "DTSTART;TZID=Europe/Berlin:20260516T070000Z") {
			t.Errorf("fixed: DTSTART is now %q", out)
		}
		if strings.Contains(out, "VTIMEZONE") {
			t.Errorf("fixed: a VTIMEZONE is generated")
		}
	})

	t.Run("5 RemovePropertyByValue removes every property", func(t *testing.T) {
		_, e := newEvent()
		e.AddCategory("keep")
		e.AddCategory("drop")
		e.SetSummary("title")
		e.RemovePropertyByValue(goics.ComponentPropertyCategories, "drop")
		if n := len(e.Properties); n != 0 {
			t.Errorf("fixed: %d properties are left", n)
		}
	})

	t.Run("6 CATEGORIES escaped as one value", func(t *testing.T) {
		cal, e := newEvent()
		e.AddCategory("garden,outdoor")
		if out := cal.Serialize(); !strings.Contains(out, `CATEGORIES:garden\,outdoor`) {
			t.Errorf("fixed: CATEGORIES is now %q", out)
		}
	})

	t.Run("7 no validation", func(t *testing.T) {
		cal := goics.NewCalendar()
		cal.SetMethod(goics.MethodRequest)
		cal.AddEvent("") // no UID value, no DTSTAMP, no ORGANIZER, no ATTENDEE
		var b strings.Builder
		if err := cal.SerializeTo(&b); err != nil {
			t.Errorf("fixed: SerializeTo refuses an invalid REQUEST: %v", err)
		}
		// Nor does it know that METHOD:PUBLISH needs an ORGANIZER in every
		// event (RFC 5546 §3.2.1), the mistake Convene's feeds made until
		// they dropped METHOD (issue 13): libical refuses such objects.
		pub := goics.NewCalendar()
		pub.SetMethod(goics.MethodPublish)
		e := pub.AddEvent("evt_1@convene.example")
		e.SetDtStampTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		e.SetSummary("no organizer")
		b.Reset()
		if err := pub.SerializeTo(&b); err != nil || !strings.Contains(b.String(), "METHOD:PUBLISH") || strings.Contains(b.String(), "ORGANIZER") {
			t.Errorf("fixed: SerializeTo refuses a PUBLISH without ORGANIZER: %v\n%s", err, b.String())
		}
	})

	t.Run("8 folding can split a backslash from what it escapes", func(t *testing.T) {
		cal, e := newEvent()
		// "SUMMARY:" is 8 octets; 66 more put the backslash of `\,` at octet
		// 75 and its comma at octet 76.
		e.SetSummary(strings.Repeat("x", 66) + ",tail")
		out := cal.Serialize(goics.WithNewLineWindows)
		if !strings.Contains(out, "x\\\r\n ,tail") {
			t.Errorf("fixed: the escape is kept whole:\n%s", out)
		}
		ours := minimal(MethodRequest)
		ours.Events[0].Summary = strings.Repeat("x", 66) + ",tail"
		checkLines(t, mustEncode(t, ours))
	})

	// Why a backslash in a display name is written as a slash: RFC 5545 has
	// no escapes in parameter values, but this parser (like others) reads
	// one, drops the backslash and, before the closing quote, fails.
	t.Run("9 parser reads a backslash in a quoted parameter as an escape", func(t *testing.T) {
		for value, want := range map[string]string{`a\b`: "ab", `trailing\`: ""} {
			in := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nATTENDEE;CN=\"" + value + "\":mailto:a@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
			got, err := parseWithGolangICal([]byte(in))
			switch {
			case want == "" && err == nil:
				t.Errorf("fixed: %q parses: %+v", value, got)
			case want != "" && (err != nil || got.Events[0].Attendees[0].CN != want):
				t.Errorf("fixed: %q reads as %+v, %v", value, got, err)
			}
		}
	})
}
