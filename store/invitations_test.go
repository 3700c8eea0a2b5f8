package store_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// The helpers below are shared by invitations_test.go, pending_test.go and
// erase_test.go.

// openEvent creates an organiser, a group and a published event starting on
// 30 March 2031 at 16:00 UTC with the capacity, a waitlist, and the RSVP
// confirmation setting.
func openEvent(t *testing.T, db *store.DB, capacity int, confirm domain.RSVPConfirmation) (domain.Organiser, domain.Event) {
	t.Helper()
	o, err := db.CreateOrganiser(ctx, email("owner"), "Olga Owner")
	if err != nil {
		t.Fatal(err)
	}
	g := newGroup(t, db, o.ID)
	start := db.Clock().Now().UTC().AddDate(0, 3, 0).Truncate(time.Hour)
	c := capacity
	e, err := db.CreateEvent(ctx, o.ID, g.ID, domain.Event{Title: "Open " + storetest.Unique(), Kind: domain.KindLiveSession,
		StartsAt: start, EndsAt: start.Add(time.Hour), OnlineURL: "https://meet.example.org/x", Waitlist: true,
		Capacity: &c, RSVPConfirmation: confirm})
	if err != nil {
		t.Fatal(err)
	}
	if e, err = db.PublishEvent(ctx, o.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	if e.RSVPConfirmation != confirm {
		t.Fatalf("event confirmation %q, want %q", e.RSVPConfirmation, confirm)
	}
	return o, e
}

// setNow makes the store's clock say now until the (sub)test ends, when
// the clock it replaced is back.
func setNow(t *testing.T, db *store.DB, now time.Time) {
	t.Helper()
	storetest.ClockOf(t, db).Freeze(now.UTC())
}

// jobsOfKind counts the queued jobs of a kind.
func jobsOfKind(t *testing.T, db *store.DB, kind string) int {
	t.Helper()
	return count(t, db, `SELECT count(*) FROM river_job WHERE kind = ?`, kind)
}

// jobsFor counts the jobs of a kind whose argument key (a JSON field of the
// job's arguments) is id.
func jobsFor(t *testing.T, db *store.DB, kind, key, id string) int {
	t.Helper()
	return count(t, db, `SELECT count(*) FROM river_job WHERE kind = ? AND args->>'`+key+`' = ?`, kind, id)
}

// eventNow returns the event as its organiser sees it now.
func eventNow(t *testing.T, db *store.DB, o domain.Organiser, e domain.Event) domain.Event {
	t.Helper()
	got, err := db.FindEvent(ctx, o.ID, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// wantCounters fails unless the event has going and waitlisted people.
func wantCounters(t *testing.T, db *store.DB, o domain.Organiser, e domain.Event, going, waitlisted int) {
	t.Helper()
	got := eventNow(t, db, o, e)
	if got.GoingCount != going || got.WaitlistCount != waitlisted {
		t.Fatalf("event counts going=%d waitlisted=%d, want going=%d waitlisted=%d", got.GoingCount, got.WaitlistCount, going, waitlisted)
	}
}

// invitationsByEmail lists an event's invitations by address.
func invitationsByEmail(t *testing.T, db *store.DB, o domain.Organiser, e domain.Event) map[string]domain.Invitation {
	t.Helper()
	p, err := db.ListInvitations(ctx, o.ID, e.ID, domain.InvitationFilter{ListOptions: domain.ListOptions{Limit: domain.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]domain.Invitation{}
	for _, inv := range p.Items {
		out[inv.Email] = inv
	}
	return out
}

// inviteOne invites one address (with a name) and returns its invitation
// and the link token of its e-mail.
func inviteOne(t *testing.T, db *store.DB, o domain.Organiser, e domain.Event, addr, name string) (domain.Invitation, string) {
	t.Helper()
	b, err := db.CreateInvitations(ctx, o.ID, e.ID, domain.InvitationRequest{Recipients: []domain.InvitationRecipient{{Email: addr, Name: name}}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Invited != 1 || len(b.Invitations) != 1 {
		t.Fatalf("invite %s: invited %d, %d invitations", addr, b.Invited, len(b.Invitations))
	}
	_, tok, err := db.LoadInvitation(ctx, b.Invitations[0].ID)
	if err != nil || tok == "" {
		t.Fatalf("load invitation: token %q, %v", tok, err)
	}
	return b.Invitations[0], tok
}

func fieldNames(err error) []string {
	de, _ := err.(*domain.Error)
	if de == nil {
		return nil
	}
	var out []string
	for _, f := range de.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestInvitations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := openEvent(t, db, 1, domain.ConfirmNone)
		ann, bob := email("ann"), email("bob")
		req := domain.InvitationRequest{Message: "Come along!", Recipients: []domain.InvitationRecipient{
			{Email: ann, Name: "Ann"}, {Email: bob}, {Email: strings.ToUpper(ann), Name: "Someone Else"}}}
		jobsBefore := jobsOfKind(t, db, "send_invitation")
		b, err := db.CreateInvitations(ctx, o.ID, e.ID, req)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("DuplicateAddressInvitedOnce", func(t *testing.T) {
			// The API documents already_invited as "addresses invited
			// before (or twice in this request)".
			if b.Invited != 2 || b.AlreadyInvited != 1 {
				t.Errorf("invited %d, already invited %d; want 2 and 1 (the same address twice in one request)", b.Invited, b.AlreadyInvited)
			}
			if n := jobsOfKind(t, db, "send_invitation") - jobsBefore; n != 2 {
				t.Errorf("%d send_invitation jobs, want 2", n)
			}
		})
		var annInv, bobInv domain.Invitation
		t.Run("RequestOrder", func(t *testing.T) {
			var order []string
			seen := map[string]bool{}
			for _, inv := range b.Invitations {
				if !seen[inv.ID] {
					seen[inv.ID] = true
					order = append(order, inv.Email)
				}
				if inv.EventID != e.ID || inv.Status != domain.InvitationQueued || inv.Message != req.Message {
					t.Errorf("invitation %+v", inv)
				}
			}
			if diff := cmp.Diff([]string{ann, bob}, order); diff != "" {
				t.Fatalf("invitations not in request order (-want +got):\n%s", diff)
			}
			annInv, bobInv = b.Invitations[0], b.Invitations[1]
			if annInv.Name != "Ann" || bobInv.Name != "" {
				t.Errorf("names %q %q: the first mention's name counts", annInv.Name, bobInv.Name)
			}
			for _, inv := range []domain.Invitation{annInv, bobInv} {
				if n := jobsFor(t, db, "send_invitation", "invitation_id", inv.ID); n != 1 {
					t.Errorf("%d send_invitation jobs for %s, want 1", n, inv.Email)
				}
			}
		})
		if annInv.ID == "" {
			t.FailNow()
		}
		t.Run("AgainSendsNothing", func(t *testing.T) {
			before := jobsOfKind(t, db, "send_invitation")
			again, err := db.CreateInvitations(ctx, o.ID, e.ID, domain.InvitationRequest{Recipients: []domain.InvitationRecipient{{Email: bob}, {Email: ann}}})
			if err != nil {
				t.Fatal(err)
			}
			if again.Invited != 0 || again.AlreadyInvited != 2 {
				t.Errorf("invited %d, already invited %d; want 0 and 2", again.Invited, again.AlreadyInvited)
			}
			if n := jobsOfKind(t, db, "send_invitation"); n != before {
				t.Errorf("inviting again queued %d more e-mails", n-before)
			}
			if len(again.Invitations) != 2 || again.Invitations[0].ID != bobInv.ID || again.Invitations[1].ID != annInv.ID {
				t.Errorf("the earlier invitations, in request order, were not returned: %+v", again.Invitations)
			}
		})
		t.Run("ErrInvalidRecipient", func(t *testing.T) {
			_, err := db.CreateInvitations(ctx, o.ID, e.ID, domain.InvitationRequest{Recipients: []domain.InvitationRecipient{{Email: email("ok")}, {Email: "nope@"}}})
			wantCode(t, err, domain.EINVALID, "validation_failed")
			if diff := cmp.Diff([]string{"recipients[1].email"}, fieldNames(err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrDraft", func(t *testing.T) {
			draft := newEvent(t, db, o.ID, e.GroupID, "Draft "+storetest.Unique())
			_, err := db.CreateInvitations(ctx, o.ID, draft.ID, domain.InvitationRequest{Recipients: []domain.InvitationRecipient{{Email: email("d")}}})
			wantCode(t, err, domain.ECONFLICT, "event_not_published")
		})
		t.Run("ErrNotMember", func(t *testing.T) {
			stranger, _ := db.CreateOrganiser(ctx, email("stranger"), "Stranger")
			_, err := db.CreateInvitations(ctx, stranger.ID, e.ID, domain.InvitationRequest{Recipients: []domain.InvitationRecipient{{Email: email("s")}}})
			wantCode(t, err, domain.ENOTFOUND, "event_not_found")
			_, err = db.ListInvitations(ctx, stranger.ID, e.ID, domain.InvitationFilter{})
			wantCode(t, err, domain.ENOTFOUND, "")
		})
		t.Run("ErrCancelled", func(t *testing.T) {
			o2, e2 := openEvent(t, db, 5, domain.ConfirmNone)
			if _, err := db.CancelEvent(ctx, o2.ID, e2.ID, "Snow"); err != nil {
				t.Fatal(err)
			}
			_, err := db.CreateInvitations(ctx, o2.ID, e2.ID, domain.InvitationRequest{Recipients: []domain.InvitationRecipient{{Email: email("c")}}})
			wantCode(t, err, domain.ECONFLICT, "event_cancelled")
		})

		// The e-mail job loads each invitation with a fresh link token.
		out, annTok, err := db.LoadInvitation(ctx, annInv.ID)
		if err != nil || annTok == "" {
			t.Fatalf("load invitation: token %q, %v", annTok, err)
		}
		if out.Invitation.Email != ann || out.Event.ID != e.ID || out.InvitedBy != "Olga Owner" || out.OrganizerEmail != o.Email {
			t.Fatalf("outgoing invitation: %+v", out)
		}
		_, bobTok, err := db.LoadInvitation(ctx, bobInv.ID)
		if err != nil || bobTok == "" {
			t.Fatalf("load invitation: token %q, %v", bobTok, err)
		}
		t.Run("FindByToken", func(t *testing.T) {
			v, err := db.FindInvitationByToken(ctx, annTok)
			if err != nil {
				t.Fatal(err)
			}
			if v.Invitation.ID != annInv.ID || v.Event.ID != e.ID || v.Group.ID != e.GroupID || v.RSVP != nil || v.Invitation.Message != "Come along!" {
				t.Fatalf("view: %+v", v)
			}
			_, err = db.FindInvitationByToken(ctx, annTok+"x")
			wantCode(t, err, domain.ENOTFOUND, "invitation_not_found")
			_, err = db.AcceptInvitation(ctx, "no-such-token-at-all-000000", "X", "")
			wantCode(t, err, domain.ENOTFOUND, "invitation_not_found")
			_, err = db.DeclineInvitation(ctx, "no-such-token-at-all-000000")
			wantCode(t, err, domain.ENOTFOUND, "invitation_not_found")
		})
		t.Run("RetriedSendKeepsEarlierLinks", func(t *testing.T) {
			// A retried job mints another link; the one in an e-mail that
			// did arrive must still work.
			_, again, err := db.LoadInvitation(ctx, annInv.ID)
			if err != nil || again == "" || again == annTok {
				t.Fatalf("second load: %q %v", again, err)
			}
			for _, tok := range []string{annTok, again} {
				if v, err := db.FindInvitationByToken(ctx, tok); err != nil || v.Invitation.ID != annInv.ID {
					t.Fatalf("link %q: %v %v", tok, v.Invitation.ID, err)
				}
			}
		})

		var annAns domain.InvitationAnswer
		t.Run("AcceptGoingThenWaitlisted", func(t *testing.T) {
			annAns, err = db.AcceptInvitation(ctx, annTok, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if r := annAns.Result; r.RSVP.Status != domain.RSVPGoing || !r.Created || r.ManageToken == "" || r.RSVP.Name != "Ann" || r.RSVP.Email != ann {
				t.Fatalf("first accept: %+v", r)
			}
			if v := annAns.View; v.Invitation.Status != domain.InvitationAccepted || v.Invitation.RSVPID != annAns.Result.RSVP.ID ||
				v.RSVP == nil || v.RSVP.ID != annAns.Result.RSVP.ID || v.Invitation.RespondedAt == nil {
				t.Fatalf("view after accepting: %+v", v)
			}
			// The organiser gave Bob no name, and he gives none.
			_, err := db.AcceptInvitation(ctx, bobTok, "  ", "")
			wantCode(t, err, domain.EINVALID, "")
			if diff := cmp.Diff([]string{"name"}, fieldNames(err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			bobAns, err := db.AcceptInvitation(ctx, bobTok, "Bob", "")
			if err != nil {
				t.Fatal(err)
			}
			if r := bobAns.Result; r.RSVP.Status != domain.RSVPWaitlisted || r.RSVP.WaitlistPosition != 1 || !r.Created || r.RSVP.Name != "Bob" {
				t.Fatalf("second accept (capacity 1): %+v", r)
			}
			wantCounters(t, db, o, e, 1, 1)
			got := invitationsByEmail(t, db, o, e)
			if got[ann].Status != domain.InvitationAccepted || got[ann].RSVPID != annAns.Result.RSVP.ID {
				t.Errorf("Ann's invitation: %+v", got[ann])
			}
			if got[bob].Status != domain.InvitationAccepted || got[bob].RSVPID != bobAns.Result.RSVP.ID || got[bob].Name != "Bob" {
				t.Errorf("Bob's invitation: %+v", got[bob])
			}
			// Each accepted person is sent what their RSVP says.
			if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'going'`, annAns.Result.RSVP.ID); n != 1 {
				t.Errorf("%d going e-mails for Ann", n)
			}
			if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'waitlisted'`, bobAns.Result.RSVP.ID); n != 1 {
				t.Errorf("%d waitlisted e-mails for Bob", n)
			}
		})
		if annAns.Result.RSVP.ID == "" {
			t.FailNow()
		}
		t.Run("AcceptAgainSameRSVP", func(t *testing.T) {
			again, err := db.AcceptInvitation(ctx, annTok, "Ann B.", "")
			if err != nil {
				t.Fatal(err)
			}
			if again.Result.RSVP.ID != annAns.Result.RSVP.ID || again.Result.Created || again.Result.RSVP.Status != domain.RSVPGoing {
				t.Fatalf("accepting again: %+v", again.Result)
			}
			// The same link: answering again mints no new credential.
			if again.Result.ManageToken == "" || again.Result.ManageToken != annAns.Result.ManageToken {
				t.Fatalf("accepting again gave manage token %q, then %q", annAns.Result.ManageToken, again.Result.ManageToken)
			}
			v, err := db.FindRSVPByToken(ctx, again.Result.ManageToken)
			if err != nil || v.RSVP.ID != annAns.Result.RSVP.ID {
				t.Fatalf("manage token: %v %v", v.RSVP.ID, err)
			}
			wantCounters(t, db, o, e, 1, 1)
		})
		var bobRSVP string
		t.Run("DeclinePromotesNextInLine", func(t *testing.T) {
			v, err := db.DeclineInvitation(ctx, annTok)
			if err != nil {
				t.Fatal(err)
			}
			if v.Invitation.Status != domain.InvitationDeclined || v.Event.GoingCount != 1 || v.Event.WaitlistCount != 0 {
				t.Fatalf("view after declining: %+v (event going=%d waitlisted=%d)", v.Invitation, v.Event.GoingCount, v.Event.WaitlistCount)
			}
			if v.RSVP != nil && v.RSVP.Status != domain.RSVPCancelled {
				t.Fatalf("declined RSVP still %s", v.RSVP.Status)
			}
			annView, err := db.FindRSVPByToken(ctx, annAns.Result.ManageToken)
			if err != nil || annView.RSVP.Status != domain.RSVPCancelled {
				t.Fatalf("Ann's RSVP after declining: %v %v", annView.RSVP.Status, err)
			}
			bv, err := db.FindInvitationByToken(ctx, bobTok)
			if err != nil || bv.RSVP == nil || bv.RSVP.Status != domain.RSVPGoing {
				t.Fatalf("Bob was not promoted: %+v %v", bv.RSVP, err)
			}
			bobRSVP = bv.RSVP.ID
			wantCounters(t, db, o, e, 1, 0)
			if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'rsvp_cancelled'`, annAns.Result.RSVP.ID); n != 1 {
				t.Errorf("%d calendar cancellations for Ann", n)
			}
			if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'going'`, bobRSVP); n != 1 {
				t.Errorf("%d invites for promoted Bob", n)
			}
			// Declining twice is harmless.
			if _, err := db.DeclineInvitation(ctx, annTok); err != nil {
				t.Fatalf("declining twice: %v", err)
			}
			wantCounters(t, db, o, e, 1, 0)
		})

		cy, dee, eve := email("cy"), email("dee"), email("eve")
		cyInv, _ := inviteOne(t, db, o, e, cy, "Cy")
		deeInv, _ := inviteOne(t, db, o, e, dee, "Dee")
		eveInv, _ := inviteOne(t, db, o, e, eve, "Eve")
		t.Run("ListByStatus", func(t *testing.T) {
			for status, want := range map[domain.InvitationStatus][]string{
				domain.InvitationAccepted: {bob},
				domain.InvitationDeclined: {ann},
				domain.InvitationQueued:   {cy, dee, eve},
				"":                        {ann, bob, cy, dee, eve},
			} {
				p, err := db.ListInvitations(ctx, o.ID, e.ID, domain.InvitationFilter{Status: status})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, inv := range p.Items {
					got = append(got, inv.Email)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("status %q (-want +got):\n%s", status, diff)
				}
			}
			// Pages of two, in order.
			var got []string
			f := domain.InvitationFilter{ListOptions: domain.ListOptions{Limit: 2}}
			for {
				p, err := db.ListInvitations(ctx, o.ID, e.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, inv := range p.Items {
					got = append(got, inv.Email)
				}
				if p.NextCursor == "" {
					break
				}
				f.Cursor = p.NextCursor
			}
			if diff := cmp.Diff([]string{ann, bob, cy, dee, eve}, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
		t.Run("Mark", func(t *testing.T) {
			if err := db.MarkInvitation(ctx, cyInv.ID, domain.InvitationQueued, "421 try later"); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkInvitation(ctx, cyInv.ID, domain.InvitationSent, ""); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkInvitation(ctx, deeInv.ID, domain.InvitationBounced, "550 no such user"); err != nil {
				t.Fatal(err)
			}
			if err := db.MarkInvitation(ctx, bobInv.ID, domain.InvitationSent, ""); err != nil {
				t.Fatal(err)
			}
			got := invitationsByEmail(t, db, o, e)
			if c := got[cy]; c.Status != domain.InvitationSent || c.SentAt == nil || c.Attempts != 2 {
				t.Errorf("sent after a retry: %+v", c)
			}
			if d := got[dee]; d.Status != domain.InvitationBounced || d.SentAt != nil || d.LastError != "550 no such user" || d.Attempts != 1 {
				t.Errorf("bounced: %+v", d)
			}
			if b := got[bob]; b.Status != domain.InvitationAccepted || b.SentAt == nil || b.RSVPID != bobRSVP {
				t.Errorf("sent after accepting must stay accepted: %+v", b)
			}
			if q := got[eve]; q.Status != domain.InvitationQueued || q.Attempts != 0 {
				t.Errorf("untouched: %+v", q)
			}
			// Once sent or bounced, there is nothing more to send.
			for _, id := range []string{cyInv.ID, deeInv.ID, bobInv.ID} {
				if _, tok, err := db.LoadInvitation(ctx, id); err != nil || tok != "" {
					t.Errorf("load %s after marking: token %q, %v", id, tok, err)
				}
			}
			if _, tok, err := db.LoadInvitation(ctx, eveInv.ID); err != nil || tok == "" {
				t.Errorf("queued invitation: token %q, %v", tok, err)
			}
		})
		t.Run("AcceptAfterDeclining", func(t *testing.T) {
			// Ann changes her mind: her seat went to Bob, so she joins the line.
			ans, err := db.AcceptInvitation(ctx, annTok, "", "")
			if err != nil {
				t.Fatal(err)
			}
			r := ans.Result
			if !r.Created || r.RSVP.ID == annAns.Result.RSVP.ID || r.RSVP.Status != domain.RSVPWaitlisted || r.RSVP.WaitlistPosition != 1 || r.ManageToken == "" {
				t.Fatalf("accepting after declining: %+v", r)
			}
			if inv := ans.View.Invitation; inv.Status != domain.InvitationAccepted || inv.RSVPID != r.RSVP.ID {
				t.Fatalf("invitation: %+v", inv)
			}
			wantCounters(t, db, o, e, 1, 1)
		})
	})
}

// TestAnswerLinks: what the links in invitation and confirmation e-mails do
// in less common cases.
func TestAnswerLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// An invited address that already RSVPed on the event page gets its
		// RSVP back, not a second one.
		t.Run("InvitationOpensExistingRSVP", func(t *testing.T) {
			o, e := openEvent(t, db, 5, domain.ConfirmNone)
			addr := email("fay")
			res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Fay", Email: addr})
			if err != nil {
				t.Fatal(err)
			}
			_, tok := inviteOne(t, db, o, e, strings.ToUpper(addr), "")
			ans, err := db.AcceptInvitation(ctx, tok, "Fay", "")
			if err != nil {
				t.Fatal(err)
			}
			if ans.Result.RSVP.ID != res.RSVP.ID || ans.Result.Created || ans.Result.ManageToken == "" {
				t.Fatalf("accept: %+v", ans.Result)
			}
			if v, err := db.FindRSVPByToken(ctx, ans.Result.ManageToken); err != nil || v.RSVP.ID != res.RSVP.ID {
				t.Fatalf("manage token: %v %v", v.RSVP.ID, err)
			}
			wantCounters(t, db, o, e, 1, 0)
		})
		// The invitation link came by e-mail, so accepting it on an event
		// that asks for e-mail confirmation takes a seat at once; the
		// person's own confirmation link then opens that RSVP.
		t.Run("InvitationNeedsNoConfirmation", func(t *testing.T) {
			o, e := openEvent(t, db, 2, domain.ConfirmEmail)
			jo := email("jo")
			_, confirmTok := askToConfirm(t, db, e, "Jo", jo)
			_, tok := inviteOne(t, db, o, e, jo, "Jo")
			before := jobsOfKind(t, db, "send_confirmation")
			ans, err := db.AcceptInvitation(ctx, tok, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if ans.Result.Pending != nil || !ans.Result.Created || ans.Result.RSVP.Status != domain.RSVPGoing {
				t.Fatalf("accept on an event asking for confirmation: %+v", ans.Result)
			}
			if n := jobsOfKind(t, db, "send_confirmation"); n != before {
				t.Fatalf("accepting an invitation queued %d confirmation e-mails", n-before)
			}
			r, err := db.ConfirmRSVP(ctx, confirmTok)
			if err != nil || r.RSVP.ID != ans.Result.RSVP.ID || r.Created || r.ManageToken == "" {
				t.Fatalf("confirming after accepting: %+v %v", r, err)
			}
			wantCounters(t, db, o, e, 1, 0)
		})
		// People click links twice, sometimes at once. Each link makes one
		// RSVP, however many clicks arrive together.
		t.Run("DoubleClicks", func(t *testing.T) {
			clicks := func(t *testing.T, click func() (domain.RSVPResult, error)) {
				t.Helper()
				const n = 4
				results := make([]domain.RSVPResult, n)
				errs := make([]error, n)
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						results[i], errs[i] = click()
					}()
				}
				close(start)
				wg.Wait()
				created := 0
				for i, r := range results {
					if errs[i] != nil {
						t.Fatalf("click %d: %v", i, errs[i])
					}
					if r.RSVP.ID != results[0].RSVP.ID || r.ManageToken == "" {
						t.Fatalf("click %d: RSVP %s (token %q), first click %s", i, r.RSVP.ID, r.ManageToken, results[0].RSVP.ID)
					}
					if r.Created {
						created++
					}
				}
				if created != 1 {
					t.Fatalf("%d clicks say they created the RSVP, want 1", created)
				}
			}
			t.Run("Accept", func(t *testing.T) {
				o, e := openEvent(t, db, 1, domain.ConfirmNone)
				_, tok := inviteOne(t, db, o, e, email("hal"), "Hal")
				clicks(t, func() (domain.RSVPResult, error) {
					a, err := db.AcceptInvitation(ctx, tok, "", "")
					return a.Result, err
				})
				wantCounters(t, db, o, e, 1, 0)
			})
			t.Run("Confirm", func(t *testing.T) {
				o, e := openEvent(t, db, 1, domain.ConfirmEmail)
				_, tok := askToConfirm(t, db, e, "Ida", email("ida"))
				clicks(t, func() (domain.RSVPResult, error) { return db.ConfirmRSVP(ctx, tok) })
				wantCounters(t, db, o, e, 1, 0)
			})
		})
	})
}
