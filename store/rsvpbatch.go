package store

import (
	"context"
	"errors"
	"hash/fnv"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// ClaimBatchSQL is ClaimSQL for many new public RSVPs to one event at
// once (claimBatch), all of which read the event the same: one lock of the
// event row, one statement and one commit for all of them, where ClaimSQL
// takes one each. It is ClaimAcrossSQL (below) for one event and one
// guard, kept because a rush to one event is where the time counts: in
// convene-bench's rush it claims about a fifth more RSVPs a second than
// ClaimAcrossSQL does with one event. What either statement does, and the
// answers it gives, are the same (TestAdmissionOnEveryPath holds this one,
// TestClaimBatchAcrossEvents the other, to the general path's answers).
//
// Parameters are positional: $1–$5 the guard (event id, confirmation,
// ends_at, rsvp_opens_at, rsvp_closes_at), $6–$14 and $16 text arrays
// as ClaimAcrossSQL's, $15 the time.
const ClaimBatchSQL = `WITH ev AS MATERIALIZED (
    SELECT id, sequence, capacity, waitlist, going_count, waitlist_count, waitlist_seq
    FROM events
    WHERE id = $1 AND status = 'published' AND rsvp_confirmation = $2
        AND ends_at = $3 AND rsvp_opens_at IS NOT DISTINCT FROM $4::timestamptz
        AND rsvp_closes_at IS NOT DISTINCT FROM $5::timestamptz
    FOR UPDATE
), req AS (
    SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $16::text[])
        WITH ORDINALITY AS r(rsvp_id, name, email, email_norm, token_hash, feed_hash, join_hash, checkin_code, delivery_id, locale, n)
), fresh AS (
    SELECT req.*, row_number() OVER (ORDER BY req.n) AS k
    FROM req, ev
    WHERE NOT EXISTS (SELECT 1 FROM req p WHERE p.email_norm = req.email_norm AND p.n < req.n)
        AND NOT EXISTS (SELECT 1 FROM rsvps x
            WHERE x.event_id = ev.id AND x.email_norm = req.email_norm AND x.status <> 'cancelled')
), claimed AS (
    SELECT fresh.*,
        CASE WHEN ev.capacity IS NULL OR ev.going_count + fresh.k <= ev.capacity THEN 'going'
             WHEN ev.waitlist THEN 'waitlisted' END AS claim
    FROM fresh, ev
), placed AS (
    SELECT claimed.*,
        count(*) FILTER (WHERE claim = 'waitlisted') OVER (ORDER BY k) AS w
    FROM claimed WHERE claim IS NOT NULL
), rsvp AS (
    INSERT INTO rsvps (id, event_id, name, email, email_norm, status, waitlist_seq,
        manage_token_hash, feed_token_hash, join_token_hash, checkin_code, created_at, updated_at, was_waitlisted, locale)
    SELECT p.rsvp_id, ev.id, p.name, p.email, p.email_norm, p.claim,
        CASE WHEN p.claim = 'waitlisted' THEN ev.waitlist_seq + p.w END,
        p.token_hash, p.feed_hash, p.join_hash, p.checkin_code, $15, $15, p.claim = 'waitlisted', p.locale
    FROM placed p, ev
    ORDER BY p.k
    ON CONFLICT (event_id, email_norm) WHERE status <> 'cancelled' DO NOTHING
    RETURNING id, status, waitlist_seq
), counters AS (
    UPDATE events SET
        going_count = ev.going_count + t.going,
        waitlist_count = ev.waitlist_count + t.waiting,
        waitlist_seq = coalesce(t.seq, ev.waitlist_seq)
    FROM ev, (SELECT count(*) AS n, count(*) FILTER (WHERE status = 'going') AS going,
            count(*) FILTER (WHERE status = 'waitlisted') AS waiting, max(waitlist_seq) AS seq FROM rsvp) t
    WHERE events.id = ev.id AND t.n > 0
), delivery AS (
    INSERT INTO deliveries (id, event_id, rsvp_id, kind, sequence, status, detail, created_at, updated_at)
    SELECT p.delivery_id, ev.id, rsvp.id, rsvp.status, ev.sequence, 'queued', '', $15, $15
    FROM rsvp JOIN placed p ON p.rsvp_id = rsvp.id, ev
)
SELECT p.rsvp_id AS id, rsvp.status, rsvp.waitlist_seq,
    CASE WHEN rsvp.status = 'waitlisted' THEN ev.waitlist_count + p.w END AS position
FROM placed p LEFT JOIN rsvp ON rsvp.id = p.rsvp_id, ev`

// ClaimAcrossSQL is ClaimBatchSQL for RSVPs to several events at once
// (claimBatch): one statement and one commit for all of them. The requests are arrays, one
// element per RSVP in arrival order, each with the event as its request
// read it; the statement
//
//   - locks the events' rows in start order, as every transaction that
//     locks several events does (erasing an RSVP, following a series), so
//     that they do not deadlock;
//   - drops the requests whose event fails ClaimSQL's guard as the request
//     read it (an organiser's edit since the unlocked read), whose address
//     already has a live RSVP to the event, or which repeat an address
//     earlier in the batch for the same event;
//   - numbers the rest of each event (k) in arrival order and gives each
//     what domain.Event.Admit would give it after the ones before it: a
//     seat while going_count + k <= capacity (or no capacity), else a
//     place in line if the event has a waitlist, else nothing
//     (TestAdmissionOnEveryPath holds it to Admit's answers, as it does
//     ClaimSQL);
//   - inserts the RSVPs, saves each event's counters from what it
//     inserted, and records one delivery each (kind its status, id the
//     request's);
//   - returns one row per request it placed: the RSVP's id, and its
//     status, waitlist_seq and place in line, all NULL if the insert did
//     not take it (claimBatch then rolls the batch back).
//
// The requests it drops get no row and are decided by the general path,
// after the batch commits. The check for a live RSVP reads the
// statement's snapshot, which may predate the lock: an RSVP of the same
// address committed while the statement waited for the lock is caught by
// the insert's ON CONFLICT instead, which leaves a hole in the numbering —
// hence the rollback.
//
// Parameters are positional arrays: $1–$5 each request's guard (event
// id, confirmation, ends_at, rsvp_opens_at, rsvp_closes_at), $6–$14 text
// (RSVP id, name, email, email_norm, manage/feed/join token hashes,
// check-in code, delivery id); $15 is the time; $16 the locales (text).
const ClaimAcrossSQL = `WITH req AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[],
            $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $16::text[])
        WITH ORDINALITY AS r(event_id, confirmation, ends_at, opens_at, closes_at,
            rsvp_id, name, email, email_norm, token_hash, feed_hash, join_hash, checkin_code, delivery_id, locale, n)
), ev AS MATERIALIZED (
    SELECT id, status, rsvp_confirmation, ends_at, rsvp_opens_at, rsvp_closes_at,
        sequence, capacity, waitlist, going_count, waitlist_count, waitlist_seq
    FROM events
    WHERE id IN (SELECT event_id FROM req)
    ORDER BY starts_at, id
    FOR UPDATE
), fresh AS (
    SELECT req.*, row_number() OVER (PARTITION BY req.event_id ORDER BY req.n) AS k
    FROM req JOIN ev ON ev.id = req.event_id
    WHERE ev.status = 'published' AND ev.rsvp_confirmation = req.confirmation AND ev.ends_at = req.ends_at
        AND ev.rsvp_opens_at IS NOT DISTINCT FROM req.opens_at AND ev.rsvp_closes_at IS NOT DISTINCT FROM req.closes_at
        AND NOT EXISTS (SELECT 1 FROM req p WHERE p.event_id = req.event_id AND p.email_norm = req.email_norm AND p.n < req.n)
        AND NOT EXISTS (SELECT 1 FROM rsvps x
            WHERE x.event_id = req.event_id AND x.email_norm = req.email_norm AND x.status <> 'cancelled')
), claimed AS (
    SELECT fresh.*,
        CASE WHEN ev.capacity IS NULL OR ev.going_count + fresh.k <= ev.capacity THEN 'going'
             WHEN ev.waitlist THEN 'waitlisted' END AS claim
    FROM fresh JOIN ev ON ev.id = fresh.event_id
), placed AS (
    SELECT claimed.*,
        count(*) FILTER (WHERE claim = 'waitlisted') OVER (PARTITION BY event_id ORDER BY k) AS w
    FROM claimed WHERE claim IS NOT NULL
), rsvp AS (
    INSERT INTO rsvps (id, event_id, name, email, email_norm, status, waitlist_seq,
        manage_token_hash, feed_token_hash, join_token_hash, checkin_code, created_at, updated_at, was_waitlisted, locale)
    SELECT p.rsvp_id, ev.id, p.name, p.email, p.email_norm, p.claim,
        CASE WHEN p.claim = 'waitlisted' THEN ev.waitlist_seq + p.w END,
        p.token_hash, p.feed_hash, p.join_hash, p.checkin_code, $15, $15, p.claim = 'waitlisted', p.locale
    FROM placed p JOIN ev ON ev.id = p.event_id
    ORDER BY p.n
    ON CONFLICT (event_id, email_norm) WHERE status <> 'cancelled' DO NOTHING
    RETURNING id, event_id, status, waitlist_seq
), counters AS (
    UPDATE events SET
        going_count = ev.going_count + t.going,
        waitlist_count = ev.waitlist_count + t.waiting,
        waitlist_seq = coalesce(t.seq, ev.waitlist_seq)
    FROM ev JOIN (SELECT event_id, count(*) FILTER (WHERE status = 'going') AS going,
            count(*) FILTER (WHERE status = 'waitlisted') AS waiting, max(waitlist_seq) AS seq
        FROM rsvp GROUP BY event_id) t ON t.event_id = ev.id
    WHERE events.id = ev.id
), delivery AS (
    INSERT INTO deliveries (id, event_id, rsvp_id, kind, sequence, status, detail, created_at, updated_at)
    SELECT p.delivery_id, ev.id, rsvp.id, rsvp.status, ev.sequence, 'queued', '', $15, $15
    FROM rsvp JOIN placed p ON p.rsvp_id = rsvp.id JOIN ev ON ev.id = rsvp.event_id
)
SELECT p.rsvp_id AS id, rsvp.status, rsvp.waitlist_seq,
    CASE WHEN rsvp.status = 'waitlisted' THEN ev.waitlist_count + p.w END AS position
FROM placed p LEFT JOIN rsvp ON rsvp.id = p.rsvp_id JOIN ev ON ev.id = p.event_id`

// claimBatchMax bounds the RSVPs one batch claims; the rest wait for the
// next.
const claimBatchMax = 128

// claimBatchTimeout bounds a batch's transaction, which does not end with
// the request of the caller that runs it: the others wait for it.
const claimBatchTimeout = 30 * time.Second

// claimRequest is one public RSVP waiting to be claimed in a batch.
type claimRequest struct {
	ev         eventRow // as read without the lock
	row        rsvpRow  // from newRSVP, without its status
	deliveryID string
	now        time.Time

	lead chan struct{} // receives when the request is to run the next batch
	done chan struct{} // closed when the outcome is in

	// Under claimBatcher.mu:
	taken     bool // in a batch: it waits for the outcome
	batchSize int  // of that batch
	promoted  bool // its caller runs the next batch

	// The outcome, written before done is closed.
	claimed     bool // the statement made the RSVP
	status      string
	waitlistSeq *int64
	position    int
	err         error // the batch failed: the request is not decided
}

// claimLanes is how many claim batches may run at once in one process.
// Each event belongs to one lane (claimLane), so RSVPs to one event are
// claimed one batch at a time, in arrival order; RSVPs to different events
// of a lane share a batch and its commit. Fewer lanes make bigger batches
// and fewer commits; more lanes let a batch that waits (for an event's
// lock held by an organiser's change, say) hold back fewer RSVPs. In
// convene-bench's spread (5,000 RSVPs over 1,000 events, 32 clients, on 2
// cores) one lane and two did the same, about 1,300 RSVPs/s, four 1,000
// to 1,200, eight 800 to 950, and a lane per event 550.
const claimLanes = 2

// sameGuard reports whether r and o read the same event the same in what
// the claim statements re-check under the lock.
func (r *claimRequest) sameGuard(o *claimRequest) bool {
	a, b := &r.ev, &o.ev
	return a.ID == b.ID && a.Confirmation == b.Confirmation && a.EndsAt.Equal(b.EndsAt) &&
		sameTime(a.RSVPOpensAt, b.RSVPOpensAt) && sameTime(a.RSVPClosesAt, b.RSVPClosesAt)
}

func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

// claimLane is the lane of the event with the id.
func claimLane(eventID string) int {
	h := fnv.New32a()
	h.Write([]byte(eventID))
	return int(h.Sum32() % claimLanes)
}

// claimBatcher queues the public RSVPs that take the claim path by lane
// (claimLane), so that those arriving together are claimed in one
// transaction.
//
// Every request joins its lane's queue. The queue has at most one
// leader: the caller that runs the next batch. A caller that finds no
// leader becomes it; the leader takes the requests waiting (its own
// first), runs the batch, and hands the queue on — under mu, to the
// first request still waiting, or to nobody, dropping the queue, when
// none is. Because arriving and handing on both happen under mu, a
// request always finds either a leader that will take it or none (and
// leads itself): none is left behind. A leader runs one batch and leaves,
// so nobody's request waits on more than the batch it is in and the one
// before; and there is one batch transaction per lane, so per event, at a
// time from this process. The batch's row locks still order it with other
// processes and paths.
type claimBatcher struct {
	mu     sync.Mutex
	queues map[int]*claimQueue // by lane

	sizes [len(claimBatchBuckets)]atomic.Int64
}

type claimQueue struct {
	waiting []*claimRequest // arrival order
	led     bool            // a request of waiting is promoted, or a batch runs
}

// claimBatchBuckets names the batch sizes counted: 1, 2–3, 4–7, … 64+.
var claimBatchBuckets = [...]string{"1", "2-3", "4-7", "8-15", "16-31", "32-63", "64+"}

// ClaimBatchSizes returns how many claim batches of each size (the keys
// of claimBatchBuckets: "1", "2-3", "4-7", "8-15", "16-31", "32-63",
// "64+") this DB has run since it was opened, successful or not.
func (db *DB) ClaimBatchSizes() map[string]int64 {
	m := make(map[string]int64, len(claimBatchBuckets))
	for i, name := range claimBatchBuckets {
		m[name] = db.claims.sizes[i].Load()
	}
	return m
}

func (b *claimBatcher) count(n int) {
	i := 0
	for n > 1 && i < len(claimBatchBuckets)-1 {
		n >>= 1
		i++
	}
	b.sizes[i].Add(1)
}

// submit claims r in a batch with the requests of its lane waiting with
// it, running the batch itself (run) when it is the leader, and
// returns when r's outcome is in. A request still waiting when ctx ends
// leaves the queue and returns ctx.Err(); one taken into a batch waits
// for the batch, which does not depend on ctx.
func (b *claimBatcher) submit(ctx context.Context, r *claimRequest, run func([]*claimRequest)) error {
	r.lead, r.done = make(chan struct{}, 1), make(chan struct{})
	key := claimLane(r.ev.ID)
	b.mu.Lock()
	if b.queues == nil {
		b.queues = map[int]*claimQueue{}
	}
	q := b.queues[key]
	if q == nil {
		q = &claimQueue{}
		b.queues[key] = q
	}
	q.waiting = append(q.waiting, r)
	if !q.led {
		q.led, r.promoted = true, true
		r.lead <- struct{}{}
	}
	b.mu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-r.lead:
	case <-ctx.Done():
		b.mu.Lock()
		if r.taken {
			b.mu.Unlock()
			<-r.done
			return nil
		}
		if i := slices.Index(q.waiting, r); i >= 0 {
			q.waiting = slices.Delete(q.waiting, i, i+1)
		}
		if r.promoted {
			b.handOn(key, q)
		}
		b.mu.Unlock()
		return ctx.Err()
	}
	// r leads: it is the first waiting, and nobody else takes from q.
	b.mu.Lock()
	n := min(len(q.waiting), claimBatchMax)
	batch := slices.Clone(q.waiting[:n])
	q.waiting = slices.Delete(q.waiting, 0, n)
	for _, w := range batch {
		w.taken, w.batchSize = true, len(batch)
	}
	b.mu.Unlock()
	b.count(len(batch))
	func() {
		defer func() { // even if run panics: the queue must not stay led
			b.mu.Lock()
			b.handOn(key, q)
			b.mu.Unlock()
		}()
		run(batch)
	}()
	<-r.done
	return nil
}

// handOn gives q's lead to its first waiting request, or drops q when none
// is waiting. The caller holds b.mu.
func (b *claimBatcher) handOn(key int, q *claimQueue) {
	if len(q.waiting) == 0 {
		q.led = false
		delete(b.queues, key)
		return
	}
	next := q.waiting[0]
	next.promoted = true
	next.lead <- struct{}{}
}

// claimBatch claims the batch's RSVPs in one transaction — ClaimBatchSQL,
// or ClaimAcrossSQL when they are to several events or read one event
// differently — and writes each request's outcome. A request the statement did not make
// is left unclaimed (the general path decides it); when the transaction
// fails, every request gets its error, and claimRSVP tries each alone.
//
// The River jobs of all requests are inserted first, as claimRSVP inserts
// one, so that the events' locks are held for the statement and the commit
// only. Those of requests the statement does not make name deliveries
// that never exist: SendWorker takes a delivery that LoadOutgoing does
// not find (ENOTFOUND) for done, and sends nothing. A batch that makes no
// RSVP at all is rolled back, jobs and all.
func (db *DB) claimBatch(ctx context.Context, batch []*claimRequest) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	// The others wait for this transaction: it does not end with the
	// request of the caller that runs it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimBatchTimeout)
	defer cancel()
	n := len(batch)
	cols := make([][]string, 11)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	endsAt := make([]time.Time, n)
	opensAt, closesAt := make([]*time.Time, n), make([]*time.Time, n)
	jobs := make([]river.InsertManyParams, n)
	byID := make(map[string]*claimRequest, n)
	for i, r := range batch {
		w, ev := &r.row, &r.ev
		for j, v := range []string{ev.ID, ev.Confirmation, w.ID, w.Name, w.Email, w.EmailNorm, w.ManageTokenHash, *w.FeedTokenHash, *w.JoinTokenHash, *w.CheckinCode, r.deliveryID} {
			cols[j][i] = v
		}
		endsAt[i], opensAt[i], closesAt[i] = ev.EndsAt, ev.RSVPOpensAt, ev.RSVPClosesAt
		jobs[i] = river.InsertManyParams{Args: domain.SendEmailArgs{DeliveryID: r.deliveryID},
			InsertOpts: &river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: MaxSendAttempts}}
		byID[w.ID] = r
	}
	// One event read one way: ClaimBatchSQL, with the guard once.
	query, ev := ClaimBatchSQL, &batch[0].ev
	args := []any{ev.ID, ev.Confirmation, ev.EndsAt, ev.RSVPOpensAt, ev.RSVPClosesAt}
	for _, r := range batch[1:] {
		if !r.sameGuard(batch[0]) {
			query, args = ClaimAcrossSQL, []any{cols[0], cols[1], endsAt, opensAt, closesAt}
			break
		}
	}
	for _, c := range cols[2:] {
		args = append(args, c)
	}
	locales := make([]string, n)
	for i, r := range batch {
		locales[i] = r.row.Locale
	}
	args = append(args, batch[0].now, locales)
	type outcome struct {
		id          string
		status      *string
		waitlistSeq *int64
		position    *int64
	}
	var out []outcome
	err := db.tx(ctx, func(tx *gorm.DB) error {
		// InsertManyFastTx: the same insert without reading the jobs back.
		if _, err := db.jobs.InsertManyFastTx(ctx, sqlTx(tx), jobs); err != nil {
			return err
		}
		if db.afterEnqueue != nil { // tests: fail the transaction after the insert
			if err := db.afterEnqueue(); err != nil {
				return err
			}
		}
		rows, err := sqlTx(tx).QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o outcome
			if err := rows.Scan(&o.id, &o.status, &o.waitlistSeq, &o.position); err != nil {
				return err
			}
			out = append(out, o)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			return errClaimDeclined
		}
		for _, o := range out {
			if o.status == nil {
				// Placed, then dropped by ON CONFLICT: the numbering
				// after it has a hole. Undo all; each goes alone.
				return errClaimCollided
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errClaimDeclined):
		return
	case err != nil:
		for _, r := range batch {
			r.err = err
		}
		return
	}
	for _, o := range out {
		r := byID[o.id] // one of the batch's: the statement returns only those
		r.claimed, r.status, r.waitlistSeq = true, *o.status, o.waitlistSeq
		if o.position != nil {
			r.position = int(*o.position)
		}
	}
}

// errClaimCollided rolls back a batch whose insert met an RSVP of the same
// address that its check did not see.
var errClaimCollided = errors.New("store: claim batch collided with a concurrent RSVP")
