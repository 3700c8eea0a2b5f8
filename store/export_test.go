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

// CreateRSVPGeneral is CreateRSVP's general path alone.
func (db *DB) CreateRSVPGeneral(ctx context.Context, slug string, in domain.RSVPInput) (domain.RSVPResult, error) {
	return db.createRSVP(ctx, slug, in)
}

// JobNow is jobNow, the time as the job queue records it.
func (db *DB) JobNow(ctx context.Context) (time.Time, error) { return db.jobNow(ctx) }
