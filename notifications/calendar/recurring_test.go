package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/teambition/rrule-go"
)

// The recurring fixtures are the series a group runs in Berlin, across the
// change from summer to winter time on 25 October 2026: a weekly watering
// round on Tuesdays at 17:00 with one week cancelled and one moved, and a
// repair café every third Tuesday of the month at 17:00 with no end.

var (
	wateringUID = UID("ser_01WATER", "convene.example")
	repairUID   = UID("ser_01REPAIR", "convene.example")
)

// wateringSeries runs weekly from 6 October to 24 November 2026; UNTIL is
// the last start, 17:00 CET, in UTC.
func wateringSeries() Event {
	return Event{
		UID:          wateringUID,
		Sequence:     2,
		Stamp:        time.Date(2026, 9, 30, 10, 0, 0, 0, time.UTC),
		Start:        at(2026, 10, 6, 17, 0),
		End:          at(2026, 10, 6, 18, 30),
		Summary:      "Watering round",
		Location:     "Gemeinschaftsgarten Hof 3, Wiener Straße 12, 10999 Berlin",
		URL:          "https://convene.example/s/ser_01WATER",
		Status:       StatusConfirmed,
		Organizer:    host,
		Zone:         berlin,
		RRule:        "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261124T160000Z",
		ExDates:      []time.Time{at(2026, 10, 20, 17, 0)},
		LastModified: time.Date(2026, 9, 30, 10, 0, 0, 0, time.UTC),
	}
}

// wateringMoved moves the round of 3 November to Wednesday 4 November,
// 18:00–20:00.
func wateringMoved() Event {
	return Event{
		UID:          wateringUID,
		Sequence:     3,
		Stamp:        time.Date(2026, 10, 28, 9, 0, 0, 0, time.UTC),
		RecurrenceID: at(2026, 11, 3, 17, 0),
		Start:        at(2026, 11, 4, 18, 0),
		End:          at(2026, 11, 4, 20, 0),
		Summary:      "Watering round (moved to Wednesday)",
		Location:     "Gemeinschaftsgarten Hof 3, Wiener Straße 12, 10999 Berlin",
		Status:       StatusConfirmed,
		Organizer:    host,
		Zone:         berlin,
		LastModified: time.Date(2026, 10, 28, 9, 0, 0, 0, time.UTC),
	}
}

func repairSeries() Event {
	return Event{
		UID:       repairUID,
		Stamp:     time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC),
		Start:     at(2026, 9, 15, 17, 0),
		End:       at(2026, 9, 15, 20, 0),
		Summary:   "Repair café",
		Location:  "Nachbarschaftshaus, Raum 2",
		Status:    StatusConfirmed,
		Organizer: host,
		Zone:      berlin,
		RRule:     "FREQ=MONTHLY;BYDAY=3TU",
	}
}

// recurringFeedFixture is a group feed with both series, the moved round
// and a single event in UTC.
func recurringFeedFixture() Calendar {
	single := gardenEvent()
	single.Stamp = single.LastModified
	return Calendar{
		Method:          MethodPublish,
		Name:            "Kreuzberg Gardeners",
		RefreshInterval: 6 * time.Hour,
		Events:          []Event{wateringSeries(), wateringMoved(), repairSeries(), single},
	}
}

var recurringGoldenCases = []struct {
	name string
	cal  func() Calendar
}{
	{"feed_recurring_publish", recurringFeedFixture},
}

// TestGoldenRecurring compares the recurring feed with its golden file
// byte for byte (run with -update to rewrite it, and read the diff).
func TestGoldenRecurring(t *testing.T) {
	for _, tc := range recurringGoldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustEncode(t, tc.cal())
			path := filepath.Join("testdata", tc.name+".ics")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the encoder's output (run with -update if intended)\n--- got ---\n%s\n--- want ---\n%s",
					path, visible(got), visible(want))
			}
			if again := mustEncode(t, tc.cal()); !bytes.Equal(got, again) {
				t.Error("two encodings of the same calendar differ")
			}
		})
	}
}

// components returns the unfolded lines of each component named name
// (VTIMEZONE, VEVENT), from its BEGIN to its END.
func components(data []byte, name string) [][]string {
	var out [][]string
	var cur []string
	for _, line := range unfold(data) {
		switch {
		case line == "BEGIN:"+name:
			cur = []string{line}
		case line == "END:"+name && cur != nil:
			out = append(out, append(cur, line))
			cur = nil
		case cur != nil:
			cur = append(cur, line)
		}
	}
	return out
}

// A series in Europe/Berlin is written in local time with a TZID, never as
// TZID with a UTC time (rule I9), keeps the same local time on both sides of
// the change to winter time, and the calendar carries exactly one VTIMEZONE
// for the zone with its yearly rules.
func TestSeriesInLocalTimeWithTimezone(t *testing.T) {
	b := mustEncode(t, recurringFeedFixture())
	events := components(b, "VEVENT")
	if len(events) != 4 {
		t.Fatalf("%d VEVENTs, want 4", len(events))
	}
	wantLines := map[int][]string{
		0: {
			"UID:" + wateringUID,
			"DTSTART;TZID=Europe/Berlin:20261006T170000",
			"DTEND;TZID=Europe/Berlin:20261006T183000",
			"RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20261124T160000Z",
			"EXDATE;TZID=Europe/Berlin:20261020T170000",
			"DTSTAMP:20260930T100000Z", // DTSTAMP stays UTC
		},
		1: {
			"UID:" + wateringUID,
			"SEQUENCE:3",
			"RECURRENCE-ID;TZID=Europe/Berlin:20261103T170000", // 17:00 CET: after the change
			"DTSTART;TZID=Europe/Berlin:20261104T180000",
			"DTEND;TZID=Europe/Berlin:20261104T200000",
		},
		2: {"RRULE:FREQ=MONTHLY;BYDAY=3TU", "DTSTART;TZID=Europe/Berlin:20260915T170000"},
		3: {"DTSTART:20260516T070000Z"}, // no zone: UTC as before
	}
	for i, lines := range wantLines {
		for _, want := range lines {
			if !containsLine(events[i], want) {
				t.Errorf("event %d lacks %q:\n%s", i, want, strings.Join(events[i], "\n"))
			}
		}
	}
	if containsPrefix(events[1], "RRULE") || containsPrefix(events[1], "EXDATE") {
		t.Errorf("the override repeats the series' rule:\n%s", strings.Join(events[1], "\n"))
	}
	if bad := regexp.MustCompile(`TZID=[^:;]*(;[^:]*)?:[0-9T]*Z`).FindAllString(string(b), -1); len(bad) > 0 {
		t.Errorf("TZID with a UTC time (rule I9): %q", bad)
	}

	zones := components(b, "VTIMEZONE")
	if len(zones) != 1 {
		t.Fatalf("%d VTIMEZONEs, want one for Europe/Berlin", len(zones))
	}
	want := []string{
		"BEGIN:VTIMEZONE",
		"TZID:Europe/Berlin",
		"X-LIC-LOCATION:Europe/Berlin",
		"BEGIN:STANDARD",
		"DTSTART:20251026T030000",
		"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
		"TZOFFSETFROM:+0200",
		"TZOFFSETTO:+0100",
		"TZNAME:CET",
		"END:STANDARD",
		"BEGIN:DAYLIGHT",
		"DTSTART:20260329T020000",
		"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
		"TZOFFSETFROM:+0100",
		"TZOFFSETTO:+0200",
		"TZNAME:CEST",
		"END:DAYLIGHT",
		"END:VTIMEZONE",
	}
	if got := strings.Join(zones[0], "\n"); got != strings.Join(want, "\n") {
		t.Errorf("VTIMEZONE is\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if strings.Index(string(b), "BEGIN:VTIMEZONE") > strings.Index(string(b), "BEGIN:VEVENT") {
		t.Error("the VTIMEZONE comes after the events that use it")
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

func containsPrefix(lines []string, name string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, name+":") || strings.HasPrefix(l, name+";") {
			return true
		}
	}
	return false
}

// Every TZID used has exactly one VTIMEZONE (rule I9), in order of first
// use; events in UTC need none.
func TestOneTimezonePerZone(t *testing.T) {
	c := recurringFeedFixture()
	tokyo := repairSeries()
	tokyo.UID = "ser_tokyo@convene.example"
	tokyo.Zone = mustLoad("Asia/Tokyo")
	tokyo.Start = time.Date(2026, 9, 15, 17, 0, 0, 0, tokyo.Zone)
	tokyo.End = tokyo.Start.Add(3 * time.Hour)
	utcSeries := repairSeries()
	utcSeries.UID = "ser_utc@convene.example"
	utcSeries.Zone = time.UTC
	c.Events = append(c.Events, tokyo, utcSeries)
	b := mustEncode(t, c)

	var tzids []string
	for _, z := range components(b, "VTIMEZONE") {
		tzids = append(tzids, strings.TrimPrefix(z[1], "TZID:"))
	}
	if strings.Join(tzids, " ") != "Europe/Berlin Asia/Tokyo" {
		t.Errorf("VTIMEZONEs for %q, want Europe/Berlin then Asia/Tokyo", tzids)
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`;TZID=([^:;]+)`).FindAllStringSubmatch(string(b), -1) {
		used[m[1]] = true
	}
	if len(used) != 2 || !used["Europe/Berlin"] || !used["Asia/Tokyo"] {
		t.Errorf("TZIDs used: %v", used)
	}
	if !strings.Contains(string(b), "DTSTART;TZID=Asia/Tokyo:20260915T170000\r\n") {
		t.Error("the Tokyo series is not at 17:00 Tokyo time")
	}
	if !strings.Contains(string(b), "UID:ser_utc@convene.example\r\nSEQUENCE:0\r\nDTSTAMP:20260901T080000Z\r\nDTSTART:20260915T150000Z\r\n") {
		t.Errorf("a series with Zone UTC is not written in UTC:\n%s", b)
	}
	tokyoZone := components(b, "VTIMEZONE")[1]
	if n := strings.Count(strings.Join(tokyoZone, "\n"), "BEGIN:"); n != 2 {
		t.Errorf("Asia/Tokyo has no daylight-saving time and needs one STANDARD, got:\n%s", strings.Join(tokyoZone, "\n"))
	}
}

// The VTIMEZONE lists single changes for years whose rules differ from the
// last ones, and its RRULEs describe only the years from which they hold.
// America/New_York moved its changes in 2007.
func TestTimezoneRuleChange(t *testing.T) {
	c := Calendar{Method: MethodPublish, Events: []Event{repairSeries()}}
	e := &c.Events[0]
	e.Zone = mustLoad("America/New_York")
	e.Start = time.Date(2005, 9, 20, 17, 0, 0, 0, e.Zone)
	e.End = e.Start.Add(time.Hour)
	e.RRule = "FREQ=MONTHLY;BYDAY=3TU;UNTIL=20081231T000000Z"
	b := mustEncode(t, c)
	got := components(b, "VTIMEZONE")[0]
	want := []string{
		"DTSTART:20041031T020000", // in effect on 1 January 2005
		"DTSTART:20050403T020000", // first Sunday in April
		"DTSTART:20051030T020000", // last Sunday in October
		"DTSTART:20060402T020000",
		"DTSTART:20061029T020000",
		"DTSTART:20070311T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
		"DTSTART:20071104T020000", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
	}
	var have []string
	for _, l := range got {
		if strings.HasPrefix(l, "DTSTART") || strings.HasPrefix(l, "RRULE") {
			have = append(have, l)
		}
	}
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Errorf("observances\n%s\nwant\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
}

// The changes found in Go's zone data are exact to the second and none is
// missed: sampled every three hours, the zone is in the state the last
// change before the sample announced. The span reaches past 2037, where Go
// computes changes from the zone's rule, and includes leap years there.
func TestZoneTransitionsMatchGo(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Europe/London", "Asia/Jerusalem", "America/Sao_Paulo"} {
		loc := mustLoad(name)
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, loc)
		to := time.Date(2062, 1, 1, 0, 0, 0, 0, loc)
		trs := zoneTransitions(loc, from, to, zoneStep)
		for _, tr := range trs {
			before := stateAt(tr.at.Add(-time.Second).In(loc))
			if before.offset != tr.from || stateAt(tr.at.In(loc)) != tr.to || before == tr.to {
				t.Errorf("%s: %v is not a change from %d to %+v", name, tr.at, tr.from, tr.to)
			}
		}
		i := -1
		for s := from; s.Before(to); s = s.Add(3 * time.Hour) {
			for i+1 < len(trs) && !trs[i+1].at.After(s) {
				i++
			}
			want := stateAt(from.In(loc))
			if i >= 0 {
				want = trs[i].to
			}
			if got := stateAt(s.In(loc)); got != want {
				t.Fatalf("%s: at %v Go says %+v, the changes found say %+v", name, s, got, want)
			}
		}
		perYear := map[int]int{}
		for _, tr := range trs {
			perYear[tr.wall().Year()]++
		}
		switch name {
		case "Asia/Kolkata", "America/Sao_Paulo":
			if len(trs) != 0 {
				t.Errorf("%s: %d changes, want none", name, len(trs))
			}
		default:
			for y := 2025; y <= 2061; y++ {
				if perYear[y] != 2 {
					t.Errorf("%s: %d changes in %d, want 2", name, perYear[y], y)
				}
			}
		}
	}
}

// Invitations and cancellations are single events in UTC: every recurrence
// field is refused with a message naming it.
func TestInvitesRefuseRecurrence(t *testing.T) {
	cases := map[string]func(*Event){
		"RRule":        func(e *Event) { e.RRule = "FREQ=WEEKLY" },
		"ExDates":      func(e *Event) { e.ExDates = []time.Time{e.Start.AddDate(0, 0, 7)} },
		"RecurrenceID": func(e *Event) { e.RecurrenceID = e.Start },
		"Zone":         func(e *Event) { e.Zone = berlin },
	}
	for _, m := range []Method{MethodRequest, MethodCancel} {
		for name, set := range cases {
			c := minimal(m)
			set(&c.Events[0])
			_, err := c.Encode()
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
				t.Errorf("%s with %s: err = %v, want a ValidationError", m, name, err)
				continue
			}
			if !strings.Contains(err.Error(), "PUBLISH") {
				t.Errorf("%s with %s: %v does not say that it is for feeds", m, name, err)
			}
		}
		c := minimal(m)
		c.Events[0].Zone = time.UTC // UTC is what invites use anyway
		mustEncode(t, c)
	}
}

// RRULE values are checked before they are written: a rule part that
// RFC 5545 does not define, a line break, a DTSTART, a local or date-only
// UNTIL are refused.
func TestRRuleValidation(t *testing.T) {
	good := []string{
		"FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU",
		"FREQ=WEEKLY;BYDAY=TU;UNTIL=20261124T160000Z",
		"FREQ=WEEKLY;COUNT=10",
		"FREQ=MONTHLY;BYDAY=-1FR",
		"FREQ=YEARLY;BYMONTH=3;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29",
		"FREQ=DAILY;INTERVAL=2;WKST=MO",
		"FREQ=MONTHLY;BYDAY=+2MO,-1SU,TH",
	}
	bad := map[string]string{
		"prefix":          "RRULE:FREQ=WEEKLY",
		"CRLF injection":  "FREQ=WEEKLY\r\nATTENDEE:mailto:evil@example.org",
		"LF":              "FREQ=WEEKLY\nBYDAY=TU",
		"DTSTART inside":  "FREQ=WEEKLY;DTSTART=20260101T170000",
		"DTSTART first":   "DTSTART=20260101T170000Z;FREQ=WEEKLY",
		"local UNTIL":     "FREQ=WEEKLY;UNTIL=20261124T170000",
		"date UNTIL":      "FREQ=WEEKLY;UNTIL=20261124",
		"TZID UNTIL":      "FREQ=WEEKLY;UNTIL=TZID=Europe/Berlin:20261124T170000",
		"no FREQ":         "BYDAY=TU",
		"unknown FREQ":    "FREQ=FORTNIGHTLY",
		"lower case":      "freq=weekly",
		"space":           "FREQ=WEEKLY; BYDAY=TU",
		"twice":           "FREQ=WEEKLY;FREQ=DAILY",
		"COUNT and UNTIL": "FREQ=WEEKLY;COUNT=3;UNTIL=20261124T160000Z",
		"COUNT 0":         "FREQ=WEEKLY;COUNT=0",
		"INTERVAL 0":      "FREQ=WEEKLY;INTERVAL=0",
		"BYMONTH 13":      "FREQ=YEARLY;BYMONTH=13",
		"BYEASTER":        "FREQ=YEARLY;BYEASTER=0",
		"empty part":      "FREQ=WEEKLY;;BYDAY=TU",
		"bad weekday":     "FREQ=WEEKLY;BYDAY=XX",
		"ordinal 0":       "FREQ=MONTHLY;BYDAY=0TU",
		"ordinal 54":      "FREQ=YEARLY;BYDAY=54TU",
		"empty weekday":   "FREQ=MONTHLY;BYDAY=TU,",
		"quote":           `FREQ=WEEKLY;X="a:b"`,
	}
	series := func(rule string) Calendar {
		e := repairSeries()
		e.RRule = rule
		return Calendar{Method: MethodPublish, Events: []Event{e}}
	}
	for _, rule := range good {
		if err := CheckRRule(rule); err != nil {
			t.Errorf("CheckRRule(%q) = %v", rule, err)
		}
		b := mustEncode(t, series(rule))
		if !strings.Contains(string(b), "\r\nRRULE:"+rule+"\r\n") {
			t.Errorf("%q is not written as given", rule)
		}
	}
	for name, rule := range bad {
		if err := CheckRRule(rule); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: CheckRRule(%q) = %v, want ErrInvalid", name, rule, err)
		}
		b, err := series(rule).Encode()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "RRULE") {
			t.Errorf("%s: %q gave err = %v, want a ValidationError naming RRULE\n%s", name, rule, err, b)
		}
	}
}

// An override must belong to a series in the same calendar, in the same
// zone, and replace one of its occurrences, once.
func TestOverrideValidation(t *testing.T) {
	cases := map[string]struct {
		change func(c *Calendar)
		want   string
	}{
		"not an occurrence": {func(c *Calendar) { c.Events[1].RecurrenceID = at(2026, 11, 4, 17, 0) }, "not an occurrence"},
		"before the series": {func(c *Calendar) { c.Events[1].RecurrenceID = at(2026, 9, 29, 17, 0) }, "not an occurrence"},
		"after UNTIL":       {func(c *Calendar) { c.Events[1].RecurrenceID = at(2026, 12, 1, 17, 0) }, "not an occurrence"},
		"UTC time of the winter occurrence read as summer": {
			func(c *Calendar) { c.Events[1].RecurrenceID = time.Date(2026, 11, 3, 15, 0, 0, 0, time.UTC) }, "not an occurrence",
		},
		"no series": {func(c *Calendar) { c.Events = c.Events[1:] }, "needs a series"},
		"series without RRULE": {func(c *Calendar) {
			c.Events[0].RRule, c.Events[0].ExDates = "", nil
		}, "needs a series"},
		"other zone": {func(c *Calendar) { c.Events[1].Zone = time.UTC }, "the series' Zone"},
		"twice": {func(c *Calendar) {
			c.Events = append(c.Events, c.Events[1])
		}, "overridden twice"},
		"cancelled occurrence": {func(c *Calendar) { c.Events[1].RecurrenceID = c.Events[0].ExDates[0] }, "EXDATE of the series"},
		"override with RRULE":  {func(c *Calendar) { c.Events[1].RRule = "FREQ=WEEKLY" }, "must not carry RRULE"},
		"EXDATE without RRULE": {func(c *Calendar) { c.Events[3].ExDates = []time.Time{at(2026, 5, 23, 9, 0)} }, "EXDATE needs RRULE"},
		"zero EXDATE":          {func(c *Calendar) { c.Events[0].ExDates = []time.Time{{}} }, "EXDATE 0 is zero"},
		"second series":        {func(c *Calendar) { c.Events[2].UID = wateringUID }, "appears twice"},
		"time.Local": {func(c *Calendar) {
			c.Events[2].Zone = time.Local
		}, `Zone "Local"`},
		"zone name with a colon": {func(c *Calendar) {
			c.Events[2].Zone = time.FixedZone("X:Y", 3600)
		}, "not an IANA time zone name"},
	}
	mustEncode(t, recurringFeedFixture())
	for name, tc := range cases {
		c := recurringFeedFixture()
		tc.change(&c)
		_, err := c.Encode()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one saying %q", name, err, tc.want)
		}
	}
}

// EXDATEs are written in order, once each, whatever order they come in.
func TestExDatesSortedOnce(t *testing.T) {
	c := Calendar{Method: MethodPublish, Events: []Event{wateringSeries()}}
	c.Events[0].ExDates = []time.Time{
		at(2026, 11, 17, 17, 0), at(2026, 10, 13, 17, 0),
		at(2026, 11, 17, 17, 0).UTC(), at(2026, 10, 13, 17, 0).Add(time.Millisecond),
	}
	var got []string
	for _, l := range unfold(mustEncode(t, c)) {
		if strings.HasPrefix(l, "EXDATE") {
			got = append(got, l)
		}
	}
	want := []string{"EXDATE;TZID=Europe/Berlin:20261013T170000", "EXDATE;TZID=Europe/Berlin:20261117T170000"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("EXDATE lines %q, want %q", got, want)
	}
}

// The VTIMEZONE covers the years of the series: to its UNTIL or last
// counted occurrence, or to the calendar's horizon (two years after the
// start by default) when it has no end. The years are visible in the
// observances listed before the yearly rules take over, so an Australian
// zone whose changes are all rules is checked through its first onsets.
func TestTimezoneCoverage(t *testing.T) {
	ny := mustLoad("America/New_York")
	series := func(rule string) Calendar {
		e := repairSeries()
		e.Zone = ny
		e.Start = time.Date(2005, 9, 20, 17, 0, 0, 0, ny)
		e.End = e.Start.Add(time.Hour)
		e.RRule = rule
		return Calendar{Method: MethodPublish, Events: []Event{e}}
	}
	// Until the end of 2006 the old rules hold; from 2007 the new ones. A
	// series that ends in 2006 needs no rule for 2007.
	count := func(c Calendar) (singles, rules int) {
		z := components(mustEncode(t, c), "VTIMEZONE")[0]
		for _, l := range z {
			switch {
			case strings.HasPrefix(l, "RRULE"):
				rules++
			case strings.HasPrefix(l, "DTSTART"):
				singles++
			}
		}
		return singles - rules, rules
	}
	for name, tc := range map[string]struct {
		cal            Calendar
		singles, rules int
	}{
		"UNTIL in 2006":         {series("FREQ=MONTHLY;BYDAY=3TU;UNTIL=20061231T000000Z"), 0, 2},
		"COUNT into 2007":       {series("FREQ=MONTHLY;BYDAY=3TU;COUNT=17"), 5, 2},
		"open, horizon 2 years": {series("FREQ=MONTHLY;BYDAY=3TU"), 5, 2},
	} {
		singles, rules := count(tc.cal)
		if singles != tc.singles || rules != tc.rules {
			t.Errorf("%s: %d single observances and %d rules, want %d and %d", name, singles, rules, tc.singles, tc.rules)
		}
	}
	// A horizon set by the calendar overrides the default.
	c := series("FREQ=MONTHLY;BYDAY=3TU")
	c.ZoneHorizon = time.Date(2006, 6, 1, 0, 0, 0, 0, time.UTC)
	if singles, rules := count(c); singles != 0 || rules != 2 {
		t.Errorf("horizon 2006: %d single observances and %d rules, want 0 and 2", singles, rules)
	}
	// An EXDATE or an override later than the horizon extends the years.
	c.Events[0].ExDates = []time.Time{time.Date(2008, 1, 15, 17, 0, 0, 0, ny)}
	if singles, rules := count(c); singles != 5 || rules != 2 {
		t.Errorf("EXDATE in 2008: %d single observances and %d rules, want 5 and 2", singles, rules)
	}
}

// randomSeriesFeed builds a feed of one to three weekly or daily series with
// hostile text, in a random zone (or UTC), with some occurrences cancelled
// and one moved, and returns with it the occurrences people must see. Local
// times are between 08:00 and 23:00, away from daylight-saving changes.
func randomSeriesFeed(r *rand.Rand, n int) (Calendar, []pyOccurrence) {
	zones := []*time.Location{nil, time.UTC}
	for _, name := range recurringZones {
		zones = append(zones, mustLoad(name))
	}
	c := Calendar{Method: MethodPublish, Name: randomText(r)}
	var want []pyOccurrence
	for i := 0; i < 1+r.Intn(3); i++ {
		zone := zones[r.Intn(len(zones))]
		loc := zone
		if loc == nil {
			loc = time.UTC
		}
		start := time.Date(2026+r.Intn(3), time.Month(1+r.Intn(12)), 1+r.Intn(28), 8+r.Intn(9), 15*r.Intn(4), 0, 0, loc)
		days := []int{1, 2, 7, 14}[r.Intn(4)]
		count := 1 + r.Intn(60)
		rule := fmt.Sprintf("FREQ=DAILY;INTERVAL=%d;COUNT=%d", days, count)
		if days == 7 {
			rule = fmt.Sprintf("FREQ=WEEKLY;COUNT=%d", count)
		}
		length := time.Duration(30+r.Intn(330)) * time.Minute // ends the same day
		e := Event{
			UID:   fmt.Sprintf("ser_%d_%d@convene.example", n, i),
			Stamp: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Start: start, End: start.Add(length),
			Summary: "S" + randomText(r), Description: randomText(r), Location: randomText(r),
			Zone: zone, RRule: rule,
		}
		var moved *Event
		for k := 0; k < count; k++ {
			d := start.AddDate(0, 0, k*days) // same wall-clock time
			end := d.Add(length)
			switch x := r.Intn(10); {
			case x == 0 && k > 0:
				e.ExDates = append(e.ExDates, d)
			case x == 1 && k > 0 && moved == nil:
				ns := d.Add(time.Duration(1+r.Intn(48)) * time.Hour)
				moved = &Event{
					UID: e.UID, Stamp: e.Stamp, Sequence: 1, Zone: zone, RecurrenceID: d,
					Start: ns, End: ns.Add(time.Hour), Summary: "Moved " + randomText(r),
				}
				want = append(want, occurrence(e.UID, "", ns.In(loc), ns.Add(time.Hour).In(loc)))
			default:
				want = append(want, occurrence(e.UID, "", d, end))
			}
		}
		c.Events = append(c.Events, e)
		if moved != nil {
			c.Events = append(c.Events, *moved)
		}
	}
	return c, want
}

// TestRandomRecurringFeeds encodes feeds of random series with hostile text
// and checks each: the line rules, no TZID with a UTC time, one VTIMEZONE
// for each TZID used, stable bytes, golang-ical can read it; then the
// independent tools expand every series to exactly the occurrences people
// must see.
func TestRandomRecurringFeeds(t *testing.T) {
	r := rand.New(rand.NewSource(20261025))
	var reqs []pyRequest
	var wants [][]pyOccurrence
	tzidWithZ := regexp.MustCompile(`TZID=[^:;]*(;[^:]*)?:[0-9T]*Z`)
	for n := 0; n < 60; n++ {
		c, want := randomSeriesFeed(r, n)
		data := mustEncode(t, c)
		if again := mustEncode(t, c); !bytes.Equal(data, again) {
			t.Fatalf("feed %d: two encodings differ", n)
		}
		if bad := tzidWithZ.FindAllString(string(data), -1); len(bad) > 0 {
			t.Fatalf("feed %d: TZID with a UTC time: %q", n, bad)
		}
		zones := map[string]int{}
		for _, z := range components(data, "VTIMEZONE") {
			zones[strings.TrimPrefix(z[1], "TZID:")]++
		}
		for _, m := range regexp.MustCompile(`;TZID=([^:;]+)`).FindAllStringSubmatch(string(data), -1) {
			if zones[m[1]] != 1 {
				t.Fatalf("feed %d: TZID %s has %d VTIMEZONEs", n, m[1], zones[m[1]])
			}
		}
		p, err := parseWithGolangICal(data)
		if err != nil || len(p.Events) != len(c.Events) {
			t.Fatalf("feed %d: golang-ical read %d events, err %v", n, len(p.Events), err)
		}
		sortOccurrences(want)
		reqs = append(reqs, pyRequest{Mode: "expand", ICS: string(data), From: "2025-12-01", To: "2033-01-01"})
		wants = append(wants, want)
	}
	for _, tool := range recurrenceTools {
		t.Run(tool.name, func(t *testing.T) {
			for i, res := range runRecurrenceTool(t, tool.cmd(t, true), reqs) {
				if res.Error != "" {
					t.Errorf("feed %d: %s", i, res.Error)
					continue
				}
				for j := range res.Occurrences {
					res.Occurrences[j].Summary = "" // hostile text is checked by the other parser tests
				}
				sortOccurrences(res.Occurrences)
				compareOccurrences(t, fmt.Sprintf("feed %d", i), res.Occurrences, wants[i])
			}
		})
	}
}

// BenchmarkEncodeRecurringFeed measures a feed request's encoding: the
// golden recurring feed, whose Europe/Berlin VTIMEZONE is generated from
// Go's zone data each time.
func BenchmarkEncodeRecurringFeed(b *testing.B) {
	c := recurringFeedFixture()
	for b.Loop() {
		if _, err := c.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeFeed is the same for the feed without zones, for
// comparison.
func BenchmarkEncodeFeed(b *testing.B) {
	c := feedFixture()
	for b.Loop() {
		if _, err := c.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZoneObservances measures working out a VTIMEZONE without the
// cache: Europe/Berlin for 2026–2028, as for a new feed.
func BenchmarkZoneObservances(b *testing.B) {
	for b.Loop() {
		zoneObservances(berlin, 2026, 2028)
	}
}

// Feeds are encoded concurrently by the server: the cache of zone
// observances must give every request the same bytes (run with -race).
func TestConcurrentRecurringEncode(t *testing.T) {
	want := mustEncode(t, recurringFeedFixture())
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			c := recurringFeedFixture()
			c.Events[2].Zone = mustLoad([]string{"Europe/Berlin", "America/New_York"}[i%2])
			c.Events[2].Start = time.Date(2026, 9, 15, 17, 0, 0, 0, c.Events[2].Zone)
			c.Events[2].End = c.Events[2].Start.Add(3 * time.Hour)
			got, err := c.Encode()
			if err == nil && i%2 == 0 && !bytes.Equal(got, want) {
				err = errors.New("different bytes")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// FuzzRRule feeds arbitrary RRULE values to a feed. Encode either refuses
// the value or writes it as one RRULE line that obeys the line rules, adds
// no other property and that an RRULE parser (rrule-go) reads.
func FuzzRRule(f *testing.F) {
	f.Add("FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU")
	f.Add("FREQ=WEEKLY\r\nATTENDEE:mailto:evil@example.org")
	f.Add("FREQ=WEEKLY;UNTIL=20261124T160000Z")
	f.Add("FREQ=WEEKLY;DTSTART=20260101T000000Z")
	f.Add("FREQ=YEARLY;BYMONTH=3;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29")
	f.Fuzz(func(t *testing.T, rule string) {
		if rule == "" {
			return // not a series
		}
		c := Calendar{Method: MethodPublish, Events: []Event{repairSeries()}}
		c.Events[0].RRule = rule
		data, err := c.Encode()
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: %v", rule, err)
			}
			return
		}
		checkLines(t, data)
		plain := repairSeries()
		plain.RRule = "FREQ=DAILY"
		base := mustEncode(t, Calendar{Method: MethodPublish, Events: []Event{plain}})
		if len(unfold(data)) != len(unfold(base)) {
			t.Fatalf("%q changed the number of content lines:\n%s", rule, data)
		}
		if !strings.Contains(string(data), "\r\nRRULE:"+rule+"\r\n") || strings.Contains(rule, "DTSTART") {
			t.Fatalf("%q written as\n%s", rule, data)
		}
		if _, err := rrule.StrToRRule(rule); err != nil {
			t.Fatalf("%q accepted but rrule-go cannot read it: %v", rule, err)
		}
	})
}

// On the night clocks go back, 02:00–02:59 happens twice in Berlin. RFC 5545
// reads such a local time as the first, python-icalendar and ical.js as the
// second. An event that starts or ends in that hour is written in UTC, which
// all read alike; a series cannot start at the second and is refused.
func TestRepeatedLocalHour(t *testing.T) {
	first := time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)  // 02:30 CEST
	second := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC) // 02:30 CET
	if a, b := first.In(berlin).Format("15:04"), second.In(berlin).Format("15:04"); a != "02:30" || b != "02:30" {
		t.Fatalf("fixture: %s and %s", a, b)
	}
	single := func(start, end time.Time) []string {
		e := repairSeries()
		e.RRule, e.Start, e.End = "", start, end
		return components(mustEncode(t, Calendar{Method: MethodPublish, Events: []Event{e}}), "VEVENT")[0]
	}
	got := single(first, second)
	for _, want := range []string{"DTSTART:20261025T003000Z", "DTEND:20261025T013000Z"} {
		if !containsLine(got, want) {
			t.Errorf("lacks %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	got = single(second, second.Add(time.Hour))
	for _, want := range []string{"DTSTART:20261025T013000Z", "DTEND;TZID=Europe/Berlin:20261025T033000"} {
		if !containsLine(got, want) {
			t.Errorf("lacks %q:\n%s", want, strings.Join(got, "\n"))
		}
	}

	// The parsers read back the instants.
	var reqs []pyRequest
	events := [][2]time.Time{{first, second}, {second, second.Add(time.Hour)}}
	for _, se := range events {
		e := repairSeries()
		e.RRule, e.Start, e.End = "", se[0], se[1]
		data := mustEncode(t, Calendar{Method: MethodPublish, Events: []Event{e}})
		reqs = append(reqs, pyRequest{Mode: "expand", ICS: string(data), From: "2026-10-01", To: "2026-11-01"})
	}
	for _, tool := range recurrenceTools {
		t.Run(tool.name, func(t *testing.T) {
			for i, res := range runRecurrenceTool(t, tool.cmd(t, true), reqs) {
				if res.Error != "" || len(res.Occurrences) != 1 {
					t.Fatalf("event %d: %s %+v", i, res.Error, res.Occurrences)
				}
				o := res.Occurrences[0]
				for j, got := range []string{o.Start, o.End} {
					g, err := time.Parse(time.RFC3339, got)
					if want := events[i][j]; err != nil || !g.Equal(want) {
						t.Errorf("event %d: read %s, want the instant %s", i, got, want)
					}
				}
			}
		})
	}

	series := repairSeries()
	series.Start, series.End = second, second.Add(time.Hour)
	_, err := Calendar{Method: MethodPublish, Events: []Event{series}}.Encode()
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "happens twice") {
		t.Errorf("a series starting at the second 02:30: err = %v", err)
	}
	series.Start, series.End = first, first.Add(time.Hour)
	mustEncode(t, Calendar{Method: MethodPublish, Events: []Event{series}})

	// Every other instant of the year is the only one with its local time.
	for s := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); s.Year() == 2026; s = s.Add(10 * time.Minute) {
		inRepeat := !s.Before(time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)) && s.Before(time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC))
		inFirst := !s.Before(time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)) && s.Before(time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC))
		if first, twice := localTimeOnce(s, berlin); first == inRepeat || twice != (inFirst || inRepeat) {
			t.Errorf("%v (%s): localTimeOnce = %v, %v", s, s.In(berlin).Format("15:04 MST"), first, twice)
		}
	}
}
