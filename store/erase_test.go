package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// exportedKinds lists the kinds and statuses of the e-mails an export shows.
func exportedKinds(t *testing.T, db *store.DB, manageToken string) (kinds []domain.MessageKind, statuses []domain.DeliveryStatus) {
	t.Helper()
	x, err := db.ExportRSVPByToken(ctx, manageToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range x.Deliveries {
		if d.RSVPID != x.View.RSVP.ID || d.Email != x.View.RSVP.Email {
			t.Fatalf("exported delivery %+v is not the RSVP's %s", d, x.View.RSVP.ID)
		}
		kinds = append(kinds, d.Kind)
		statuses = append(statuses, d.Status)
	}
	return kinds, statuses
}

// addressKept counts the rows that still hold an address (in any case).
func addressKept(t *testing.T, db *store.DB, addr string) int {
	t.Helper()
	n := domain.NormalizeEmail(addr)
	return count(t, db, `SELECT count(*) FROM rsvps WHERE email_norm = ? OR lower(email) = ?`, n, n) +
		count(t, db, `SELECT count(*) FROM invitations WHERE email_norm = ? OR lower(email) = ?`, n, n) +
		count(t, db, `SELECT count(*) FROM pending_rsvps WHERE email_norm = ? OR lower(email) = ?`, n, n)
}

func TestEraseRSVP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := openEvent(t, db, 1, domain.ConfirmNone)
		ann, bob := email("ann"), email("bob")
		annRes, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ann", Email: ann})
		if err != nil || annRes.RSVP.Status != domain.RSVPGoing {
			t.Fatalf("Ann: %+v %v", annRes, err)
		}
		bobRes, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Bob", Email: bob})
		if err != nil || bobRes.RSVP.Status != domain.RSVPWaitlisted {
			t.Fatalf("Bob: %+v %v", bobRes, err)
		}

		t.Run("ExportBefore", func(t *testing.T) {
			x, err := db.ExportRSVPByToken(ctx, annRes.ManageToken)
			if err != nil {
				t.Fatal(err)
			}
			if x.View.RSVP.ID != annRes.RSVP.ID || x.View.RSVP.Name != "Ann" || x.View.RSVP.Email != ann || x.View.Event.ID != e.ID || x.Invitation != nil {
				t.Fatalf("export: %+v", x)
			}
			kinds, _ := exportedKinds(t, db, annRes.ManageToken)
			if diff := cmp.Diff([]domain.MessageKind{domain.MessageGoing}, kinds); diff != "" {
				t.Errorf("Ann's e-mails (-want +got):\n%s", diff)
			}
			kinds, _ = exportedKinds(t, db, bobRes.ManageToken)
			if diff := cmp.Diff([]domain.MessageKind{domain.MessageWaitlisted}, kinds); diff != "" {
				t.Errorf("Bob's e-mails (-want +got):\n%s", diff)
			}
			_, err = db.ExportRSVPByToken(ctx, annRes.ManageToken+"x")
			wantCode(t, err, domain.ENOTFOUND, "rsvp_not_found")
		})

		v, err := db.EraseRSVPByToken(ctx, annRes.ManageToken)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("ErasedAndCancelled", func(t *testing.T) {
			if v.RSVP.ID != annRes.RSVP.ID || v.RSVP.Status != domain.RSVPCancelled || v.RSVP.Name != "" || v.RSVP.Email != "" || v.RSVP.ErasedAt == nil {
				t.Fatalf("erase result: %+v", v.RSVP)
			}
			got, err := db.FindRSVPByToken(ctx, annRes.ManageToken)
			if err != nil {
				t.Fatal(err)
			}
			if got.RSVP.Status != domain.RSVPCancelled || got.RSVP.Name != "" || got.RSVP.Email != "" || got.RSVP.ErasedAt == nil {
				t.Fatalf("stored RSVP after erasing: %+v", got.RSVP)
			}
			if n := addressKept(t, db, ann); n != 0 {
				t.Fatalf("%d rows still hold the erased address", n)
			}
		})
		t.Run("NextInLinePromoted", func(t *testing.T) {
			bv, err := db.FindRSVPByToken(ctx, bobRes.ManageToken)
			if err != nil || bv.RSVP.Status != domain.RSVPGoing {
				t.Fatalf("Bob after Ann's erasure: %v %v", bv.RSVP.Status, err)
			}
			wantCounters(t, db, o, e, 1, 0)
			kinds, _ := exportedKinds(t, db, bobRes.ManageToken)
			if diff := cmp.Diff([]domain.MessageKind{domain.MessageWaitlisted, domain.MessageGoing}, kinds); diff != "" {
				t.Errorf("Bob's e-mails (-want +got):\n%s", diff)
			}
		})
		t.Run("QueuedEmailsNotSent", func(t *testing.T) {
			kinds, statuses := exportedKinds(t, db, annRes.ManageToken)
			if diff := cmp.Diff([]domain.MessageKind{domain.MessageGoing, domain.MessageRSVPCancelled}, kinds); diff != "" {
				t.Errorf("Ann's e-mails (-want +got):\n%s", diff)
			}
			for i, s := range statuses {
				if s != domain.DeliverySkipped {
					t.Errorf("Ann's %s e-mail is %s, want skipped", kinds[i], s)
				}
			}
		})
		t.Run("OrganiserSeesNoPersonalData", func(t *testing.T) {
			p, err := db.ListRSVPs(ctx, o.ID, e.ID, domain.RSVPFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Items {
				if r.ID == annRes.RSVP.ID && (r.Name != "" || r.Email != "") {
					t.Errorf("organiser still sees %q <%s>", r.Name, r.Email)
				}
			}
			d, err := db.ListDeliveries(ctx, o.ID, e.ID, domain.ListOptions{Limit: domain.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range d.Items {
				if x.RSVPID == annRes.RSVP.ID && (x.Name != "" || x.Email != "") {
					t.Errorf("delivery log still shows %q <%s>", x.Name, x.Email)
				}
			}
		})
		t.Run("EraseTwice", func(t *testing.T) {
			again, err := db.EraseRSVPByToken(ctx, annRes.ManageToken)
			if err != nil {
				t.Fatal(err)
			}
			if again.RSVP.ErasedAt == nil || !again.RSVP.ErasedAt.Equal(*v.RSVP.ErasedAt) || again.RSVP.Status != domain.RSVPCancelled {
				t.Fatalf("erasing twice: %+v", again.RSVP)
			}
			wantCounters(t, db, o, e, 1, 0)
		})
		t.Run("ErrCancelErased", func(t *testing.T) {
			_, err := db.CancelRSVPByToken(ctx, annRes.ManageToken)
			wantCode(t, err, domain.EGONE, "rsvp_erased")
			wantCounters(t, db, o, e, 1, 0)
		})
		t.Run("SameAddressAgain", func(t *testing.T) {
			r, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ann", Email: strings.ToUpper(ann)})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Created || r.RSVP.ID == annRes.RSVP.ID || r.ManageToken == "" || r.RSVP.Status != domain.RSVPWaitlisted {
				t.Fatalf("RSVP after erasure: %+v", r)
			}
			wantCounters(t, db, o, e, 1, 1)
		})
	})
}

// TestEraseCases: erasure of RSVPs in other states, and of the invitation
// and confirmation request that led to one.
func TestEraseCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// The RSVP of an event under way keeps counting.
		t.Run("AfterStart", func(t *testing.T) {
			o, e := openEvent(t, db, 5, domain.ConfirmNone)
			res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Cy", Email: email("cy")})
			if err != nil {
				t.Fatal(err)
			}
			setNow(t, db, e.StartsAt.Add(30*time.Minute))
			v, err := db.EraseRSVPByToken(ctx, res.ManageToken)
			if err != nil {
				t.Fatal(err)
			}
			if v.RSVP.Status != domain.RSVPGoing || v.RSVP.ErasedAt == nil || v.RSVP.Name != "" || v.RSVP.Email != "" {
				t.Fatalf("erase after start: %+v", v.RSVP)
			}
			wantCounters(t, db, o, e, 1, 0)
			if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'rsvp_cancelled'`, res.RSVP.ID); n != 0 {
				t.Fatalf("%d cancellations for an RSVP that still counts", n)
			}
			got, err := db.FindRSVPByToken(ctx, res.ManageToken)
			if err != nil || got.RSVP.Status != domain.RSVPGoing || got.RSVP.ErasedAt == nil {
				t.Fatalf("stored: %+v %v", got.RSVP, err)
			}
		})
		// A waitlisted RSVP leaves the line.
		t.Run("Waitlisted", func(t *testing.T) {
			o, e := openEvent(t, db, 1, domain.ConfirmNone)
			var toks []string
			for _, n := range []string{"a", "b", "c"} {
				r, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: n, Email: email(n)})
				if err != nil {
					t.Fatal(err)
				}
				toks = append(toks, r.ManageToken)
			}
			if _, err := db.EraseRSVPByToken(ctx, toks[1]); err != nil {
				t.Fatal(err)
			}
			wantCounters(t, db, o, e, 1, 1)
			v, err := db.FindRSVPByToken(ctx, toks[2])
			if err != nil || v.RSVP.Status != domain.RSVPWaitlisted || v.RSVP.WaitlistPosition != 1 {
				t.Fatalf("third in line: %+v %v", v.RSVP, err)
			}
		})
		// The invitation that led to the RSVP is anonymised; the address may
		// be invited again.
		t.Run("Invitation", func(t *testing.T) {
			o, e := openEvent(t, db, 5, domain.ConfirmNone)
			dee := email("dee")
			inv, tok := inviteOne(t, db, o, e, dee, "Dee")
			ans, err := db.AcceptInvitation(ctx, tok, "")
			if err != nil {
				t.Fatal(err)
			}
			x, err := db.ExportRSVPByToken(ctx, ans.Result.ManageToken)
			if err != nil || x.Invitation == nil || x.Invitation.ID != inv.ID || x.Invitation.Email != dee {
				t.Fatalf("export of an invited RSVP: %+v %v", x.Invitation, err)
			}
			if _, err := db.EraseRSVPByToken(ctx, ans.Result.ManageToken); err != nil {
				t.Fatal(err)
			}
			wantCounters(t, db, o, e, 0, 0)
			p, err := db.ListInvitations(ctx, o.ID, e.ID, domain.InvitationFilter{})
			if err != nil || len(p.Items) != 1 {
				t.Fatalf("invitations: %+v %v", p.Items, err)
			}
			if got := p.Items[0]; got.Email != "" || got.Name != "" {
				t.Fatalf("the invitation still names %q <%s>", got.Name, got.Email)
			}
			if n := addressKept(t, db, dee); n != 0 {
				t.Fatalf("%d rows still hold the erased address", n)
			}
			// The organiser may invite the address again.
			b, err := db.CreateInvitations(ctx, o.ID, e.ID, domain.InvitationRequest{Recipients: []domain.InvitationRecipient{{Email: dee}}})
			if err != nil || b.Invited != 1 {
				t.Fatalf("invite again: %+v %v", b, err)
			}
		})
		// The confirmation request that led to the RSVP is deleted.
		t.Run("Confirmation", func(t *testing.T) {
			o, e := openEvent(t, db, 5, domain.ConfirmEmail)
			eve := email("eve")
			_, tok := askToConfirm(t, db, e, "Eve", eve)
			r, err := db.ConfirmRSVP(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.EraseRSVPByToken(ctx, r.ManageToken); err != nil {
				t.Fatal(err)
			}
			wantCounters(t, db, o, e, 0, 0)
			_, err = db.FindPendingByToken(ctx, tok)
			wantCode(t, err, domain.ENOTFOUND, "confirmation_not_found")
			_, err = db.ConfirmRSVP(ctx, tok)
			wantCode(t, err, domain.ENOTFOUND, "confirmation_not_found")
			if n := addressKept(t, db, eve); n != 0 {
				t.Fatalf("%d rows still hold the erased address", n)
			}
		})
	})
}

// TestEraseEarlierRSVPOfTheAddress: someone who RSVPed, cancelled and
// RSVPed again to one event, then asks for their data to be erased, must
// not stay visible to the organiser through the earlier, cancelled RSVP.
func TestEraseEarlierRSVPOfTheAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := openEvent(t, db, 5, domain.ConfirmNone)
		gus := email("gus")
		first, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Gus", Email: gus})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CancelRSVPByToken(ctx, first.ManageToken); err != nil {
			t.Fatal(err)
		}
		second, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Gus", Email: gus})
		if err != nil || !second.Created {
			t.Fatalf("second RSVP: %+v %v", second, err)
		}
		if _, err := db.EraseRSVPByToken(ctx, second.ManageToken); err != nil {
			t.Fatal(err)
		}
		p, err := db.ListRSVPs(ctx, o.ID, e.ID, domain.RSVPFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Items {
			if r.Name != "" || r.Email != "" {
				t.Errorf("after erasure the organiser still sees RSVP %s (%s) of %q <%s>", r.ID, r.Status, r.Name, r.Email)
			}
		}
	})
}

// TestEraseReachesInvitationLinks: after erasure, invitation links to the
// event hold nothing more to send or to answer with.
func TestEraseReachesInvitationLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("QueuedInvitationNotSent", func(t *testing.T) {
			// Lee RSVPed on the event page; the organiser invites Lee too;
			// Lee erases their data before the invitation went out.
			o, e := openEvent(t, db, 5, domain.ConfirmNone)
			lee := email("lee")
			r, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Lee", Email: lee})
			if err != nil {
				t.Fatal(err)
			}
			b, err := db.CreateInvitations(ctx, o.ID, e.ID, domain.InvitationRequest{Recipients: []domain.InvitationRecipient{{Email: lee, Name: "Lee"}}})
			if err != nil || b.Invited != 1 {
				t.Fatalf("invite: %+v %v", b, err)
			}
			if _, err := db.EraseRSVPByToken(ctx, r.ManageToken); err != nil {
				t.Fatal(err)
			}
			if n := addressKept(t, db, lee); n != 0 {
				t.Fatalf("%d rows still hold the erased address", n)
			}
			// The invitation is gone, or at least has nothing to send.
			out, tok, err := db.LoadInvitation(ctx, b.Invitations[0].ID)
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok != "" {
				t.Errorf("the queued invitation of an erased address is still to be sent (to %q, status %s): "+
					"LoadInvitation must return no token when nothing is to be sent", out.Invitation.Email, out.Invitation.Status)
			}
		})
		t.Run("AcceptAfterErasure", func(t *testing.T) {
			o, e := openEvent(t, db, 5, domain.ConfirmNone)
			_, tok := inviteOne(t, db, o, e, email("kim"), "Kim")
			ans, err := db.AcceptInvitation(ctx, tok, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.EraseRSVPByToken(ctx, ans.Result.ManageToken); err != nil {
				t.Fatal(err)
			}
			// Saying yes again through the invitation link cannot make an
			// RSVP (the address is gone); it must say the data was erased
			// rather than ask for an e-mail field the page does not have.
			_, err = db.AcceptInvitation(ctx, tok, "Kim")
			wantCode(t, err, domain.EGONE, "")
			wantCounters(t, db, o, e, 0, 0)
		})
	})
}
