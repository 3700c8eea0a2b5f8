package store_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// replyFixture is a published event of one seat with a waitlist, Ada going
// and Bo and Cy waiting, each with their invite or notice prepared (which
// gives them their reply address) and marked sent.
type replyFixture struct {
	db         *store.DB
	owner      domain.Organiser
	ev         domain.Event
	ada, bo    domain.RSVP
	cy         domain.RSVP
	key        []byte
	host       string
	uidOf      func(string) string
	adaReplies domain.CalendarReply
}

func newReplyFixture(t *testing.T, db *store.DB, seats int) *replyFixture {
	t.Helper()
	f := &replyFixture{db: db, host: "convene.example"}
	f.uidOf = func(id string) string { return id + "@" + f.host }
	f.owner, _ = db.CreateOrganiser(ctx, email("owner"), "Owner")
	g := newGroup(t, db, f.owner.ID)
	e := newEvent(t, db, f.owner.ID, g.ID, "Replies "+storetest.Unique())
	if _, err := db.UpdateEvent(ctx, f.owner.ID, e.ID, domain.EventUpdate{Capacity: domain.Nullable[int]{Set: true, Value: &seats}}); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.ev, err = db.PublishEvent(ctx, f.owner.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	rsvp := func(name string) domain.RSVP {
		res, err := db.CreateRSVP(ctx, f.ev.Slug, domain.RSVPInput{Name: name, Email: email(name)})
		if err != nil {
			t.Fatal(err)
		}
		return res.RSVP
	}
	f.ada, f.bo, f.cy = rsvp("Ada"), rsvp("Bo"), rsvp("Cy")
	f.sendAll(t)
	k, err := db.SigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.key = domain.ReplyKey(k.Private.Seed())
	f.ev = f.event(t)
	return f
}

// sendAll prepares every queued e-mail of the event and marks it sent, as
// the workers would.
func (f *replyFixture) sendAll(t *testing.T) {
	t.Helper()
	ds, err := f.db.ListDeliveries(ctx, f.owner.ID, f.ev.ID, domain.ListOptions{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds.Items {
		if d.Status != domain.DeliveryQueued {
			continue
		}
		if _, err := f.db.LoadOutgoing(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.db.MarkDelivery(ctx, d.ID, domain.DeliverySent, ""); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *replyFixture) event(t *testing.T) domain.Event {
	t.Helper()
	e, err := f.db.FindEvent(ctx, f.owner.ID, f.ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (f *replyFixture) rsvp(t *testing.T, id string) domain.RSVP {
	t.Helper()
	r, err := f.db.FindRSVP(ctx, f.owner.ID, f.ev.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// reply is r's calendar answering its invite of sequence seq.
func (f *replyFixture) reply(r domain.RSVP, status domain.ReplyStatus, seq int) domain.CalendarReply {
	return domain.CalendarReply{Token: domain.ReplyToken(f.key, r.ID), Method: domain.MethodReply, UID: f.uidOf(f.ev.ID),
		Attendee: r.Email, Status: status, Sequence: seq, Stamp: f.ev.StartsAt.Add(-48 * time.Hour), Client: "Outlook", Via: domain.ViaWebhook}
}

func (f *replyFixture) apply(t *testing.T, r domain.CalendarReply) domain.ReplyAction {
	t.Helper()
	a, err := f.db.ApplyCalendarReply(ctx, r, f.uidOf)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCalendarReplies: a decline gives up the seat as a self-cancel does
// (the first in line moves up and is invited; the decliner's calendar gets
// a CANCEL), and is recorded; forged, stale and repeated replies change
// nothing; Maybe and Accept are recorded and keep the seat; a waiting
// person's Accept gives no seat.
func TestCalendarReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newReplyFixture(t, db, 1)
		seq := f.ev.Sequence

		// Forgeries: Bo's address with Ada's attendee; Ada's address with
		// another event's UID; an unknown token; an invite never sent.
		forged := f.reply(f.ada, domain.ReplyDeclined, seq)
		forged.Token = domain.ReplyToken(f.key, f.bo.ID)
		if a := f.apply(t, forged); a != domain.ReplyIgnoreMismatch {
			t.Errorf("Ada's decline sent to Bo's address: %s", a)
		}
		other := f.reply(f.ada, domain.ReplyDeclined, seq)
		other.UID = f.uidOf(domain.NewID())
		if a := f.apply(t, other); a != domain.ReplyIgnoreMismatch {
			t.Errorf("another event's UID: %s", a)
		}
		unknown := f.reply(f.ada, domain.ReplyDeclined, seq)
		unknown.Token = domain.ReplyToken(domain.ReplyKey([]byte("another installation")), f.ada.ID)
		if a := f.apply(t, unknown); a != domain.ReplyIgnoreGone {
			t.Errorf("a token of another installation: %s", a)
		}
		if a := f.apply(t, f.reply(f.ada, domain.ReplyDeclined, seq+1)); a != domain.ReplyIgnoreMismatch {
			t.Errorf("a SEQUENCE never sent: %s", a)
		}
		if r := f.rsvp(t, f.ada.ID); r.Status != domain.RSVPGoing || r.LastReply != nil {
			t.Fatalf("after forged replies Ada is %s with reply %+v", r.Status, r.LastReply)
		}

		// Maybe, then a waiting person's Accept.
		if a := f.apply(t, f.reply(f.ada, domain.ReplyTentative, seq)); a != domain.ReplyRecord {
			t.Fatalf("Maybe: %s", a)
		}
		ada := f.rsvp(t, f.ada.ID)
		if ada.Status != domain.RSVPGoing || ada.LastReply == nil || ada.LastReply.Status != domain.ReplyTentative ||
			ada.LastReply.Client != "Outlook" || ada.LastReply.Via != domain.ViaWebhook {
			t.Fatalf("after Maybe: %s %+v", ada.Status, ada.LastReply)
		}
		if a := f.apply(t, f.reply(f.ada, domain.ReplyTentative, seq)); a != domain.ReplyIgnoreRepeat {
			t.Errorf("the same Maybe again: %s", a)
		}
		if a := f.apply(t, f.reply(f.bo, domain.ReplyAccepted, seq)); a != domain.ReplyRecord {
			t.Errorf("Bo's Accept while waiting: %s", a)
		}
		if bo := f.rsvp(t, f.bo.ID); bo.Status != domain.RSVPWaitlisted || bo.LastReply == nil || bo.LastReply.Status != domain.ReplyAccepted {
			t.Fatalf("Bo after his Accept: %s %+v", bo.Status, bo.LastReply)
		}

		// The decline, twice.
		before := deliveriesOf(t, db, f.ev.ID)
		decline := f.reply(f.ada, domain.ReplyDeclined, seq)
		decline.Stamp = decline.Stamp.Add(time.Minute)
		if a := f.apply(t, decline); a != domain.ReplyCancel {
			t.Fatalf("the decline: %s", a)
		}
		if a := f.apply(t, decline); a != domain.ReplyIgnoreGone {
			t.Errorf("the decline again: %s", a)
		}
		ada, bo := f.rsvp(t, f.ada.ID), f.rsvp(t, f.bo.ID)
		if ada.Status != domain.RSVPCancelled || ada.LastReply == nil || ada.LastReply.Status != domain.ReplyDeclined {
			t.Fatalf("Ada after declining: %s %+v", ada.Status, ada.LastReply)
		}
		if bo.Status != domain.RSVPGoing {
			t.Fatalf("Bo, first in line, is %s", bo.Status)
		}
		if cy := f.rsvp(t, f.cy.ID); cy.Status != domain.RSVPWaitlisted || cy.WaitlistPosition != 1 {
			t.Fatalf("Cy is %s at %d", cy.Status, cy.WaitlistPosition)
		}
		e := f.event(t)
		if e.GoingCount != 1 || e.WaitlistCount != 1 {
			t.Fatalf("counts going %d waiting %d", e.GoingCount, e.WaitlistCount)
		}
		after := deliveriesOf(t, db, f.ev.ID)
		if added := len(after) - len(before); added != 2 ||
			!slices.Contains(after, "rsvp_cancelled Ada") || len(kindOnly(after, "going")) != len(kindOnly(before, "going"))+1 {
			t.Fatalf("e-mails added by the decline (want Ada's CANCEL and Bo's invite):\nbefore %q\nafter %q", before, after)
		}

		// Stale: Bo's invite is the new one; his answer to an older
		// SEQUENCE changes nothing.
		f.sendAll(t)
		if a := f.apply(t, f.reply(f.bo, domain.ReplyDeclined, seq-1)); a != domain.ReplyIgnoreStale {
			t.Errorf("a decline of an older invite: %s", a)
		}
		if bo := f.rsvp(t, f.bo.ID); bo.Status != domain.RSVPGoing {
			t.Fatalf("a stale reply moved Bo to %s", bo.Status)
		}
	})
}

// TestCalendarReplyCounterAndRefresh: a proposal of another time queues one
// DECLINECOUNTER however often it comes; a REFRESH queues the invite again
// (at most once in domain.RepeatNoticeEvery).
func TestCalendarReplyCounterAndRefresh(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newReplyFixture(t, db, 1)
		counter := f.reply(f.ada, "", f.ev.Sequence)
		counter.Method = domain.MethodCounter
		for range 2 {
			if a := f.apply(t, counter); a != domain.ReplyDeclineCounter {
				t.Fatalf("COUNTER: %s", a)
			}
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, storeQ(db, `SELECT count(*) FROM river_job WHERE kind = 'send_decline_counter'`)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n < 1 {
			t.Fatal("no DECLINECOUNTER job")
		}
		refresh := f.reply(f.ada, "", f.ev.Sequence)
		refresh.Method = domain.MethodRefresh
		before := len(kindOnly(deliveriesOf(t, db, f.ev.ID), "repeat"))
		for range 2 {
			if a := f.apply(t, refresh); a != domain.ReplyRefresh {
				t.Fatalf("REFRESH: %s", a)
			}
		}
		if got := len(kindOnly(deliveriesOf(t, db, f.ev.ID), "repeat")); got != before+1 {
			t.Fatalf("REFRESH twice queued %d invites again, want 1", got-before)
		}
		if r := f.rsvp(t, f.ada.ID); r.LastReply != nil || r.Status != domain.RSVPGoing {
			t.Fatalf("COUNTER and REFRESH are not answers, yet: %s %+v", r.Status, r.LastReply)
		}
	})
}

// TestCalendarDeclinesAtOnce: every going person declines at the same
// moment; the seats go to the line one for one and the counts stay exact.
func TestCalendarDeclinesAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newReplyFixture(t, db, 3) // Ada, Bo, Cy going
		var waiting []domain.RSVP
		for i := range 3 {
			res, err := db.CreateRSVP(ctx, f.ev.Slug, domain.RSVPInput{Name: "W", Email: email("w" + string(rune('a'+i)))})
			if err != nil {
				t.Fatal(err)
			}
			waiting = append(waiting, res.RSVP)
		}
		f.sendAll(t)
		var wg sync.WaitGroup
		for _, r := range []domain.RSVP{f.ada, f.bo, f.cy} {
			wg.Go(func() {
				if _, err := db.ApplyCalendarReply(ctx, f.reply(r, domain.ReplyDeclined, f.ev.Sequence), f.uidOf); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		e := f.event(t)
		if e.GoingCount != 3 || e.WaitlistCount != 0 {
			t.Fatalf("going %d waiting %d, want 3 and 0", e.GoingCount, e.WaitlistCount)
		}
		for _, w := range waiting {
			if r := f.rsvp(t, w.ID); r.Status != domain.RSVPGoing {
				t.Errorf("a person in line is %s", r.Status)
			}
		}
	})
}
