package domain

import (
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
