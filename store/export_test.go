package store

import "context"

// SetAfterEnqueue makes every job insert fail the transaction afterwards
// with err (nil restores normal behaviour).
func (db *DB) SetAfterEnqueue(err error) {
	if err == nil {
		db.afterEnqueue = nil
		return
	}
	db.afterEnqueue = func() error { return err }
}

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
