package store

import (
	"context"
	"sync"
)

// eventGateWidth is how many public RSVPs to one event may be in the
// database at once from this process. They queue on the event's row lock
// anyway; more of them only hold pool connections that RSVPs to other
// events could use, and PostgreSQL does not wake row-lock waiters in
// order, so with 32 waiting a few of them waited half a second
// (convene-bench rush, p99). The rest wait here, in arrival order. Two,
// so that the next transaction is ready when the lock is released: in
// the rush, 2 did about 8 % better than 4 or 8. The row lock still does
// the real work: replicas each have their own gates. (The claim path's
// batches need no gate: one runs per event at a time, see rsvpbatch.go;
// what they leave to the general path, and a failed batch's RSVPs
// claimed alone, come through here.)
const eventGateWidth = 2

// eventGates bounds the concurrent RSVP transactions per event.
type eventGates struct {
	mu    sync.Mutex
	gates map[string]*eventGate
}

type eventGate struct {
	slots chan struct{}
	users int // holders and waiters; the gate is dropped at zero
}

// enter waits for one of the event's slots (or ctx's end) and returns the
// function that gives it back.
func (g *eventGates) enter(ctx context.Context, key string) (leave func(), err error) {
	g.mu.Lock()
	if g.gates == nil {
		g.gates = map[string]*eventGate{}
	}
	e := g.gates[key]
	if e == nil {
		e = &eventGate{slots: make(chan struct{}, eventGateWidth)}
		g.gates[key] = e
	}
	e.users++
	g.mu.Unlock()
	release := func() {
		g.mu.Lock()
		if e.users--; e.users == 0 {
			delete(g.gates, key)
		}
		g.mu.Unlock()
	}
	select {
	case e.slots <- struct{}{}:
		return func() { <-e.slots; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
