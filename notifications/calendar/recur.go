package calendar

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// ruleParts are the rule parts of RFC 5545 §3.3.10. rrule-go also reads
// DTSTART and BYEASTER inside the value, which the RFC does not allow.
var ruleParts = map[string]bool{
	"FREQ": true, "UNTIL": true, "COUNT": true, "INTERVAL": true,
	"BYSECOND": true, "BYMINUTE": true, "BYHOUR": true, "BYDAY": true,
	"BYMONTHDAY": true, "BYYEARDAY": true, "BYWEEKNO": true, "BYMONTH": true,
	"BYSETPOS": true, "WKST": true,
}

// untilUTC is the only UNTIL form Convene writes: a UTC DATE-TIME, which
// RFC 5545 requires when DTSTART has a TZID or is in UTC.
var untilUTC = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z$`)

// byDay is a BYDAY value: weekdays, each with an optional ordinal from 1
// to 53, signed or not (rrule-go would also take 0 or 07).
var byDay = regexp.MustCompile(`^[+-]?([1-9]|[1-4][0-9]|5[0-3])?(MO|TU|WE|TH|FR|SA|SU)(,[+-]?([1-9]|[1-4][0-9]|5[0-3])?(MO|TU|WE|TH|FR|SA|SU))*$`)

// ruleChars are the characters an RRULE value can hold; anything else (a
// line break, a colon, a quote) could change the meaning of the line.
var ruleChars = regexp.MustCompile(`^[A-Z0-9=;,+-]+$`)

// CheckRRule reports whether rule is an RRULE value that Encode accepts in
// Event.RRule, so that an API can refuse a bad rule with a field error when
// it is entered rather than fail the feed later. An empty rule, which means
// "not a series" to Encode, is refused here: call it for series only. The
// error matches ErrInvalid and its message, which names the rule part at
// fault, is safe to show.
func CheckRRule(rule string) error {
	if err := checkRule(rule); err != nil {
		return &ValidationError{Problems: []string{"RRULE: " + err.Error()}}
	}
	return nil
}

// checkRule returns what is wrong with an RRULE value, or nil.
func checkRule(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if !ruleChars.MatchString(s) {
		return errors.New("must be upper-case rule parts such as FREQ=WEEKLY;BYDAY=TU, with no line break, colon, space or \"RRULE:\" prefix")
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ";") {
		key, value, ok := strings.Cut(part, "=")
		switch {
		case !ok || value == "":
			return errors.New("part " + part + " is not NAME=VALUE")
		case key == "DTSTART":
			return errors.New("must not contain DTSTART: the event's start is DTSTART")
		case !ruleParts[key]:
			return errors.New("unknown rule part " + key)
		case seen[key]:
			return errors.New("rule part " + key + " appears twice")
		case key == "UNTIL" && !untilUTC.MatchString(value):
			return errors.New("UNTIL must be a UTC date-time such as 20271231T230000Z")
		case key == "BYDAY" && !byDay.MatchString(value):
			return errors.New("BYDAY must list weekdays such as TU, 3TU or -1FR")
		}
		seen[key] = true
	}
	if seen["UNTIL"] && seen["COUNT"] {
		return errors.New("UNTIL and COUNT must not both be set")
	}
	opt, err := rrule.StrToROption(s)
	if err != nil {
		return err
	}
	if seen["COUNT"] && opt.Count < 1 {
		return errors.New("COUNT must be at least 1")
	}
	if seen["INTERVAL"] && opt.Interval < 1 {
		return errors.New("INTERVAL must be at least 1")
	}
	if _, err := rrule.NewRRule(*opt); err != nil {
		return err
	}
	return nil
}

// maxRuleSteps bounds the occurrences computed for one check, so that a
// MINUTELY rule over decades cannot make Encode slow.
const maxRuleSteps = 100000

// series is a valid rule anchored at an event's start, in its zone.
type series struct {
	rule *rrule.RRule
	opt  rrule.ROption
}

// newSeries returns the rule of e, which must have passed checkRule.
func newSeries(e Event) (series, bool) {
	opt, err := rrule.StrToROption(e.RRule)
	if err != nil {
		return series{}, false
	}
	opt.Dtstart = e.Start.In(e.zone()).Truncate(time.Second)
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return series{}, false
	}
	return series{rule: r, opt: *opt}, true
}

// has reports whether t is an occurrence of the series. known is false when
// the answer would take more than maxRuleSteps occurrences to find. An
// occurrence at a local time that happens twice is the first of the two
// instants, as RFC 5545 §3.3.5 reads it (rrule-go may give the second).
func (s series) has(t time.Time) (has, known bool) {
	t = t.Truncate(time.Second)
	loc := s.opt.Dtstart.Location()
	next := s.rule.Iterator()
	for range maxRuleSteps {
		o, ok := next()
		if ok {
			o = firstInstant(o, loc)
		}
		if !ok || o.After(t) {
			return false, true
		}
		if o.Equal(t) {
			return true, true
		}
	}
	return false, false
}

// firstInstant returns the first instant that shows t's local time in loc:
// t, except for the second of a local time that happens twice.
func firstInstant(t time.Time, loc *time.Location) time.Time {
	if first, twice := localTimeOnce(t, loc); twice && !first {
		_, off := t.In(loc).Zone()
		for _, probe := range []time.Time{t.Add(-26 * time.Hour), t.Add(26 * time.Hour)} {
			if _, o := probe.In(loc).Zone(); o > off {
				return t.Add(-time.Duration(o-off) * time.Second)
			}
		}
	}
	return t
}

// end returns UNTIL, or the last occurrence of a series with COUNT, or
// false for an open-ended series or one too long to count.
func (s series) end() (time.Time, bool) {
	if !s.opt.Until.IsZero() {
		return s.opt.Until, true
	}
	if s.opt.Count == 0 {
		return time.Time{}, false
	}
	var last time.Time
	next := s.rule.Iterator()
	for range maxRuleSteps {
		o, ok := next()
		if !ok {
			return last, !last.IsZero()
		}
		last = o
	}
	return time.Time{}, false
}
