package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// MaxFeedEvents bounds how many events one calendar feed holds.
const MaxFeedEvents = 500

// FindPublicGroup returns a group by slug with its published and cancelled
// events that end at or after since (recent and upcoming), by start time.
// Cancelled events stay so that subscribed calendars drop them.
func (db *DB) FindPublicGroup(ctx context.Context, slug string, since time.Time) (domain.Group, []domain.Event, error) {
	var (
		g    groupRow
		rows []eventRow
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("slug = ?", slug).Limit(1).Find(&g)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errGroupNotFound
		}
		return tx.Where("group_id = ? AND status <> ? AND ends_at >= ?", g.ID, string(domain.EventDraft), utc(since)).
			Order("starts_at, id").Limit(MaxFeedEvents).Find(&rows).Error
	})
	if err != nil {
		return domain.Group{}, nil, err
	}
	events := make([]domain.Event, len(rows))
	for i, r := range rows {
		events[i] = r.toDomain()
	}
	return g.toDomain(), events, nil
}

// PersonalEvents returns the RSVP behind a feed token and the events its
// holder is going to (recent and upcoming, ending at or after since), each
// with its group and the language of the holder's RSVP to it (RSVP.Locale,
// the only field of RSVP set), and the feed token (for the join links). A token that
// was e-mailed to the attendee proves the mailbox, so it lists every event,
// across the service, that the address is going to; the token handed back
// by the RSVP call proves nothing about the address (anyone can RSVP with
// anyone's), so it lists its own event only. A manage token, which feed
// links carried before they had tokens of their own, is taken too, so that
// calendars subscribed before keep working.
func (db *DB) PersonalEvents(ctx context.Context, rawToken string, since time.Time) (domain.RSVPView, []domain.RSVPView, string, error) {
	var (
		self    domain.RSVPView
		items   []domain.RSVPView
		emailed bool
		feed    = rawToken
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		self, emailed, err = db.rsvpByLink(tx, rawToken, linkFeed, false)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			self, emailed, err = db.rsvpByLink(tx, rawToken, linkManage, false)
			feed = domain.FeedToken(rawToken)
		}
		if err != nil {
			return err
		}
		match, arg := `r.id = ?`, any(self.RSVP.ID)
		if emailed {
			match, arg = `r.email_norm = ?`, domain.NormalizeEmail(self.RSVP.Email)
		}
		// Each event with the language of the holder's RSVP to it, which
		// its entry speaks.
		var rows []personalRow
		if err := tx.Raw(`SELECT e.*, r.locale AS rsvp_locale FROM rsvps r JOIN events e ON e.id = r.event_id
			WHERE `+match+` AND r.status = 'going' AND e.status <> 'draft' AND e.ends_at >= ?
			ORDER BY e.starts_at, e.id LIMIT ?`, arg, utc(since), MaxFeedEvents).Scan(&rows).Error; err != nil {
			return err
		}
		groups := map[string]domain.Group{}
		for _, r := range rows {
			g, ok := groups[r.Event.GroupID]
			if !ok {
				var gr groupRow
				if err := tx.Where("id = ?", r.Event.GroupID).Take(&gr).Error; err != nil {
					return err
				}
				g = gr.toDomain()
				groups[r.Event.GroupID] = g
			}
			items = append(items, domain.RSVPView{RSVP: domain.RSVP{Locale: r.RSVPLocale}, Event: r.Event.toDomain(), Group: g})
		}
		return nil
	})
	return self, items, feed, err
}

// personalRow is an event of a personal feed with the language of the
// holder's RSVP to it.
type personalRow struct {
	Event      eventRow `gorm:"embedded"`
	RSVPLocale string   `gorm:"column:rsvp_locale;->"`
}

// GroupFeedVersion returns a string that changes whenever what
// FindPublicGroup returns for the same slug and since does: the group's
// last change, and the number and latest change of its published or
// cancelled events ending at or after since. It is one small query, so
// that a feed polled by calendar apps is only rebuilt when it changed.
func (db *DB) GroupFeedVersion(ctx context.Context, slug string, since time.Time) (string, error) {
	var (
		version string
		found   bool
	)
	err := db.read(ctx, func(q *gorm.DB) error {
		rows, err := q.Raw(`SELECT g.id, g.updated_at, COUNT(e.id), MAX(e.updated_at) FROM groups g
			LEFT JOIN events e ON e.group_id = g.id AND e.status <> ? AND e.ends_at >= ?
			WHERE g.slug = ? GROUP BY g.id, g.updated_at`, string(domain.EventDraft), utc(since), slug).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id       string
				gUpdated time.Time
				n        int64
				latest   sql.NullString
			)
			if err := rows.Scan(&id, &gUpdated, &n, &latest); err != nil {
				return err
			}
			found = true
			version = fmt.Sprintf("%s|%d|%d|%s", id, gUpdated.UnixNano(), n, latest.String)
		}
		return rows.Err()
	})
	if err == nil && !found {
		err = errGroupNotFound
	}
	return version, err
}
