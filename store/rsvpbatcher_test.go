package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestClaimBatcher: every request submitted is claimed in exactly one
// batch; no two batches with RSVPs to the same event run at once, and at
// most claimLanes batches run at once; batches of more than one happen,
// some with RSVPs to more than one event; and the queues are gone when
// everyone is done.
func TestClaimBatcher(t *testing.T) {
	var b claimBatcher
	var (
		mu      sync.Mutex
		running = map[string]int{}
		seen    = map[*claimRequest]int{}
		sizes   = map[int]int{}
	)
	var (
		inFlight, mixed, most int
	)
	run := func(batch []*claimRequest) {
		events := map[string]bool{}
		for _, r := range batch {
			events[r.ev.ID] = true
		}
		mu.Lock()
		for key := range events {
			if running[key]++; running[key] > 1 {
				t.Errorf("two batches of event %s at once", key)
			}
		}
		if inFlight++; inFlight > claimLanes {
			t.Errorf("%d batches at once", inFlight)
		}
		most = max(most, inFlight)
		if len(events) > 1 {
			mixed++
		}
		sizes[len(batch)]++
		for _, r := range batch {
			seen[r]++
		}
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		for key := range events {
			running[key]--
		}
		inFlight--
		mu.Unlock()
		for _, r := range batch {
			r.claimed = true
			close(r.done)
		}
	}
	var (
		wg   sync.WaitGroup
		reqs []*claimRequest
	)
	for i := range 1200 {
		r := &claimRequest{}
		r.ev.ID = fmt.Sprint("event-", i%40)
		reqs = append(reqs, r)
		wg.Go(func() {
			if err := b.submit(context.Background(), r, run); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, r := range reqs {
		if seen[r] != 1 || !r.claimed {
			t.Fatalf("request %d claimed in %d batches", i, seen[r])
		}
	}
	if len(b.queues) != 0 {
		t.Errorf("%d queues left", len(b.queues))
	}
	if len(sizes) < 2 || mixed == 0 {
		t.Errorf("batch sizes %v, %d batches to more than one event: no batching", sizes, mixed)
	}
	t.Logf("batch sizes %v; %d batches to more than one event; at most %d at once", sizes, mixed, most)
}

// TestClaimBatcherCancel: a request whose context ends while it waits
// leaves the queue, is claimed in no batch and returns the context's
// error; the others are claimed.
func TestClaimBatcherCancel(t *testing.T) {
	var b claimBatcher
	release := make(chan struct{})
	var mu sync.Mutex
	claimed := map[*claimRequest]bool{}
	run := func(batch []*claimRequest) {
		if len(batch) == 1 && batch[0].row.Name == "leader" {
			<-release
		}
		mu.Lock()
		for _, r := range batch {
			claimed[r] = true
		}
		mu.Unlock()
		for _, r := range batch {
			close(r.done)
		}
	}
	mk := func(name string) *claimRequest {
		r := &claimRequest{}
		r.ev.ID, r.row.Name = "hot", name
		return r
	}
	leader, quitter, stayer := mk("leader"), mk("quitter"), mk("stayer")
	errs := make(chan error, 3)
	go func() { errs <- b.submit(context.Background(), leader, run) }()
	waitFor(t, &b, func(q *claimQueue) bool { return q != nil && len(q.waiting) == 0 && q.led })
	qctx, cancel := context.WithCancel(context.Background())
	go func() { errs <- b.submit(qctx, quitter, run) }()
	go func() { errs <- b.submit(context.Background(), stayer, run) }()
	waitFor(t, &b, func(q *claimQueue) bool { return q != nil && len(q.waiting) == 2 })
	cancel()
	waitFor(t, &b, func(q *claimQueue) bool { return q != nil && len(q.waiting) == 1 })
	close(release)
	var cancelled int
	for range 3 {
		if err := <-errs; errors.Is(err, context.Canceled) {
			cancelled++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if cancelled != 1 || claimed[quitter] || !claimed[leader] || !claimed[stayer] {
		t.Fatalf("%d cancelled; claimed: leader %v, quitter %v, stayer %v", cancelled, claimed[leader], claimed[quitter], claimed[stayer])
	}
	if len(b.queues) != 0 {
		t.Errorf("%d queues left", len(b.queues))
	}
}

// waitFor waits up to 5 s for cond to hold of the queue of event "hot".
func waitFor(t *testing.T, b *claimBatcher, cond func(q *claimQueue) bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b.mu.Lock()
		ok := cond(b.queues[claimLane("hot")])
		b.mu.Unlock()
		if ok {
			return
		}
	}
	t.Fatal("timed out")
}
