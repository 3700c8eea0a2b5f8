package calendar

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// The fixtures are the messages Convene sends about one event, a garden
// workday in Berlin, plus a group feed. Times are fixed, so the golden files
// need no normalisation.

var (
	berlin = mustLoad("Europe/Berlin")

	host = &Person{Name: "Doe, Jane", Email: "jane@example.org"}

	gardenUID = UID("evt_01HZX3", "Convene.Example")
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, berlin)
}

func gardenEvent() Event {
	return Event{
		UID:      gardenUID,
		Sequence: 0,
		Stamp:    time.Date(2026, 5, 1, 8, 30, 0, 0, time.UTC),
		Start:    at(2026, 5, 16, 9, 0),
		End:      at(2026, 5, 16, 12, 30),
		Summary:  "Gemeinschaftsgarten: Frühjahrsputz & Pflanztag 🌱",
		Description: "Bring gloves, a trowel and a water bottle; we provide seedlings, " +
			"tea and cake.\nPlan:\n- 09:00 welcome\n- 09:30 beds, paths, compost\n" +
			`Questions? Reply to this email. (Path: C:\garden\plan.txt)`,
		Location:     "Gemeinschaftsgarten Hof 3, Wiener Straße 12, 10999 Berlin",
		URL:          "https://convene.example/e/evt_01HZX3",
		Status:       StatusConfirmed,
		Organizer:    host,
		Created:      time.Date(2026, 4, 20, 17, 5, 0, 0, time.UTC),
		LastModified: time.Date(2026, 5, 1, 8, 29, 0, 0, time.UTC),
	}
}

// inviteFixture is the invitation sent to one attendee (one message per
// attendee, rule M3).
func inviteFixture() Calendar {
	e := gardenEvent()
	e.Attendees = []Attendee{{
		Person: Person{Name: "Élodie Müller-Łukasiewicz", Email: "elodie@example.net"},
		RSVP:   true,
	}}
	return Calendar{Method: MethodRequest, Events: []Event{e}}
}

// updateFixture moves the event by an hour: same UID, new DTSTAMP, higher
// SEQUENCE (rule I7), and keeps the attendee's answer.
func updateFixture() Calendar {
	c := inviteFixture()
	e := &c.Events[0]
	e.Sequence = 1
	e.Stamp = time.Date(2026, 5, 10, 19, 45, 0, 0, time.UTC)
	e.Start = at(2026, 5, 16, 10, 0)
	e.End = at(2026, 5, 16, 13, 30)
	e.LastModified = time.Date(2026, 5, 10, 19, 44, 0, 0, time.UTC)
	e.Attendees[0].PartStat = PartStatAccepted
	return c
}

// cancelFixture withdraws the event (rule I8).
func cancelFixture() Calendar {
	c := updateFixture()
	c.Method = MethodCancel
	e := &c.Events[0]
	e.Sequence = 2
	e.Stamp = time.Date(2026, 5, 14, 7, 0, 0, 0, time.UTC)
	e.LastModified = time.Date(2026, 5, 14, 6, 59, 0, 0, time.UTC)
	e.Status = ""
	e.Attendees[0].RSVP = false
	return c
}

// downloadFixture is the "add to calendar" file of the event page.
func downloadFixture() Calendar {
	return Calendar{Method: MethodPublish, Events: []Event{gardenEvent()}}
}

// feedFixture is a group's subscribed feed: an in-person event, an online
// one with the join link in URL, LOCATION and DESCRIPTION (rule I11), and a
// cancelled one.
func feedFixture() Calendar {
	garden := gardenEvent()
	garden.Stamp = garden.LastModified // stable bytes for ETags

	join := "https://meet.example.com/convene-garden-planning?pwd=Zm9vYmFy"
	online := Event{
		UID:          UID("evt_01HZX4", "convene.example"),
		Sequence:     3,
		Stamp:        time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC),
		Start:        at(2026, 5, 20, 19, 0),
		End:          at(2026, 5, 20, 20, 0),
		Summary:      "Planning call (online)",
		Description:  "Agenda: budget, tools; next workdays.\n\nJoin: " + join,
		Location:     join,
		URL:          join,
		Status:       StatusConfirmed,
		Organizer:    host,
		LastModified: time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC),
		Conference:   join,
	}
	cancelled := Event{
		UID:          UID("evt_01HZX5", "convene.example"),
		Sequence:     1,
		Stamp:        time.Date(2026, 5, 3, 9, 15, 0, 0, time.UTC),
		Start:        at(2026, 6, 6, 14, 0),
		End:          at(2026, 6, 6, 16, 0),
		Summary:      "Seed swap — cancelled",
		Location:     "Nachbarschaftshaus, Raum 2",
		Status:       StatusCancelled,
		Organizer:    host,
		LastModified: time.Date(2026, 5, 3, 9, 15, 0, 0, time.UTC),
	}
	return Calendar{
		Method:          MethodPublish,
		Name:            "Kreuzberg Gardeners; Events, Workdays & Swaps",
		RefreshInterval: 6 * time.Hour,
		PublishedTTL:    6 * time.Hour,
		Events:          []Event{garden, online, cancelled},
	}
}

var goldenCases = []struct {
	name   string
	method Method
	events int
	cal    func() Calendar
}{
	{"invite_request", MethodRequest, 1, inviteFixture},
	{"update_request", MethodRequest, 1, updateFixture},
	{"cancel", MethodCancel, 1, cancelFixture},
	{"download_publish", MethodPublish, 1, downloadFixture},
	{"feed_publish", MethodPublish, 3, feedFixture},
}

// TestGolden compares whole encoded objects with testdata/*.ics byte for
// byte. Run `go test ./notifications/calendar -update` to rewrite them after an
// intended change, and read the diff.
func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cal().Encode()
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, got)
			if tc.method == MethodPublish {
				// A download or feed is not an iTIP message: no METHOD.
				if n := countProps(got, "METHOD"); n != 0 {
					t.Errorf("a published calendar writes %d METHOD lines, want none", n)
				}
			} else if line := propLine(t, got, "METHOD"); line != "METHOD:"+string(tc.method) {
				t.Errorf("fixture writes %s, want METHOD:%s", line, tc.method)
			}
			if n := countProps(got, "BEGIN") - 1; n != tc.events {
				t.Errorf("fixture has %d events, want %d", n, tc.events)
			}
			path := filepath.Join("testdata", tc.name+".ics")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the encoder's output (run with -update if intended)\n--- got ---\n%s\n--- want ---\n%s",
					path, visible(got), visible(want))
			}
			again, _ := tc.cal().Encode()
			if !bytes.Equal(got, again) {
				t.Error("two encodings of the same calendar differ")
			}
		})
	}
}

// visible shows CRs so that a line-ending difference can be seen in a diff.
func visible(b []byte) string {
	return strings.ReplaceAll(string(b), "\r\n", "␍\n")
}
