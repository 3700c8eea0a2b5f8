package calendar

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
)

// TestUntilBeforeStartRefused: a series whose UNTIL falls before its
// DTSTART is refused rather than written: khal refuses such an event,
// calcurse skips it, and RFC 5545 §3.8.5.3 still counts DTSTART as an
// occurrence.
func TestUntilBeforeStartRefused(t *testing.T) {
	e := wateringSeries()
	e.RRule = "FREQ=WEEKLY;UNTIL=" + e.Start.Add(-24*time.Hour).UTC().Format("20060102T150405Z")
	_, err := Calendar{Method: MethodPublish, Events: []Event{e}}.Encode()
	if err == nil || !strings.Contains(err.Error(), "is before DTSTART") {
		t.Fatalf("UNTIL before DTSTART: %v", err)
	}
	e.RRule = "FREQ=WEEKLY;UNTIL=" + e.Start.UTC().Format("20060102T150405Z") // DTSTART alone: allowed
	if _, err := (Calendar{Method: MethodPublish, Events: []Event{e}}).Encode(); err != nil {
		t.Fatalf("UNTIL at DTSTART: %v", err)
	}
}

// TestEndedSeriesUntil: an ended series stops at its last session held,
// dropping COUNT; when that session's local time happens twice (clocks
// going back), UNTIL is the later of the two instants, so that a reader
// that takes the second keeps the session; a series ended before its
// start has no rule.
func TestEndedSeriesUntil(t *testing.T) {
	oslo := mustLoad("Europe/Oslo")
	// Sundays at 02:30 from 11 October 2026; clocks go back on 25 October.
	start := time.Date(2026, 10, 11, 2, 30, 0, 0, oslo)
	ended := time.Date(2026, 10, 27, 12, 0, 0, 0, time.UTC)
	s := domain.Series{ID: "ser_1", Slug: "owls", Title: "Night owls", Kind: domain.KindMeetup, RRule: "FREQ=WEEKLY;BYDAY=SU;COUNT=20",
		StartsAt: start.UTC(), Duration: time.Hour, TimeZone: "Europe/Oslo", EndedAt: &ended, UpdatedAt: ended}
	first, twice := domain.FirstInstant(time.Date(2026, 10, 25, 2, 30, 0, 0, oslo), oslo)
	if !twice {
		t.Fatal("fixture: 02:30 on 25 October 2026 happens once in Oslo")
	}
	rule, held, err := endedRule(domain.SeriesView{Series: s}, oslo)
	if err != nil || !held.Equal(first) {
		t.Fatalf("last held %v (%v), want %v", held, err, first)
	}
	if want := "FREQ=WEEKLY;BYDAY=SU;UNTIL=" + first.Add(time.Hour).UTC().Format("20060102T150405Z"); rule != want {
		t.Fatalf("rule %q, want %q", rule, want)
	}

	// The 25 October session cancelled: the series stops on 18 October.
	v := domain.SeriesView{Series: s, Occurrences: []domain.Occurrence{{OccurrenceStart: first, InRule: true, Status: domain.EventCancelled}}}
	if rule, held, _ = endedRule(v, oslo); !held.Equal(start.AddDate(0, 0, 7)) || !strings.HasSuffix(rule, "UNTIL=20261018T003000Z") {
		t.Fatalf("with the last cancelled: %q, held %v", rule, held)
	}

	early := start.Add(-time.Hour)
	s.EndedAt = &early
	if rule, held, _ = endedRule(domain.SeriesView{Series: s}, oslo); rule != "" || !held.IsZero() {
		t.Fatalf("ended before the start: %q %v", rule, held)
	}
	data, err := PublishSeries(domain.SeriesView{Series: s}, ended, FeedOptions{BaseURL: "https://convene.example", Name: "Owls"})
	if err != nil {
		t.Fatal(err)
	}
	ev := string(data)[strings.Index(string(data), "BEGIN:VEVENT"):]
	if strings.Contains(ev, "RRULE") || !strings.Contains(ev, "STATUS:CANCELLED") {
		t.Fatalf("ended before the start:\n%s", ev)
	}
}
