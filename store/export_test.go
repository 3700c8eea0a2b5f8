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
	return db.claimRSVPBatch(ctx, slug, ins, false)
}

// ClaimRSVPBatchBadLast is ClaimRSVPBatch with the last RSVP given the
// first's manage token hash, so that its insert breaks a unique index and
// fails the batch's statement.
func (db *DB) ClaimRSVPBatchBadLast(ctx context.Context, slug string, ins []domain.RSVPInput) (res []domain.RSVPResult, decided []bool, errs []error) {
	return db.claimRSVPBatch(ctx, slug, ins, true)
}

func (db *DB) claimRSVPBatch(ctx context.Context, slug string, ins []domain.RSVPInput, badLast bool) (res []domain.RSVPResult, decided []bool, errs []error) {
	res, decided, errs = make([]domain.RSVPResult, len(ins)), make([]bool, len(ins)), make([]error, len(ins))
	ev, now, ok, err := db.eventToClaim(ctx, slug)
	if err != nil || !ok {
		for i := range ins {
			errs[i] = err
		}
		return res, decided, errs
	}
	batch := make([]*claimRequest, len(ins))
	for i, in := range ins {
		batch[i], res[i] = newClaim(&ev, in, now)
		batch[i].done, batch[i].batchSize = make(chan struct{}), len(ins)
	}
	if badLast {
		batch[len(ins)-1].row.ManageTokenHash = batch[0].row.ManageTokenHash
	}
	if db.beforeClaim != nil {
		db.beforeClaim(slug)
	}
	db.claimBatch(ctx, batch)
	for i, r := range batch {
		res[i], decided[i], errs[i] = db.claimAnswer(ctx, slug, r, res[i])
	}
	return res, decided, errs
}

// CreateRSVPGeneral is CreateRSVP's general path alone.
func (db *DB) CreateRSVPGeneral(ctx context.Context, slug string, in domain.RSVPInput) (domain.RSVPResult, error) {
	return db.createRSVP(ctx, slug, in)
}

// JobNow is jobNow, the time as the job queue records it.
func (db *DB) JobNow(ctx context.Context) (time.Time, error) { return db.jobNow(ctx) }
