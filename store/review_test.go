package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

func setupEvent(t *testing.T, db *store.DB, capacity int) (domain.Organiser, domain.Event) {
	o, err := db.CreateOrganiser(ctx, email("rev"), "Rev")
	if err != nil {
		t.Fatal(err)
	}
	g := newGroup(t, db, o.ID)
	start := db.Clock().Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	c := capacity
	e, err := db.CreateEvent(ctx, o.ID, g.ID, domain.Event{Title: "Rev " + storetest.Unique(), Kind: domain.KindLiveSession,
		StartsAt: start, EndsAt: start.Add(time.Hour), OnlineURL: "https://meet.example.org/x", Waitlist: true, Capacity: &c})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishEvent(ctx, o.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	return o, e
}

func counts(t *testing.T, db *store.DB, o domain.Organiser, e domain.Event) (going, wait int, ev domain.Event) {
	p, err := db.ListRSVPs(ctx, o.ID, e.ID, domain.RSVPFilter{ListOptions: domain.ListOptions{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Items {
		switch r.Status {
		case domain.RSVPGoing:
			going++
		case domain.RSVPWaitlisted:
			wait++
		}
	}
	ev, err = db.FindEvent(ctx, o.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// Double-click on "cancel my RSVP": two concurrent DELETEs of one going RSVP.
func TestReviewDoubleCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for iter := 0; iter < 20; iter++ {
			o, e := setupEvent(t, db, 2)
			var tokens []string
			for i := 0; i < 6; i++ {
				res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: email("p")})
				if err != nil {
					t.Fatal(err)
				}
				tokens = append(tokens, res.ManageToken)
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for k := 0; k < 4; k++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if _, err := db.CancelRSVPByToken(ctx, tokens[0]); err != nil {
						t.Error(err)
					}
				}()
			}
			close(start)
			wg.Wait()
			going, wait, ev := counts(t, db, o, e)
			if going != 2 || wait != 3 || ev.GoingCount != 2 || ev.WaitlistCount != 3 {
				t.Fatalf("iter %d: actual going=%d waitlisted=%d; counters going=%d waitlist=%d (capacity 2)", iter, going, wait, ev.GoingCount, ev.WaitlistCount)
			}
		}
	})
}

// The first in line cancels while the going attendee cancels (which promotes them).
func TestReviewCancelWhilePromoted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for iter := 0; iter < 30; iter++ {
			o, e := setupEvent(t, db, 1)
			var tokens []string
			for i := 0; i < 3; i++ {
				res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: email("p")})
				if err != nil {
					t.Fatal(err)
				}
				tokens = append(tokens, res.ManageToken)
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, tok := range tokens[:2] {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if _, err := db.CancelRSVPByToken(ctx, tok); err != nil {
						t.Error(err)
					}
				}()
			}
			close(start)
			wg.Wait()
			going, wait, ev := counts(t, db, o, e)
			if going != 1 || wait != 0 || ev.GoingCount != 1 || ev.WaitlistCount != 0 {
				t.Fatalf("iter %d: actual going=%d waitlisted=%d; counters going=%d waitlist=%d (capacity 1, third person should be going)", iter, going, wait, ev.GoingCount, ev.WaitlistCount)
			}
		}
	})
}

func TestReviewReRSVPSequence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := setupEvent(t, db, 10)
		addr := email("again")
		res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: addr})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CancelRSVPByToken(ctx, res.ManageToken); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: addr}); err != nil {
			t.Fatal(err)
		}
		p, err := db.ListDeliveries(ctx, o.ID, e.ID, domain.ListOptions{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Items {
			t.Logf("%s kind=%s sequence=%d", d.RSVPID, d.Kind, d.Sequence)
		}
	})
}

// A fan-out retried (River retries after a failed batch) after the event's
// sequence moved sends everyone already served a second CANCEL.
func TestReviewFanOutRetryAfterSequenceMoved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := setupEvent(t, db, 10)
		var tokens []string
		for i := 0; i < 3; i++ {
			res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: email("p")})
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, res.ManageToken)
		}
		if _, err := db.CancelEvent(ctx, o.ID, e.ID, "snow"); err != nil {
			t.Fatal(err)
		}
		n1, err := db.FanOut(ctx, e.ID, domain.MessageEventCancelled)
		if err != nil {
			t.Fatal(err)
		}
		// One attendee, having read the cancellation, also cancels their RSVP.
		if _, err := db.CancelRSVPByToken(ctx, tokens[0]); err != nil {
			t.Fatal(err)
		}
		n2, err := db.FanOut(ctx, e.ID, domain.MessageEventCancelled)
		if err != nil {
			t.Fatal(err)
		}
		if n2 != 0 {
			t.Fatalf("first fan-out made %d deliveries, the retry made %d more (duplicate CANCEL e-mails)", n1, n2)
		}
	})
}

func TestReviewCancelWhilePromotedThenStuck(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	for iter := 0; iter < 50; iter++ {
		o, e := setupEvent(t, db, 1)
		var tokens []string
		for i := 0; i < 3; i++ {
			res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "P", Email: email("p")})
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, res.ManageToken)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, tok := range tokens[:2] {
			wg.Add(1)
			go func() { defer wg.Done(); <-start; db.CancelRSVPByToken(ctx, tok) }()
		}
		close(start)
		wg.Wait()
		going, wait, ev := counts(t, db, o, e)
		if going == 0 && wait == 1 {
			_, err := db.CancelRSVPByToken(ctx, tokens[2])
			t.Fatalf("iter %d: drifted (counters going=%d waitlist=%d); third attendee cancelling now gets: %v (code %s)", iter, ev.GoingCount, ev.WaitlistCount, err, domain.ErrorCode(err))
		}
	}
}
