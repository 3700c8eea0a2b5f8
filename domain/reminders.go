package domain

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits and defaults of reminders: e-mails sent to the people going some
// time before an event starts.
const (
	MaxReminders = 5
	MinReminder  = 5 * time.Minute
	MaxReminder  = 30 * 24 * time.Hour
)

// Reconfirmation: when Event.Reconfirm is set, the people going are asked
// ReconfirmAskBefore the start to confirm they still come; the seats of
// those who were asked and did not confirm by ReconfirmDeadlineBefore the
// start go to the waitlist.
const (
	ReconfirmAskBefore      = 48 * time.Hour
	ReconfirmDeadlineBefore = 12 * time.Hour
)

// DefaultReminders returns the reminders of a new event when its creator
// names none: 24 hours and 1 hour before the start.
func DefaultReminders() []time.Duration { return []time.Duration{24 * time.Hour, time.Hour} }

// SortReminders orders reminders from the earliest (the longest before the
// start) to the last, so that two lists of the same reminders compare
// equal.
func SortReminders(ds []time.Duration) {
	slices.SortFunc(ds, func(a, b time.Duration) int { return int((b - a) / time.Second) })
}

// CheckReminders validates an event's reminders: at most MaxReminders,
// each between MinReminder and MaxReminder before the start, in whole
// minutes, none twice.
func CheckReminders(v *Validation, field string, ds []time.Duration) {
	if len(ds) > MaxReminders {
		v.Add(field, "must list at most %d reminders", MaxReminders)
		return
	}
	seen := make(map[time.Duration]bool, len(ds))
	for i, d := range ds {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case d < MinReminder || d > MaxReminder:
			v.Add(f, "must be between PT5M and P30D")
		case d%time.Minute != 0:
			v.Add(f, "must be a whole number of minutes")
		case seen[d]:
			v.Add(f, "is listed twice")
		}
		seen[d] = true
	}
}

// ErrDurationTooLong is matched (with errors.Is) by the error of
// ParseISODuration for a duration longer than a time.Duration holds
// (about 292 years).
var ErrDurationTooLong = errors.New("domain: duration too long")

// ParseISODuration reads an ISO 8601 duration of days, hours, minutes and
// seconds, such as "PT24H", "P2D", "P1DT12H" or "PT90M". Years, months and
// weeks are refused: their length depends on the calendar. A duration too
// long to count in nanoseconds is refused with ErrDurationTooLong rather
// than wrapped round (P213504D would otherwise be 25m26s).
func ParseISODuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not an ISO 8601 duration like \"PT1H\" or \"P2D\"", s)
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" || rest == "T" {
		return 0, bad
	}
	var (
		total  time.Duration
		inTime bool
		num    string
		units  = "D"
	)
	for _, r := range rest {
		switch {
		case r >= '0' && r <= '9':
			num += string(r)
			if len(num) > 6 {
				return 0, bad
			}
		case r == 'T':
			if inTime || num != "" {
				return 0, bad
			}
			inTime, units = true, "HMS"
		default:
			i := strings.IndexRune(units, r)
			if num == "" || i < 0 {
				return 0, bad
			}
			n, _ := strconv.ParseInt(num, 10, 64)
			unit := map[rune]time.Duration{'D': 24 * time.Hour, 'H': time.Hour, 'M': time.Minute, 'S': time.Second}[r]
			if n > int64(math.MaxInt64/unit) || time.Duration(n)*unit > math.MaxInt64-total {
				return 0, fmt.Errorf("%q is too long: %w", s, ErrDurationTooLong)
			}
			total += time.Duration(n) * unit
			units, num = units[i+1:], ""
		}
	}
	if num != "" || strings.HasSuffix(rest, "T") {
		return 0, bad
	}
	return total, nil
}

// FormatISODuration writes d as an ISO 8601 duration: whole days of two
// or more as "P2D", otherwise hours and minutes ("PT24H", "PT1H30M").
func FormatISODuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 && d >= 48*time.Hour {
		return "P" + strconv.Itoa(int(d/(24*time.Hour))) + "D"
	}
	var b strings.Builder
	b.WriteString("PT")
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if h > 0 {
		b.WriteString(strconv.Itoa(h) + "H")
	}
	if m > 0 {
		b.WriteString(strconv.Itoa(m) + "M")
	}
	if s > 0 || (h == 0 && m == 0) {
		b.WriteString(strconv.Itoa(s) + "S")
	}
	return b.String()
}

// Steps of reconfirmation.
const (
	ReconfirmAsk     = "ask"
	ReconfirmRelease = "release"
)

// Why an RSVP was cancelled by Convene rather than by its owner, as
// carried by the cancellation e-mail.
const CancelNotReconfirmed = "not_reconfirmed"
