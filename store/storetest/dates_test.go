package storetest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// dateOffsets are the days, across the next five years, on which the
// date-sensitive tests are run again: odd offsets, so that they land on
// other months, weekdays, leap days and sides of clock changes.
var dateOffsets = []time.Duration{
	(365+120+9)*24*time.Hour + 7*time.Hour,     // a year and four months ahead
	(2*365+270+17)*24*time.Hour + 13*time.Hour, // two years and nine months
	(4*365+335+23)*24*time.Hour + 19*time.Hour, // almost five years
}

// dateSensitive are the tests that read the date: every test of the
// packages that keep, schedule and show times, and the end-to-end tests of
// the service that wait for scheduled work (reminders, thank-yous, series,
// invites) or show dates in pages, and the pages themselves (the console
// lists what is upcoming and what needs attention soon).
var dateSensitive = []struct{ pkg, run string }{
	{"./store", ""},
	{"./notifications", ""},
	{"./api", ""},
	{"./web", ""},
	{"./cmd/convene", "Reminders|Reconfirmation|ThankYou|ContributionsDerived|InvitesEndToEnd|TestEndToEnd|Calendars|RepeatRSVP|BrowserFollowSeries|BrowserSelfCheckin"},
}

// TestAcrossTheNextFiveYears runs the date-sensitive tests again with every
// test clock moved to days across the next five years
// (CONVENE_TEST_CLOCK_OFFSET): a suite that passes today and fails next
// week is broken. The runs use SQLite (the dates are Go's on both
// databases) and no race detector, so that they take about two minutes;
// -short skips them.
func TestAcrossTheNextFiveYears(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the date-sensitive tests are not run again at other dates")
	}
	if os.Getenv(EnvClockOffset) != "" {
		t.Skipf("%s is set: this run is already one of them", EnvClockOffset)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to run the tests again: %v", err)
	}
	for i, offset := range dateOffsets {
		for _, p := range dateSensitive {
			if (p.pkg == "./cmd/convene" || p.pkg == "./web") && i != len(dateOffsets)-1 {
				continue // the service's end-to-end tests and the pages at the farthest date only
			}
			args := []string{"test", "-count=1", p.pkg}
			if p.run != "" {
				args = append(args, "-run", p.run)
			}
			cmd := exec.Command(goTool, args...)
			cmd.Dir = "../.."
			cmd.Env = childEnv(offset)
			began := time.Now()
			out, err := cmd.CombinedOutput()
			at := time.Now().Add(offset).Format("2 January 2006")
			if err != nil {
				t.Errorf("%s with the clock at %s (+%s): %v\n%s", p.pkg, at, offset, err, out)
				continue
			}
			t.Logf("%s passes with the clock at %s (%s)", p.pkg, at, time.Since(began).Round(time.Second))
		}
	}
}

// childEnv is this process's environment for a run at offset: SQLite only
// (no PostgreSQL URL, and not CI, which insists on PostgreSQL).
func childEnv(offset time.Duration) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == EnvURL || k == "CI" || k == EnvClockOffset || k == "GOFLAGS" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, EnvClockOffset+"="+offset.String())
}

// TestClockOffset: the test clock is the computer's shifted by
// CONVENE_TEST_CLOCK_OFFSET, and keeps running; Set, Freeze, Advance and
// Reset move it.
func TestClockOffset(t *testing.T) {
	t.Setenv(EnvClockOffset, "9000h")
	c := NewClock()
	if d := c.Now().Sub(time.Now()); d < 9000*time.Hour-time.Second || d > 9000*time.Hour+time.Second {
		t.Fatalf("the clock is %s ahead, want 9000h", d)
	}
	at := time.Date(2030, 3, 31, 1, 30, 0, 0, time.UTC)
	c.Freeze(at)
	if !c.Now().Equal(at) {
		t.Fatalf("frozen at %s, says %s", at, c.Now())
	}
	c.Advance(time.Hour)
	if !c.Now().Equal(at.Add(time.Hour)) {
		t.Fatalf("advanced to %s", c.Now())
	}
	c.Set(at)
	time.Sleep(20 * time.Millisecond)
	if d := c.Now().Sub(at); d < 20*time.Millisecond || d > time.Second {
		t.Fatalf("set at %s, it runs %s on after 20ms", at, d)
	}
	c.Reset()
	if d := c.Now().Sub(time.Now()); d < 9000*time.Hour-time.Second || d > 9000*time.Hour+time.Second {
		t.Fatalf("after Reset the clock is %s ahead, want 9000h", d)
	}
}
