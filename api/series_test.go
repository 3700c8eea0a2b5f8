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

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// seriesBody is a quarterly live session on the third Tuesday at 17:00
// Berlin time from 15 December 2026.
func seriesBody(slug string) map[string]any {
	return map[string]any{
		"slug": slug, "title": "Essentials: what you need to know", "kind": "live_session",
		"rrule": "FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU", "starts_at": "2026-12-15T17:00:00+01:00",
		"duration": "PT1H30M", "time_zone": "Europe/Berlin", "online_url": "https://meet.example.org/essentials",
		"capacity": 2,
	}
}

func fieldsOf(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, f := range r.m(t)["errors"].([]any) {
		out = append(out, f.(map[string]any)["field"].(string))
	}
	return out
}

func TestSeriesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		atClock(te, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		slug := "essentials-" + storetest.Unique()

		r := te.do("POST", "/api/v1/groups/"+gid+"/series", tok, seriesBody(slug))
		wantStatus(t, r, http.StatusCreated)
		created := r.m(t)
		id := created["id"].(string)
		occ := created["occurrences"].([]any)
		if len(occ) != 4 || created["duration"] != "PT1H30M" || created["ahead"] != float64(4) {
			t.Fatalf("created series: %s", r.Body)
		}

		t.Run("PublicLocalTimesAcrossDST", func(t *testing.T) {
			r := te.do("GET", "/api/v1/public/series/"+slug, "", nil)
			wantStatus(t, r, http.StatusOK)
			if strings.Contains(string(r.Body), "meet.example.org") {
				t.Fatalf("public series shows the join link: %s", r.Body)
			}
			var got []string
			for _, o := range r.m(t)["occurrences"].([]any) {
				o := o.(map[string]any)
				got = append(got, o["local"].(map[string]any)["starts_at"].(string))
				if o["seats_left"] != float64(2) || o["status"] != "published" {
					t.Fatalf("occurrence %v", o)
				}
			}
			want := []string{"2026-12-15T17:00:00+01:00", "2027-03-16T17:00:00+01:00", "2027-06-15T17:00:00+02:00", "2027-09-21T17:00:00+02:00"}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("local starts %q, want %q", got, want)
			}
			wantProblem(t, te.do("GET", "/api/v1/public/series/no-such-series", "", nil), http.StatusNotFound, "series_not_found")
		})

		t.Run("ErrBadInput", func(t *testing.T) {
			for name, tc := range map[string]struct {
				change map[string]any
				field  string
			}{
				"rule":           {map[string]any{"rrule": "FREQ=SOMETIMES"}, "rrule"},
				"hourly":         {map[string]any{"rrule": "FREQ=HOURLY"}, "rrule"},
				"injection":      {map[string]any{"rrule": "FREQ=WEEKLY\r\nATTENDEE:mailto:x@example.org"}, "rrule"},
				"duration":       {map[string]any{"duration": "90 minutes"}, "duration"},
				"overflow":       {map[string]any{"duration": "P213504D"}, "duration"}, // once read as 25m26s
				"start off rule": {map[string]any{"starts_at": "2026-12-16T17:00:00+01:00"}, "starts_at"},
				"zone":           {map[string]any{"time_zone": "Mars/Olympus"}, "time_zone"},
				"no join link":   {map[string]any{"online_url": ""}, "online_url"},
			} {
				b := seriesBody("bad-" + storetest.Unique())
				for k, v := range tc.change {
					b[k] = v
				}
				r := te.do("POST", "/api/v1/groups/"+gid+"/series", tok, b)
				wantProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
				if f := fieldsOf(t, r); len(f) == 0 || f[0] != tc.field {
					t.Fatalf("%s: fields %v, want %s; %s", name, f, tc.field, r.Body)
				}
			}
			wantProblem(t, te.do("POST", "/api/v1/groups/"+gid+"/series", tok, seriesBody(slug)), http.StatusConflict, "slug_taken")
		})

		t.Run("ErrOtherOrganiser", func(t *testing.T) {
			_, other := te.organiser("Mallory")
			wantProblem(t, te.do("GET", "/api/v1/series/"+id, other, nil), http.StatusNotFound, "series_not_found")
			wantProblem(t, te.do("PATCH", "/api/v1/series/"+id, other, map[string]any{"title": "Mine"}), http.StatusNotFound, "series_not_found")
			wantProblem(t, te.do("POST", "/api/v1/series/"+id+"/end", other, nil), http.StatusNotFound, "series_not_found")
			wantProblem(t, te.do("POST", "/api/v1/groups/"+gid+"/series", other, seriesBody("x-"+storetest.Unique())), http.StatusNotFound, "")
		})

		t.Run("MoveOneThenEditSeries", func(t *testing.T) {
			second := occ[1].(map[string]any)
			r := te.do("PATCH", "/api/v1/events/"+second["event_id"].(string), tok, map[string]any{
				"starts_at": "2027-03-17T17:00:00+01:00", "ends_at": "2027-03-17T18:30:00+01:00"})
			wantStatus(t, r, http.StatusOK)
			if r.m(t)["series_id"] != id {
				t.Fatalf("occurrence does not name its series: %s", r.Body)
			}
			r = te.do("PATCH", "/api/v1/series/"+id, tok, map[string]any{"title": "Essentials, season 2", "duration": "PT2H"})
			wantStatus(t, r, http.StatusOK)
			for _, o := range r.m(t)["occurrences"].([]any) {
				o := o.(map[string]any)
				start, _ := time.Parse(time.RFC3339, o["starts_at"].(string))
				end, _ := time.Parse(time.RFC3339, o["ends_at"].(string))
				moved := o["event_id"] == second["event_id"]
				if moved != o["detached"].(bool) {
					t.Fatalf("occurrence %v: detached %v", o, o["detached"])
				}
				if end.Sub(start) != 2*time.Hour {
					t.Fatalf("occurrence %v did not follow the new duration", o)
				}
				if moved && o["starts_at"] != "2027-03-17T16:00:00Z" {
					t.Fatalf("moved occurrence lost its own time: %v", o)
				}
			}
			e := te.do("GET", "/api/v1/events/"+second["event_id"].(string), tok, nil).m(t)
			if e["title"] != "Essentials, season 2" {
				t.Fatalf("moved occurrence did not take the new title: %v", e["title"])
			}
		})

		t.Run("End", func(t *testing.T) {
			r := te.do("POST", "/api/v1/series/"+id+"/end", tok, map[string]any{"reason": "The program moves to a new format."})
			wantStatus(t, r, http.StatusOK)
			m := r.m(t)
			if m["ended_at"] == nil {
				t.Fatalf("not ended: %s", r.Body)
			}
			for _, o := range m["occurrences"].([]any) {
				if o.(map[string]any)["status"] != "cancelled" {
					t.Fatalf("upcoming occurrence not cancelled: %v", o)
				}
			}
			wantProblem(t, te.do("PATCH", "/api/v1/series/"+id, tok, map[string]any{"title": "Again"}), http.StatusConflict, "series_ended")
			pub := te.do("GET", "/api/v1/public/series/"+slug, "", nil).m(t)
			if pub["ended"] != true {
				t.Fatalf("public series not ended: %v", pub)
			}
		})
	})
}

// expandScript parses a feed with python3-icalendar and expands it with
// recurring_ical_events (both Debian packages, independent of our
// builder), printing each occurrence's local start and summary.
const expandScript = `
import sys, datetime, icalendar, recurring_ical_events
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
events = recurring_ical_events.of(cal).between(datetime.date(2026, 11, 1), datetime.date(2028, 1, 1))
for ev in sorted(events, key=lambda e: e["DTSTART"].dt):
    print(ev["DTSTART"].dt.isoformat(), ev["SUMMARY"])
`

func expandFeed(t *testing.T, feed []byte) []string {
	t.Helper()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import icalendar, recurring_ical_events").CombinedOutput(); err != nil {
		msg := "python3-icalendar and python3-recurring-ical-events are needed (apt-get install -y python3-icalendar python3-recurring-ical-events): " + string(out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(python, "-c", expandScript)
	cmd.Stdin = bytes.NewReader(feed)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s\nfeed:\n%s", err, out, feed)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TestSeriesFeed: the series feed, expanded by an independent parser,
// gives every session at 17:00 Berlin time in winter and summer, without
// the cancelled one and with the moved one at its new time.
func TestSeriesFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		atClock(te, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		slug := "essentials-" + storetest.Unique()
		body := seriesBody(slug)
		body["ahead"] = 5
		r := te.do("POST", "/api/v1/groups/"+gid+"/series", tok, body)
		wantStatus(t, r, http.StatusCreated)
		occ := r.m(t)["occurrences"].([]any)
		id := func(i int) string { return occ[i].(map[string]any)["event_id"].(string) }
		wantStatus(t, te.do("PATCH", "/api/v1/events/"+id(1), tok, map[string]any{
			"starts_at": "2027-03-17T18:00:00+01:00", "ends_at": "2027-03-17T19:30:00+01:00"}), http.StatusOK)
		wantStatus(t, te.do("POST", "/api/v1/events/"+id(2)+"/cancel", tok, map[string]any{"reason": "Summer break"}), http.StatusOK)

		path := "/api/v1/public/series/" + slug + "/calendar.ics"
		r = te.do("GET", path, "", nil)
		wantStatus(t, r, http.StatusOK)
		feed := string(r.Body)
		for _, want := range []string{"RRULE:FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU", "DTSTART;TZID=Europe/Berlin:20261215T170000",
			"BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "EXDATE;TZID=Europe/Berlin:20270615T170000",
			"RECURRENCE-ID;TZID=Europe/Berlin:20270316T170000", "X-WR-CALNAME:Essentials: what you need to know"} {
			if !strings.Contains(feed, want) {
				t.Fatalf("feed lacks %q:\n%s", want, feed)
			}
		}
		if strings.Contains(feed, "ATTENDEE") || strings.Contains(feed, "meet.example.org") {
			t.Fatalf("public feed leaks attendees or the join link:\n%s", feed)
		}
		got := expandFeed(t, r.Body)
		want := []string{
			"2026-12-15T17:00:00+01:00 Essentials: what you need to know",
			"2027-03-17T18:00:00+01:00 Essentials: what you need to know",
			"2027-09-21T17:00:00+02:00 Essentials: what you need to know",
			"2027-12-21T17:00:00+01:00 Essentials: what you need to know",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("expanded series:\n%s\nwant:\n%s\nfeed:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), feed)
		}
		// Polling costs nothing while nothing changed.
		req, _ := http.NewRequest("GET", te.srv.URL+path, nil)
		req.Header.Set("If-None-Match", r.Header.Get("ETag"))
		if res := te.send(req); res.Status != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", res.Status)
		}
	})
}

// nextFallBack returns the first local date, at least three weeks after
// from, on which clocks go back in loc: the day whose 02:30 happens twice
// in Europe.
func nextFallBack(t *testing.T, loc *time.Location, from time.Time) time.Time {
	t.Helper()
	for d := from.Add(21 * 24 * time.Hour); d.Before(from.AddDate(2, 0, 0)); d = d.Add(time.Hour) {
		_, before := d.In(loc).Zone()
		_, after := d.Add(time.Hour).In(loc).Zone()
		if after < before {
			l := d.In(loc)
			return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
		}
	}
	t.Fatalf("no fall-back in %s within two years", loc)
	return time.Time{}
}

// expandInstants expands a feed with python3-icalendar and
// recurring_ical_events between two dates and returns every occurrence's
// start as an instant.
func expandInstants(t *testing.T, feed []byte, from, to time.Time) []time.Time {
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
    print(ev["DTSTART"].dt.isoformat())
`
	cmd := exec.Command(python, "-c", script, from.Format("2006-01-02"), to.Format("2006-01-02"))
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
	slices.SortFunc(got, func(a, b time.Time) int { return a.Compare(b) })
	return got
}

// TestSeriesRepeatedLocalTime: a weekly series at 02:30 in Oslo has an
// occurrence on the night clocks go back, when 02:30 happens twice. It is
// the first of the two (RFC 5545 §3.3.5): the occurrence event starts
// then, and the series feed gives calendars that same instant —
// python-icalendar with recurring_ical_events, which read the local time
// as the second, expand the feed to exactly the store's occurrences.
func TestSeriesRepeatedLocalTime(t *testing.T) {
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	fallBack := nextFallBack(t, oslo, storetest.NewClock().Now())
	first := time.Date(fallBack.Year(), fallBack.Month(), fallBack.Day(), 2, 30, 0, 0, oslo)
	if f, twice := domain.FirstInstant(first, oslo); !twice {
		t.Fatalf("fixture: %v happens once", first)
	} else {
		first = f
	}
	if _, off := first.Zone(); off != 2*3600 {
		t.Fatalf("fixture: the first 02:30 is UTC%+d, want CEST", off/3600)
	}
	start := time.Date(fallBack.Year(), fallBack.Month(), fallBack.Day()-14, 2, 30, 0, 0, oslo) // two Sundays before, CEST
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		slug := "night-owls-" + storetest.Unique()
		r := te.do("POST", "/api/v1/groups/"+gid+"/series", tok, map[string]any{
			"slug": slug, "title": "Night owls", "kind": "live_session", "rrule": "FREQ=WEEKLY;BYDAY=SU",
			"starts_at": start.Format(time.RFC3339), "duration": "PT1H", "time_zone": "Europe/Oslo",
			"online_url": "https://meet.example.org/owls", "ahead": 4,
		})
		wantStatus(t, r, http.StatusCreated)
		var starts []time.Time
		found := false
		for _, o := range r.m(t)["occurrences"].([]any) {
			o := o.(map[string]any)
			at, _ := time.Parse(time.RFC3339, o["starts_at"].(string))
			os, _ := time.Parse(time.RFC3339, o["occurrence_start"].(string))
			starts = append(starts, at)
			if at.In(oslo).Format("2006-01-02") != fallBack.Format("2006-01-02") {
				continue
			}
			found = true
			if !at.Equal(first) || !os.Equal(first) {
				t.Errorf("the occurrence on %s starts at %v (rule: %v), want the first 02:30, %v",
					fallBack.Format("2006-01-02"), at, os, first.UTC())
			}
		}
		if !found || len(starts) != 4 {
			t.Fatalf("occurrences %v, want four with one on %s", starts, fallBack.Format("2006-01-02"))
		}

		r = te.do("GET", "/api/v1/public/series/"+slug+"/calendar.ics", "", nil)
		wantStatus(t, r, http.StatusOK)
		feed := unfold(string(r.Body))
		for _, want := range []string{
			"RECURRENCE-ID;TZID=Europe/Oslo:" + first.In(oslo).Format("20060102T150405"),
			"DTSTART:" + first.UTC().Format("20060102T150405Z"),
		} {
			if !strings.Contains(feed, want) {
				t.Errorf("feed lacks %q:\n%s", want, feed)
			}
		}
		got := expandInstants(t, r.Body, start.AddDate(0, 0, -1), starts[3].AddDate(0, 0, 1))
		if !slices.EqualFunc(got, starts, time.Time.Equal) {
			t.Fatalf("the feed expands to\n%v\nthe store has\n%v\nfeed:\n%s", got, starts, feed)
		}

		// A series may start at the first 02:30 of that night, not at the
		// second, which its feed could not say (it used to be taken, and
		// the feed then failed with a 500).
		body := map[string]any{
			"title": "Night owls", "kind": "live_session", "rrule": "FREQ=WEEKLY", "duration": "PT1H",
			"time_zone": "Europe/Oslo", "online_url": "https://meet.example.org/owls", "ahead": 2,
		}
		body["slug"], body["starts_at"] = "second-"+storetest.Unique(), first.Add(time.Hour).Format(time.RFC3339)
		wantFieldError(t, te.do("POST", "/api/v1/groups/"+gid+"/series", tok, body), "starts_at",
			"is not an occurrence of rrule; its first occurrence from there is "+time.Date(fallBack.Year(), fallBack.Month(), fallBack.Day()+7, 2, 30, 0, 0, oslo).Format("Mon 2006-01-02 15:04 MST"))
		slug = "first-" + storetest.Unique()
		body["slug"], body["starts_at"] = slug, first.Format(time.RFC3339)
		r = te.do("POST", "/api/v1/groups/"+gid+"/series", tok, body)
		wantStatus(t, r, http.StatusCreated)
		starts = nil
		for _, o := range r.m(t)["occurrences"].([]any) {
			at, _ := time.Parse(time.RFC3339, o.(map[string]any)["starts_at"].(string))
			starts = append(starts, at)
		}
		if len(starts) != 2 || !starts[0].Equal(first) {
			t.Fatalf("a series from the first 02:30 has occurrences %v", starts)
		}
		r = te.do("GET", "/api/v1/public/series/"+slug+"/calendar.ics", "", nil)
		wantStatus(t, r, http.StatusOK)
		if got := expandInstants(t, r.Body, first.AddDate(0, 0, -1), starts[1].AddDate(0, 0, 1)); !slices.EqualFunc(got, starts, time.Time.Equal) {
			t.Fatalf("the feed expands to\n%v\nthe store has\n%v\nfeed:\n%s", got, starts, r.Body)
		}
	})
}
