package calendar

import (
	"fmt"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/convene/convene/domain"
)

// SeriesRule is a series' recurrence: its RRULE anchored at its first
// start in its time zone, so that occurrences keep their wall-clock time
// across daylight-saving changes, and ending when the series was ended.
// It is the one place where Convene expands and checks a series' rule:
// the store makes occurrences from it, and the feed writes the same rule.
type SeriesRule struct {
	rule *rrule.RRule
	loc  *time.Location
}

// RuleOf returns the rule of s, or an error when it does not parse or s's
// zone is unknown; CheckSeries says what is wrong in words.
func RuleOf(s domain.Series) (*SeriesRule, error) {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, err
	}
	opt, err := rrule.StrToROptionInLocation(s.RRule, loc)
	if err != nil {
		return nil, err
	}
	opt.Dtstart = s.StartsAt.In(loc)
	if s.EndedAt != nil && (opt.Until.IsZero() || opt.Until.After(*s.EndedAt)) {
		opt.Until = s.EndedAt.In(loc)
	}
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, err
	}
	return &SeriesRule{rule: r, loc: loc}, nil
}

// Location is the series' zone.
func (r *SeriesRule) Location() *time.Location { return r.loc }

// After returns the rule's first occurrence after t (or at t, with inc) as
// the instant RFC 5545 §3.3.5 means: a local time that happens twice when
// clocks go back is the first of the two (domain.FirstInstant), the
// instant the series feed gives calendars, whichever of the two rrule-go's
// time.Date picked. Zero when there is none. Every occurrence the store
// makes or recognises comes from here.
func (r *SeriesRule) After(t time.Time, inc bool) time.Time {
	for {
		o := r.rule.After(t, inc)
		if o.IsZero() {
			return o
		}
		first, _ := domain.FirstInstant(o, r.loc)
		if first.After(t) || inc && first.Equal(t) {
			return first
		}
		// The first of the two instants is not after t: that occurrence
		// is past, look for the next one.
		t, inc = o, false
	}
}

// Before returns the rule's last occurrence before t (or at t, with inc)
// as After reads it (the first of a local time that happens twice). Zero
// when there is none.
func (r *SeriesRule) Before(t time.Time, inc bool) time.Time {
	// The second of two instants can lie after t while the first does not:
	// look a little past t, then step back.
	o := r.rule.Before(t.Add(3*time.Hour), true)
	for !o.IsZero() {
		first, _ := domain.FirstInstant(o, r.loc)
		if first.Before(t) || inc && first.Equal(t) {
			return first
		}
		o = r.rule.Before(o, false)
	}
	return o
}

// OnDate returns the rule's occurrence on the local date (in loc) of t, or
// the zero time when the rule gives none that day.
func (r *SeriesRule) OnDate(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	got := r.After(day, true)
	if got.IsZero() || got.In(loc).Format("2006-01-02") != lt.Format("2006-01-02") {
		return time.Time{}
	}
	return got
}

// CheckSeries checks a series' rule, all of it, and returns it: it is an
// RRULE the feed can write (CheckRRule), it is not more frequent than
// daily, and starts_at is its first occurrence. Problems are EINVALID
// field errors on rrule or starts_at, in words a person can act on. s must
// have passed domain.Series.Validate (its zone is valid).
func CheckSeries(s domain.Series) (*SeriesRule, error) {
	fail := func(field, msg string, args ...any) error {
		m := fmt.Sprintf(msg, args...)
		return &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: field + ": " + m,
			Fields: []domain.FieldError{{Field: field, Message: m}}}
	}
	if err := checkRule(s.RRule); err != nil {
		return nil, fail("rrule", "is not a valid RFC 5545 RRULE: %s", err.Error())
	}
	r, err := RuleOf(s)
	if err != nil {
		return nil, fail("rrule", "is not a valid RFC 5545 RRULE: %s", strings.TrimPrefix(err.Error(), "rrule: "))
	}
	switch r.rule.OrigOptions.Freq {
	case rrule.HOURLY, rrule.MINUTELY, rrule.SECONDLY:
		return nil, fail("rrule", "must repeat at most daily (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)")
	}
	first := r.After(s.StartsAt.Add(-time.Second), true)
	if first.IsZero() {
		return nil, fail("rrule", "gives no occurrence after starts_at")
	}
	if !first.Equal(s.StartsAt) {
		return nil, fail("starts_at", "is not an occurrence of rrule; its first occurrence from there is %s", first.In(r.loc).Format("Mon 2006-01-02 15:04 MST"))
	}
	return r, nil
}
