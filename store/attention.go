package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// FindAttention returns what needs the organiser's attention in the groups
// they belong to (domain.Attention), at most limit events in each list.
// Every list reads the organiser's groups' events from a time window on
// (events_group_starts), and failed e-mails through their own partial
// index, so the work is bounded by the window, never by a group's history.
func (db *DB) FindAttention(ctx context.Context, organiserID string, limit int) (domain.Attention, error) {
	var a domain.Attention
	limit = max(1, min(limit, domain.MaxPageSize))
	now := db.now()
	const mine = `FROM events e JOIN group_members m ON m.group_id = e.group_id AND m.organiser_id = ? `
	err := db.read(ctx, func(q *gorm.DB) error {
		// Failed e-mails of events not over for long: those can still be
		// put right (a typo in an address, a full mailbox).
		since := now.Add(-domain.FailuresShownFor)
		var failed []struct {
			EventID string `gorm:"column:event_id"`
			Failed  int    `gorm:"column:failed"`
		}
		if err := q.Raw(`SELECT d.event_id, count(*) AS failed, max(d.updated_at) AS latest `+mine+
			`JOIN deliveries d ON d.event_id = e.id AND d.status = 'failed'
			WHERE e.starts_at >= ? AND e.ends_at >= ?
			GROUP BY d.event_id ORDER BY latest DESC, d.event_id LIMIT ?`,
			organiserID, utc(since.Add(-domain.MaxEventDuration)), utc(since), limit).Scan(&failed).Error; err != nil {
			return err
		}
		if len(failed) > 0 {
			ids := make([]string, len(failed))
			for i, f := range failed {
				ids[i] = f.EventID
			}
			var rows []eventRow
			if err := q.Where("id IN ?", ids).Find(&rows).Error; err != nil {
				return err
			}
			byID := make(map[string]eventRow, len(rows))
			for _, r := range rows {
				byID[r.ID] = r
			}
			for _, f := range failed {
				if r, ok := byID[f.EventID]; ok {
					a.FailedEmails = append(a.FailedEmails, domain.EventFailures{Event: r.toDomain(), Failed: f.Failed})
				}
			}
		}
		// Upcoming published events people cannot find their way to: the
		// SQL of domain.Event.MissingPlace.
		var rows []eventRow
		if err := q.Raw(`SELECT e.* `+mine+`WHERE e.status = 'published' AND e.starts_at > ? AND (
				(e.kind = 'meetup' AND (e.venue_name IS NULL OR trim(coalesce(e.venue_address, '')) = ''))
				OR (e.kind = 'live_session' AND trim(e.online_url) = ''))
			ORDER BY e.starts_at, e.id LIMIT ?`, organiserID, utc(now), limit).Scan(&rows).Error; err != nil {
			return err
		}
		a.Unplaced = toEvents(rows)
		// RSVP windows closing soon. A window closes before its event
		// ends, so the events start no later than MaxEventDuration before.
		rows = nil
		until := now.Add(domain.ClosingWithin)
		if err := q.Raw(`SELECT e.* `+mine+`WHERE e.status = 'published' AND e.starts_at > ?
				AND e.rsvp_closes_at > ? AND e.rsvp_closes_at <= ?
			ORDER BY e.rsvp_closes_at, e.id LIMIT ?`, organiserID, utc(now.Add(-domain.MaxEventDuration)), utc(now), utc(until), limit).
			Scan(&rows).Error; err != nil {
			return err
		}
		a.ClosingSoon = toEvents(rows)
		return nil
	})
	return a, err
}

func toEvents(rows []eventRow) []domain.Event {
	out := make([]domain.Event, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out
}
