package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// rsvpAll replies to the event as each name, with name@example.org.
func rsvpAll(t *testing.T, db *store.DB, e domain.Event, names ...string) []domain.RSVP {
	t.Helper()
	var out []domain.RSVP
	for _, n := range names {
		res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: n, Email: n + "@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.RSVP)
	}
	return out
}

// names are the names of a page's RSVPs.
func names(rs []domain.RSVP) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// TestSearchRSVPs: the organisers' list finds people by part of their
// name or address whatever the case, filters by status and attendance,
// and its pages, followed forwards and then back, show every RSVP once,
// in the order they replied.
func TestSearchRSVPs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := publishedEvent(t, db, 3)
		people := rsvpAll(t, db, e, "Ada", "Bob", "Cyd", "Dee", "Eve", "Fay", "Gus_1")
		search := func(f domain.RosterFilter) domain.RosterPage {
			t.Helper()
			p, err := db.SearchRSVPs(ctx, o.ID, e.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		if got := names(search(domain.RosterFilter{Query: "ADA"}).Items); !slices.Equal(got, []string{"Ada"}) {
			t.Errorf("ADA found %v", got)
		}
		if got := names(search(domain.RosterFilter{Query: "e@EXAMPLE"}).Items); !slices.Equal(got, []string{"Dee", "Eve"}) {
			t.Errorf("e@EXAMPLE found %v", got)
		}
		// LIKE's wildcards are literal: "_" is not "any one character".
		if got := names(search(domain.RosterFilter{Query: "s_1"}).Items); !slices.Equal(got, []string{"Gus_1"}) {
			t.Errorf("s_1 found %v", got)
		}
		if got := names(search(domain.RosterFilter{Query: "%"}).Items); len(got) != 0 {
			t.Errorf("%% found %v", got)
		}
		if got := names(search(domain.RosterFilter{Status: domain.RSVPWaitlisted}).Items); !slices.Equal(got, []string{"Dee", "Eve", "Fay", "Gus_1"}) {
			t.Errorf("waitlisted: %v", got)
		}
		if p := search(domain.RosterFilter{Status: domain.RSVPWaitlisted, Query: "fay"}); len(p.Items) != 1 || p.Items[0].WaitlistPosition != 3 {
			t.Errorf("Fay on the waitlist: %+v", p.Items)
		}
		// Bob checks in at the door on the day.
		setNow(t, db, e.StartsAt.Add(10*time.Minute))
		if _, err := db.CheckIn(ctx, o.ID, e.ID, domain.CheckinRequest{RSVPID: people[1].ID}); err != nil {
			t.Fatal(err)
		}
		if got := names(search(domain.RosterFilter{CheckedIn: true}).Items); !slices.Equal(got, []string{"Bob"}) {
			t.Errorf("checked in: %v", got)
		}
		if got := names(search(domain.RosterFilter{CheckedIn: true, Status: domain.RSVPWaitlisted}).Items); len(got) != 0 {
			t.Errorf("checked in and waitlisted: %v", got)
		}

		// Pages of two, forwards then back.
		var pages [][]string
		f := domain.RosterFilter{Limit: 2}
		for {
			p := search(f)
			pages = append(pages, names(p.Items))
			if len(pages) == 1 && p.PrevCursor != "" {
				t.Error("the first page has a previous page")
			}
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
			if len(pages) > 10 {
				t.Fatal("the pages do not end")
			}
		}
		if got := slices.Concat(pages...); !slices.Equal(got, names(people)) {
			t.Fatalf("pages %v, want every RSVP once: %v", pages, names(people))
		}
		var back [][]string
		p := search(f)
		for p.PrevCursor != "" {
			p = search(domain.RosterFilter{Limit: 2, Cursor: p.PrevCursor})
			back = append([][]string{names(p.Items)}, back...)
		}
		if want := pages[:len(pages)-1]; !slices.EqualFunc(back, want, slices.Equal) {
			t.Errorf("back: %v, want %v", back, want)
		}
		// Filters page too.
		wl := search(domain.RosterFilter{Status: domain.RSVPWaitlisted, Limit: 3})
		wl2 := search(domain.RosterFilter{Status: domain.RSVPWaitlisted, Limit: 3, Cursor: wl.NextCursor})
		if got := append(names(wl.Items), names(wl2.Items)...); !slices.Equal(got, []string{"Dee", "Eve", "Fay", "Gus_1"}) || wl2.NextCursor != "" {
			t.Errorf("waitlisted pages: %v", got)
		}

		outsider, _ := db.CreateOrganiser(ctx, email("out"), "Out")
		if _, err := db.SearchRSVPs(ctx, outsider.ID, e.ID, domain.RosterFilter{}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("another group's organiser: %v", err)
		}
		for _, bad := range []domain.RosterFilter{{Cursor: "nonsense"}, {Status: "maybe"}} {
			if _, err := db.SearchRSVPs(ctx, o.ID, e.ID, bad); domain.ErrorCode(err) != domain.EINVALID {
				t.Errorf("%+v: %v", bad, err)
			}
		}
	})
}

// TestSeatRSVP: an organiser moves the third person in line to going; on a
// full event only by adding a seat, which the capacity shows. They get
// their invite, the rest of the line keeps its order, and doing it twice
// changes nothing.
func TestSeatRSVP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := publishedEvent(t, db, 2)
		people := rsvpAll(t, db, e, "Ada", "Bob", "Cyd", "Dee", "Eve")
		eve := people[4]
		if _, err := db.SeatRSVP(ctx, o.ID, e.ID, eve.ID, domain.Seating{}); domain.ErrorCode(err) != domain.ECONFLICT || reasonOf(err) != domain.ReasonEventFull {
			t.Fatalf("seating on a full event without a seat: %v", err)
		}
		jobs := jobsOfKind(t, db, "send_email")
		v, err := db.SeatRSVP(ctx, o.ID, e.ID, eve.ID, domain.Seating{AddSeat: true})
		if err != nil {
			t.Fatal(err)
		}
		if v.RSVP.Status != domain.RSVPGoing || v.Event.Capacity == nil || *v.Event.Capacity != 3 {
			t.Fatalf("seated: %s, capacity %v", v.RSVP.Status, v.Event.Capacity)
		}
		wantCounters(t, db, o, e, 3, 2)
		if got := eventNow(t, db, o, e); *got.Capacity != 3 {
			t.Errorf("capacity %d, want 3", *got.Capacity)
		}
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'going' AND status = 'queued'`, eve.ID); n != 1 {
			t.Errorf("%d invites for Eve", n)
		}
		if n := jobsOfKind(t, db, "send_email"); n != jobs+1 {
			t.Errorf("%d new send jobs, want 1", n-jobs)
		}
		p, err := db.SearchRSVPs(ctx, o.ID, e.ID, domain.RosterFilter{Status: domain.RSVPWaitlisted})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 2 || p.Items[0].Name != "Cyd" || p.Items[0].WaitlistPosition != 1 || p.Items[1].WaitlistPosition != 2 {
			t.Errorf("the line after: %+v", p.Items)
		}
		// Twice: nothing more.
		if _, err := db.SeatRSVP(ctx, o.ID, e.ID, eve.ID, domain.Seating{AddSeat: true}); err != nil {
			t.Fatal(err)
		}
		wantCounters(t, db, o, e, 3, 2)
		if got := eventNow(t, db, o, e); *got.Capacity != 3 {
			t.Errorf("seated twice: capacity %d", *got.Capacity)
		}
		// Raising the capacity seats the rest of the line; seating someone
		// going changes nothing, and a cancelled RSVP is not in line.
		five := 5
		if _, err := db.UpdateEvent(ctx, o.ID, e.ID, domain.EventUpdate{Capacity: domain.Nullable[int]{Set: true, Value: &five}}); err != nil {
			t.Fatal(err)
		}
		wantCounters(t, db, o, e, 5, 0)
		if _, err := db.SeatRSVP(ctx, o.ID, e.ID, people[0].ID, domain.Seating{}); err != nil {
			t.Errorf("seating someone going: %v", err)
		}
		if _, err := db.RemoveRSVP(ctx, o.ID, e.ID, people[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SeatRSVP(ctx, o.ID, e.ID, people[0].ID, domain.Seating{AddSeat: true}); reasonOf(err) != domain.ReasonNotWaitlisted {
			t.Errorf("seating a cancelled RSVP: %v", err)
		}
		outsider, _ := db.CreateOrganiser(ctx, email("out"), "Out")
		if _, err := db.SeatRSVP(ctx, outsider.ID, e.ID, people[2].ID, domain.Seating{AddSeat: true}); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("another group's organiser: %v", err)
		}
	})
}

// TestRemoveRSVP: an organiser removes someone going; they are sent a
// cancellation that says the organisers did it, and the first person in
// line is seated and sent their invite. Someone checked in stays.
func TestRemoveRSVP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := publishedEvent(t, db, 1)
		people := rsvpAll(t, db, e, "Ada", "Bob", "Cyd")
		v, err := db.RemoveRSVP(ctx, o.ID, e.ID, people[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.RSVP.Status != domain.RSVPCancelled {
			t.Errorf("removed: %s", v.RSVP.Status)
		}
		wantCounters(t, db, o, e, 1, 1)
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'rsvp_cancelled' AND detail LIKE ?`, people[0].ID, "%"+domain.CancelByOrganiser+"%"); n != 1 {
			t.Errorf("%d cancellations saying the organisers removed Ada", n)
		}
		if n := count(t, db, `SELECT count(*) FROM deliveries WHERE rsvp_id = ? AND kind = 'going'`, people[1].ID); n != 1 {
			t.Errorf("Bob was not sent an invite (%d)", n)
		}
		if _, err := db.RemoveRSVP(ctx, o.ID, e.ID, people[0].ID); err != nil {
			t.Errorf("removing twice: %v", err)
		}
		wantCounters(t, db, o, e, 1, 1)
		setNow(t, db, e.StartsAt.Add(5*time.Minute))
		if _, err := db.CheckIn(ctx, o.ID, e.ID, domain.CheckinRequest{RSVPID: people[1].ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RemoveRSVP(ctx, o.ID, e.ID, people[1].ID); reasonOf(err) != domain.ReasonAlreadyAttended {
			t.Errorf("removing someone checked in: %v", err)
		}
		outsider, _ := db.CreateOrganiser(ctx, email("out"), "Out")
		if _, err := db.RemoveRSVP(ctx, outsider.ID, e.ID, people[2].ID); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("another group's organiser: %v", err)
		}
	})
}

// TestRetryDelivery: a failed e-mail is queued again with a send job of its
// own, in one transaction; one sent is not, and a second retry adds no job.
func TestRetryDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		o, e := publishedEvent(t, db, 5)
		people := rsvpAll(t, db, e, "Ada", "Bob")
		failed := firstDelivery(t, db, e.ID, "going")
		if err := db.MarkDelivery(ctx, failed, domain.DeliveryFailed, "550 5.1.1 <ada@example.org>: Recipient address rejected"); err != nil {
			t.Fatal(err)
		}
		var sent string
		if err := db.SQL().QueryRowContext(ctx, storeQ(db, `SELECT id FROM deliveries WHERE rsvp_id = ?`), people[1].ID).Scan(&sent); err != nil {
			t.Fatal(err)
		}
		if err := db.MarkDelivery(ctx, sent, domain.DeliverySent, ""); err != nil {
			t.Fatal(err)
		}
		jobs := jobsFor(t, db, "send_email", "delivery_id", failed)
		d, err := db.RetryDelivery(ctx, o.ID, e.ID, failed)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != domain.DeliveryQueued || d.Email != "Ada@example.org" || d.LastError == "" {
			t.Errorf("retried: %+v", d)
		}
		if n := jobsFor(t, db, "send_email", "delivery_id", failed); n != jobs+1 {
			t.Errorf("%d new jobs for the delivery, want 1", n-jobs)
		}
		if _, err := db.RetryDelivery(ctx, o.ID, e.ID, failed); err != nil {
			t.Errorf("retrying twice: %v", err)
		}
		if n := jobsFor(t, db, "send_email", "delivery_id", failed); n != jobs+1 {
			t.Errorf("retrying twice made %d jobs", n-jobs)
		}
		if _, err := db.RetryDelivery(ctx, o.ID, e.ID, sent); reasonOf(err) != domain.ReasonDeliveryNotFailed {
			t.Errorf("retrying a sent e-mail: %v", err)
		}
		outsider, _ := db.CreateOrganiser(ctx, email("out"), "Out")
		if _, err := db.RetryDelivery(ctx, outsider.ID, e.ID, failed); domain.ErrorCode(err) != domain.ENOTFOUND {
			t.Errorf("another group's organiser: %v", err)
		}
		if _, err := db.RetryDelivery(ctx, o.ID, e.ID, domain.NewID()); reasonOf(err) != domain.ReasonDeliveryNotFound {
			t.Errorf("an unknown e-mail: %v", err)
		}
	})
}

// reasonOf is the reason of a domain error ("" for anything else).
func reasonOf(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Reason
	}
	return ""
}
