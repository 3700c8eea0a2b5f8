package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

type feedbackRow struct {
	RSVPID    string    `gorm:"column:rsvp_id;primaryKey"`
	EventID   string    `gorm:"column:event_id"`
	Rating    int       `gorm:"column:rating"`
	Comment   string    `gorm:"column:comment"`
	CreatedAt time.Time `gorm:"column:created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at"`
}

func (feedbackRow) TableName() string { return "feedback" }

func (r feedbackRow) toDomain() domain.Feedback {
	return domain.Feedback{RSVPID: r.RSVPID, EventID: r.EventID, Rating: r.Rating, Comment: r.Comment,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

var errNotOver = domain.Conflict(domain.ReasonEventNotOver, "The event's attendees are thanked a while after it ends.")

// EventsToThank returns up to limit events whose attendees are due their
// thank-you: published events that ended at least delay ago (and within
// domain.ThankYouWindow) and were not thanked yet, or whose attendance
// changed since they were (a late correction thanks the people added).
func (db *DB) EventsToThank(ctx context.Context, delay time.Duration, limit int) ([]string, error) {
	now := db.now()
	var ids []string
	err := db.read(ctx, func(q *gorm.DB) error {
		return q.Raw(`SELECT id FROM events WHERE status = 'published' AND ends_at <= ? AND ends_at > ?
			AND (thanked_at IS NULL OR thanked_at < attendance_changed_at)
			ORDER BY ends_at, id LIMIT ?`, now.Add(-delay), now.Add(-domain.ThankYouWindow), limit).Scan(&ids).Error
	})
	return ids, err
}

// ThankAttendees queues a thank-you e-mail (domain.MessageThankYou) for
// every attendee of the event who has not had one — people whose
// attendance is recorded, whose RSVP stands and whose data was not erased
// — and marks the event thanked, in one transaction. Each attendee gets
// one thank-you however often it runs (the delivery's unique key). It
// returns how many it queued. Errors: ENOTFOUND for an unknown event;
// ECONFLICT "event_not_over" before the event has been over for delay.
// A cancelled or draft event thanks nobody.
func (db *DB) ThankAttendees(ctx context.Context, eventID string, delay time.Duration) (int, error) {
	total := 0
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var ev eventRow
		q := tx.Raw(`SELECT * FROM events WHERE id = ?`+db.forUpdate(), eventID).Scan(&ev)
		if q.Error != nil {
			return q.Error
		}
		if q.RowsAffected == 0 {
			return errEventNotFound
		}
		now := db.now()
		if ev.Status != string(domain.EventPublished) {
			return nil
		}
		if now.Before(ev.EndsAt.Add(delay)) {
			return errNotOver
		}
		var ids []string
		if err := tx.Raw(`SELECT r.id FROM rsvps r WHERE r.event_id = ? AND r.status = 'going'
			AND r.attended_at IS NOT NULL AND r.erased_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.rsvp_id = r.id AND d.kind = ?)
			ORDER BY r.id`, ev.ID, string(domain.MessageThankYou)).Scan(&ids).Error; err != nil {
			return err
		}
		for len(ids) > 0 {
			batch := ids[:min(len(ids), fanOutBatch)]
			ids = ids[len(batch):]
			// Sequence 0: the thank-you does not follow the invitation's
			// SEQUENCE, so one per RSVP whatever changed.
			n, err := db.enqueue(tx, ev.ID, domain.MessageThankYou, 0, "", batch)
			if err != nil {
				return err
			}
			total += n
		}
		return tx.Exec(`UPDATE events SET thanked_at = ? WHERE id = ?`, now, ev.ID).Error
	})
	return total, err
}

// FindFeedbackByToken returns the RSVP whose manage token is raw, with its
// event and group and the feedback given so far (nil before the first).
// ENOTFOUND for unknown tokens.
func (db *DB) FindFeedbackByToken(ctx context.Context, raw string) (domain.FeedbackView, error) {
	var fv domain.FeedbackView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if fv.View, err = db.rsvpView(tx, raw, false); err != nil {
			return err
		}
		fv.Feedback, err = db.feedbackOf(tx, fv.View.RSVP.ID)
		return err
	})
	return fv, err
}

// SaveFeedbackByToken records the feedback of the attendee whose manage
// token is raw, replacing any earlier answer. Errors: EINVALID for a rating
// outside 1–5 or a comment that is too long; ENOTFOUND for unknown tokens;
// EGONE when the attendee's data was erased; ECONFLICT "not_attended" for
// people whose attendance is not recorded.
func (db *DB) SaveFeedbackByToken(ctx context.Context, raw string, in domain.FeedbackInput) (domain.FeedbackView, error) {
	if err := in.Validate(); err != nil {
		return domain.FeedbackView{}, err
	}
	in = in.Normalized()
	var fv domain.FeedbackView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if fv.View, err = db.rsvpView(tx, raw, false); err != nil {
			return err
		}
		if err := domain.CheckFeedback(fv.View.RSVP); err != nil {
			return err
		}
		now := db.now()
		if err := tx.Exec(`INSERT INTO feedback (rsvp_id, event_id, rating, comment, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (rsvp_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, updated_at = excluded.updated_at`,
			fv.View.RSVP.ID, fv.View.Event.ID, in.Rating, in.Comment, now, now).Error; err != nil {
			return err
		}
		fv.Feedback, err = db.feedbackOf(tx, fv.View.RSVP.ID)
		return err
	})
	return fv, err
}

func (db *DB) feedbackOf(tx *gorm.DB, rsvpID string) (*domain.Feedback, error) {
	var rows []feedbackRow
	if err := tx.Where("rsvp_id = ?", rsvpID).Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	f := rows[0].toDomain()
	return &f, nil
}

// feedbackStats sums up an event's feedback for its organisers: counts,
// average and the comments without names, latest first.
func (db *DB) feedbackStats(tx *gorm.DB, eventID string) (domain.FeedbackStats, error) {
	var rows []feedbackRow
	if err := tx.Where("event_id = ?", eventID).Order("updated_at DESC, rsvp_id").Find(&rows).Error; err != nil {
		return domain.FeedbackStats{}, err
	}
	st := domain.FeedbackStats{Comments: []domain.FeedbackComment{}}
	sum := 0
	for _, r := range rows {
		if r.Rating < domain.MinRating || r.Rating > domain.MaxRating {
			continue // the table's CHECK forbids it
		}
		st.Count++
		sum += r.Rating
		st.ByRating[r.Rating-1]++
		if r.Comment != "" {
			st.Comments = append(st.Comments, domain.FeedbackComment{Rating: r.Rating, Comment: r.Comment, At: r.UpdatedAt.UTC()})
		}
	}
	if st.Count > 0 {
		st.Average = float64(sum) / float64(st.Count)
	}
	return st, nil
}

// EventFeedback returns what the attendees of an event of a group the
// organiser belongs to said of it (ENOTFOUND otherwise): the number of
// answers, the average rating, the count per rating and the comments,
// never whose they are.
func (db *DB) EventFeedback(ctx context.Context, organiserID, eventID string) (domain.FeedbackStats, error) {
	var st domain.FeedbackStats
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, false)
		if err != nil {
			return err
		}
		st, err = db.feedbackStats(tx, ev.ID)
		return err
	})
	return st, err
}
