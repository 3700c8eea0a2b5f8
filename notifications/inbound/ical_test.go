package inbound

import (
	"errors"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
)

// TestGolangICalParses shows that the calendar is read by golang-ical, not
// by hand: what only an iCalendar parser decodes (TEXT escapes, quoted
// parameter values holding ":" and ";", backslash-escaped parameters)
// comes out decoded.
func TestGolangICalParses(t *testing.T) {
	t.Run("TEXT unescaped in UID", func(t *testing.T) {
		got, err := Parse(calendarMessage(crlf(edit(lines, "UID", `UID:evt\,1\;a\\b@convene.example`))), nil, testDomain, domain.ViaPipe)
		if err != nil {
			t.Fatal(err)
		}
		if want := `evt,1;a\b@convene.example`; got[0].UID != want {
			t.Errorf("UID = %q, want %q", got[0].UID, want)
		}
	})

	cases := []struct {
		line, name, addr, partStat string
	}{
		{`ATTENDEE;CN=Doe\, Jane;PARTSTAT=DECLINED:mailto:jane@example.com`, "Doe, Jane", "jane@example.com", "DECLINED"},
		{`ATTENDEE;CN="Doe, Jane";PARTSTAT=DECLINED:mailto:jane@example.com`, "Doe, Jane", "jane@example.com", "DECLINED"},
		{`ATTENDEE;CN="Doe: Jane; Sr.";PARTSTAT=TENTATIVE:mailto:jane@example.com`, "Doe: Jane; Sr.", "jane@example.com", "TENTATIVE"},
		{`ATTENDEE;CN="Åse Ødegård";DELEGATED-FROM="mailto:a@x","mailto:b@x";PARTSTAT=ACCEPTED:MAILTO:ase@example.com`, "Åse Ødegård", "ase@example.com", "ACCEPTED"},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			budget := maxParseCost
			norm, err := normalizeCalendar(crlf(edit(lines, "ATTENDEE", tc.line)), &budget)
			if err != nil {
				t.Fatal(err)
			}
			cal, err := ics.ParseCalendar(strings.NewReader(norm))
			if err != nil {
				t.Fatal(err)
			}
			a, err := pickAttendee(cal.Events()[0].Attendees(), true, "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(attendee{addr: tc.addr, partStat: tc.partStat, name: tc.name}, a, cmp.AllowUnexported(attendee{})); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestGolangICalParserQuirks records, as executable evidence, what
// golang-ical v0.3.4's parser gets wrong with what real clients send, and
// so why normalizeCalendar and replyOf do what they do. If an upgrade makes
// a subtest fail, the quirk is fixed: delete the subtest, and the
// workaround it names may go.
func TestGolangICalParserQuirks(t *testing.T) {
	parse := func(s string) (*ics.Calendar, error) { return ics.ParseCalendar(strings.NewReader(s)) }

	t.Run("trailing white space ends the wrong component", func(t *testing.T) {
		if _, err := parse(strings.Join(lines, " \r\n")); err == nil {
			t.Error("fixed: trailing spaces are now ignored (normalizeCalendar trims them)")
		}
	})
	t.Run("CR line endings", func(t *testing.T) {
		if _, err := parse(strings.Join(lines, "\r")); err == nil {
			t.Error("fixed: CR line endings are now read (normalizeCalendar converts them)")
		}
	})
	t.Run("anything after END:VCALENDAR", func(t *testing.T) {
		if _, err := parse(crlf(lines) + "-- \r\nSent from my phone\r\n"); err == nil {
			t.Error("fixed: text after the object is now ignored (normalizeCalendar drops it)")
		}
	})
	t.Run("anything before BEGIN:VCALENDAR", func(t *testing.T) {
		if _, err := parse("X-JUNK:1\r\n" + crlf(lines)); err == nil {
			t.Error("fixed: text before the object is now ignored (normalizeCalendar drops it)")
		}
	})
	t.Run("an unclosed component", func(t *testing.T) {
		if _, err := parse(crlf(lines[:len(lines)-2])); err == nil {
			t.Error("fixed: a missing END is now tolerated (normalizeCalendar closes what is open)")
		}
	})
	t.Run("names are matched in their case", func(t *testing.T) {
		cal, err := parse(strings.Replace(crlf(lines), "UID:", "uid:", 1))
		if err != nil {
			t.Fatal(err)
		}
		if cal.Events()[0].GetProperty(ics.ComponentPropertyUniqueId) != nil {
			t.Error("fixed: uid is now found as UID (normalizeCalendar upper-cases names)")
		}
	})
	t.Run("Id unescapes the UID twice", func(t *testing.T) {
		cal, err := parse(crlf(edit(lines, "UID", `UID:a\\,b`)))
		if err != nil {
			t.Fatal(err)
		}
		if got := cal.Events()[0].Id(); got != "a,b" {
			t.Errorf("fixed: Id is now %q, the value `a\\,b` (replyOf reads the property instead)", got)
		}
	})
	t.Run("Email keeps MAILTO: in upper case", func(t *testing.T) {
		cal, err := parse(crlf(edit(lines, "ATTENDEE", "ATTENDEE;PARTSTAT=ACCEPTED:MAILTO:jane@example.com")))
		if err != nil {
			t.Fatal(err)
		}
		if got := cal.Events()[0].Attendees()[0].Email(); got != "MAILTO:jane@example.com" {
			t.Errorf("fixed: Email is now %q (calAddress strips mailto: itself)", got)
		}
	})
	t.Run("parameter names are kept in their case", func(t *testing.T) {
		cal, err := parse(crlf(edit(lines, "ATTENDEE", "ATTENDEE;partstat=ACCEPTED:mailto:jane@example.com")))
		if err != nil {
			t.Fatal(err)
		}
		if got := cal.Events()[0].Attendees()[0].ParticipationStatus(); got != "" {
			t.Errorf("fixed: partstat is now found as PARTSTAT (%q) (param matches names in any case)", got)
		}
	})
}

func TestNormalizeCalendar(t *testing.T) {
	budget := maxParseCost
	got, err := normalizeCalendar("\uFEFFjunk before\n"+
		"begin:vcalendar\r"+
		"METHOD:REPLY  \n"+
		"BEGIN:VEVENT\r\n"+
		"\r\n"+
		"ATTENDEE;PARTSTAT=ACC\r\n"+
		" EPTED:mailto:jane@exa\n"+
		"\tmple.com \r\n"+
		"DESCRIPTION:lost\n"+
		"its space\n"+
		"END:VEVENT\t\n"+
		"END:VCALENDAR\n"+
		"junk after\n"+
		"BEGIN:VCALENDAR\n", &budget)
	if err != nil {
		t.Fatal(err)
	}
	want := "BEGIN:VCALENDAR\r\n" +
		"METHOD:REPLY\r\n" +
		"BEGIN:VEVENT\r\n" +
		"ATTENDEE;PARTSTAT=ACCEPTED:mailto:jane@example.com\r\n" +
		"DESCRIPTION:lostits space\r\n" +
		"END:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if budget >= maxParseCost || budget <= 0 {
		t.Errorf("budget = %d, want something spent", budget)
	}

	budget = 100
	if _, err := normalizeCalendar(crlf(lines), &budget); !errors.Is(err, ErrMalformed) {
		t.Errorf("over budget: err = %v, want ErrMalformed", err)
	}
}

func TestLineCost(t *testing.T) {
	cases := []struct {
		line string
		want int
	}{
		{"UID:a,b;c", 9},
		{"ATTENDEE;A=1;B=2,3:mailto:x", 27 * 4},
		{`ATTENDEE;CN="a:b;c":mailto:x`, 28 * 2},
		{`ATTENDEE;CN=a\:b;C=d:x`, 22 * 3},
	}
	for _, tc := range cases {
		if got := lineCost(tc.line); got != tc.want {
			t.Errorf("lineCost(%q) = %d, want %d", tc.line, got, tc.want)
		}
	}
}

func TestClientOf(t *testing.T) {
	for prodID, want := range map[string]string{
		"Microsoft Exchange Server 2010":                        "Outlook",
		"-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN":    "Outlook",
		"-//Microsoft Corporation//Outlook for Mac MIMEDIR//EN": "Outlook",
		"-//Google Inc//Google Calendar 70.9054//EN":            "Google Calendar",
		"-//Apple Inc.//macOS 15.1//EN":                         "Apple Calendar",
		"-//Apple Inc.//iPhone OS 18.1//EN":                     "Apple Calendar",
		"-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN":      "",
		"": "",
	} {
		if got := clientOf(prodID); got != want {
			t.Errorf("clientOf(%q) = %q, want %q", prodID, got, want)
		}
	}
}
