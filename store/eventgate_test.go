package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestEventGates: no more than eventGateWidth RSVPs to one event are in
// the database at once; one more waits, an RSVP to another event does not,
// and a waiter whose request ends gives up without taking a slot.
func TestEventGates(t *testing.T) {
	var g eventGates
	ctx := context.Background()
	var leaves []func()
	for range eventGateWidth {
		leave, err := g.enter(ctx, "hot")
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, leave)
	}
	other, err := g.enter(ctx, "quiet")
	if err != nil {
		t.Fatal(err)
	}
	other()

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := g.enter(short, "hot"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a fifth RSVP to a busy event: %v, want it to wait until its request ends", err)
	}

	got := make(chan func())
	go func() {
		leave, err := g.enter(ctx, "hot")
		if err != nil {
			t.Error(err)
		}
		got <- leave
	}()
	select {
	case <-got:
		t.Fatal("entered while every slot was taken")
	case <-time.After(20 * time.Millisecond):
	}
	leaves[0]()
	select {
	case leave := <-got:
		leave()
	case <-time.After(5 * time.Second):
		t.Fatal("a freed slot did not let the waiter in")
	}
	for _, leave := range leaves[1:] {
		leave()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.gates) != 0 {
		t.Fatalf("%d gates left after everyone left", len(g.gates))
	}
}
