package store_test

import (
	"fmt"
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
			ans, err := db.AcceptInvitation(ctx, tok, "", "")
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

// TestEraseThroughAnEarlierLink: erasing through the link of an earlier,
// cancelled RSVP gives up the place the address holds now, as erasing
// through the link of that RSVP does: no nameless RSVP keeps a seat.
func TestEraseThroughAnEarlierLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := openEvent(t, db, 1, domain.ConfirmNone)
		gus := email("gus")
		first, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Gus", Email: gus})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CancelRSVPByToken(ctx, first.ManageToken); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Gus", Email: gus}); err != nil {
			t.Fatal(err)
		}
		next, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Hal", Email: email("hal")})
		if err != nil || next.RSVP.Status != domain.RSVPWaitlisted {
			t.Fatalf("Hal: %+v %v", next.RSVP, err)
		}
		if _, err := db.EraseRSVPByToken(ctx, first.ManageToken); err != nil {
			t.Fatal(err)
		}
		wantCounters(t, db, o, e, 1, 0)
		if v, err := db.FindRSVPByToken(ctx, next.ManageToken); err != nil || v.RSVP.Status != domain.RSVPGoing {
			t.Fatalf("Hal after Gus's erasure: %+v %v; want going (Gus's seat)", v.RSVP.Status, err)
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
			ans, err := db.AcceptInvitation(ctx, tok, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.EraseRSVPByToken(ctx, ans.Result.ManageToken); err != nil {
				t.Fatal(err)
			}
			// Saying yes again through the invitation link cannot make an
			// RSVP (the address is gone); it must say the data was erased
			// rather than ask for an e-mail field the page does not have.
			_, err = db.AcceptInvitation(ctx, tok, "Kim", "")
			wantCode(t, err, domain.EGONE, "")
			wantCounters(t, db, o, e, 0, 0)
		})
	})
}

// rowsHolding counts, per table, the rows of the whole database in which
// any column holds one of the strings (in any case): where a person's name
// or address still sits, whatever the table.
func rowsHolding(t *testing.T, db *store.DB, needles ...string) map[string]int {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.Dialect() == store.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	rows, err := db.SQL().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, table := range tables {
		rows, err := db.SQL().QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, v := range vals {
				if s, ok := v.([]byte); ok {
					b.Write(s)
				} else {
					fmt.Fprint(&b, v)
				}
				b.WriteByte(0)
			}
			row := strings.ToLower(b.String())
			for _, n := range needles {
				if strings.Contains(row, strings.ToLower(n)) {
					found[table]++
					break
				}
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return found
}

// TestEraseAcrossSeries: erasing one's data on any occurrence of a series
// erases it from every occurrence — past ones keep counting, upcoming
// places are given up — and ends the following of the series, so that the
// next occurrence signs nobody up or invites nobody again with the name
// and address. An organiser's erasure reaches as far. RSVPs of the same
// address to events outside the series stay as they are.
func TestEraseAcrossSeries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		setNow(t, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		o, err := db.CreateOrganiser(ctx, email("host"), "Hana Host")
		if err != nil {
			t.Fatal(err)
		}
		g := newGroup(t, db, o.ID)
		seats := 3
		sv, err := db.CreateSeries(ctx, o.ID, g.ID, domain.Series{Slug: "weekly-" + storetest.Unique(), Title: "Weekly essentials",
			Kind: domain.KindLiveSession, RRule: "FREQ=WEEKLY;BYDAY=TU", StartsAt: time.Date(2026, 12, 8, 17, 0, 0, 0, berlin),
			Duration: time.Hour, TimeZone: "Europe/Berlin", OnlineURL: "https://meet.example.org/w", Capacity: &seats,
			Waitlist: true, Ahead: 2})
		if err != nil {
			t.Fatal(err)
		}
		o1, o2 := sv.Occurrences[0], sv.Occurrences[1]
		u := storetest.Unique()
		person := func(n string) (string, string) { return n + " Q" + u, strings.ToLower(n) + "-" + u + "@example.org" }
		annName, ann := person("Ann")
		benName, ben := person("Ben")
		cyName, cy := person("Cy")
		id := func(q string, args ...any) string {
			t.Helper()
			var s string
			if err := db.SQL().QueryRowContext(ctx, storeQ(db, q), args...).Scan(&s); err != nil {
				t.Fatalf("%s %v: %v", q, args, err)
			}
			return s
		}
		follow := func(name, addr string, mode domain.FollowMode) {
			t.Helper()
			if err := db.FollowSeries(ctx, sv.Series.Slug, domain.FollowInput{Name: name, Email: addr, Mode: mode}); err != nil {
				t.Fatal(err)
			}
			fid := id(`SELECT id FROM series_followers WHERE email_norm = ?`, addr)
			_, tok, err := db.LoadFollowConfirmation(ctx, fid)
			if err != nil || tok == "" {
				t.Fatalf("follow confirmation of %s: %q %v", addr, tok, err)
			}
			if _, err := db.ConfirmFollow(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		// Ann and Cy are signed up for each occurrence, Ben invited.
		follow(annName, ann, domain.FollowRSVP)
		follow(cyName, cy, domain.FollowRSVP)
		follow(benName, ben, domain.FollowInvite)
		// Dee takes the last seat of the second occurrence; Eve waits.
		for _, n := range []string{"dee", "eve"} {
			if _, err := db.CreateRSVP(ctx, o2.Slug, domain.RSVPInput{Name: n, Email: email(n)}); err != nil {
				t.Fatal(err)
			}
		}
		// Ben says yes to the first occurrence.
		_, invTok, err := db.LoadInvitation(ctx, id(`SELECT id FROM invitations WHERE event_id = ? AND email_norm = ?`, o1.EventID, ben))
		if err != nil || invTok == "" {
			t.Fatalf("Ben's invitation: %q %v", invTok, err)
		}
		benAns, err := db.AcceptInvitation(ctx, invTok, "", "")
		if err != nil || benAns.Result.RSVP.Status != domain.RSVPGoing {
			t.Fatalf("Ben accepts: %+v %v", benAns.Result, err)
		}
		// Ann also replied to an event of the group outside the series.
		start := time.Date(2026, 12, 20, 17, 0, 0, 0, time.UTC)
		solo, err := db.CreateEvent(ctx, o.ID, g.ID, domain.Event{Title: "Solo " + u, Kind: domain.KindLiveSession, StartsAt: start,
			EndsAt: start.Add(time.Hour), OnlineURL: "https://meet.example.org/solo", Waitlist: true})
		if err != nil {
			t.Fatal(err)
		}
		if solo, err = db.PublishEvent(ctx, o.ID, solo.ID); err != nil {
			t.Fatal(err)
		}
		annSolo, err := db.CreateRSVP(ctx, solo.Slug, domain.RSVPInput{Name: annName, Email: ann})
		if err != nil {
			t.Fatal(err)
		}

		// The first occurrence is under way; Ann comes.
		setNow(t, db, o1.StartsAt.Add(30*time.Minute))
		annO1 := id(`SELECT id FROM rsvps WHERE event_id = ? AND email_norm = ?`, o1.EventID, ann)
		annO2 := id(`SELECT id FROM rsvps WHERE event_id = ? AND email_norm = ?`, o2.EventID, ann)
		cyO2 := id(`SELECT id FROM rsvps WHERE event_id = ? AND email_norm = ?`, o2.EventID, cy)
		if _, err := db.CheckIn(ctx, o.ID, o1.EventID, domain.CheckinRequest{RSVPID: annO1}); err != nil {
			t.Fatal(err)
		}
		// The first occurrence is over: Ann's attendance is on record.
		setNow(t, db, o1.StartsAt.Add(3*time.Hour))
		if n := derive(t, db, o1.EventID); n == 0 {
			t.Fatal("no contribution records for the first occurrence")
		}
		if n := count(t, db, `SELECT count(*) FROM contributions WHERE rsvp_id = ? AND email_norm = ?`, annO1, ann); n != 1 {
			t.Fatalf("%d contribution records of Ann's, want 1", n)
		}
		// A mail server refused an e-mail to each of Ann and Ben for good;
		// its answer, which the organisers see, names the address.
		refusal := func(addr string) string { return "RCPT TO <" + addr + ">: 550 5.1.1 No such user" }
		if err := db.MarkDelivery(ctx, id(`SELECT id FROM deliveries WHERE rsvp_id = ?`, annO1), domain.DeliveryFailed, refusal(ann)); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkInvitation(ctx, id(`SELECT id FROM invitations WHERE event_id = ? AND email_norm = ?`, o2.EventID, ben),
			domain.InvitationBounced, refusal(ben)); err != nil {
			t.Fatal(err)
		}
		annTok, err := db.MintManageToken(ctx, annO1) // the link in her e-mails
		if err != nil {
			t.Fatal(err)
		}
		annO2Tok, err := db.MintManageToken(ctx, annO2)
		if err != nil {
			t.Fatal(err)
		}

		// Ann erases on the page of the first occurrence, Ben on his, and
		// the organisers erase Cy (who asked them) from the second.
		if _, err := db.EraseRSVPByToken(ctx, annTok); err != nil {
			t.Fatal(err)
		}
		if _, err := db.EraseRSVPByToken(ctx, benAns.Result.ManageToken); err != nil {
			t.Fatal(err)
		}
		if _, err := db.EraseRSVP(ctx, o.ID, o2.EventID, cyO2); err != nil {
			t.Fatal(err)
		}
		// The next occurrence is made.
		if n, err := db.MaterialiseSeries(ctx); err != nil || n != 1 {
			t.Fatalf("materialised %d occurrences (%v), want 1", n, err)
		}

		t.Run("NothingRecreatedAtTheNextOccurrence", func(t *testing.T) {
			v, err := db.FindSeries(ctx, o.ID, sv.Series.ID)
			if err != nil || len(v.Occurrences) != 3 {
				t.Fatalf("series: %+v %v", v.Occurrences, err)
			}
			o3 := v.Occurrences[2]
			if n := count(t, db, `SELECT count(*) FROM rsvps WHERE event_id = ?`, o3.EventID) +
				count(t, db, `SELECT count(*) FROM invitations WHERE event_id = ?`, o3.EventID); n != 0 {
				t.Errorf("the next occurrence signed up or invited %d people, want none: all three erased their data", n)
			}
			if n := count(t, db, `SELECT count(*) FROM series_followers WHERE series_id = ?`, sv.Series.ID); n != 0 {
				t.Errorf("%d followers of the series are left, want none", n)
			}
		})
		t.Run("NoNameOrAddressInAnyRow", func(t *testing.T) {
			for _, p := range []struct{ name, addr string }{{benName, ben}, {cyName, cy}} {
				if got := rowsHolding(t, db, p.name, p.addr); len(got) != 0 {
					t.Errorf("rows still holding %s: %v", p.addr, got)
				}
			}
			// Ann's RSVP outside the series is hers to keep or erase.
			if got := rowsHolding(t, db, annName, ann); len(got) != 1 || got["rsvps"] != 1 {
				t.Errorf("rows holding %s: %v, want her RSVP to the other event only", ann, got)
			}
			v, err := db.FindRSVPByToken(ctx, annSolo.ManageToken)
			if err != nil || v.RSVP.Email != ann || v.RSVP.ErasedAt != nil || v.RSVP.Status != domain.RSVPGoing {
				t.Errorf("Ann's RSVP outside the series: %+v %v", v.RSVP, err)
			}
		})
		t.Run("FilesErasedAfterCommit", func(t *testing.T) {
			// The .eml files and the WAL are the job's, at once and once
			// more later; it knows the address by its tag alone (the
			// rows above hold no address, river_job included).
			for _, addr := range []string{ann, ben, cy} {
				if n := jobsFor(t, db, "erase_files", "address_tag", domain.AddressTag(addr)); n != 2 {
					t.Errorf("%d erase_files jobs for %s, want 2", n, addr)
				}
			}
		})
		t.Run("PastCountsUpcomingGivenUp", func(t *testing.T) {
			v, err := db.FindSeries(ctx, o.ID, sv.Series.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The first occurrence was over: Ann, Cy and Ben still count.
			if oc := v.Occurrences[0]; oc.Going != 3 || oc.Waitlist != 0 {
				t.Errorf("first occurrence: %d going, %d waiting; want 3 and 0", oc.Going, oc.Waitlist)
			}
			if st, err := db.EventStats(ctx, o.ID, o1.EventID); err != nil || st.Attended != 1 {
				t.Errorf("first occurrence attended %d (%v), want 1", st.Attended, err)
			}
			// Her record is withdrawn (the verify page says it no longer
			// stands), and names nobody.
			if n := count(t, db, `SELECT count(*) FROM contributions WHERE rsvp_id = ? AND withdrawn_at IS NOT NULL AND person_name = ''`, annO1); n != 1 {
				t.Errorf("Ann's contribution record is not withdrawn and nameless")
			}
			// The second had not: Ann's and Cy's places went to Dee and Eve.
			if oc := v.Occurrences[1]; oc.Going != 2 || oc.Waitlist != 0 {
				t.Errorf("second occurrence: %d going, %d waiting; want 2 (Dee, Eve promoted) and 0", oc.Going, oc.Waitlist)
			}
			a2, err := db.FindRSVPByToken(ctx, annO2Tok)
			if err != nil || a2.RSVP.Status != domain.RSVPCancelled || a2.RSVP.ErasedAt == nil {
				t.Errorf("Ann's RSVP to the second occurrence: %+v %v", a2.RSVP, err)
			}
			a1, err := db.FindRSVPByToken(ctx, annTok)
			if err != nil || a1.RSVP.Status != domain.RSVPGoing || a1.RSVP.AttendedAt == nil || a1.RSVP.ErasedAt == nil {
				t.Errorf("Ann's RSVP to the first occurrence: %+v %v", a1.RSVP, err)
			}
		})
	})
}
