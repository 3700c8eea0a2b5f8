package store

import (
	"context"
	"slices"
	"strings"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// The organisers' list of an event's people and what they do from it:
// search and page through the replies, seat someone from the waitlist by
// hand, remove a reply, send a failed e-mail again.

var errDeliveryNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonDeliveryNotFound, Message: "No such e-mail."}

// Roster cursors say which way they page: after the row they name, or
// before it.
const (
	rosterAfter  = "a"
	rosterBefore = "b"
)

// likeEscaper makes search text literal in a LIKE pattern (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchRSVPs returns one page of an event's RSVPs for an organiser of its
// group, in the order they were made: those whose name or address
// contains f.Query (ignoring case; SQLite folds the case of ASCII letters
// only), with f.Status, and only the people who came with f.CheckedIn.
// Pages are found by key (the RSVP id), never by offset, so a page costs
// the same at the end of a long list as at its start. Errors: ENOTFOUND
// for another group's event, EINVALID for a bad filter or cursor.
func (db *DB) SearchRSVPs(ctx context.Context, organiserID, eventID string, f domain.RosterFilter) (domain.RosterPage, error) {
	if err := f.Validate(); err != nil {
		return domain.RosterPage{}, err
	}
	dir, from, err := decodeCursor(f.Cursor)
	if err == nil && dir != "" && dir != rosterAfter && dir != rosterBefore {
		err = errBadCursor
	}
	if err != nil {
		return domain.RosterPage{}, err
	}
	if dir == "" && from != "" { // a cursor of ListRSVPs: the page after
		dir = rosterAfter
	}
	limit := pageSize(domain.ListOptions{Limit: f.Limit})
	var rows []rsvpRow
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.memberEvent(tx, organiserID, eventID, false); err != nil {
			return err
		}
		q := `SELECT r.* FROM rsvps r WHERE r.event_id = ?`
		args := []any{eventID}
		if f.Status != "" {
			q += ` AND r.status = ?`
			args = append(args, string(f.Status))
		}
		if f.CheckedIn {
			q += ` AND r.attended_at IS NOT NULL`
		}
		if s := strings.TrimSpace(f.Query); s != "" {
			like := "%" + likeEscaper.Replace(strings.ToLower(s)) + "%"
			q += ` AND (lower(r.name) LIKE ? ESCAPE '\' OR lower(r.email) LIKE ? ESCAPE '\')`
			args = append(args, like, like)
		}
		switch dir {
		case rosterBefore:
			q += ` AND r.id < ? ORDER BY r.id DESC`
			args = append(args, from)
		case rosterAfter:
			q += ` AND r.id > ? ORDER BY r.id`
			args = append(args, from)
		default:
			q += ` ORDER BY r.id`
		}
		if err := tx.Raw(q+` LIMIT ?`, append(args, limit+1)...).Scan(&rows).Error; err != nil {
			return err
		}
		return db.waitlistPositions(tx, eventID, rows)
	})
	if err != nil {
		return domain.RosterPage{}, err
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	if dir == rosterBefore {
		slices.Reverse(rows)
	}
	p := domain.RosterPage{Items: make([]domain.RSVP, len(rows))}
	for i, r := range rows {
		p.Items[i] = r.toDomain()
	}
	if len(rows) == 0 {
		return p, nil
	}
	first, last := rows[0].ID, rows[len(rows)-1].ID
	// A page reached by a cursor has a page on the side it came from.
	if (dir != rosterBefore && more) || dir == rosterBefore {
		p.NextCursor = encodeCursor(rosterAfter, last)
	}
	if (dir == rosterBefore && more) || dir == rosterAfter {
		p.PrevCursor = encodeCursor(rosterBefore, first)
	}
	return p, nil
}

// FindRSVP returns one RSVP of an event for an organiser of its group.
// Errors: ENOTFOUND for another group's event or an RSVP not of it.
func (db *DB) FindRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVP, error) {
	var r rsvpRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.memberEvent(tx, organiserID, eventID, false); err != nil {
			return err
		}
		var ok bool
		var err error
		if r, ok, err = db.findRSVP(tx, `r.id = ? AND r.event_id = ?`, rsvpID, eventID); err == nil && !ok {
			err = errRSVPNotFound
		}
		return err
	})
	return r.toDomain(), err
}

// waitlistPositions sets the place in line of the waitlisted rows among
// rows, all of one event. The line is ranked once, in one pass over the
// rsvps_waitlist_order index: positionSQL's count per row costs as much
// as the row's place, which adds up on a page at the end of a long line.
func (db *DB) waitlistPositions(tx *gorm.DB, eventID string, rows []rsvpRow) error {
	var ids []string
	for _, r := range rows {
		if r.Status == string(domain.RSVPWaitlisted) {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var ranks []struct {
		ID       string `gorm:"column:id"`
		Position int    `gorm:"column:position"`
	}
	if err := tx.Raw(`SELECT id, position FROM (SELECT id, row_number() OVER (ORDER BY waitlist_seq) AS position
		FROM rsvps WHERE event_id = ? AND status = 'waitlisted') line WHERE id IN ?`, eventID, ids).Scan(&ranks).Error; err != nil {
		return err
	}
	pos := make(map[string]int, len(ranks))
	for _, r := range ranks {
		pos[r.ID] = r.Position
	}
	for i := range rows {
		rows[i].Position = pos[rows[i].ID]
	}
	return nil
}

// SeatRSVP moves a waitlisted RSVP of an event to going, for an organiser
// of its group: anyone in the line, not only the first. On a full event
// it takes s.AddSeat, which raises the capacity by one (domain
// Event.Seat). The person is sent their invite in the same transaction.
// Seating someone going already changes nothing. Errors: ENOTFOUND for another group's event or an RSVP not of it,
// ECONFLICT not_waitlisted (a cancelled RSVP), event_full (without AddSeat),
// event_not_published, event_cancelled or event_over.
func (db *DB) SeatRSVP(ctx context.Context, organiserID, eventID, rsvpID string, s domain.Seating) (domain.RSVPView, error) {
	var v domain.RSVPView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, true)
		if err != nil {
			return err
		}
		r, ok, err := db.findRSVP(tx, `r.id = ? AND r.event_id = ?`, rsvpID, ev.ID)
		if err != nil {
			return err
		}
		if !ok {
			return errRSVPNotFound
		}
		var g groupRow
		if err := tx.Where("id = ?", ev.GroupID).Take(&g).Error; err != nil {
			return err
		}
		if r.Status == string(domain.RSVPGoing) { // seated already (a form sent twice)
			v = domain.RSVPView{RSVP: r.toDomain(), Event: ev.toDomain(), Group: g.toDomain()}
			return nil
		}
		e := ev.toDomain()
		capacity, err := e.Seat(r.toDomain(), s, db.now())
		if err != nil {
			return err
		}
		now := db.now()
		if res := tx.Exec(`UPDATE rsvps SET status = 'going', waitlist_seq = NULL, updated_at = ? WHERE id = ? AND status = 'waitlisted'`,
			now, r.ID); res.Error != nil || res.RowsAffected != 1 {
			if res.Error != nil {
				return res.Error
			}
			return domain.ErrNotWaitlisted
		}
		// The seat added first: the going count never exceeds the capacity.
		if capacity != nil && (ev.Capacity == nil || *capacity != *ev.Capacity) {
			ev.Capacity = capacity
			if err := tx.Exec(`UPDATE events SET capacity = ?, updated_at = ? WHERE id = ?`, *capacity, now, ev.ID).Error; err != nil {
				return err
			}
		}
		ev.GoingCount++
		ev.WaitlistCount--
		if err := db.saveCounters(tx, &ev); err != nil {
			return err
		}
		if _, err := db.enqueue(tx, ev.ID, domain.MessageGoing, ev.Sequence, "", []string{r.ID}); err != nil {
			return err
		}
		r.Status, r.WaitlistSeq, r.Position, r.UpdatedAt = string(domain.RSVPGoing), nil, 0, now
		v = domain.RSVPView{RSVP: r.toDomain(), Event: ev.toDomain(), Group: g.toDomain()}
		return nil
	})
	return v, err
}

// RemoveRSVP cancels an RSVP of an event for an organiser of its group,
// the way its attendee would: a seat it held goes to the next person in
// line in the same transaction, and the person is sent a cancellation
// that says the organisers removed them (domain.CancelByOrganiser).
// Removing twice is harmless. Errors: ENOTFOUND for another group's event
// or an RSVP not of it, ECONFLICT already_attended for someone checked
// in, EGONE rsvp_erased once their data was erased.
func (db *DB) RemoveRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVPView, error) {
	var v domain.RSVPView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, true)
		if err != nil {
			return err
		}
		r, ok, err := db.findRSVP(tx, `r.id = ? AND r.event_id = ?`, rsvpID, ev.ID)
		switch {
		case err != nil:
			return err
		case !ok:
			return errRSVPNotFound
		case r.ErasedAt != nil:
			return domain.ErrRSVPErased
		case r.AttendedAt != nil && r.Status != string(domain.RSVPCancelled):
			return errAttended
		}
		var g groupRow
		if err := tx.Where("id = ?", ev.GroupID).Take(&g).Error; err != nil {
			return err
		}
		v = domain.RSVPView{RSVP: r.toDomain(), Event: ev.toDomain(), Group: g.toDomain()}
		_, err = db.cancelRSVP(tx, &v, domain.CancelByOrganiser)
		return err
	})
	return v, err
}

// RetryDelivery sends a failed e-mail of an event again, for an organiser
// of its group (after the address was fixed on the receiving side, or the
// mail server's trouble passed): the delivery is queued again and its
// send job inserted in the same transaction. Its last answer stays until
// the next attempt replaces it. One already queued (sent again a moment
// ago, or still being tried) is returned as it is. Errors: ENOTFOUND for another group's
// event or a delivery not of it, ECONFLICT delivery_not_failed for one
// that was sent or skipped, EGONE rsvp_erased when its recipient's
// data was erased.
func (db *DB) RetryDelivery(ctx context.Context, organiserID, eventID, deliveryID string) (domain.Delivery, error) {
	var d deliveryRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.memberEvent(tx, organiserID, eventID, false); err != nil {
			return err
		}
		q := tx.Raw(`SELECT d.*, r.name, r.email FROM deliveries d JOIN rsvps r ON r.id = d.rsvp_id
			WHERE d.id = ? AND d.event_id = ?`, deliveryID, eventID).Scan(&d)
		switch {
		case q.Error != nil:
			return q.Error
		case q.RowsAffected == 0:
			return errDeliveryNotFound
		case d.Status == string(domain.DeliveryQueued):
			return nil // sent again already, or on its way: nothing to add
		case d.Status != string(domain.DeliveryFailed):
			return domain.Conflict(domain.ReasonDeliveryNotFailed, "Only an e-mail that failed can be sent again; this one is "+d.Status+".")
		case d.Email == "":
			return domain.ErrRSVPErased
		}
		now := db.now()
		res := tx.Exec(`UPDATE deliveries SET status = 'queued', updated_at = ? WHERE id = ? AND status = 'failed'`, now, d.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 { // retried at the same moment by someone else
			d.Status = string(domain.DeliveryQueued)
			return nil
		}
		d.Status, d.UpdatedAt = string(domain.DeliveryQueued), now
		_, err := db.jobs.InsertTx(tx.Statement.Context, sqlTx(tx), domain.SendEmailArgs{DeliveryID: d.ID},
			&river.InsertOpts{Queue: domain.QueueEmail, MaxAttempts: MaxSendAttempts})
		return err
	})
	return d.toDomain(), err
}
