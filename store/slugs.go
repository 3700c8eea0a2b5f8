package store

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// Event slugs (domain/slug.go): event_slugs keeps every slug a published
// event has had, so that old links keep leading to it and no other event
// can take them; a draft only wishes for a slug (draft_slug), which its
// own group alone sees, and events.slug holds unlistedSlug until it is
// published.

// errSlugTakenAtPublish answers publishing a draft whose chosen slug was
// taken since it was chosen.
var errSlugTakenAtPublish = &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonSlugTaken,
	Message: "slug: was taken by another event since you chose it; choose another slug and publish again",
	Fields:  []domain.FieldError{{Field: "slug", Message: "was taken by another event since you chose it"}}}

// unlistedSlug is what events.slug holds while an event has no public slug
// (a draft): unique, and never a valid slug, so no request can name it.
func unlistedSlug(eventID string) string { return "unlisted:" + eventID }

// slugFree reports whether the event eventID (of series seriesID, "" for
// none; eventID "" for a new event) may have slug as its public slug: no
// other event has or had it, it is not the slug of an occurrence its
// series removed, and it is not in another series' occurrence namespace.
// The answer is only as good as the moment: claimSlug decides.
func (db *DB) slugFree(tx *gorm.DB, slug, eventID, seriesID string) (bool, error) {
	var reg struct {
		EventID  *string `gorm:"column:event_id"`
		SeriesID *string `gorm:"column:series_id"`
	}
	res := tx.Raw(`SELECT event_id, series_id FROM event_slugs WHERE slug = ?`, slug).Scan(&reg)
	if res.Error != nil {
		return false, res.Error
	}
	if res.RowsAffected > 0 && !slugOwned(reg.EventID, reg.SeriesID, eventID, seriesID) {
		return false, nil
	}
	other, err := db.inOtherSeries(tx, slug, seriesID)
	return !other, err
}

// slugOwned reports whether a registered slug belongs to the event: it is
// one of its own, or its series' from an occurrence since removed.
func slugOwned(regEvent, regSeries *string, eventID, seriesID string) bool {
	if regEvent != nil {
		return eventID != "" && *regEvent == eventID
	}
	return regSeries != nil && seriesID != "" && *regSeries == seriesID
}

// inOtherSeries reports whether slug lies in the occurrence namespace of a
// series other than seriesID.
func (db *DB) inOtherSeries(tx *gorm.DB, slug, seriesID string) (bool, error) {
	prefixes := domain.SeriesSlugPrefixes(slug)
	if len(prefixes) == 0 {
		return false, nil
	}
	q := tx.Model(&seriesRow{}).Where("slug IN ?", prefixes)
	if seriesID != "" {
		q = q.Where("id <> ?", seriesID)
	}
	var n int64
	err := q.Count(&n).Error
	return n > 0, err
}

// groupSlugFree reports whether an event of the group may have or wish for
// slug: it is free as a public slug (slugFree), and no other draft of the
// group wishes for it. Other groups' drafts do not count: they are
// invisible to this group.
func (db *DB) groupSlugFree(tx *gorm.DB, slug, groupID, eventID, seriesID string) (bool, error) {
	free, err := db.slugFree(tx, slug, eventID, seriesID)
	if err != nil || !free {
		return false, err
	}
	var n int64
	err = tx.Model(&eventRow{}).Where("group_id = ? AND draft_slug = ? AND id <> ?", groupID, slug, eventID).Count(&n).Error
	return n == 0, err
}

// claimSlug makes slug the event's for good, and reports whether it could:
// a slug registered for another event is not taken over (concurrent claims
// on PostgreSQL wait for each other and one wins); one of the event's own
// former slugs, or its series' from a removed occurrence, is taken back.
// The occurrence namespace is slugFree's to check.
func (db *DB) claimSlug(tx *gorm.DB, slug, eventID, seriesID string) (bool, error) {
	var series *string
	if seriesID != "" {
		series = &seriesID
	}
	res := tx.Exec(`INSERT INTO event_slugs (slug, event_id, series_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (slug) DO UPDATE SET event_id = excluded.event_id
		WHERE event_slugs.event_id = excluded.event_id
			OR (event_slugs.event_id IS NULL AND event_slugs.series_id = excluded.series_id)`,
		slug, eventID, series, db.now())
	return res.RowsAffected > 0, res.Error
}

// claimFirstFree claims the first of the candidates that is free for the
// event, and returns it ("" when none is). With a groupID, the slugs the
// group's other drafts wish for are not free either.
func (db *DB) claimFirstFree(tx *gorm.DB, candidates []string, groupID, eventID, seriesID string) (string, error) {
	for _, c := range candidates {
		var (
			free bool
			err  error
		)
		if groupID != "" {
			free, err = db.groupSlugFree(tx, c, groupID, eventID, seriesID)
		} else {
			free, err = db.slugFree(tx, c, eventID, seriesID)
		}
		if err != nil {
			return "", err
		}
		if !free {
			continue
		}
		ok, err := db.claimSlug(tx, c, eventID, seriesID)
		if err != nil {
			return "", err
		}
		if ok {
			return c, nil
		}
	}
	return "", nil
}

// publishSlug gives a draft being published its public slug: its wish,
// or, for a slug made from the title, the first free of the wish and the
// title's variants. A chosen slug taken meanwhile is a conflict for its
// own group to resolve.
func (db *DB) publishSlug(tx *gorm.DB, row eventRow) (string, error) {
	wish := row.Slug
	if row.DraftSlug != nil {
		wish = *row.DraftSlug
	}
	candidates := []string{wish}
	if row.SlugAuto {
		candidates = append(candidates, domain.SlugCandidates(domain.SlugBase(row.Title), localStart(row))...)
	}
	slug, err := db.claimFirstFree(tx, candidates, row.GroupID, row.ID, "")
	switch {
	case err != nil:
		return "", err
	case slug != "":
		return slug, nil
	case row.SlugAuto:
		return "", fmt.Errorf("store: no free slug for %q", wish)
	}
	return "", errSlugTakenAtPublish
}

// localStart is an event's start in its own zone (UTC if the zone is
// unknown), for the date in its slug.
func localStart(row eventRow) time.Time {
	loc, err := time.LoadLocation(row.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return row.StartsAt.In(loc)
}

// formerSlug reports whether slug is one the event had before: a link made
// then still means the event.
func (db *DB) formerSlug(tx *gorm.DB, slug, eventID string) (bool, error) {
	var n int64
	err := tx.Raw(`SELECT count(*) FROM event_slugs WHERE slug = ? AND event_id = ?`, slug, eventID).Scan(&n).Error
	return n > 0, err
}

// eventBySlug loads the published or cancelled event whose slug, current
// or former, is slug, locking its row when lock is set; ENOTFOUND for
// drafts and unknown slugs. The current slug is looked up first: it is
// the common case, and the RSVP path's.
func (db *DB) eventBySlug(tx *gorm.DB, slug string, lock bool) (eventRow, error) {
	lockSQL := ""
	if lock {
		lockSQL = db.forUpdate()
	}
	var ev eventRow
	q := tx.Raw(`SELECT * FROM events WHERE slug = ? AND status <> 'draft'`+lockSQL, slug).Scan(&ev)
	if q.Error != nil {
		return ev, q.Error
	}
	if q.RowsAffected > 0 {
		return ev, nil
	}
	q = tx.Raw(`SELECT * FROM events WHERE id = (SELECT event_id FROM event_slugs WHERE slug = ?) AND status <> 'draft'`+lockSQL, slug).Scan(&ev)
	if q.Error != nil {
		return ev, q.Error
	}
	if q.RowsAffected == 0 {
		return ev, errEventNotFound
	}
	return ev, nil
}
