package api

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestSeriesEndedFeed: an ended series' feed lists exactly the sessions
// that were held, as two independent readers expand it —
// python3-icalendar with recurring_ical_events, and golang-ical's parse
// expanded by rrule-go. A series ended after some sessions stops with an
// UNTIL at its last session held (not before it, not at a later cancelled
// one), keeping the EXDATE of a cancelled one in between; a series ended
// before its first session has no RRULE at all (its UNTIL used to fall
// before DTSTART: khal refused the feed, calcurse skipped it, and
// recurring_ical_events showed the session that never happened).
func TestSeriesEndedFeed(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	tuesday := func(month time.Month, day int) time.Time { return time.Date(2026, month, day, 17, 0, 0, 0, berlin) }
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		clock := atClock(te, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		create := func(slug string) []string {
			r := te.do("POST", "/api/v1/groups/"+gid+"/series", tok, map[string]any{
				"slug": slug, "title": "Tuesday hack night", "kind": "meetup", "rrule": "FREQ=WEEKLY;BYDAY=TU",
				"starts_at": tuesday(12, 15).Format(time.RFC3339), "duration": "PT2H", "time_zone": "Europe/Berlin",
				"venue": map[string]any{"name": "Kulturhuset"}, "ahead": 4,
			})
			wantStatus(t, r, http.StatusCreated)
			var ids []string
			for _, o := range r.m(t)["occurrences"].([]any) {
				ids = append(ids, o.(map[string]any)["event_id"].(string))
			}
			if len(ids) != 4 {
				t.Fatalf("occurrences %v, want 4", ids)
			}
			return append(ids, r.m(t)["id"].(string))
		}
		feedOf := func(slug string) []byte {
			r := te.do("GET", "/api/v1/public/series/"+slug+"/calendar.ics", "", nil)
			wantStatus(t, r, http.StatusOK)
			return r.Body
		}

		// Both series start on Tuesday 15 December, weekly: 15, 22, 29
		// December and 5 January exist. One is ended on 2 December, before
		// its first session.
		none, held := "none-"+storetest.Unique(), "held-"+storetest.Unique()
		noneIDs, ids := create(none), create(held)
		clock.Freeze(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
		wantStatus(t, te.do("POST", "/api/v1/series/"+noneIDs[4]+"/end", tok, nil), http.StatusOK)
		from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)
		feed := feedOf(none)
		vevent := func(feed []byte) string {
			s := unfold(string(feed))
			return s[strings.Index(s, "BEGIN:VEVENT"):]
		}
		if ev := vevent(feed); strings.Contains(ev, "RRULE") || strings.Contains(ev, "EXDATE") || strings.Contains(ev, "RECURRENCE-ID") ||
			!strings.Contains(ev, "STATUS:CANCELLED") || strings.Count(ev, "BEGIN:VEVENT") != 1 {
			t.Errorf("a series ended before its first session is not one cancelled event:\n%s", ev)
		}
		expandBoth(t, feed, from, to, nil)

		// In the other, 22 December and 5 January are cancelled, and the
		// series is ended on 6 January: the sessions held are 15 and 29
		// December.
		for _, i := range []int{1, 3} {
			wantStatus(t, te.do("POST", "/api/v1/events/"+ids[i]+"/cancel", tok, map[string]any{"reason": "Holidays"}), http.StatusOK)
		}
		clock.Freeze(time.Date(2027, 1, 6, 9, 0, 0, 0, time.UTC))
		wantStatus(t, te.do("POST", "/api/v1/series/"+ids[4]+"/end", tok, nil), http.StatusOK)
		feed = feedOf(held)
		ev := vevent(feed)
		for _, want := range []string{"RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20261229T160000Z", "EXDATE;TZID=Europe/Berlin:20261222T170000"} {
			if !strings.Contains(ev, want) {
				t.Errorf("the ended series' feed lacks %q:\n%s", want, ev)
			}
		}
		if strings.Contains(ev, "20270105T170000") {
			t.Errorf("the feed names the cancelled session after the last one held:\n%s", ev)
		}
		expandBoth(t, feed, from, to, []time.Time{tuesday(12, 15), tuesday(12, 29)})
	})
}

// expandBoth expands a feed with both independent readers and checks that
// the sessions not cancelled start exactly at want.
func expandBoth(t *testing.T, feed []byte, from, to time.Time, want []time.Time) {
	t.Helper()
	if got := expandGolangICal(t, feed, from, to); !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("golang-ical with rrule-go expands the feed to\n%v\nwant\n%v\nfeed:\n%s", got, want, feed)
	}
	if got := expandPython(t, feed, from, to); !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("recurring_ical_events expands the feed to\n%v\nwant\n%v\nfeed:\n%s", got, want, feed)
	}
}

// expandPython lists the starts of the events not cancelled, expanded by
// python3-icalendar with recurring_ical_events.
func expandPython(t *testing.T, feed []byte, from, to time.Time) []time.Time {
	t.Helper()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import icalendar, recurring_ical_events").CombinedOutput(); err != nil {
		msg := "python3-icalendar and python3-recurring-ical-events are needed (apt-get install -y python3-icalendar python3-recurring-ical-events): " + string(out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	const script = `
import sys, datetime, icalendar, recurring_ical_events
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
start, stop = datetime.date.fromisoformat(sys.argv[1]), datetime.date.fromisoformat(sys.argv[2])
for ev in recurring_ical_events.of(cal).between(start, stop):
    if str(ev.get("STATUS", "")).upper() != "CANCELLED":
        print(ev["DTSTART"].dt.isoformat())
`
	cmd := exec.Command(python, "-c", script, from.Format(time.DateOnly), to.Format(time.DateOnly))
	cmd.Stdin = bytes.NewReader(feed)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s\nfeed:\n%s", err, out, feed)
	}
	var got []time.Time
	for _, line := range strings.Fields(string(out)) {
		at, err := time.Parse(time.RFC3339, line)
		if err != nil {
			t.Fatalf("python gave %q: %v", line, err)
		}
		got = append(got, at)
	}
	slices.SortFunc(got, time.Time.Compare)
	return got
}

// expandGolangICal reads the feed with golang-ical and expands each event
// not cancelled with rrule-go from the properties as read: DTSTART (with
// its TZID), RRULE and EXDATE, and RECURRENCE-ID overrides in place of the
// occurrence they name.
func expandGolangICal(t *testing.T, feed []byte, from, to time.Time) []time.Time {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(feed))
	if err != nil {
		t.Fatalf("golang-ical: %v", err)
	}
	line := func(p ics.BaseProperty) string {
		s := p.IANAToken
		for k, vs := range p.ICalParameters {
			s += ";" + k + "=" + strings.Join(vs, ",")
		}
		return s + ":" + p.Value
	}
	var got []time.Time
	overridden := map[string]bool{}
	for _, ev := range cal.Events() {
		if p := ev.GetProperty(ics.ComponentPropertyRecurrenceId); p != nil {
			overridden[ev.Id()+"\x00"+p.Value] = true
		}
	}
	for _, ev := range cal.Events() {
		if p := ev.GetProperty(ics.ComponentPropertyStatus); p != nil && strings.EqualFold(p.Value, "CANCELLED") {
			continue
		}
		start := ev.GetProperty(ics.ComponentPropertyDtStart)
		if start == nil {
			t.Fatalf("an event without DTSTART:\n%s", feed)
		}
		set := []string{line(start.BaseProperty)}
		for _, p := range ev.Properties {
			if p.IANAToken == "RRULE" || p.IANAToken == "EXDATE" {
				set = append(set, line(p.BaseProperty))
			}
		}
		s, err := rrule.StrSliceToRRuleSetInLoc(set, time.UTC)
		if err != nil {
			t.Fatalf("rrule-go cannot read %q: %v", set, err)
		}
		tzid := ""
		if v := start.ICalParameters["TZID"]; len(v) == 1 {
			tzid = v[0]
		}
		for _, o := range s.Between(from, to, true) {
			local := o.Format("20060102T150405")
			if tzid == "" {
				local = o.UTC().Format("20060102T150405Z")
			}
			if ev.GetProperty(ics.ComponentPropertyRrule) != nil && overridden[ev.Id()+"\x00"+local] {
				continue // its override is listed on its own
			}
			got = append(got, o)
		}
	}
	slices.SortFunc(got, time.Time.Compare)
	return got
}
