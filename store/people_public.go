package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// PublicEventPeople returns the names of the people with a public role in
// a published or cancelled event — its hosts and speakers (with their talk
// titles and slides) — for its public page. Volunteers and every address are left
// out: only a public role makes a name public.
func (db *DB) PublicEventPeople(ctx context.Context, eventID string) (domain.EventPeople, error) {
	var out domain.EventPeople
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var ev eventRow
		q := tx.Where("id = ? AND status <> ?", eventID, string(domain.EventDraft)).Limit(1).Find(&ev)
		if q.Error != nil {
			return q.Error
		}
		if q.RowsAffected == 0 {
			return errEventNotFound
		}
		people, _, err := db.eventPeople(tx, ev)
		if err != nil {
			return err
		}
		for _, p := range people.Hosts {
			out.Hosts = append(out.Hosts, domain.EventPerson{Role: p.Role, Name: p.Name})
		}
		for _, p := range people.Speakers {
			out.Speakers = append(out.Speakers, domain.EventPerson{Role: p.Role, Name: p.Name, TalkTitle: p.TalkTitle, SlidesURL: p.SlidesURL})
		}
		return nil
	})
	return out, err
}
