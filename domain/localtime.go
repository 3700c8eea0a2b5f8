package domain

import "time"

// LocalInstant returns the instant at which the wall clock in loc shows
// the date and time given: what a person means by the date and time they
// type in an event's zone. A local time that happens twice, when clocks go
// back, is the first of the two (as FirstInstant). One that never happens,
// skipped when clocks go forward, is read with the offset in force before
// the change, so that it lands as far after the change as it was typed
// after its start (02:30 on a night that jumps from 02:00 to 03:00 is
// 03:30); RFC 5545 §3.3.5 reads both the same way. skipped reports the
// latter, so that a form can say so.
func LocalInstant(year int, month time.Month, day, hour, minute int, loc *time.Location) (t time.Time, skipped bool) {
	const wall = "2006-01-02T15:04"
	asUTC := time.Date(year, month, day, hour, minute, 0, 0, time.UTC)
	want := asUTC.Format(wall)
	// No zone changes its offset twice within a day, so the offsets a day
	// either side are all the readings the local time can have; the
	// earlier probe's offset is the one before a change.
	var before int
	for i, probe := range []time.Time{asUTC.Add(-26 * time.Hour), asUTC, asUTC.Add(26 * time.Hour)} {
		_, off := probe.In(loc).Zone()
		if i == 0 {
			before = off
		}
		c := asUTC.Add(-time.Duration(off) * time.Second)
		if c.In(loc).Format(wall) == want && (t.IsZero() || c.Before(t)) {
			t = c
		}
	}
	if t.IsZero() {
		return asUTC.Add(-time.Duration(before) * time.Second).UTC(), true
	}
	return t.UTC(), false
}
