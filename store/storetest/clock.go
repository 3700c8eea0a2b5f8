package storetest

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
)

// EnvClockOffset shifts every test clock by a duration (for example
// "8760h", a year), so that the suite can be run as if it were another
// date: nothing a test asserts may depend on the calendar date it runs on.
const EnvClockOffset = "CONVENE_TEST_CLOCK_OFFSET"

// Clock is a test's domain.Clock: the computer's clock shifted by an
// offset (CONVENE_TEST_CLOCK_OFFSET to begin with), running as time
// passes. Set and Advance move it; Freeze stops it at one instant, for
// tests that compare exact times and run no job queue (River's own
// timing needs a running clock). It is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen *time.Time
}

// NewClock returns a clock at the computer's time plus the offset in
// CONVENE_TEST_CLOCK_OFFSET.
func NewClock() *Clock { return &Clock{offset: Offset()} }

// Offset is the shift CONVENE_TEST_CLOCK_OFFSET asks for (zero when unset).
// A malformed value stops the tests: a check that silently ran at today's
// date would prove nothing.
func Offset() time.Duration {
	v := os.Getenv(EnvClockOffset)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		panic(fmt.Sprintf("storetest: %s=%q is not a duration such as 8760h", EnvClockOffset, v))
	}
	return d
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen != nil {
		return *c.frozen
	}
	return time.Now().Add(c.offset)
}

// Set makes the clock say t now and run on from there.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen, c.offset = nil, time.Until(t)
}

// Freeze makes the clock say t until it is Set or Advanced.
func (c *Clock) Freeze(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = &t
}

// Reset puts the clock back to the computer's time plus the offset in
// CONVENE_TEST_CLOCK_OFFSET, running.
func (c *Clock) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen, c.offset = nil, Offset()
}

// Advance moves the clock on by d (a frozen clock stays frozen, d later).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen != nil {
		t := c.frozen.Add(d)
		c.frozen = &t
		return
	}
	c.offset += d
}

// state and restore save and put back the clock's setting.
func (c *Clock) state() (time.Duration, *time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset, c.frozen
}

func (c *Clock) restore(offset time.Duration, frozen *time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset, c.frozen = offset, frozen
}

// ClockOf returns the test clock of a database opened by this package
// (Open, Each). Whatever a test does to it is undone when the test ends:
// the PostgreSQL database, and so its clock, is shared by the package's
// tests.
func ClockOf(t testing.TB, db *store.DB) *Clock {
	t.Helper()
	c, ok := db.Clock().(*Clock)
	if !ok {
		t.Fatalf("storetest: the database's clock is a %T, not a test clock (open it with storetest.Open)", db.Clock())
	}
	offset, frozen := c.state()
	t.Cleanup(func() { c.restore(offset, frozen) })
	return c
}

// SetClock makes db's clock — the one its job workers and HTTP handlers
// share — say at, running on from there, until the test ends.
func SetClock(t testing.TB, db *store.DB, at time.Time) *Clock {
	t.Helper()
	c := ClockOf(t, db)
	c.Set(at)
	return c
}

var _ domain.Clock = (*Clock)(nil)
