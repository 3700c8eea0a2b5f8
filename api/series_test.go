package api

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

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
		clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		atClock(te, db, &clock)
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
		clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		atClock(te, db, &clock)
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
