package domain

import (
	"testing"
	"time"
)

// TestFirstInstant: in the hour that happens twice when clocks go back,
// both instants that show a local time give the first (RFC 5545 §3.3.5);
// every other instant is the only one with its local time. Europe/Oslo
// (where Go's time.Date picks the second), America/New_York (where it
// picks the first) and Australia/Lord_Howe (half an hour back).
func TestFirstInstant(t *testing.T) {
	for _, tc := range []struct {
		zone          string
		first, second time.Time
	}{
		{"Europe/Oslo", time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC), time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC)},
		{"America/New_York", time.Date(2027, 11, 7, 5, 30, 0, 0, time.UTC), time.Date(2027, 11, 7, 6, 30, 0, 0, time.UTC)},
		{"Australia/Lord_Howe", time.Date(2027, 4, 3, 14, 45, 0, 0, time.UTC), time.Date(2027, 4, 3, 15, 15, 0, 0, time.UTC)},
	} {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := tc.first.In(loc).Format("15:04"), tc.second.In(loc).Format("15:04"); a != b {
			t.Fatalf("%s fixture: %s and %s", tc.zone, a, b)
		}
		for _, in := range []time.Time{tc.first, tc.second} {
			if got, twice := FirstInstant(in, loc); !got.Equal(tc.first) || !twice {
				t.Errorf("%s: FirstInstant(%v) = %v, %v; want %v, true", tc.zone, in, got, twice, tc.first)
			}
		}
		// A year of quarter hours around it: only the repeated ones move.
		repeat := tc.second.Sub(tc.first)
		for s := tc.first.AddDate(0, -6, 0); s.Before(tc.first.AddDate(0, 6, 0)); s = s.Add(15 * time.Minute) {
			got, twice := FirstInstant(s, loc)
			other := s.Add(-repeat)
			isSecond := other.In(loc).Format("2006-01-02 15:04") == s.In(loc).Format("2006-01-02 15:04")
			isFirst := s.Add(repeat).In(loc).Format("2006-01-02 15:04") == s.In(loc).Format("2006-01-02 15:04")
			switch {
			case isSecond && (!twice || !got.Equal(other)):
				t.Errorf("%s: %v is the second %s, FirstInstant = %v, %v", tc.zone, s, s.In(loc).Format("15:04"), got, twice)
			case isFirst && (!twice || !got.Equal(s)):
				t.Errorf("%s: %v is the first %s, FirstInstant = %v, %v", tc.zone, s, s.In(loc).Format("15:04"), got, twice)
			case !isFirst && !isSecond && (twice || !got.Equal(s)):
				t.Errorf("%s: %v (%s) happens once, FirstInstant = %v, %v", tc.zone, s, s.In(loc).Format("15:04 MST"), got, twice)
			}
		}
	}
}
