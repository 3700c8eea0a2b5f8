package store_test

import (
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// On PostgreSQL a public RSVP reads the event without a lock, then takes
// the lock for one statement (store/rsvpclaim.go). Whatever happens to the
// event in between must count: the answer is the one the event gives
// under the lock, and a refused RSVP leaves no RSVP, delivery or job.
func TestClaimSeesChangesMadeBeforeTheLock(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	t.Cleanup(func() { db.SetBeforeClaim(nil) })

	// meanwhile makes fn happen between the read and the lock of the next
	// RSVP to e, once.
	meanwhile := func(e domain.Event, fn func()) {
		db.SetBeforeClaim(func(slug string) {
			if slug == e.Slug {
				db.SetBeforeClaim(nil)
				fn()
			}
		})
	}
	rsvp := func(e domain.Event, who string) (domain.RSVPResult, error) {
		return db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: who, Email: email(who)})
	}
	nothingLeft := func(t *testing.T, e domain.Event, jobsBefore int) {
		t.Helper()
		if n := count(t, db, `SELECT count(*) FROM rsvps WHERE event_id = ?`, e.ID); n != 0 {
			t.Errorf("%d RSVPs stored", n)
		}
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE event_id = ?`, e.ID); n != 0 {
			t.Errorf("%d deliveries stored", n)
		}
		if n := jobsOfKind(t, db, "send_email"); n != jobsBefore {
			t.Errorf("send_email jobs %d → %d", jobsBefore, n)
		}
	}

	t.Run("cancelled meanwhile", func(t *testing.T) {
		o, e := openEvent(t, db, 10, domain.ConfirmNone)
		jobs := jobsOfKind(t, db, "send_email")
		meanwhile(e, func() {
			if _, err := db.CancelEvent(ctx, o.ID, e.ID, "Venue flooded"); err != nil {
				t.Fatal(err)
			}
		})
		_, err := rsvp(e, "Ada")
		wantCode(t, err, domain.ECONFLICT, "event_cancelled")
		nothingLeft(t, e, jobs)
	})

	t.Run("closed meanwhile", func(t *testing.T) {
		o, e := openEvent(t, db, 10, domain.ConfirmNone)
		jobs := jobsOfKind(t, db, "send_email")
		meanwhile(e, func() {
			closed := db.Clock().Now().Add(-time.Minute).UTC()
			if _, err := db.UpdateEvent(ctx, o.ID, e.ID, domain.EventUpdate{RSVPClosesAt: domain.Nullable[time.Time]{Set: true, Value: &closed}}); err != nil {
				t.Fatal(err)
			}
		})
		_, err := rsvp(e, "Ada")
		wantCode(t, err, domain.ECONFLICT, "rsvp_closed")
		nothingLeft(t, e, jobs)
	})

	t.Run("confirmation asked meanwhile", func(t *testing.T) {
		o, e := openEvent(t, db, 10, domain.ConfirmNone)
		meanwhile(e, func() {
			c := domain.ConfirmEmail
			if _, err := db.UpdateEvent(ctx, o.ID, e.ID, domain.EventUpdate{RSVPConfirmation: &c}); err != nil {
				t.Fatal(err)
			}
		})
		res, err := rsvp(e, "Ada")
		if err != nil {
			t.Fatal(err)
		}
		if res.Pending == nil {
			t.Fatalf("RSVP %+v holds a place; the event asks for confirmation by e-mail since", res.RSVP)
		}
		wantCounters(t, db, o, e, 0, 0)
	})

	t.Run("last seat taken meanwhile", func(t *testing.T) {
		o, e := openEvent(t, db, 1, domain.ConfirmNone)
		meanwhile(e, func() {
			if r, err := rsvp(e, "Bob"); err != nil || r.RSVP.Status != domain.RSVPGoing {
				t.Fatalf("Bob: %+v, %v", r.RSVP, err)
			}
		})
		res, err := rsvp(e, "Ada")
		if err != nil {
			t.Fatal(err)
		}
		if res.RSVP.Status != domain.RSVPWaitlisted || res.RSVP.WaitlistPosition != 1 || !res.Created {
			t.Fatalf("Ada: %s at %d (created %v); want waitlisted at 1", res.RSVP.Status, res.RSVP.WaitlistPosition, res.Created)
		}
		wantCounters(t, db, o, e, 1, 1)
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE event_id = ? AND kind = 'waitlisted'`, e.ID); n != 1 {
			t.Errorf("%d waitlisted e-mails queued, want 1", n)
		}
	})

	t.Run("waitlist closed and full meanwhile", func(t *testing.T) {
		o, e := openEvent(t, db, 1, domain.ConfirmNone)
		jobs := 0
		meanwhile(e, func() {
			if _, err := rsvp(e, "Bob"); err != nil {
				t.Fatal(err)
			}
			no := false
			if _, err := db.UpdateEvent(ctx, o.ID, e.ID, domain.EventUpdate{Waitlist: &no}); err != nil {
				t.Fatal(err)
			}
			jobs = jobsOfKind(t, db, "send_email")
		})
		_, err := rsvp(e, "Ada")
		wantCode(t, err, domain.ECONFLICT, "event_full")
		wantCounters(t, db, o, e, 1, 0)
		if n := jobsOfKind(t, db, "send_email"); n != jobs {
			t.Errorf("send_email jobs %d → %d", jobs, n)
		}
	})

	t.Run("same address again", func(t *testing.T) {
		o, e := openEvent(t, db, 5, domain.ConfirmNone)
		in := domain.RSVPInput{Name: "Ada", Email: email("ada")}
		first, err := db.CreateRSVP(ctx, e.Slug, in)
		if err != nil {
			t.Fatal(err)
		}
		jobs := jobsOfKind(t, db, "send_email")
		again, err := db.CreateRSVP(ctx, e.Slug, in)
		if err != nil {
			t.Fatal(err)
		}
		if again.Created || again.RSVP.ID != first.RSVP.ID || again.ManageToken != "" {
			t.Fatalf("again: created %v, id %s (first %s), token given %v", again.Created, again.RSVP.ID, first.RSVP.ID, again.ManageToken != "")
		}
		// Only the repeat notice to the address (store.noticeRepeat), and
		// nothing more for asking again at once.
		if n := jobsOfKind(t, db, "send_email"); n != jobs+1 {
			t.Errorf("a repeat queued %d more e-mails, want the one repeat notice", n-jobs)
		}
		if _, err := db.CreateRSVP(ctx, e.Slug, in); err != nil {
			t.Fatal(err)
		}
		if n := jobsOfKind(t, db, "send_email"); n != jobs+1 {
			t.Errorf("a second repeat queued %d more e-mails, want none", n-jobs-1)
		}
		wantCounters(t, db, o, e, 1, 0)
	})
}
