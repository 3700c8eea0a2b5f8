package store

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// ClaimSQL is the one statement, on PostgreSQL, in which a new public RSVP
// takes its seat or place in line: it locks the event row, decides from
// the locked counters, inserts the RSVP, saves the counters and records
// the delivery of its e-mail. It returns one row when the RSVP was made,
// none when Go must decide instead (see claimOne).
//
// Public RSVPs arriving together are claimed in batches, by ClaimBatchSQL
// (rsvpbatch.go); this statement claims one RSVP alone when its batch
// failed, and is convene-bench's one-RSVP-per-transaction baseline.
//
// Everything else the RSVP needs happens before the lock: the event is
// read and checked in Go, and the River job that sends the e-mail is
// inserted first, in the same transaction, for the delivery id chosen in
// Go. The event's row lock — which serialises RSVPs to one event, and is
// what a rush to one event waits for — is therefore held for this one
// round trip and the COMMIT, where placeRSVP held it for four.
//
// The guard re-checks, under the lock, what Go checked without it (the
// event still published, same RSVP window, same confirmation mode): an
// organiser's edit in between makes the statement do nothing. Capacity
// and the waitlist flag are read under the lock, and the CASE is
// domain.Event.Admit's rule for them — a seat while one is free, else a
// place in line if the event has a waitlist, else nothing (the general
// path then refuses). TestAdmissionOnEveryPath holds the two to the same
// answers.
//
// Named parameters (@name) are GORM's; convene-bench turns them into
// pgbench's for its baseline, so both run this very text.
const ClaimSQL = `WITH ev AS MATERIALIZED (
    SELECT id, sequence, going_count, waitlist_count, waitlist_seq,
        CASE WHEN capacity IS NULL OR going_count < capacity THEN 'going'
             WHEN waitlist THEN 'waitlisted' END AS claim
    FROM events
    WHERE id = @event_id AND status = 'published' AND rsvp_confirmation = @confirmation
        AND ends_at = @ends_at AND rsvp_opens_at IS NOT DISTINCT FROM @opens_at
        AND rsvp_closes_at IS NOT DISTINCT FROM @closes_at
    FOR UPDATE
), rsvp AS (
    INSERT INTO rsvps (id, event_id, name, email, email_norm, status, waitlist_seq,
        manage_token_hash, feed_token_hash, join_token_hash, checkin_code, created_at, updated_at, was_waitlisted, locale)
    SELECT @rsvp_id, ev.id, @name, @email, @email_norm, ev.claim,
        CASE WHEN ev.claim = 'waitlisted' THEN ev.waitlist_seq + 1 END,
        @token_hash, @feed_hash, @join_hash, @checkin_code, @now, @now, ev.claim = 'waitlisted', @locale
    FROM ev WHERE ev.claim IS NOT NULL
    ON CONFLICT (event_id, email_norm) WHERE status <> 'cancelled' DO NOTHING
    RETURNING id, status, waitlist_seq
), counters AS (
    UPDATE events SET
        going_count = ev.going_count + (rsvp.status = 'going')::int,
        waitlist_count = ev.waitlist_count + (rsvp.status = 'waitlisted')::int,
        waitlist_seq = coalesce(rsvp.waitlist_seq, ev.waitlist_seq)
    FROM ev, rsvp WHERE events.id = ev.id
), delivery AS (
    INSERT INTO deliveries (id, event_id, rsvp_id, kind, sequence, status, detail, created_at, updated_at)
    SELECT @delivery_id, ev.id, rsvp.id, rsvp.status, ev.sequence, 'queued', '', @now, @now
    FROM ev, rsvp
)
SELECT rsvp.status, rsvp.waitlist_seq, ev.waitlist_count + 1 AS position FROM ev, rsvp`

// errClaimDeclined rolls back a claimRSVP transaction whose statement made
// no RSVP; CreateRSVP then takes the general path.
var errClaimDeclined = errors.New("store: claim declined")

// claimRSVP makes a new RSVP to a published event that takes replies
// without confirmation, on PostgreSQL, holding the event's lock for one
// statement: ClaimBatchSQL, for this RSVP and those waiting with it, to
// this event or others (claimBatcher). It returns ok false, having changed
// nothing, when the general path must decide: the event is not open to a
// new RSVP as read, it is full without a waitlist, the address already
// has a live RSVP (or comes twice in the batch), or the event changed
// between the read and the lock.
func (db *DB) claimRSVP(ctx context.Context, slug string, in domain.RSVPInput) (res domain.RSVPResult, ok bool, err error) {
	ev, now, ok, err := db.eventToClaim(ctx, slug)
	if err != nil || !ok {
		return res, false, err
	}
	r, res := newClaim(&ev, in, now)
	if db.beforeClaim != nil {
		db.beforeClaim(slug)
	}
	if err := db.claims.submit(ctx, r, func(batch []*claimRequest) { db.claimBatch(ctx, batch) }); err != nil {
		return domain.RSVPResult{}, false, translate(err)
	}
	return db.claimAnswer(ctx, slug, r, res)
}

// eventToClaim reads the event with the slug without a lock, and reports
// whether a new public RSVP to it may take the claim path: it is
// published, takes replies without confirmation, and Admit takes an RSVP
// at now.
func (db *DB) eventToClaim(ctx context.Context, slug string) (ev eventRow, now time.Time, ok bool, err error) {
	q := db.gorm.WithContext(ctx).Raw(`SELECT * FROM events WHERE slug = ?`, slug).Scan(&ev)
	if q.Error != nil {
		return ev, now, false, translate(q.Error)
	}
	if q.RowsAffected == 0 || ev.Status != string(domain.EventPublished) || ev.Confirmation != string(domain.ConfirmNone) {
		return ev, now, false, nil
	}
	now = db.now()
	e := ev.toDomain()
	return ev, now, e.Admit(now).Taken(), nil
}

// newClaim is the request to claim a new RSVP to ev, as read at now, and
// the answer it will give if claimed (its manage token).
func newClaim(ev *eventRow, in domain.RSVPInput, now time.Time) (*claimRequest, domain.RSVPResult) {
	row, res := newRSVP(ev, in, now)
	return &claimRequest{ev: *ev, row: row, deliveryID: domain.NewID(), now: now}, res
}

// claimAnswer is claimRSVP's answer for r once its batch is done.
func (db *DB) claimAnswer(ctx context.Context, slug string, r *claimRequest, res domain.RSVPResult) (domain.RSVPResult, bool, error) {
	if r.err != nil {
		// The batch failed. Alone, this RSVP's own error is its answer;
		// in company it may be another's, so it tries again by itself —
		// as it does after a collision, which is nobody's error.
		if r.batchSize == 1 && !errors.Is(r.err, errClaimCollided) {
			return domain.RSVPResult{}, false, r.err
		}
		return db.claimOne(ctx, slug, r, res)
	}
	if !r.claimed {
		return domain.RSVPResult{}, false, nil
	}
	return claimedResult(r, res, r.status, r.waitlistSeq, r.position), true, nil
}

// claimedResult is the answer to the claimed request r.
func claimedResult(r *claimRequest, res domain.RSVPResult, status string, waitlistSeq *int64, position int) domain.RSVPResult {
	row := r.row
	row.Status, row.WaitlistSeq = status, waitlistSeq
	if row.Status == string(domain.RSVPWaitlisted) {
		row.WasWaitlisted, row.Position = true, position
	}
	res.RSVP = row.toDomain()
	return res
}

// claimOne claims r alone, in ClaimSQL's one-RSVP transaction under the
// event's gate: the way back for the requests of a batch that failed.
func (db *DB) claimOne(ctx context.Context, slug string, r *claimRequest, res domain.RSVPResult) (domain.RSVPResult, bool, error) {
	var claimed struct {
		Status      string `gorm:"column:status"`
		WaitlistSeq *int64 `gorm:"column:waitlist_seq"`
		Position    int    `gorm:"column:position"`
	}
	leave, err := db.gates.enter(ctx, slug)
	if err != nil {
		return domain.RSVPResult{}, false, translate(err)
	}
	defer leave()
	ev, row := &r.ev, &r.row
	err = db.tx(ctx, func(tx *gorm.DB) error {
		// InsertManyFastTx: the same insert without reading the job back.
		if _, err := db.jobs.InsertManyFastTx(ctx, sqlTx(tx), []river.InsertManyParams{{
			Args:       domain.SendEmailArgs{DeliveryID: r.deliveryID},
			InsertOpts: &river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: MaxSendAttempts},
		}}); err != nil {
			return err
		}
		if db.afterEnqueue != nil { // tests: fail the transaction after the insert
			if err := db.afterEnqueue(); err != nil {
				return err
			}
		}
		q := tx.Raw(ClaimSQL, map[string]any{
			"event_id": ev.ID, "confirmation": ev.Confirmation, "ends_at": ev.EndsAt,
			"opens_at": ev.RSVPOpensAt, "closes_at": ev.RSVPClosesAt,
			"rsvp_id": row.ID, "name": row.Name, "email": row.Email, "email_norm": row.EmailNorm,
			"token_hash": row.ManageTokenHash, "feed_hash": *row.FeedTokenHash, "join_hash": *row.JoinTokenHash, "checkin_code": *row.CheckinCode, "now": r.now, "delivery_id": r.deliveryID, "locale": row.Locale,
		}).Scan(&claimed)
		if q.Error != nil {
			return q.Error
		}
		if q.RowsAffected == 0 {
			return errClaimDeclined
		}
		return nil
	})
	if errors.Is(err, errClaimDeclined) {
		return domain.RSVPResult{}, false, nil
	}
	if err != nil {
		return domain.RSVPResult{}, false, err
	}
	return claimedResult(r, res, claimed.Status, claimed.WaitlistSeq, claimed.Position), true, nil
}
