package domain

import (
	"errors"
	"math/big"
	"regexp"
	"testing"
	"time"
)

func TestISODuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT24H": 24 * time.Hour, "PT1H": time.Hour, "P2D": 48 * time.Hour, "P1DT12H": 36 * time.Hour,
		"PT90M": 90 * time.Minute, "PT5M": 5 * time.Minute, "PT30S": 30 * time.Second, "P30D": 30 * 24 * time.Hour,
	} {
		got, err := ParseISODuration(in)
		if err != nil || got != want {
			t.Errorf("ParseISODuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "P", "PT", "1H", "PT1", "P1H", "PT1D", "P1W", "P1Y", "PT1H1H", "PT-1H", "P1DT", "pt1h", "PT1M1H", "PT9999999H"} {
		if d, err := ParseISODuration(in); err == nil {
			t.Errorf("ParseISODuration(%q) = %v, want an error", in, d)
		}
	}
	for d, want := range map[time.Duration]string{24 * time.Hour: "PT24H", time.Hour: "PT1H", 48 * time.Hour: "P2D",
		90 * time.Minute: "PT1H30M", 5 * time.Minute: "PT5M", 30 * 24 * time.Hour: "P30D", 36 * time.Hour: "PT36H"} {
		if got := FormatISODuration(d); got != want {
			t.Errorf("FormatISODuration(%v) = %q, want %q", d, got, want)
		}
		if back, err := ParseISODuration(want); err != nil || back != d {
			t.Errorf("round trip of %v: %v %v", d, back, err)
		}
	}
}

func TestCheckReminders(t *testing.T) {
	ok := [][]time.Duration{nil, {}, DefaultReminders(), {5 * time.Minute, 30 * 24 * time.Hour}}
	for _, ds := range ok {
		var v Validation
		CheckReminders(&v, "reminders", ds)
		if err := v.Err(); err != nil {
			t.Errorf("%v: %v", ds, err)
		}
	}
	for want, ds := range map[string][]time.Duration{
		"reminders":    {time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 5 * time.Hour, 6 * time.Hour},
		"reminders[1]": {time.Hour, 4 * time.Minute},
		"reminders[0]": {31 * 24 * time.Hour},
		"reminders[2]": {time.Hour, 2 * time.Hour, time.Hour},
	} {
		var v Validation
		CheckReminders(&v, "reminders", ds)
		if !v.Has(want) {
			t.Errorf("%v: no error for %s: %v", ds, want, v.Err())
		}
	}
	ds := []time.Duration{time.Hour, 48 * time.Hour, 24 * time.Hour}
	SortReminders(ds)
	if ds[0] != 48*time.Hour || ds[2] != time.Hour {
		t.Errorf("sorted: %v", ds)
	}
}

// TestISODurationOverflow: a duration too long for time.Duration (about
// 292 years) is refused, whichever component or sum overflows, rather
// than wrapping round to a short one: P213504D used to read as 25m26s.
func TestISODurationOverflow(t *testing.T) {
	for _, in := range []string{
		"P213504D",               // days × 24 h wraps to 25m26s
		"P106752D",               // one day past the largest whole number of days
		"P999999D",               // the largest number of days read
		"P106751DT24H",           // each part fits, the sum does not
		"P106751DT23H47M17S",     // one second over
		"P100000DT999999H",       // days and hours together
		"P106751DT23H47M999999S", // a sum that overflows at the last part
	} {
		if d, err := ParseISODuration(in); err == nil {
			t.Errorf("ParseISODuration(%q) = %v, want an error", in, d)
		} else if !errors.Is(err, ErrDurationTooLong) {
			t.Errorf("ParseISODuration(%q): %v, want ErrDurationTooLong", in, err)
		}
	}
	for in, want := range map[string]time.Duration{
		"P106751D":                106751 * 24 * time.Hour,
		"P106751DT23H47M16S":      106751*24*time.Hour + 23*time.Hour + 47*time.Minute + 16*time.Second,
		"PT999999H999999M999999S": 999999*time.Hour + 999999*time.Minute + 999999*time.Second,
		"PT999999M":               999999 * time.Minute,
		"PT999999S":               999999 * time.Second,
	} {
		if got, err := ParseISODuration(in); err != nil || got != want {
			t.Errorf("ParseISODuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

// FuzzISODuration: whatever is parsed is exactly the sum of its parts,
// counted without overflow, so never a wrapped or negative duration.
func FuzzISODuration(f *testing.F) {
	for _, s := range []string{"PT1H", "P2D", "P1DT12H", "P213504D", "P106751DT23H47M16S", "P999999DT999999H", "PT0S", "P0D"} {
		f.Add(s)
	}
	shape := regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)
	units := []int64{int64(24 * time.Hour), int64(time.Hour), int64(time.Minute), int64(time.Second)}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseISODuration(s)
		if err != nil {
			return
		}
		m := shape.FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("ParseISODuration(%q) = %v, but it is not an ISO 8601 duration", s, d)
		}
		want := new(big.Int)
		for i, part := range m[1:] {
			if part == "" {
				continue
			}
			n, _ := new(big.Int).SetString(part, 10)
			want.Add(want, n.Mul(n, big.NewInt(units[i])))
		}
		if !want.IsInt64() || want.Int64() != int64(d) {
			t.Fatalf("ParseISODuration(%q) = %v (%d ns), want %s ns", s, d, int64(d), want)
		}
	})
}
