package present

import (
	"testing"
	"time"
)

// TestWhenAcrossClockChange: a span across a change of the clocks names
// each time's own abbreviation and never the start's alone; other spans
// keep the one label.
func TestWhenAcrossClockChange(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct{ zone, start, end, want string }{
		// Oslo's clocks go forward at 02:00 on 29 March 2026: 01:00–04:00.
		{"Europe/Oslo", "2026-03-29T00:00:00Z", "2026-03-29T02:00:00Z", "Sunday 29 March 2026, 01:00 CET – 04:00 CEST (Europe/Oslo)"},
		// New York's go forward at 02:00 on 8 March 2026.
		{"America/New_York", "2026-03-08T06:00:00Z", "2026-03-08T08:00:00Z", "Sunday 8 March 2026, 01:00 EST – 04:00 EDT (America/New_York)"},
		// Santiago's go back at midnight on 5 April 2026; the zone has no
		// letters, so the offsets name the change.
		{"America/Santiago", "2026-04-05T02:00:00Z", "2026-04-05T05:00:00Z", "Saturday 4 April 2026, 23:00 UTC-3 – Sunday 5 April 2026, 01:00 UTC-4 (America/Santiago)"},
		// No change: one label, the zone's abbreviation.
		{"Europe/Oslo", "2026-03-28T17:00:00Z", "2026-03-28T19:00:00Z", "Saturday 28 March 2026, 18:00–20:00 (Europe/Oslo, CET)"},
	} {
		if got := When(utc(c.start), utc(c.end), Zone(c.zone), LongDate); got != c.want {
			t.Errorf("When(%s) = %q, want %q", c.zone, got, c.want)
		}
	}
	// A start alone has nothing to change across.
	if got := SpanZoneLabel(Zone("Europe/Oslo"), utc("2026-03-29T00:00:00Z"), time.Time{}); got != "(Europe/Oslo, CET)" {
		t.Errorf("SpanZoneLabel without an end = %q", got)
	}
}
