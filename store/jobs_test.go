package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// count runs a COUNT(*) query.
func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(ctx, storeQ(db, q), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func publishedEvent(t *testing.T, db *store.DB, capacity int) (domain.Organiser, domain.Event) {
	t.Helper()
	owner, _ := db.CreateOrganiser(ctx, email("owner"), "Owner")
	g := newGroup(t, db, owner.ID)
	e := newEvent(t, db, owner.ID, g.ID, "Jobs "+storetest.Unique())
	if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Capacity: domain.Nullable[int]{Set: true, Value: &capacity}}); err != nil {
		t.Fatal(err)
	}
	e, err := db.PublishEvent(ctx, owner.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return owner, e
}

// TestJobsCommitWithTheChange: an RSVP's e-mail job and delivery are
// written in the RSVP's transaction; if that transaction fails after the
// job was inserted, neither the RSVP nor the job exists.
func TestJobsCommitWithTheChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, e := publishedEvent(t, db, 1)
		res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ada", Email: "ada@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'going' AND status = 'queued'`, res.RSVP.ID); n != 1 {
			t.Fatalf("%d going deliveries", n)
		}
		jobs := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email'`)

		boom := errors.New("boom")
		db.SetAfterEnqueue(boom)
		_, err = db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Bob", Email: "bob@example.org"})
		db.SetAfterEnqueue(nil)
		if err == nil {
			t.Fatal("the failing transaction succeeded")
		}
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email'`); n != jobs {
			t.Fatalf("a rolled-back RSVP left %d jobs", n-jobs)
		}
		if n := count(t, db, `SELECT count(*) FROM rsvps WHERE event_id = ?`, e.ID); n != 1 {
			t.Fatalf("a rolled-back RSVP was stored (%d RSVPs)", n)
		}
		// The next person is waitlisted and told so; when Ada cancels, they
		// are promoted and get an invite, and Ada gets a CANCEL — all in
		// the cancelling transaction.
		w, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Cy", Email: "cy@example.org"})
		if err != nil || w.RSVP.Status != domain.RSVPWaitlisted {
			t.Fatalf("%v %v", w, err)
		}
		if _, err := db.CancelRSVPByToken(ctx, res.ManageToken); err != nil {
			t.Fatal(err)
		}
		for kind, rsvp := range map[string]string{"waitlisted": w.RSVP.ID, "going": w.RSVP.ID, "rsvp_cancelled": res.RSVP.ID} {
			if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = ?`, rsvp, kind); n != 1 {
				t.Errorf("%d %s deliveries", n, kind)
			}
		}
		// The CANCEL's sequence is above the invite's.
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'rsvp_cancelled' AND sequence > 0`, res.RSVP.ID); n != 1 {
			t.Error("CANCEL did not get a higher sequence")
		}
	})
}

// TestUpdatesAreDebouncedAndFanOutOnce: several edits schedule one update;
// the fan-out makes one delivery per person going, says what changed, and
// adds nothing when run again.
func TestUpdatesAreDebouncedAndFanOutOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, e := publishedEvent(t, db, 10)
		for _, who := range []string{"a", "b", "c"} {
			if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: who, Email: who + "@example.org"}); err != nil {
				t.Fatal(err)
			}
		}
		before := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'event_fanout'`)
		desc := "only the description"
		if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Description: &desc}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'event_fanout'`); n != before {
			t.Fatal("a description change scheduled an update")
		}
		for i := range 3 {
			start := e.StartsAt.Add(time.Duration(i+1) * time.Hour)
			end := start.Add(time.Hour)
			if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{StartsAt: &start, EndsAt: &end}); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'event_fanout' AND state = 'scheduled'`); n != before+1 {
			t.Fatalf("three edits scheduled %d updates, want 1", n-before)
		}
		n, err := db.FanOut(ctx, e.ID, domain.MessageUpdated)
		if err != nil || n != 3 {
			t.Fatalf("fan-out made %d deliveries (%v), want 3", n, err)
		}
		out, err := db.LoadOutgoing(ctx, firstDelivery(t, db, e.ID, "updated"))
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Changed) != 2 || out.Previous == nil || !out.Previous.StartsAt.Equal(e.StartsAt) || out.Delivery.Sequence != 3 {
			t.Fatalf("update detail: changed %v, previous %+v, sequence %d", out.Changed, out.Previous, out.Delivery.Sequence)
		}
		if n, err := db.FanOut(ctx, e.ID, domain.MessageUpdated); err != nil || n != 0 {
			t.Fatalf("running the fan-out again made %d deliveries (%v)", n, err)
		}
		// After the update went out, a new edit schedules a new one.
		title := "New title"
		if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Title: &title}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT count(*) FROM river_job WHERE kind = 'event_fanout' AND state = 'scheduled'`); n != before+2 {
			t.Fatalf("an edit after the update did not schedule another (%d)", n-before)
		}
		// Cancelling reaches going and waitlisted people at once.
		if _, err := db.CancelEvent(ctx, owner.ID, e.ID, "Snow"); err != nil {
			t.Fatal(err)
		}
		if n, err := db.FanOut(ctx, e.ID, domain.MessageEventCancelled); err != nil || n != 3 {
			t.Fatalf("cancel fan-out: %d %v", n, err)
		}
	})
}

func firstDelivery(t *testing.T, db *store.DB, eventID, kind string) string {
	t.Helper()
	var id string
	if err := db.SQL().QueryRowContext(ctx, storeQ(db, `SELECT id FROM deliveries WHERE event_id = ? AND kind = ? ORDER BY id LIMIT 1`), eventID, kind).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
