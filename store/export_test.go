package store

import (
	"context"
	"time"

	"github.com/convene/convene/domain"
)

// SetAfterEnqueue makes every job insert fail the transaction afterwards
// with err (nil restores normal behaviour).
func (db *DB) SetAfterEnqueue(err error) {
	if err == nil {
		db.afterEnqueue = nil
		return
	}
	db.afterEnqueue = func() error { return err }
}

// SetBeforeClaim runs fn between the fast RSVP path's unlocked read of
// the event and its locked statement (nil: nothing).
func (db *DB) SetBeforeClaim(fn func(slug string)) { db.beforeClaim = fn }

// Translate is translate, for the table test of driver errors.
var Translate = translate

// MigrateDownTo rolls the schema back to version, for migration tests.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// ClaimRSVP is the PostgreSQL one-statement path alone: ok false when it
// leaves the decision to the general path (having changed nothing).
func (db *DB) ClaimRSVP(ctx context.Context, slug string, in domain.RSVPInput) (domain.RSVPResult, bool, error) {
	return db.claimRSVP(ctx, slug, in)
}

// ClaimRSVPBatch claims the RSVPs ins to the event with the slug in one
// batch of the claim path (claimBatch), as the event was read once before
// them all, and returns each one's answer as ClaimRSVP does: decided false
// when the general path is left to decide it (and it is not asked).
func (db *DB) ClaimRSVPBatch(ctx context.Context, slug string, ins []domain.RSVPInput) (res []domain.RSVPResult, decided []bool, errs []error) {
	return db.claimRSVPBatch(ctx, slugged(slug, ins), false, nil)
}

// ClaimRSVPBatchBadLast is ClaimRSVPBatch with the last RSVP given the
// first's manage token hash, so that its insert breaks a unique index and
// fails the batch's statement.
func (db *DB) ClaimRSVPBatchBadLast(ctx context.Context, slug string, ins []domain.RSVPInput) (res []domain.RSVPResult, decided []bool, errs []error) {
	return db.claimRSVPBatch(ctx, slugged(slug, ins), true, nil)
}

// SlugRSVP is an RSVP to the event with the slug.
type SlugRSVP struct {
	Slug string
	In   domain.RSVPInput
}

// ClaimRSVPsAcross is ClaimRSVPBatch for RSVPs to several events in one
// batch: each event is read once, before them all; then between runs,
// then the batch.
func (db *DB) ClaimRSVPsAcross(ctx context.Context, rsvps []SlugRSVP, between func()) (res []domain.RSVPResult, decided []bool, errs []error) {
	return db.claimRSVPBatch(ctx, rsvps, false, between)
}

func slugged(slug string, ins []domain.RSVPInput) []SlugRSVP {
	out := make([]SlugRSVP, len(ins))
	for i, in := range ins {
		out[i] = SlugRSVP{slug, in}
	}
	return out
}

func (db *DB) claimRSVPBatch(ctx context.Context, rsvps []SlugRSVP, badLast bool, between func()) (res []domain.RSVPResult, decided []bool, errs []error) {
	n := len(rsvps)
	res, decided, errs = make([]domain.RSVPResult, n), make([]bool, n), make([]error, n)
	type read struct {
		ev  eventRow
		now time.Time
		ok  bool
		err error
	}
	reads := map[string]read{}
	batch := []*claimRequest{}
	for i, r := range rsvps {
		rd, seen := reads[r.Slug]
		if !seen {
			rd.ev, rd.now, rd.ok, rd.err = db.eventToClaim(ctx, r.Slug)
			reads[r.Slug] = rd
		}
		if rd.err != nil || !rd.ok {
			errs[i] = rd.err
			continue
		}
		var req *claimRequest
		req, res[i] = newClaim(&rd.ev, r.In, rd.now)
		batch = append(batch, req)
	}
	for _, r := range batch {
		r.done, r.batchSize = make(chan struct{}), len(batch)
	}
	if badLast {
		batch[len(batch)-1].row.ManageTokenHash = batch[0].row.ManageTokenHash
	}
	if db.beforeClaim != nil {
		db.beforeClaim(rsvps[0].Slug)
	}
	if between != nil {
		between()
	}
	db.claimBatch(ctx, batch)
	k := 0
	for i, r := range rsvps {
		if rd := reads[r.Slug]; rd.err != nil || !rd.ok {
			continue
		}
		res[i], decided[i], errs[i] = db.claimAnswer(ctx, r.Slug, batch[k], res[i])
		k++
	}
	return res, decided, errs
}

// CreateRSVPGeneral is CreateRSVP's general path alone.
func (db *DB) CreateRSVPGeneral(ctx context.Context, slug string, in domain.RSVPInput) (domain.RSVPResult, error) {
	return db.createRSVP(ctx, slug, in)
}

// JobNow is jobNow, the time as the job queue records it.
func (db *DB) JobNow(ctx context.Context) (time.Time, error) { return db.jobNow(ctx) }
