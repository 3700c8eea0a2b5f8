package store

import "gorm.io/gorm"

// occurrenceCreated runs in the transaction that creates an occurrence of
// a series: the series' followers are invited or signed up.
func (db *DB) occurrenceCreated(tx *gorm.DB, s *seriesRow, ev *eventRow) error {
	return nil
}
