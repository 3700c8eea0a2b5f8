package store

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
