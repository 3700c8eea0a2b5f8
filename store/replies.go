package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// replyKey is the key of the RSVPs' reply tokens (domain.ReplyKey), made
// from the installation's signing key. It must be called outside a
// transaction: the first call may load or create the signing key.
func (db *DB) replyKey(ctx context.Context) ([]byte, error) {
	k, err := db.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	return domain.ReplyKey(k.Private.Seed()), nil
}

// fillReplyHashes stores the reply-token hash of each RSVP in rs that has
// none yet (its first e-mail is being prepared), in one statement.
func fillReplyHashes(q *gorm.DB, key []byte, rs []rsvpRow) error {
	var (
		cases strings.Builder
		args  []any
		ids   []string
	)
	for _, r := range rs {
		if r.ReplyTokenHash != nil || key == nil {
			continue
		}
		cases.WriteString(" WHEN ? THEN ?")
		args = append(args, r.ID, domain.HashToken(domain.ReplyToken(key, r.ID)))
		ids = append(ids, r.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	args = append(args, ids)
	return q.Exec(`UPDATE rsvps SET reply_token_hash = CASE id`+cases.String()+` END
		WHERE id IN ? AND reply_token_hash IS NULL`, args...).Error
}

// ApplyCalendarReply applies one calendar message from an attendee's
// calendar (domain.ReplyDecision has the rules) and says what it did.
// uid gives the UID of an event's invites. The reply token names the RSVP;
// an unknown token, like every reply that changes nothing, is an action,
// not an error: errors are only the database's. Under the event's lock, so
// that a decline and a promotion, or two copies of one reply, never meet
// half way.
func (db *DB) ApplyCalendarReply(ctx context.Context, r domain.CalendarReply, uid func(eventID string) string) (domain.ReplyAction, error) {
	if len(r.Token) != domain.ReplyTokenLen {
		return domain.ReplyIgnoreGone, nil
	}
	hash := domain.HashToken(strings.ToLower(r.Token))
	var action domain.ReplyAction
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var row rsvpRow
		q := tx.Raw(`SELECT * FROM rsvps WHERE reply_token_hash = ?`, hash).Scan(&row)
		if q.Error != nil {
			return q.Error
		}
		if q.RowsAffected == 0 {
			action = domain.ReplyIgnoreGone
			return nil
		}
		var ev eventRow
		if err := tx.Raw(`SELECT * FROM events WHERE id = ?`+db.forUpdate(), row.EventID).Scan(&ev).Error; err != nil {
			return err
		}
		// Re-read the RSVP under the lock: a promotion or a cancel may
		// have changed it since.
		if err := tx.Raw(`SELECT r.*, `+positionSQL+` FROM rsvps r WHERE r.id = ?`, row.ID).Scan(&row).Error; err != nil {
			return err
		}
		var sent struct {
			Seq *int `gorm:"column:seq"`
		}
		if err := tx.Raw(`SELECT MAX(sequence) AS seq FROM deliveries WHERE rsvp_id = ? AND kind IN ('going', 'updated') AND status = 'sent'`,
			row.ID).Scan(&sent).Error; err != nil {
			return err
		}
		rsvp := row.toDomain()
		s := domain.ReplySubject{RSVP: rsvp, Event: ev.toDomain(), UID: uid(ev.ID), Last: rsvp.LastReply}
		if sent.Seq != nil {
			s.SentSequence = *sent.Seq
		}
		action = domain.ReplyDecision(r, s)
		switch action {
		case domain.ReplyCancel:
			v := domain.RSVPView{RSVP: s.RSVP, Event: s.Event}
			if _, err := db.cancelRSVP(tx, &v, ""); err != nil {
				return err
			}
		case domain.ReplyReconfirm:
			now := db.now()
			if err := tx.Exec(`UPDATE rsvps SET reconfirmed_at = ?, updated_at = ? WHERE id = ? AND status = 'going'`, now, now, row.ID).Error; err != nil {
				return err
			}
		case domain.ReplyRefresh:
			if err := db.noticeRepeat(tx, &ev, s.RSVP, domain.RepeatRefresh); err != nil {
				return err
			}
			return nil
		case domain.ReplyDeclineCounter:
			_, err := db.jobs.InsertTx(tx.Statement.Context, sqlTx(tx),
				domain.DeclineCounterArgs{RSVPID: row.ID, Sequence: r.Sequence},
				&river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: MaxSendAttempts,
					// One answer per proposal, however often it arrives.
					UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}})
			return err
		case domain.ReplyRecord:
		default:
			return nil // changes nothing
		}
		var stamp *time.Time
		if !r.Stamp.IsZero() {
			t := r.Stamp.UTC()
			stamp = &t
		}
		return tx.Exec(`UPDATE rsvps SET calendar_reply = ?, calendar_reply_client = ?, calendar_reply_via = ?,
			calendar_reply_sequence = ?, calendar_reply_stamp = ?, calendar_reply_at = ? WHERE id = ?`,
			string(r.Status), r.Client, string(r.Via), r.Sequence, stamp, db.now(), row.ID).Error
	})
	if err != nil {
		return "", fmt.Errorf("store: calendar reply: %w", err)
	}
	return action, nil
}

// LoadDeclineCounter returns what the DECLINECOUNTER answering an
// attendee's proposal needs: their RSVP, its event and group, the
// organiser's address and the reply token (ENOTFOUND when the RSVP is
// gone).
func (db *DB) LoadDeclineCounter(ctx context.Context, rsvpID string) (domain.Outgoing, error) {
	key, err := db.replyKey(ctx)
	if err != nil {
		return domain.Outgoing{}, err
	}
	var out domain.Outgoing
	err = db.tx(ctx, func(tx *gorm.DB) error {
		var (
			r  rsvpRow
			ev eventRow
			g  groupRow
		)
		if err := tx.Where("id = ?", rsvpID).Take(&r).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", r.EventID).Take(&ev).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", ev.GroupID).Take(&g).Error; err != nil {
			return err
		}
		org, err := db.organizerEmail(tx, g)
		if err != nil {
			return err
		}
		out = domain.Outgoing{RSVP: r.toDomain(), Event: ev.toDomain(), Group: g.toDomain(), OrganizerEmail: org}
		if r.ReplyTokenHash != nil {
			out.ReplyToken = domain.ReplyToken(key, r.ID)
		}
		return nil
	})
	return out, err
}
