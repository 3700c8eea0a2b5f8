package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// rushResult is one RSVP of a rush and its answer.
type rushResult struct {
	addr string // the address as normalised
	res  domain.RSVPResult
	err  error
}

// rush sends one public RSVP per address to e at once, and returns the
// answers in the order of addrs.
func rush(t *testing.T, db *store.DB, e domain.Event, addrs []string) []rushResult {
	t.Helper()
	return rushTo(t, db, func(int) domain.Event { return e }, addrs)
}

// rushTo is rush with the RSVP of addrs[i] sent to event(i).
func rushTo(t *testing.T, db *store.DB, event func(i int) domain.Event, addrs []string) []rushResult {
	t.Helper()
	out := make([]rushResult, len(addrs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range addrs {
		wg.Go(func() {
			<-start
			res, err := db.CreateRSVP(ctx, event(i).Slug, domain.RSVPInput{Name: "Rush", Email: a})
			out[i] = rushResult{addr: domain.NormalizeEmail(a), res: res, err: err}
		})
	}
	close(start)
	wg.Wait()
	return out
}

// batchedSince returns how many claim batches of more than one RSVP db ran
// since before (ClaimBatchSizes).
func batchedSince(db *store.DB, before map[string]int64) int64 {
	var n int64
	for k, v := range db.ClaimBatchSizes() {
		if k != "1" {
			n += v - before[k]
		}
	}
	return n
}

// rushAddresses makes n distinct addresses, and repeats some of them: every
// seventh a second time and every eleventh a third, in other case, so
// that repeats meet their first in one batch, after it, or before it.
func rushAddresses(n int) (addrs []string, distinct int) {
	for i := range n {
		a := email("rush" + string(rune('a'+i%26)))
		addrs = append(addrs, a)
		if i%7 == 0 {
			addrs = append(addrs, strings.ToUpper(a))
		}
		if i%11 == 0 {
			addrs = append(addrs, strings.ToUpper(a[:1])+a[1:])
		}
	}
	return addrs, n
}

// wantRushAnswers checks the answers got of a rush of distinct addresses
// (some more than once) to e, which has capacity seats and a waitlist: the
// seats to the first, then places in line 1, 2, … each once, one live
// RSVP per address — its first reply made it, the others got it back as a
// repeat, without a manage token — counters equal to the rows, and one
// delivery with one send_email job per RSVP.
func wantRushAnswers(t *testing.T, db *store.DB, o domain.Organiser, e domain.Event, got []rushResult, distinct, capacity int) {
	t.Helper()
	first := map[string]domain.RSVPResult{}
	for _, r := range got {
		if r.err != nil {
			t.Fatalf("%s: %v", r.addr, r.err)
		}
		if r.res.Created {
			if _, dup := first[r.addr]; dup {
				t.Fatalf("%s: two RSVPs made", r.addr)
			}
			if r.res.ManageToken == "" {
				t.Errorf("%s: made without a manage token", r.addr)
			}
			first[r.addr] = r.res
		}
	}
	if len(first) != distinct {
		t.Fatalf("%d RSVPs made, want one per address (%d)", len(first), distinct)
	}
	going, places := 0, map[int]int{}
	for _, r := range first {
		switch r.RSVP.Status {
		case domain.RSVPGoing:
			going++
		case domain.RSVPWaitlisted:
			places[r.RSVP.WaitlistPosition]++
		default:
			t.Errorf("status %s", r.RSVP.Status)
		}
	}
	if going != capacity {
		t.Errorf("%d going, want %d", going, capacity)
	}
	for p := 1; p <= distinct-capacity; p++ {
		if places[p] != 1 {
			t.Errorf("place %d in line given %d times", p, places[p])
		}
	}
	if len(places) != distinct-capacity {
		t.Errorf("places in line %v, want 1…%d", places, distinct-capacity)
	}
	for _, r := range got {
		if r.res.Created {
			continue
		}
		f := first[r.addr]
		if r.res.ManageToken != "" || r.res.RSVP.ID != f.RSVP.ID || r.res.RSVP.Status != f.RSVP.Status ||
			r.res.RSVP.WaitlistPosition != f.RSVP.WaitlistPosition {
			t.Errorf("repeat of %s: %s at %d (id %s, token %v); its first: %s at %d (id %s)", r.addr,
				r.res.RSVP.Status, r.res.RSVP.WaitlistPosition, r.res.RSVP.ID, r.res.ManageToken != "",
				f.RSVP.Status, f.RSVP.WaitlistPosition, f.RSVP.ID)
		}
	}
	wantCounters(t, db, o, e, capacity, distinct-capacity)
	wantRows(t, db, e, distinct)
}

// TestClaimBatchRush: public RSVPs to one event arriving together are
// claimed in batches (rsvpbatch.go) and get the answers the one-at-a-time
// path gives: the seats to the first, then places in line 1, 2, … each
// once, one live RSVP per address — its first reply made it, the others
// got it back as a repeat, without a manage token — counters equal to the
// rows, and one delivery with one send_email job per RSVP.
func TestClaimBatchRush(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	const capacity = 50

	t.Run("Waitlist", func(t *testing.T) {
		o, e := openEvent(t, db, capacity, domain.ConfirmNone)
		addrs, distinct := rushAddresses(160)
		before := db.ClaimBatchSizes()
		began := time.Now()
		got := rush(t, db, e, addrs)
		t.Logf("%d RSVPs (%d addresses) in %v; batch sizes %v", len(addrs), distinct, time.Since(began), db.ClaimBatchSizes())
		if batchedSince(db, before) == 0 {
			t.Errorf("no batch of more than one RSVP ran: batch sizes %v", db.ClaimBatchSizes())
		}
		wantRushAnswers(t, db, o, e, got, distinct, capacity)
	})

	t.Run("Spread", func(t *testing.T) {
		// Eight events at once, their RSVPs interleaved: batches take
		// RSVPs to several events, and each event's answers are exact.
		type rushed struct {
			o        domain.Organiser
			e        domain.Event
			addrs    []string
			distinct int
		}
		evs := make([]rushed, 8)
		for i := range evs {
			evs[i].o, evs[i].e = openEvent(t, db, 5, domain.ConfirmNone)
			evs[i].addrs, evs[i].distinct = rushAddresses(20)
		}
		var addrs []string
		var to []int
		for j := 0; len(addrs) < len(evs)*len(evs[0].addrs); j++ {
			for i, r := range evs {
				if j < len(r.addrs) {
					addrs, to = append(addrs, r.addrs[j]), append(to, i)
				}
			}
		}
		before := db.ClaimBatchSizes()
		got := rushTo(t, db, func(i int) domain.Event { return evs[to[i]].e }, addrs)
		if batchedSince(db, before) == 0 {
			t.Errorf("no batch of more than one RSVP ran: batch sizes %v", db.ClaimBatchSizes())
		}
		for i, r := range evs {
			var mine []rushResult
			for n, g := range got {
				if to[n] == i {
					mine = append(mine, g)
				}
			}
			wantRushAnswers(t, db, r.o, r.e, mine, r.distinct, 5)
		}
	})

	t.Run("FullWithoutWaitlist", func(t *testing.T) {
		o, e := openEvent(t, db, capacity, domain.ConfirmNone)
		no := false
		if _, err := db.UpdateEvent(ctx, o.ID, e.ID, domain.EventUpdate{Waitlist: &no}); err != nil {
			t.Fatal(err)
		}
		addrs, _ := rushAddresses(120)
		before := db.ClaimBatchSizes()
		got := rush(t, db, e, addrs)
		if batchedSince(db, before) == 0 {
			t.Errorf("no batch of more than one RSVP ran: batch sizes %v", db.ClaimBatchSizes())
		}
		made, refused := map[string]bool{}, 0
		for _, r := range got {
			switch {
			case r.err != nil:
				wantCode(t, r.err, domain.ECONFLICT, domain.ReasonEventFull)
				refused++
			case r.res.Created:
				if made[r.addr] || r.res.RSVP.Status != domain.RSVPGoing {
					t.Fatalf("%s: %s, made again %v", r.addr, r.res.RSVP.Status, made[r.addr])
				}
				made[r.addr] = true
			}
		}
		if len(made) != capacity {
			t.Fatalf("%d RSVPs made, want %d", len(made), capacity)
		}
		if refused == 0 || refused > len(addrs)-capacity {
			t.Errorf("%d refused of %d", refused, len(addrs))
		}
		wantCounters(t, db, o, e, capacity, 0)
		wantRows(t, db, e, capacity)
	})

	t.Run("ClosedMeanwhile", func(t *testing.T) {
		o, e := openEvent(t, db, 1000, domain.ConfirmNone)
		// The 40th RSVP closes the RSVPs once some were made; those after
		// it read the event before the close and are claimed after it.
		var mu sync.Mutex
		calls, closed := 0, make(chan struct{})
		db.SetBeforeClaim(func(slug string) {
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			switch {
			case n == 40:
				defer close(closed)
				for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
					if count(t, db, `SELECT count(*) FROM rsvps WHERE event_id = ?`, e.ID) > 0 {
						break
					}
				}
				at := db.Clock().Now().Add(-time.Minute).UTC()
				if _, err := db.UpdateEvent(ctx, o.ID, e.ID, domain.EventUpdate{RSVPClosesAt: domain.Nullable[time.Time]{Set: true, Value: &at}}); err != nil {
					t.Error(err)
				}
			case n > 40:
				<-closed
			}
		})
		t.Cleanup(func() { db.SetBeforeClaim(nil) })
		var addrs []string
		for range 100 {
			addrs = append(addrs, email("late"))
		}
		got := rush(t, db, e, addrs)
		made, refused := 0, 0
		for _, r := range got {
			switch {
			case r.err != nil:
				wantCode(t, r.err, domain.ECONFLICT, domain.ReasonRSVPClosed)
				refused++
			case r.res.Created && r.res.RSVP.Status == domain.RSVPGoing:
				made++
			default:
				t.Fatalf("%s: %+v", r.addr, r.res)
			}
		}
		if refused < 60 || made == 0 {
			t.Errorf("%d made, %d refused; want some made and at least the 60 that came after the close refused", made, refused)
		}
		t.Logf("%d made before the close, %d refused", made, refused)
		wantCounters(t, db, o, e, made, 0)
		wantRows(t, db, e, made)
	})
}

// wantRows checks that e has n live RSVPs, one per address, and that each
// has one delivery of its status, with one send_email job for it.
func wantRows(t *testing.T, db *store.DB, e domain.Event, n int) {
	t.Helper()
	if got := count(t, db, `SELECT count(*) FROM rsvps WHERE event_id = ? AND status <> 'cancelled'`, e.ID); got != n {
		t.Errorf("%d live RSVPs, want %d", got, n)
	}
	if got := count(t, db, `SELECT count(DISTINCT email_norm) FROM rsvps WHERE event_id = ?`, e.ID); got != n {
		t.Errorf("%d addresses with an RSVP, want %d", got, n)
	}
	if got := count(t, db, `SELECT count(*) FROM rsvps r WHERE r.event_id = ? AND 1 = (SELECT count(*) FROM deliveries d
		WHERE d.rsvp_id = r.id AND d.kind = r.status AND 1 = (SELECT count(*) FROM river_job j
			WHERE j.kind = 'send_email' AND j.args->>'delivery_id' = d.id))`, e.ID); got != n {
		t.Errorf("%d RSVPs with one delivery of their status and its job, want %d", got, n)
	}
	if got := count(t, db, `SELECT count(*) FROM deliveries WHERE event_id = ? AND kind IN ('going', 'waitlisted')`, e.ID); got != n {
		t.Errorf("%d going/waitlisted deliveries, want %d", got, n)
	}
	if got := count(t, db, `SELECT count(*) FROM rsvps WHERE event_id = ? AND status = 'waitlisted'
		AND waitlist_seq <> (SELECT count(*) FROM rsvps w WHERE w.event_id = rsvps.event_id AND w.status = 'waitlisted' AND w.waitlist_seq <= rsvps.waitlist_seq)`, e.ID); got != 0 {
		t.Errorf("%d waitlisted RSVPs out of sequence", got)
	}
}

// TestClaimBatchCollision: an RSVP of an address in a batch, made by a
// transaction the batch's statement waits for, is missed by the
// statement's check (its snapshot predates the lock) and met by the
// insert's ON CONFLICT. The batch must not leave a seat it numbered for
// the address unused: it is undone, and each RSVP claimed alone.
func TestClaimBatchCollision(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	o, e := openEvent(t, db, 3, domain.ConfirmNone)
	x := email("x")
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`SELECT 1 FROM events WHERE id = $1 FOR UPDATE`, []any{e.ID}},
		{`INSERT INTO rsvps (id, event_id, name, email, email_norm, status, manage_token_hash, created_at, updated_at)
			VALUES ($1, $2, 'X', $3, $4, 'going', $5, now(), now())`, []any{domain.NewID(), e.ID, x, domain.NormalizeEmail(x), domain.NewID()}},
		{`UPDATE events SET going_count = going_count + 1 WHERE id = $1`, []any{e.ID}},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	type answer struct {
		res     []domain.RSVPResult
		decided []bool
		errs    []error
	}
	done := make(chan answer)
	go func() {
		res, decided, errs := db.ClaimRSVPBatch(ctx, e.Slug, []domain.RSVPInput{
			{Name: "X", Email: x}, {Name: "A", Email: email("a")}, {Name: "B", Email: email("b")}})
		done <- answer{res, decided, errs}
	}()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if count(t, db, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%unnest%ORDINALITY%'`) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the batch did not wait for the event's lock")
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got := <-done
	for i, err := range got.errs {
		if err != nil {
			t.Fatalf("RSVP %d: %v", i, err)
		}
	}
	if got.decided[0] {
		t.Errorf("X, who had replied, was claimed: %+v", got.res[0].RSVP)
	}
	for i := 1; i < 3; i++ {
		if !got.decided[i] || got.res[i].RSVP.Status != domain.RSVPGoing {
			t.Errorf("RSVP %d: %s (decided %v), want going to one of the two seats left", i, got.res[i].RSVP.Status, got.decided[i])
		}
	}
	wantCounters(t, db, o, e, 3, 0)
}

// TestClaimBatchFails: when a batch's statement fails, each of its RSVPs
// is claimed alone, so that one bad RSVP fails only itself.
func TestClaimBatchFails(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	o, e := openEvent(t, db, 10, domain.ConfirmNone)
	res, decided, errs := db.ClaimRSVPBatchBadLast(ctx, e.Slug, []domain.RSVPInput{
		{Name: "A", Email: email("a")}, {Name: "B", Email: email("b")}, {Name: "Bad", Email: email("bad")}})
	for i := range 2 {
		if errs[i] != nil || !decided[i] || res[i].RSVP.Status != domain.RSVPGoing || res[i].ManageToken == "" {
			t.Errorf("RSVP %d: %s (decided %v, %v)", i, res[i].RSVP.Status, decided[i], errs[i])
		}
	}
	wantCode(t, errs[2], domain.ECONFLICT, domain.ReasonDuplicate)
	wantCounters(t, db, o, e, 2, 0)
	wantRows(t, db, e, 2)
}

// TestClaimBatchAcrossEvents: one batch with RSVPs to several events,
// interleaved, gives every RSVP the answer the one-at-a-time general path
// gives the same RSVPs in the same order to twin events: a waitlist that
// fills, an event full without a waitlist (turned off after the read),
// an event closed after the read, an unlimited one, and repeats — of an
// address with a live RSVP and of one earlier in the batch. A batch's
// RSVPs are then exact: each event's counters, rows and deliveries agree.
func TestClaimBatchAcrossEvents(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	type kind struct {
		name     string
		capacity int // 0: unlimited
		// change is made after the batch read the event (between its read
		// and its lock); the general path's twin has it before.
		change domain.EventUpdate
	}
	closes := db.Clock().Now().UTC().Add(-time.Minute)
	no := false
	kinds := []kind{
		{name: "waitlist", capacity: 2},
		{name: "small waitlist", capacity: 1},
		{name: "full", capacity: 2, change: domain.EventUpdate{Waitlist: &no}},
		{name: "closed", capacity: 5, change: domain.EventUpdate{RSVPClosesAt: domain.Nullable[time.Time]{Set: true, Value: &closes}}},
		{name: "unlimited"},
	}
	type twin struct {
		o domain.Organiser
		e domain.Event
	}
	type pair struct{ batch, single twin }
	// make opens the two twins of k, each with the same RSVP made before.
	mk := func(k kind, before string) pair {
		var p pair
		for i, tw := range []*twin{&p.batch, &p.single} {
			o, ev := openEvent(t, db, max(k.capacity, 1), domain.ConfirmNone)
			if k.capacity == 0 {
				if _, err := db.UpdateEvent(ctx, o.ID, ev.ID, domain.EventUpdate{Capacity: domain.Nullable[int]{Set: true}}); err != nil {
					t.Fatal(err)
				}
				ev = eventNow(t, db, o, ev)
			}
			if _, err := db.CreateRSVPGeneral(ctx, ev.Slug, domain.RSVPInput{Name: "Before", Email: before}); err != nil {
				t.Fatal(err)
			}
			*tw = twin{o, ev}
			if i == 1 {
				if _, err := db.UpdateEvent(ctx, o.ID, ev.ID, k.change); err != nil {
					t.Fatal(err)
				}
			}
		}
		return p
	}
	before := email("before")
	pairs := make([]pair, len(kinds))
	for i, k := range kinds {
		pairs[i] = mk(k, before)
	}
	// Seven RSVPs to each event, interleaved: new addresses, the address
	// made before (a repeat of a live RSVP), and one address twice.
	twice := email("twice")
	var order []int // index into kinds, per RSVP
	var ins []domain.RSVPInput
	for j := range 7 {
		for i := range kinds {
			addr := email(fmt.Sprint("new", j))
			switch j {
			case 2:
				addr = before
			case 3, 5:
				addr = twice
			}
			order = append(order, i)
			ins = append(ins, domain.RSVPInput{Name: fmt.Sprint("Person ", j), Email: addr})
		}
	}
	var across []store.SlugRSVP
	for n, i := range order {
		across = append(across, store.SlugRSVP{Slug: pairs[i].batch.e.Slug, In: ins[n]})
	}
	res, decided, errs := db.ClaimRSVPsAcross(ctx, across, func() {
		for i, k := range kinds {
			if _, err := db.UpdateEvent(ctx, pairs[i].batch.o.ID, pairs[i].batch.e.ID, k.change); err != nil {
				t.Fatal(err)
			}
		}
	})
	for n, i := range order {
		// What the batch left undecided goes the general path, in order,
		// as CreateRSVP does.
		d := decided[n]
		if !d && errs[n] == nil {
			res[n], errs[n] = db.CreateRSVPGeneral(ctx, pairs[i].batch.e.Slug, ins[n])
		}
		want, werr := db.CreateRSVPGeneral(ctx, pairs[i].single.e.Slug, ins[n])
		// The batch makes every RSVP that is made, but for those to the
		// event closed after its read (the general path refuses them).
		if d != (want.Created && kinds[i].name != "closed") {
			t.Errorf("RSVP %d (%s, %s): decided by the batch %v; made one at a time %v", n, kinds[i].name, ins[n].Name, d, want.Created)
		}
		got := fmt.Sprintf("%s %d created=%v %v", res[n].RSVP.Status, res[n].RSVP.WaitlistPosition, res[n].Created, domain.ErrorCode(errs[n]))
		wantS := fmt.Sprintf("%s %d created=%v %v", want.RSVP.Status, want.RSVP.WaitlistPosition, want.Created, domain.ErrorCode(werr))
		if de, ok := errs[n].(*domain.Error); ok {
			got += " " + de.Reason
		}
		if de, ok := werr.(*domain.Error); ok {
			wantS += " " + de.Reason
		}
		if got != wantS {
			t.Errorf("RSVP %d (%s, %s): batch %s, one at a time %s", n, kinds[i].name, ins[n].Name, got, wantS)
		}
	}
	for i, k := range kinds {
		p := pairs[i]
		single := eventNow(t, db, p.single.o, p.single.e)
		wantCounters(t, db, p.batch.o, p.batch.e, single.GoingCount, single.WaitlistCount)
		wantRows(t, db, p.batch.e, single.GoingCount+single.WaitlistCount)
		t.Logf("%s: %d going, %d in line", k.name, single.GoingCount, single.WaitlistCount)
	}
}
