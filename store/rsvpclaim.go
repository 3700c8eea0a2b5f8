package store

import (
	"context"
	"errors"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// ClaimSQL is the one statement, on PostgreSQL, in which a new public RSVP
// takes its seat or place in line: it locks the event row, decides from
// the locked counters, inserts the RSVP, saves the counters and records
// the delivery of its e-mail. It returns one row when the RSVP was made,
// none when Go must decide instead (see claimRSVP).
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
        manage_token_hash, feed_token_hash, join_token_hash, checkin_code, created_at, updated_at, was_waitlisted)
    SELECT @rsvp_id, ev.id, @name, @email, @email_norm, ev.claim,
        CASE WHEN ev.claim = 'waitlisted' THEN ev.waitlist_seq + 1 END,
        @token_hash, @feed_hash, @join_hash, @checkin_code, @now, @now, ev.claim = 'waitlisted'
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
// statement (ClaimSQL). It returns ok false, having changed nothing, when
// the general path must decide: the event is not open to a new RSVP as
// read, it is full without a waitlist, the address already has a live
// RSVP, or the event changed between the read and the lock.
func (db *DB) claimRSVP(ctx context.Context, slug string, in domain.RSVPInput) (res domain.RSVPResult, ok bool, err error) {
	var ev eventRow
	q := db.gorm.WithContext(ctx).Raw(`SELECT * FROM events WHERE slug = ?`, slug).Scan(&ev)
	if q.Error != nil {
		return res, false, translate(q.Error)
	}
	if q.RowsAffected == 0 || ev.Status != string(domain.EventPublished) || ev.Confirmation != string(domain.ConfirmNone) {
		return res, false, nil
	}
	now := db.now()
	e := ev.toDomain()
	if !e.Admit(now).Taken() {
		return res, false, nil
	}
	row, res := newRSVP(&ev, in, now)
	deliveryID := domain.NewID()
	var claimed struct {
		Status      string `gorm:"column:status"`
		WaitlistSeq *int64 `gorm:"column:waitlist_seq"`
		Position    int    `gorm:"column:position"`
	}
	if db.beforeClaim != nil {
		db.beforeClaim(slug)
	}
	leave, err := db.gates.enter(ctx, slug)
	if err != nil {
		return domain.RSVPResult{}, false, translate(err)
	}
	defer leave()
	err = db.tx(ctx, func(tx *gorm.DB) error {
		// InsertManyFastTx: the same insert without reading the job back.
		if _, err := db.jobs.InsertManyFastTx(ctx, sqlTx(tx), []river.InsertManyParams{{
			Args:       domain.SendEmailArgs{DeliveryID: deliveryID},
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
			"token_hash": row.ManageTokenHash, "feed_hash": *row.FeedTokenHash, "join_hash": *row.JoinTokenHash, "checkin_code": *row.CheckinCode, "now": now, "delivery_id": deliveryID,
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
	row.Status, row.WaitlistSeq = claimed.Status, claimed.WaitlistSeq
	if row.Status == string(domain.RSVPWaitlisted) {
		row.WasWaitlisted, row.Position = true, claimed.Position
	}
	res.RSVP = row.toDomain()
	return res, true, nil
}
