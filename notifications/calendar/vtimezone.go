package calendar

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxZoneYears bounds the years a VTIMEZONE lists transitions for, so that a
// far UNTIL or horizon cannot make a feed grow without end; past them the
// yearly RRULE of the last observances carries on.
const maxZoneYears = 50

// zoneState is what t.Zone() and t.IsDST() report for an instant.
type zoneState struct {
	name   string
	offset int // seconds east of UTC
	dst    bool
}

func stateAt(t time.Time) zoneState {
	name, offset := t.Zone()
	return zoneState{name: name, offset: offset, dst: t.IsDST()}
}

// transition is a change of a zone's offset, abbreviation or daylight-saving
// flag: one onset of a STANDARD or DAYLIGHT observance.
type transition struct {
	at   time.Time // the instant of the change
	from int       // offset before, seconds east of UTC
	to   zoneState // the state from then on
}

// wall is the observance's DTSTART: the local time just before the change,
// in the offset then in effect (RFC 5545 §3.6.5).
func (tr transition) wall() time.Time {
	return tr.at.In(time.FixedZone("", tr.from))
}

// yearlyRule is a transition's place in the year: the month, the weekday,
// which day of the month that weekday falls on (the nth, the last, or the
// first on or after a day of the month) and the local time; plus the offsets
// and abbreviation it switches between, which must also repeat for the rule
// to describe later years.
type yearlyRule struct {
	month     time.Month
	weekday   time.Weekday
	nth       int // 1..4 counted from the start of the month, -1 for the last, 0 for onOrAfter
	onOrAfter int // the first possible day of the month when nth is 0
	clock     int // seconds after local midnight, before the change
	from      int
	to        zoneState
}

// base returns the rule fields of a transition other than the day.
func (tr transition) base() yearlyRule {
	w := tr.wall()
	return yearlyRule{
		month:   w.Month(),
		weekday: w.Weekday(),
		clock:   w.Hour()*3600 + w.Minute()*60 + w.Second(),
		from:    tr.from,
		to:      tr.to,
	}
}

// follows reports whether the transition follows rule r.
func (tr transition) follows(r yearlyRule) bool {
	b := tr.base()
	b.nth, b.onOrAfter = r.nth, r.onOrAfter
	if b != r {
		return false
	}
	w := tr.wall()
	day := w.Day()
	switch {
	case r.nth == -1:
		return day+7 > daysIn(w.Month(), w.Year())
	case r.nth > 0:
		return (day-1)/7+1 == r.nth
	default:
		return day >= r.onOrAfter && day <= r.onOrAfter+6
	}
}

// ruleOf returns the simplest yearly rule that each of the transitions, one
// per year, follows: the last weekday of the month, the nth, or the first on
// or after a day (Israel's Friday on or after 23 March). ok is false when
// they differ in anything else or no such rule exists.
func ruleOf(trs []transition) (r yearlyRule, ok bool) {
	if len(trs) == 0 {
		return r, false
	}
	lo, hi := 1, 31
	for _, tr := range trs {
		if tr.base() != trs[0].base() {
			return r, false
		}
		day := tr.wall().Day()
		lo, hi = max(lo, day-6), min(hi, day)
	}
	for _, cand := range []yearlyRule{{nth: -1}, {nth: (trs[0].wall().Day()-1)/7 + 1}, {onOrAfter: hi}} {
		r = trs[0].base()
		r.nth, r.onOrAfter = cand.nth, cand.onOrAfter
		if r.nth > 4 || (r.nth == 0 && lo > hi) {
			continue
		}
		if followsAll(trs, r) {
			return r, true
		}
	}
	return r, false
}

func followsAll(trs []transition, r yearlyRule) bool {
	for _, tr := range trs {
		if !tr.follows(r) {
			return false
		}
	}
	return true
}

// rrule returns the rule as an RRULE value such as
// FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU.
func (r yearlyRule) rrule() string {
	day := [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[r.weekday]
	s := "FREQ=YEARLY;BYMONTH=" + strconv.Itoa(int(r.month)) + ";BYDAY="
	if r.nth != 0 {
		return s + strconv.Itoa(r.nth) + day
	}
	days := make([]string, 7)
	for i := range days {
		days[i] = strconv.Itoa(r.onOrAfter + i)
	}
	return s + day + ";BYMONTHDAY=" + strings.Join(days, ",")
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// zoneStep is how far apart the zone is sampled when looking for changes in
// the years a VTIMEZONE lists: no zone changes twice within a day.
const zoneStep = 24 * time.Hour

// ruleStep is the sampling step for the years after, which only confirm a
// yearly rule: a week, since a zone's changes are months apart, and each
// sample costs the time to evaluate the zone's rule.
const ruleStep = 7 * 24 * time.Hour

// zoneLookback is how far before the covered years zoneOnset looks for the
// change that started the period in effect: far enough to find the last
// daylight-saving change of a zone that has them.
const zoneLookback = 400 * 24 * time.Hour

// zoneTransitions returns the changes of loc in (from, to], in order. The
// zone is sampled every step, and each change of t.Zone() or t.IsDST()
// between two samples is found to the second by binary search. (Go's
// ZoneBounds would be quicker, but past the explicit transitions of the zone
// data it reports the end of a leap year a day early and then stops moving.)
func zoneTransitions(loc *time.Location, from, to time.Time, step time.Duration) []transition {
	var out []transition
	t, s := from, stateAt(from.In(loc))
	for t.Before(to) {
		next := t.Add(step)
		if next.After(to) {
			next = to
		}
		if stateAt(next.In(loc)) == s {
			t = next
			continue
		}
		lo, hi := t, next // s holds at lo, not at hi
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
			if !mid.After(lo) {
				mid = lo.Add(time.Second)
			}
			if stateAt(mid.In(loc)) == s {
				lo = mid
			} else {
				hi = mid
			}
		}
		after := stateAt(hi.In(loc))
		out = append(out, transition{at: hi.UTC(), from: s.offset, to: after})
		t, s = hi, after
	}
	return out
}

// zoneOnset returns the change that started the zone period in effect at t,
// or false when there was none within zoneLookback (a fixed offset, or one
// that has not changed for years).
func zoneOnset(loc *time.Location, t time.Time) (transition, bool) {
	trs := zoneTransitions(loc, t.Add(-zoneLookback), t, zoneStep)
	if len(trs) == 0 {
		return transition{}, false
	}
	return trs[len(trs)-1], true
}

// observance is one STANDARD or DAYLIGHT sub-component.
type observance struct {
	tr    transition
	rrule string // empty for a single onset
}

// ruleYears is how many years after the covered ones a yearly rule must
// also hold in Go's zone data (28 years: every weekday on every date) before
// it is written as an RRULE.
const ruleYears = 28

// zoneObservances describes loc from Jan 1 of firstYear to Dec 31 of
// lastYear: the observance in effect on Jan 1, every change up to the end of
// lastYear and, when the changes of the last year follow yearly rules (the
// nth or last weekday of a month, or the first on or after a day, at a local
// time) that Go's zone data also follows for ruleYears more years, or failing
// that that the last two years share, those rules as RRULEs starting from the
// first year from which they hold, so that clients compute later years
// correctly.
func zoneObservances(loc *time.Location, firstYear, lastYear int) []observance {
	if lastYear-firstYear > maxZoneYears {
		lastYear = firstYear + maxZoneYears
	}
	scanFrom := min(firstYear, lastYear-1) // two years at least, to see a pattern
	start := time.Date(scanFrom, 1, 1, 0, 0, 0, 0, loc)
	end := time.Date(lastYear+ruleYears+1, 1, 1, 0, 0, 0, 0, loc)

	first, ok := zoneOnset(loc, start)
	if !ok { // no recent change: one observance from 1970
		s := stateAt(start)
		first = transition{
			at:   time.Date(1970, 1, 1, 0, 0, 0, 0, time.FixedZone("", s.offset)),
			from: s.offset,
			to:   s,
		}
	}
	covered := time.Date(lastYear+1, 1, 1, 0, 0, 0, 0, loc)
	all := append(zoneTransitions(loc, start, covered, zoneStep), zoneTransitions(loc, covered, end.Add(-time.Second), ruleStep)...)
	byYear := make(map[int][]transition)
	for _, tr := range all {
		y := tr.wall().Year()
		byYear[y] = append(byYear[y], tr)
	}

	// One rule per change of the last covered year: preferably one that
	// Go's data also follows for ruleYears more years, else one that the
	// last two covered years share.
	n := len(byYear[lastYear])
	rulesFor := func(from, to int) []yearlyRule {
		var rules []yearlyRule
		for j := range n {
			var trs []transition
			for y := from; y <= to; y++ {
				if len(byYear[y]) != n {
					return nil
				}
				trs = append(trs, byYear[y][j])
			}
			r, ok := ruleOf(trs)
			if !ok || slices.Contains(rules, r) {
				return nil
			}
			rules = append(rules, r)
		}
		return rules
	}
	var rules []yearlyRule
	if n > 0 {
		rules = rulesFor(lastYear, lastYear+ruleYears)
		if rules == nil {
			rules = rulesFor(lastYear-1, lastYear)
		}
	}

	var out []observance
	if rules == nil {
		out = append(out, observance{tr: first})
		for _, tr := range all {
			if tr.wall().Year() <= lastYear {
				out = append(out, observance{tr: tr})
			}
		}
		return out
	}

	// Go back while each earlier year has the same changes.
	fromYear := lastYear
	for y := lastYear - 1; y >= scanFrom; y-- {
		if len(byYear[y]) != n || !followsEach(byYear[y], rules) {
			break
		}
		fromYear = y
	}
	// The changes before the rules take over are written one by one. The
	// observance in effect on Jan 1 is often the previous year's onset of
	// one of the rules (October's return to standard time): then that rule
	// starts there and the single onset is not needed.
	starts := slices.Clone(byYear[fromYear])
	absorbed := false
	for j, r := range rules {
		if first.wall().Year() == fromYear-1 && first.follows(r) {
			starts[j], absorbed = first, true
		}
	}
	if !absorbed {
		out = append(out, observance{tr: first})
	}
	for _, tr := range all {
		if tr.wall().Year() < fromYear {
			out = append(out, observance{tr: tr})
		}
	}
	for j, r := range rules {
		out = append(out, observance{tr: starts[j], rrule: r.rrule()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].tr.at.Before(out[j].tr.at) })
	return out
}

func followsEach(trs []transition, rules []yearlyRule) bool {
	for i := range trs {
		if !trs[i].follows(rules[i]) {
			return false
		}
	}
	return true
}

// writeTimezone writes the VTIMEZONE of loc for the given years.
func writeTimezone(w *lineWriter, loc *time.Location, firstYear, lastYear int) {
	w.raw("BEGIN:VTIMEZONE")
	w.text("TZID", loc.String())
	w.text("X-LIC-LOCATION", loc.String())
	for _, o := range cachedObservances(loc, firstYear, lastYear) {
		kind := "STANDARD"
		if o.tr.to.dst {
			kind = "DAYLIGHT"
		}
		w.raw("BEGIN:" + kind)
		w.raw("DTSTART:" + o.tr.wall().Format(localFormat))
		if o.rrule != "" {
			w.raw("RRULE:" + o.rrule)
		}
		w.raw("TZOFFSETFROM:" + utcOffset(o.tr.from))
		w.raw("TZOFFSETTO:" + utcOffset(o.tr.to.offset))
		if name := cleanText(o.tr.to.name); name != "" {
			w.text("TZNAME", name)
		}
		w.raw("END:" + kind)
	}
	w.raw("END:VTIMEZONE")
}

// localFormat is a DATE-TIME in local time (RFC 5545 §3.3.5, forms 1 and 3).
const localFormat = "20060102T150405"

// utcOffset formats seconds east of UTC as an RFC 5545 UTC-OFFSET: +HHMM, or
// +HHMMSS when there are seconds (old local mean times).
func utcOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// observanceKey identifies a zone's observances for a span of years. The
// zone's state at the start and middle of the first year is part of the key,
// so that a fixed zone that borrows an IANA name does not share its entry.
type observanceKey struct {
	name        string
	first, last int
	jan, jul    zoneState
}

// The observances of the zones in use are kept, since feeds are encoded
// over and over and working them out samples the zone thousands of times.
// The cache is emptied when it reaches maxCachedZones entries.
var (
	observanceMu    sync.Mutex
	observanceCache = map[observanceKey][]observance{}
)

const maxCachedZones = 256

func cachedObservances(loc *time.Location, firstYear, lastYear int) []observance {
	key := observanceKey{
		name: loc.String(), first: firstYear, last: lastYear,
		jan: stateAt(time.Date(firstYear, 1, 1, 0, 0, 0, 0, loc)),
		jul: stateAt(time.Date(firstYear, 7, 1, 0, 0, 0, 0, loc)),
	}
	observanceMu.Lock()
	obs, ok := observanceCache[key]
	observanceMu.Unlock()
	if ok {
		return obs
	}
	obs = zoneObservances(loc, firstYear, lastYear)
	observanceMu.Lock()
	if len(observanceCache) >= maxCachedZones {
		clear(observanceCache)
	}
	observanceCache[key] = obs
	observanceMu.Unlock()
	return obs
}
