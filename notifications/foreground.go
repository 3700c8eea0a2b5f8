package notifications

import (
	"cmp"
	"context"
	"sync/atomic"
	"time"
)

// Foreground lets e-mail work give way to the requests people are waiting
// on. While any request is in flight (Begin … its end function), e-mails
// are composed and sent one at a time; when none is, as many at once as
// the job queue runs. A rush of RSVPs thus gets the CPU — every answer,
// with its place, comes at once — and its confirmation e-mails follow as
// the rush allows: on the 2-core machine of the README's Performance
// section, e-mails sent alongside halved the rush's throughput.
//
// No e-mail waits longer than MaxWait for its turn, so under load that
// never ends the e-mails still go out at least one at a time, and a
// job is never held long enough for River to time it out.
//
// A nil *Foreground never makes anyone wait.
type Foreground struct {
	inflight atomic.Int64
	turn     chan struct{} // the one e-mail allowed while requests are in flight
	// MaxWait bounds how long an e-mail waits for its turn; zero means
	// DefaultForegroundWait.
	MaxWait time.Duration
}

// DefaultForegroundWait is how long an e-mail waits for its turn at most.
const DefaultForegroundWait = 10 * time.Second

// NewForeground returns a Foreground with no request in flight.
func NewForeground() *Foreground {
	return &Foreground{turn: make(chan struct{}, 1)}
}

// Begin records a request in flight until the returned function is called.
func (f *Foreground) Begin() (end func()) {
	if f == nil {
		return func() {}
	}
	f.inflight.Add(1)
	return func() { f.inflight.Add(-1) }
}

// InFlight returns how many requests are in flight now.
func (f *Foreground) InFlight() int64 {
	if f == nil {
		return 0
	}
	return f.inflight.Load()
}

// wait returns when the caller may compose and send: at once when no
// request is in flight, else when it has the one turn or has waited
// MaxWait. done gives the turn back.
func (f *Foreground) wait(ctx context.Context) (done func(), err error) {
	if f == nil || f.inflight.Load() == 0 {
		return func() {}, nil
	}
	timer := time.NewTimer(cmp.Or(f.MaxWait, DefaultForegroundWait))
	defer timer.Stop()
	select {
	case f.turn <- struct{}{}:
		return func() { <-f.turn }, nil
	case <-timer.C:
		return func() {}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
