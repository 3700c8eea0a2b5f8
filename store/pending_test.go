package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// askToConfirm RSVPs to an event that asks for e-mail confirmation and
// returns the pending request and the link of its confirmation e-mail.
func askToConfirm(t *testing.T, db *store.DB, e domain.Event, name, addr string) (domain.PendingRSVP, string) {
	t.Helper()
	res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: name, Email: addr})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pending == nil || res.Pending.ID == "" {
		t.Fatalf("RSVP to an event asking for confirmation is not pending: %+v", res)
	}
	out, tok, err := db.LoadConfirmation(ctx, res.Pending.ID)
	if err != nil || tok == "" || out.Sent {
		t.Fatalf("load confirmation: token %q, sent %v, %v", tok, out.Sent, err)
	}
	return *res.Pending, tok
}

func TestEmailConfirmation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		start := db.Clock().Now().UTC().Truncate(time.Second)
		setNow(t, db, start)
		o, e := openEvent(t, db, 1, domain.ConfirmEmail)
		ann := email("ann")

		res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ann", Email: ann})
		if err != nil {
			t.Fatal(err)
		}
		if res.Pending == nil || res.Pending.ID == "" || res.Created || res.ManageToken != "" || res.RSVP.ID != "" {
			t.Fatalf("RSVP to an event asking for confirmation: %+v", res)
		}
		if !res.Pending.ExpiresAt.Equal(start.Add(domain.PendingTTL)) {
			t.Errorf("pending expires at %v, want %v", res.Pending.ExpiresAt, start.Add(domain.PendingTTL))
		}
		pendingID := res.Pending.ID
		t.Run("HoldsNoSeat", func(t *testing.T) {
			wantCounters(t, db, o, e, 0, 0)
			p, err := db.ListRSVPs(ctx, o.ID, e.ID, domain.RSVPFilter{})
			if err != nil || len(p.Items) != 0 {
				t.Fatalf("a pending RSVP is listed as an RSVP: %+v %v", p.Items, err)
			}
			if n := jobsFor(t, db, "send_confirmation", "pending_id", pendingID); n != 1 {
				t.Fatalf("%d send_confirmation jobs, want 1", n)
			}
			if n := count(t, db, `SELECT count(*) FROM deliveries WHERE event_id = ?`, e.ID); n != 0 {
				t.Fatalf("%d calendar e-mails for a pending RSVP", n)
			}
		})
		t.Run("ResendOnlyAfterAWhile", func(t *testing.T) {
			setNow(t, db, start.Add(time.Minute))
			again, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ann", Email: strings.ToUpper(ann)})
			if err != nil || again.Pending == nil {
				t.Fatalf("again: %+v %v", again, err)
			}
			if n := jobsFor(t, db, "send_confirmation", "pending_id", pendingID); n != 1 {
				t.Fatalf("replying again at once queued another e-mail (%d jobs)", n)
			}
			setNow(t, db, start.Add(11*time.Minute))
			if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ann", Email: ann}); err != nil {
				t.Fatal(err)
			}
			if n := jobsFor(t, db, "send_confirmation", "pending_id", pendingID); n != 2 {
				t.Fatalf("replying again after 11 minutes: %d jobs, want 2", n)
			}
			wantCounters(t, db, o, e, 0, 0)
		})

		out, annTok, err := db.LoadConfirmation(ctx, pendingID)
		if err != nil || annTok == "" {
			t.Fatalf("load confirmation: %q %v", annTok, err)
		}
		if out.Pending.Email != ann || out.Event.ID != e.ID || out.OrganizerEmail != o.Email || out.Sent {
			t.Fatalf("outgoing confirmation: %+v", out)
		}
		t.Run("FindByToken", func(t *testing.T) {
			v, err := db.FindPendingByToken(ctx, annTok)
			if err != nil || v.Pending.ID != pendingID || v.Pending.Name != "Ann" || v.Event.ID != e.ID || v.Group.ID != e.GroupID {
				t.Fatalf("find: %+v %v", v, err)
			}
			_, err = db.FindPendingByToken(ctx, annTok+"x")
			wantCode(t, err, domain.ENOTFOUND, "confirmation_not_found")
			_, err = db.ConfirmRSVP(ctx, annTok+"x")
			wantCode(t, err, domain.ENOTFOUND, "confirmation_not_found")
		})

		var annRSVP domain.RSVPResult
		t.Run("ConfirmTakesTheSeat", func(t *testing.T) {
			annRSVP, err = db.ConfirmRSVP(ctx, annTok)
			if err != nil {
				t.Fatal(err)
			}
			if annRSVP.RSVP.Status != domain.RSVPGoing || !annRSVP.Created || annRSVP.ManageToken == "" || annRSVP.RSVP.Email != ann {
				t.Fatalf("confirm: %+v", annRSVP)
			}
			if v, err := db.FindRSVPByToken(ctx, annRSVP.ManageToken); err != nil || v.RSVP.ID != annRSVP.RSVP.ID {
				t.Fatalf("manage token: %v %v", v.RSVP.ID, err)
			}
			wantCounters(t, db, o, e, 1, 0)
			if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'going'`, annRSVP.RSVP.ID); n != 1 {
				t.Errorf("%d invites after confirming", n)
			}
		})
		if annRSVP.RSVP.ID == "" {
			t.FailNow()
		}
		t.Run("ConfirmTwice", func(t *testing.T) {
			again, err := db.ConfirmRSVP(ctx, annTok)
			if err != nil {
				t.Fatal(err)
			}
			if again.RSVP.ID != annRSVP.RSVP.ID || again.Created || again.ManageToken == "" || again.ManageToken == annRSVP.ManageToken {
				t.Fatalf("confirm twice: %+v", again)
			}
			if v, err := db.FindRSVPByToken(ctx, again.ManageToken); err != nil || v.RSVP.ID != annRSVP.RSVP.ID {
				t.Fatalf("second manage token: %v %v", v.RSVP.ID, err)
			}
			wantCounters(t, db, o, e, 1, 0)
		})
		t.Run("ConfirmedAddressSendsNothingMore", func(t *testing.T) {
			before := jobsOfKind(t, db, "send_confirmation")
			setNow(t, db, start.Add(30*time.Minute))
			if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ann", Email: ann}); err != nil {
				t.Fatal(err)
			}
			if n := jobsOfKind(t, db, "send_confirmation"); n != before {
				t.Fatalf("an address already going was sent %d more confirmation e-mails", n-before)
			}
			wantCounters(t, db, o, e, 1, 0)
		})
		t.Run("FullMeansWaitlisted", func(t *testing.T) {
			_, tok := askToConfirm(t, db, e, "Bob", email("bob"))
			r, err := db.ConfirmRSVP(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			if r.RSVP.Status != domain.RSVPWaitlisted || r.RSVP.WaitlistPosition != 1 || !r.Created {
				t.Fatalf("confirm with the only seat taken: %+v", r)
			}
			wantCounters(t, db, o, e, 1, 1)
		})

		cy := email("cy")
		_, cyTok := askToConfirm(t, db, e, "Cy", cy)
		t.Run("ErrExpired", func(t *testing.T) {
			setNow(t, db, start.Add(49*time.Hour))
			_, err := db.ConfirmRSVP(ctx, cyTok)
			wantCode(t, err, domain.EGONE, "confirmation_expired")
			_, err = db.FindPendingByToken(ctx, cyTok)
			wantCode(t, err, domain.EGONE, "confirmation_expired")
			wantCounters(t, db, o, e, 1, 1)
			p, err := db.ListRSVPs(ctx, o.ID, e.ID, domain.RSVPFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Items {
				if r.Email == cy {
					t.Fatalf("an expired confirmation made an RSVP: %+v", r)
				}
			}
		})
		t.Run("Purge", func(t *testing.T) {
			setNow(t, db, start.Add(49*time.Hour))
			n, err := db.PurgeExpired(ctx)
			if err != nil || n < 3 { // Ann's, Bob's and Cy's (other tests' may go too)
				t.Fatalf("purged %d (%v), want at least 3", n, err)
			}
			_, err = db.FindPendingByToken(ctx, cyTok)
			wantCode(t, err, domain.ENOTFOUND, "confirmation_not_found")
			_, err = db.ConfirmRSVP(ctx, cyTok)
			wantCode(t, err, domain.ENOTFOUND, "confirmation_not_found")
			if n := count(t, db, `SELECT count(*) FROM pending_rsvps WHERE event_id = ?`, e.ID); n != 0 {
				t.Fatalf("%d pending rows left", n)
			}
			if n := count(t, db, `SELECT count(*) FROM pending_tokens t JOIN pending_rsvps p ON p.id = t.pending_id WHERE p.event_id = ?`, e.ID); n != 0 {
				t.Fatalf("%d confirmation links left", n)
			}
			// Purging confirmed requests leaves their RSVPs alone.
			if v, err := db.FindRSVPByToken(ctx, annRSVP.ManageToken); err != nil || v.RSVP.Status != domain.RSVPGoing {
				t.Fatalf("Ann's RSVP after the purge: %v %v", v.RSVP.Status, err)
			}
			wantCounters(t, db, o, e, 1, 1)
			if n, err := db.PurgeExpired(ctx); err != nil || n != 0 {
				t.Fatalf("purging again deleted %d (%v)", n, err)
			}
		})
		t.Run("AskAgainAfterExpiry", func(t *testing.T) {
			setNow(t, db, start.Add(50*time.Hour))
			_, tok := askToConfirm(t, db, e, "Cy", cy)
			r, err := db.ConfirmRSVP(ctx, tok)
			if err != nil || r.RSVP.Status != domain.RSVPWaitlisted || r.RSVP.WaitlistPosition != 2 {
				t.Fatalf("a new request after expiry: %+v %v", r, err)
			}
			wantCounters(t, db, o, e, 1, 2)
		})
	})
}

// TestEmailConfirmationRefused: confirmation links that cannot make an RSVP.
func TestEmailConfirmationRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("EventCancelled", func(t *testing.T) {
			o, e := openEvent(t, db, 3, domain.ConfirmEmail)
			_, tok := askToConfirm(t, db, e, "Dan", email("dan"))
			if _, err := db.CancelEvent(ctx, o.ID, e.ID, "Snow"); err != nil {
				t.Fatal(err)
			}
			_, err := db.ConfirmRSVP(ctx, tok)
			wantCode(t, err, domain.ECONFLICT, "event_cancelled")
			wantCounters(t, db, o, e, 0, 0)
			_, err = db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Eve", Email: email("eve")})
			wantCode(t, err, domain.ECONFLICT, "event_cancelled")
		})
		// A full event without a waitlist refuses the request at once,
		// instead of mailing a link that cannot work.
		t.Run("FullNoWaitlist", func(t *testing.T) {
			o, e := openEvent(t, db, 1, domain.ConfirmEmail)
			off := false
			if _, err := db.UpdateEvent(ctx, o.ID, e.ID, domain.EventUpdate{Waitlist: &off}); err != nil {
				t.Fatal(err)
			}
			_, tok1 := askToConfirm(t, db, e, "Ann", email("ann"))
			_, tok2 := askToConfirm(t, db, e, "Bob", email("bob"))
			if r, err := db.ConfirmRSVP(ctx, tok1); err != nil || r.RSVP.Status != domain.RSVPGoing {
				t.Fatalf("first confirm: %+v %v", r, err)
			}
			// Both asked while a seat was free; the second to confirm finds it taken.
			_, err := db.ConfirmRSVP(ctx, tok2)
			wantCode(t, err, domain.ECONFLICT, "event_full")
			before := jobsOfKind(t, db, "send_confirmation")
			_, err = db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Cy", Email: email("cy")})
			wantCode(t, err, domain.ECONFLICT, "event_full")
			if n := jobsOfKind(t, db, "send_confirmation"); n != before {
				t.Fatalf("a refused request queued %d e-mails", n-before)
			}
			wantCounters(t, db, o, e, 1, 0)
		})
	})
}
