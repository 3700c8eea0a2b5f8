package domain

import (
	"testing"
	"time"
)

// TestLocalInstant: a typed local time is the instant people in the zone
// mean, across both daylight-saving changes of a year.
func TestLocalInstant(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		loc     *time.Location
		y       int
		m       time.Month
		d, h, i int
		want    time.Time
		skipped bool
	}{
		{"winter evening", ny, 2026, time.January, 15, 18, 30, time.Date(2026, 1, 15, 23, 30, 0, 0, time.UTC), false},
		{"summer evening", ny, 2026, time.July, 15, 18, 30, time.Date(2026, 7, 15, 22, 30, 0, 0, time.UTC), false},
		// 2026-03-08 02:00 EST jumps to 03:00 EDT: 02:30 is 03:30 EDT.
		{"skipped when clocks go forward", ny, 2026, time.March, 8, 2, 30, time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), true},
		// 2026-11-01 01:30 happens in EDT, then again in EST: the first.
		{"twice when clocks go back (America)", ny, 2026, time.November, 1, 1, 30, time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), false},
		// 2026-10-25 02:30 happens in CEST, then in CET: the first.
		{"twice when clocks go back (Europe)", berlin, 2026, time.October, 25, 2, 30, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), false},
		// 2026-03-29 02:30 does not happen in Berlin: 03:30 CEST.
		{"skipped in Europe", berlin, 2026, time.March, 29, 2, 30, time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), true},
		{"UTC", time.UTC, 2026, time.May, 1, 9, 0, time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), false},
	} {
		got, skipped := LocalInstant(tc.y, tc.m, tc.d, tc.h, tc.i, tc.loc)
		if !got.Equal(tc.want) || skipped != tc.skipped {
			t.Errorf("%s: LocalInstant = %v (%s), skipped %v; want %v, %v", tc.name, got, got.In(tc.loc).Format("15:04 MST"), skipped, tc.want, tc.skipped)
		}
	}
}
