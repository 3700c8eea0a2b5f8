package web

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/present"
)

// TestPageTimes: local times with the zone named, as the e-mails write
// them, including nights across midnight and across a clock change.
func TestPageTimes(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		zone, start, end string
		when, label      string
	}{
		{"Europe/Oslo", "2026-12-10T17:00:00Z", "2026-12-10T19:00:00Z", "Thursday 10 December 2026, 18:00–20:00", "(Europe/Oslo, CET)"},
		{"Europe/Oslo", "2026-06-10T16:00:00Z", "2026-06-10T18:00:00Z", "Wednesday 10 June 2026, 18:00–20:00", "(Europe/Oslo, CEST)"},
		{"Europe/Oslo", "2026-12-10T21:00:00Z", "2026-12-11T01:00:00Z", "Thursday 10 December 2026, 22:00 – Friday 11 December 2026, 02:00", "(Europe/Oslo, CET)"},
		// Clocks go forward at 02:00 on 29 March 2026 in Oslo.
		{"Europe/Oslo", "2026-03-28T23:30:00Z", "2026-03-29T02:00:00Z", "Sunday 29 March 2026, 00:30 CET – 04:00 CEST", "(Europe/Oslo)"},
		{"UTC", "2026-12-10T17:00:00Z", "2026-12-10T19:00:00Z", "Thursday 10 December 2026, 17:00–19:00", "(UTC)"},
		{"Asia/Dubai", "2026-12-10T14:00:00Z", "2026-12-10T15:00:00Z", "Thursday 10 December 2026, 18:00–19:00", "(Asia/Dubai, UTC+4)"},
		{"Asia/Kathmandu", "2026-12-10T12:15:00Z", "2026-12-10T13:15:00Z", "Thursday 10 December 2026, 18:00–19:00", "(Asia/Kathmandu, UTC+5:45)"},
		{"America/Sao_Paulo", "2026-12-10T21:00:00Z", "2026-12-10T23:00:00Z", "Thursday 10 December 2026, 18:00–20:00", "(America/Sao_Paulo, UTC-3)"},
		// A zone the zone database does not know still tells the truth, in UTC.
		{"Nowhere/Atlantis", "2026-12-10T17:00:00Z", "2026-12-10T19:00:00Z", "Thursday 10 December 2026, 17:00–19:00", "(UTC)"},
	} {
		loc := present.Zone(c.zone)
		start, end := utc(c.start), utc(c.end)
		if got := present.Span(start, end, loc, present.LongDate); got != c.when {
			t.Errorf("%s %s: when %q, want %q", c.zone, c.start, got, c.when)
		}
		if got := present.SpanZoneLabel(loc, start, end); got != c.label {
			t.Errorf("%s %s: zone %q, want %q", c.zone, c.start, got, c.label)
		}
	}
}

func TestParagraphs(t *testing.T) {
	got := paragraphs("  \r\nOne\r\ntwo  \n\n\n  \nThree\rfour\n\n")
	want := [][]string{{"One", "two"}, {"Three", "four"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paragraphs (-want +got):\n%s", diff)
	}
	if got := paragraphs(" \n\t\n"); got != nil {
		t.Errorf("blank text gave %q", got)
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"Short.":                          "Short.",
		"Two\nlines\t and  more":          "Two lines and more",
		"Words that go on and on, again.": "Words that go on…",
		"Averyveryverylongwordwithoutany": "Averyveryverylongwo…",
	} {
		if got := oneLine(in, 19); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlacesText(t *testing.T) {
	n := func(i int) *int { return &i }
	for _, c := range []struct {
		e    domain.Event
		want string
	}{
		{domain.Event{}, "No limit on places"},
		{domain.Event{Capacity: n(10), GoingCount: 9}, "1 seat left"},
		{domain.Event{Capacity: n(10), GoingCount: 3}, "7 seats left"},
		{domain.Event{Capacity: n(10), GoingCount: 10, Waitlist: true}, "Full — waitlist open"},
		{domain.Event{Capacity: n(10), GoingCount: 10}, "Full"},
	} {
		if got := placesText(c.e, english); got != c.want {
			t.Errorf("placesText(%+v) = %q, want %q", c.e, got, c.want)
		}
	}
}
