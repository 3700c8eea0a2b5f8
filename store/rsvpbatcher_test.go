package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestClaimBatcher: every request submitted is claimed in exactly one
// batch, with requests to the same event that read it the same; one batch
// per event runs at a time; batches of more than one happen; and the
// queues are gone when everyone is done.
func TestClaimBatcher(t *testing.T) {
	var b claimBatcher
	var (
		mu      sync.Mutex
		running = map[string]int{}
		seen    = map[*claimRequest]int{}
		sizes   = map[int]int{}
	)
	run := func(batch []*claimRequest) {
		key := batch[0].ev.ID
		mu.Lock()
		if running[key]++; running[key] > 1 {
			t.Errorf("two batches of event %s at once", key)
		}
		sizes[len(batch)]++
		for _, r := range batch {
			seen[r]++
			if !r.sameGuard(batch[0]) {
				t.Errorf("a batch of %s mixes two reads of the event", key)
			}
		}
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		running[key]--
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
	for i := range 600 {
		r := &claimRequest{}
		r.ev.ID = []string{"a", "b", "c"}[i%3]
		if i%10 == 0 {
			r.ev.Confirmation = "edited" // read after an organiser's edit
		}
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
	if len(sizes) < 2 {
		t.Errorf("batch sizes %v: no batching", sizes)
	}
	t.Logf("batch sizes %v", sizes)
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
		ok := cond(b.queues["hot"])
		b.mu.Unlock()
		if ok {
			return
		}
	}
	t.Fatal("timed out")
}
