package notifications

import (
	"context"
	"testing"
	"time"
)

// waitFor runs f.wait in a goroutine and returns a channel that yields its
// done function once it may go on.
func waitFor(t *testing.T, f *Foreground) <-chan func() {
	t.Helper()
	c := make(chan func(), 1)
	go func() {
		done, err := f.wait(context.Background())
		if err != nil {
			t.Error(err)
			return
		}
		c <- done
	}()
	return c
}

func within(t *testing.T, c <-chan func(), d time.Duration, what string) func() {
	t.Helper()
	select {
	case done := <-c:
		return done
	case <-time.After(d):
		t.Fatalf("%s: still waiting after %v", what, d)
		return nil
	}
}

func notWithin(t *testing.T, c <-chan func(), d time.Duration, what string) {
	t.Helper()
	select {
	case <-c:
		t.Fatalf("%s went ahead", what)
	case <-time.After(d):
	}
}

// With no request in flight e-mails go out side by side; while one is,
// one at a time; and none waits longer than MaxWait.
func TestForegroundGivesWayToRequests(t *testing.T) {
	f := NewForeground()
	f.MaxWait = time.Hour

	// Idle: five e-mails at once, none waiting for another.
	var dones []func()
	for range 5 {
		dones = append(dones, within(t, waitFor(t, f), 5*time.Second, "e-mail with no request in flight"))
	}
	for _, d := range dones {
		d()
	}

	// A request in flight: the second e-mail waits for the first.
	end := f.Begin()
	if f.InFlight() != 1 {
		t.Fatalf("%d requests in flight, want 1", f.InFlight())
	}
	first := within(t, waitFor(t, f), 5*time.Second, "first e-mail during a request")
	second := waitFor(t, f)
	notWithin(t, second, 100*time.Millisecond, "a second e-mail during a request")
	first()
	within(t, second, 5*time.Second, "second e-mail after the first")()

	// The request ends: e-mails go side by side again.
	end()
	if f.InFlight() != 0 {
		t.Fatalf("%d requests in flight after the end, want 0", f.InFlight())
	}
	a := within(t, waitFor(t, f), 5*time.Second, "e-mail after the request")
	b := within(t, waitFor(t, f), 5*time.Second, "another e-mail after the request")
	a()
	b()

	// Requests that never stop do not hold e-mails back for longer than
	// MaxWait.
	f.MaxWait = 50 * time.Millisecond
	defer f.Begin()()
	held := within(t, waitFor(t, f), 5*time.Second, "e-mail under constant load")
	defer held()
	within(t, waitFor(t, f), 5*time.Second, "e-mail past MaxWait")()

	// And a nil Foreground never waits.
	var none *Foreground
	defer none.Begin()()
	within(t, waitFor(t, none), 5*time.Second, "e-mail without a Foreground")()
}
