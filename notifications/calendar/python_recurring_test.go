package calendar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// needRecurringICalEvents skips the test when python3-recurring-ical-events
// is missing, except in CI, which installs it and must not pass by skipping.
func needRecurringICalEvents(t *testing.T) {
	t.Helper()
	needPythonICalendar(t)
	out, err := exec.Command(systemPython, "-c", "import recurring_ical_events").CombinedOutput()
	if err == nil {
		return
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	msg := fmt.Sprintf("%s cannot import recurring_ical_events (%v: %s); install it with: apt-get install -y python3-recurring-ical-events",
		systemPython, err, lines[len(lines)-1])
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// pyRequest is one request to testdata/recurring_icalendar.py.
type pyRequest struct {
	Mode     string            `json:"mode"`
	ICS      string            `json:"ics"`
	Rename   map[string]string `json:"rename"`
	From     string            `json:"from,omitempty"`
	To       string            `json:"to,omitempty"`
	TZID     string            `json:"tzid,omitempty"`
	Instants []int64           `json:"instants,omitempty"`
	Locals   []string          `json:"locals,omitempty"`
}

type pyResult struct {
	Error       string         `json:"error"`
	Occurrences []pyOccurrence `json:"occurrences"`
	Offsets     []int          `json:"offsets"`
}

// pyOccurrence is one occurrence as Python expanded it: local times with
// their UTC offset (2026-10-27T17:00:00+01:00).
type pyOccurrence struct {
	UID     string `json:"uid"`
	Summary string `json:"summary"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

// recurrenceTool is an independent implementation that expands series and
// reads VTIMEZONEs: python-icalendar with recurring_ical_events, and ical.js
// when ICALJS_NODE_PATH names a node_modules folder with it.
type recurrenceTool struct {
	name string
	// cmd returns the command, or skips the test (fails it in CI for
	// Python); expand says whether series expansion is needed.
	cmd func(t *testing.T, expand bool) *exec.Cmd
}

var recurrenceTools = []recurrenceTool{
	{"python", func(t *testing.T, expand bool) *exec.Cmd {
		if expand {
			needRecurringICalEvents(t)
		} else {
			needPythonICalendar(t)
		}
		return exec.Command(systemPython, filepath.Join("testdata", "recurring_icalendar.py"))
	}},
	{"ical.js", func(t *testing.T, expand bool) *exec.Cmd {
		cmd := icalJS(t)
		cmd.Args[len(cmd.Args)-1] = filepath.Join("testdata", "recurring_icaljs.cjs")
		return cmd
	}},
}

// runRecurrenceTool sends the requests to one tool and returns its answers.
func runRecurrenceTool(t *testing.T, cmd *exec.Cmd, reqs []pyRequest) []pyResult {
	t.Helper()
	input, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(input), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.String())
	}
	var out []pyResult
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("%s printed %q: %v", cmd, stdout.String(), err)
	}
	if len(out) != len(reqs) {
		t.Fatalf("%s answered %d requests, sent %d", cmd, len(out), len(reqs))
	}
	return out
}

// isoLocal formats a time as Python's isoformat() does for an aware
// datetime.
func isoLocal(t time.Time) string {
	return t.Format("2006-01-02T15:04:05-07:00")
}

func occurrence(uid, summary string, start, end time.Time) pyOccurrence {
	return pyOccurrence{UID: uid, Summary: summary, Start: isoLocal(start), End: isoLocal(end)}
}

func sortOccurrences(os []pyOccurrence) {
	sort.Slice(os, func(i, j int) bool {
		if os[i].Start != os[j].Start {
			return os[i].Start < os[j].Start
		}
		return os[i].UID < os[j].UID
	})
}

// thirdTuesdays returns 17:00 local on the third Tuesday of each month from
// the month of from until before the month of to.
func thirdTuesdays(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, loc); m.Before(to); m = m.AddDate(0, 1, 0) {
		d := 1 + (int(time.Tuesday)-int(m.Weekday())+7)%7 + 14
		out = append(out, time.Date(m.Year(), m.Month(), d, 17, 0, 0, 0, loc))
	}
	return out
}

// TestPythonRecurrence has recurring_ical_events expand the golden recurring
// feed, as stored, twice: once as written, and once with the TZID renamed so
// that python-icalendar cannot use its own Europe/Berlin and must build the
// zone from our VTIMEZONE. Both must list exactly the occurrences Go
// computes from wall-clock times: 17:00 before and after the change to
// winter time on 25 October 2026 (and in the years past those the VTIMEZONE
// lists, where its yearly rules apply), without the cancelled round of
// 20 October, with the round of 3 November moved to 4 November 18:00.
func TestPythonRecurrence(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "feed_recurring_publish.ics"))
	if err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2026, 5, 1, 0, 0, 0, 0, berlin), time.Date(2030, 1, 1, 0, 0, 0, 0, berlin)

	var want []pyOccurrence
	g := gardenEvent()
	want = append(want, occurrence(g.UID, g.Summary, g.Start.UTC(), g.End.UTC()))
	for d := at(2026, 10, 6, 17, 0); !d.After(at(2026, 11, 24, 17, 0)); d = d.AddDate(0, 0, 7) {
		switch {
		case d.Equal(at(2026, 10, 20, 17, 0)): // cancelled
		case d.Equal(at(2026, 11, 3, 17, 0)): // moved
			want = append(want, occurrence(wateringUID, "Watering round (moved to Wednesday)", at(2026, 11, 4, 18, 0), at(2026, 11, 4, 20, 0)))
		default:
			want = append(want, occurrence(wateringUID, "Watering round", d, d.Add(90*time.Minute)))
		}
	}
	for _, d := range thirdTuesdays(berlin, at(2026, 9, 1, 0, 0), to) {
		want = append(want, occurrence(repairUID, "Repair café", d, time.Date(d.Year(), d.Month(), d.Day(), 20, 0, 0, 0, berlin)))
	}
	sortOccurrences(want)
	// The property that matters to people, stated on its own.
	offsets := map[string]bool{}
	for _, o := range want {
		if o.UID != g.UID {
			if !strings.Contains(o.Start, "T17:00:00") && !strings.Contains(o.Start, "T18:00:00") {
				t.Fatalf("expected occurrence %v is not at 17:00", o)
			}
			offsets[o.Start[len(o.Start)-6:]] = true
		}
	}
	if !offsets["+02:00"] || !offsets["+01:00"] {
		t.Fatalf("the expected occurrences do not span summer and winter time: %v", offsets)
	}

	reqs := []pyRequest{
		{Mode: "expand", ICS: string(data), From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)},
		{Mode: "expand", ICS: string(data), From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
			Rename: map[string]string{"Europe/Berlin": "Convene-Test/Berlin"}},
	}
	for _, tool := range recurrenceTools {
		t.Run(tool.name, func(t *testing.T) {
			for i, res := range runRecurrenceTool(t, tool.cmd(t, true), reqs) {
				name := []string{"TZID Europe/Berlin", "TZID renamed: our VTIMEZONE"}[i]
				if res.Error != "" {
					t.Errorf("%s: %s", name, res.Error)
					continue
				}
				got := res.Occurrences
				sortOccurrences(got)
				compareOccurrences(t, name, got, want)
			}
		})
	}
}

func compareOccurrences(t *testing.T, name string, got, want []pyOccurrence) {
	t.Helper()
	g := map[pyOccurrence]bool{}
	for _, o := range got {
		g[o] = true
	}
	w := map[pyOccurrence]bool{}
	for _, o := range want {
		w[o] = true
	}
	for _, o := range want {
		if !g[o] {
			t.Errorf("%s: missing %+v", name, o)
		}
	}
	for _, o := range got {
		if !w[o] {
			t.Errorf("%s: unexpected %+v", name, o)
		}
	}
	if len(got) != len(want) && !t.Failed() {
		t.Errorf("%s: %d occurrences, want %d (repeats?)", name, len(got), len(want))
	}
}

// recurringZones are the zones whose VTIMEZONEs are checked against Go's
// data: both hemispheres, a zone without daylight-saving time, a zone whose
// rule is "the Friday on or after 23 March" and one that dropped
// daylight-saving time in 2019.
var recurringZones = []string{
	"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Europe/London",
	"Asia/Jerusalem", "America/Sao_Paulo",
}

// zoneSeries is a weekly series on Tuesdays at 17:00 local in loc from
// 1 September 2026, 60 times, with one week cancelled and one moved, and a
// monthly one on third Tuesdays without end.
func zoneSeries(loc *time.Location) Calendar {
	local := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, loc) }
	weekly := Event{
		UID: "weekly@convene.example", Stamp: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
		Start: local(2026, 9, 1, 17), End: local(2026, 9, 1, 19), Summary: "Weekly", Zone: loc,
		RRule:   "FREQ=WEEKLY;COUNT=60",
		ExDates: []time.Time{local(2026, 10, 27, 17)},
	}
	moved := Event{
		UID: weekly.UID, Stamp: weekly.Stamp, Sequence: 1, Zone: loc, Summary: "Moved",
		RecurrenceID: local(2027, 3, 30, 17), Start: local(2027, 3, 31, 18), End: local(2027, 3, 31, 20),
	}
	monthly := Event{
		UID: "monthly@convene.example", Stamp: weekly.Stamp,
		Start: local(2026, 9, 15, 17), End: local(2026, 9, 15, 20), Summary: "Monthly", Zone: loc,
		RRule: "FREQ=MONTHLY;BYDAY=3TU",
	}
	return Calendar{Method: MethodPublish, Events: []Event{weekly, moved, monthly}}
}

// TestPythonRecurrenceZones expands the same two series in every zone of
// recurringZones through our VTIMEZONE (the TZID renamed) and compares the
// occurrences with Go's wall-clock computation, over three years, across
// each zone's daylight-saving changes.
func TestPythonRecurrenceZones(t *testing.T) {
	var reqs []pyRequest
	var wants [][]pyOccurrence
	for i, name := range recurringZones {
		loc := mustLoad(name)
		data := mustEncode(t, zoneSeries(loc))
		reqs = append(reqs, pyRequest{
			Mode: "expand", ICS: string(data), From: "2026-08-01", To: "2029-08-01",
			Rename: map[string]string{name: fmt.Sprintf("Convene-Test-%d/Zone", i)},
		})
		var want []pyOccurrence
		for k, d := 0, time.Date(2026, 9, 1, 17, 0, 0, 0, loc); k < 60; k, d = k+1, d.AddDate(0, 0, 7) {
			switch {
			case d.Equal(time.Date(2026, 10, 27, 17, 0, 0, 0, loc)):
			case d.Equal(time.Date(2027, 3, 30, 17, 0, 0, 0, loc)):
				s := time.Date(2027, 3, 31, 18, 0, 0, 0, loc)
				want = append(want, occurrence("weekly@convene.example", "Moved", s, s.Add(2*time.Hour)))
			default:
				want = append(want, occurrence("weekly@convene.example", "Weekly", d, d.Add(2*time.Hour)))
			}
		}
		for _, d := range thirdTuesdays(loc, time.Date(2026, 9, 1, 0, 0, 0, 0, loc), time.Date(2029, 8, 1, 0, 0, 0, 0, loc)) {
			want = append(want, occurrence("monthly@convene.example", "Monthly", d, d.Add(3*time.Hour)))
		}
		sortOccurrences(want)
		wants = append(wants, want)
	}
	for _, tool := range recurrenceTools {
		t.Run(tool.name, func(t *testing.T) {
			for i, res := range runRecurrenceTool(t, tool.cmd(t, true), reqs) {
				if res.Error != "" {
					t.Errorf("%s: %s", recurringZones[i], res.Error)
					continue
				}
				sortOccurrences(res.Occurrences)
				compareOccurrences(t, recurringZones[i], res.Occurrences, wants[i])
			}
		})
	}
}

// TestPythonVTimezoneOffsets reads each generated VTIMEZONE, under a TZID
// that python-icalendar does not know, with Timezone.to_tz(), and compares
// its UTC offset with Go's at every week from 2026 to 2038 (python-icalendar
// expands yearly rules only up to 2038), one second before and at each of
// Go's changes, and an hour either side of them. The VTIMEZONE lists the
// changes of 2026–2028; the later years come from its yearly RRULEs.
// ical.js is asked for the offset of the local times instead, leaving out
// the hour that happens twice.
func TestPythonVTimezoneOffsets(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2038, 11, 1, 0, 0, 0, 0, time.UTC)
	var reqs []pyRequest
	var instants [][]time.Time
	var ambiguous []map[time.Time]bool
	for i, name := range recurringZones {
		loc := mustLoad(name)
		c := Calendar{Method: MethodPublish, Events: []Event{zoneSeries(loc).Events[2]}} // open-ended
		data := mustEncode(t, c)
		if n := strings.Count(string(data), "BEGIN:VTIMEZONE"); n != 1 {
			t.Fatalf("%s: %d VTIMEZONEs", name, n)
		}
		var ts []time.Time
		for s := from; s.Before(to); s = s.Add(7 * 24 * time.Hour) {
			ts = append(ts, s)
		}
		trs := zoneTransitions(loc, from, to, zoneStep)
		for _, tr := range trs {
			ts = append(ts, tr.at.Add(-time.Hour), tr.at.Add(-time.Second), tr.at, tr.at.Add(time.Hour))
		}
		var unix []int64
		var locals []string
		amb := map[time.Time]bool{}
		for _, s := range ts {
			unix = append(unix, s.Unix())
			locals = append(locals, s.In(loc).Format("2006-01-02T15:04:05"))
			for _, tr := range trs { // the hour that happens twice when clocks go back
				if d := time.Duration(tr.from-tr.to.offset) * time.Second; d > 0 && !s.Before(tr.at.Add(-d)) && s.Before(tr.at.Add(d)) {
					amb[s] = true
				}
			}
		}
		ambiguous = append(ambiguous, amb)
		tzid := fmt.Sprintf("Convene-Test-%d/Zone", i)
		reqs = append(reqs, pyRequest{
			Mode: "offsets", ICS: string(data), TZID: tzid, Instants: unix, Locals: locals,
			Rename: map[string]string{name: tzid},
		})
		instants = append(instants, ts)
	}
	for _, tool := range recurrenceTools {
		t.Run(tool.name, func(t *testing.T) {
			for i, res := range runRecurrenceTool(t, tool.cmd(t, false), reqs) {
				name := recurringZones[i]
				if res.Error != "" {
					t.Errorf("%s: %s", name, res.Error)
					continue
				}
				if len(res.Offsets) != len(instants[i]) {
					t.Errorf("%s: %d offsets for %d instants", name, len(res.Offsets), len(instants[i]))
					continue
				}
				loc := mustLoad(name)
				bad, skipped := 0, 0
				for j, s := range instants[i] {
					if tool.name == "ical.js" && ambiguous[i][s] {
						skipped++ // asked by local time, which names two instants
						continue
					}
					_, want := s.In(loc).Zone()
					if got := res.Offsets[j]; got != want {
						if bad++; bad <= 5 {
							t.Errorf("%s at %v: VTIMEZONE gives UTC%+.2f, Go gives UTC%+.2f", name, s, float64(got)/3600, float64(want)/3600)
						}
					}
				}
				if bad > 5 {
					t.Errorf("%s: %d of %d instants wrong", name, bad, len(instants[i]))
				}
				t.Logf("%s: %d instants checked", name, len(instants[i])-skipped)
			}
		})
	}
}
