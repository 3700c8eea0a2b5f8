package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

var (
	errDoorLinkNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonDoorLinkNotFound, Message: "No such door link."}
	errDoorLinkExpired  = &domain.Error{Code: domain.EGONE, Reason: domain.ReasonDoorLinkExpired, Message: "This door link has expired or was revoked."}
	errWrongCode        = &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: "code: is not the code of this event",
		Fields: []domain.FieldError{{Field: "code", Message: "is not the code of this event"}}}
)

// doorLead and doorTail bound when the door may check people in: from a
// day before the start (early registration desks) to a day after the end
// (late data entry); self check-in has the narrower CheckinWindow.
const (
	doorLead = 24 * time.Hour
	doorTail = 24 * time.Hour
)

type doorLinkRow struct {
	ID         string     `gorm:"column:id;primaryKey"`
	EventID    string     `gorm:"column:event_id"`
	TokenHash  string     `gorm:"column:token_hash"`
	CreatedBy  *string    `gorm:"column:created_by"`
	CreatedAt  time.Time  `gorm:"column:created_at"`
	ExpiresAt  time.Time  `gorm:"column:expires_at"`
	RevokedAt  *time.Time `gorm:"column:revoked_at"`
	LastUsedAt *time.Time `gorm:"column:last_used_at"`
	Label      string     `gorm:"column:label"`
	// Read by doorLinkSQL, not columns: the maker's name, and 1 while the
	// maker is a member of the event's group.
	MakerName   *string `gorm:"column:maker_name;->"`
	MakerMember int     `gorm:"column:maker_member;->"`
}

func (doorLinkRow) TableName() string { return "door_links" }

func (r doorLinkRow) toDomain() domain.DoorLink {
	l := domain.DoorLink{ID: r.ID, EventID: r.EventID, Label: r.Label, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		RevokedAt: utcPtr(r.RevokedAt), LastUsedAt: utcPtr(r.LastUsedAt), MakerRemoved: r.MakerMember == 0}
	if r.CreatedBy != nil {
		l.CreatedBy = *r.CreatedBy
	}
	if r.MakerName != nil {
		l.CreatedByName = *r.MakerName
	}
	return l
}

// doorLinkSQL reads door links with their maker's name and whether the
// maker is still a member of the event's group; a WHERE clause follows.
const doorLinkSQL = `SELECT l.*, o.name AS maker_name, CASE WHEN m.organiser_id IS NULL THEN 0 ELSE 1 END AS maker_member
	FROM door_links l JOIN events e ON e.id = l.event_id
	LEFT JOIN organisers o ON o.id = l.created_by
	LEFT JOIN group_members m ON m.group_id = e.group_id AND m.organiser_id = l.created_by `

// CreateDoorLink makes a door-staff link for an event of a group the
// organiser belongs to, valid until a day after the event ends, labelled
// (optionally) with whose it is. It returns the raw token, shown only now.
func (db *DB) CreateDoorLink(ctx context.Context, organiserID, eventID, label string) (domain.DoorLink, string, error) {
	var (
		row doorLinkRow
		raw string
	)
	label = strings.TrimSpace(label)
	if err := domain.CheckDoorLinkLabel(label); err != nil {
		return domain.DoorLink{}, "", err
	}
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, false)
		if err != nil {
			return err
		}
		if ev.Status != string(domain.EventPublished) {
			return domain.Conflict(domain.ReasonEventNotPublished, "Door links are for published events.")
		}
		now := db.now()
		if !now.Before(ev.EndsAt.Add(domain.DoorLinkGrace)) {
			return domain.Conflict(domain.ReasonEventOver, "This event ended more than a day ago.")
		}
		raw = domain.NewSecret()
		row = doorLinkRow{ID: domain.NewID(), EventID: ev.ID, TokenHash: domain.HashToken(raw), CreatedBy: &organiserID, Label: label,
			CreatedAt: now, ExpiresAt: utc(ev.EndsAt.Add(domain.DoorLinkGrace))}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return tx.Raw(doorLinkSQL+`WHERE l.id = ?`, row.ID).Take(&row).Error
	})
	return row.toDomain(), raw, err
}

// ListDoorLinks lists the door-staff links of an event of a group the
// organiser belongs to, oldest first, with who made each and whether it
// still works; never their tokens. Every member sees every link of the
// event, as every member may revoke any of them.
func (db *DB) ListDoorLinks(ctx context.Context, organiserID, eventID string, opts domain.ListOptions) (domain.Page[domain.DoorLink], error) {
	_, after, err := decodeCursor(opts.Cursor)
	if err != nil {
		return domain.Page[domain.DoorLink]{}, err
	}
	limit := pageSize(opts)
	var rows []doorLinkRow
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.memberEvent(tx, organiserID, eventID, false); err != nil {
			return err
		}
		return tx.Raw(doorLinkSQL+`WHERE l.event_id = ? AND l.id > ? ORDER BY l.id LIMIT ?`, eventID, after, limit+1).Scan(&rows).Error
	})
	return paginate(rows, limit, doorLinkRow.toDomain, func(r doorLinkRow) string { return encodeCursor("", r.ID) }), err
}

// doorEvent resolves a door link to its event, locking the event row when
// asked, and records the link's use. Unknown links are ENOTFOUND; links
// that do not work (domain.DoorLink.State: revoked, expired, or made by
// someone no longer in the group) EGONE.
func (db *DB) doorEvent(tx *gorm.DB, raw string, lock bool) (eventRow, error) {
	var l doorLinkRow
	q := tx.Raw(doorLinkSQL+`WHERE l.token_hash = ?`, domain.HashToken(raw)).Scan(&l)
	if q.Error != nil {
		return eventRow{}, q.Error
	}
	if q.RowsAffected == 0 {
		return eventRow{}, errDoorLinkNotFound
	}
	now := db.now()
	if l.toDomain().State(now) != domain.DoorLinkActive {
		return eventRow{}, errDoorLinkExpired
	}
	ev, _, err := db.eventAndGroup(tx, l.EventID, lock)
	if err != nil {
		return ev, err
	}
	if l.LastUsedAt == nil || now.Sub(*l.LastUsedAt) >= domain.DoorLinkUseInterval {
		if err := tx.Model(&doorLinkRow{}).Where("id = ?", l.ID).Update("last_used_at", now).Error; err != nil {
			return ev, err
		}
	}
	return ev, nil
}

// CheckIn records that someone came, for an organiser at the door
// (method door). See checkIn.
func (db *DB) CheckIn(ctx context.Context, organiserID, eventID string, req domain.CheckinRequest) (domain.CheckinResult, error) {
	if err := req.Validate(); err != nil {
		return domain.CheckinResult{}, err
	}
	var res domain.CheckinResult
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, true)
		if err != nil {
			return err
		}
		res, err = db.checkIn(tx, &ev, req, domain.AttendedDoor)
		return err
	})
	return res, err
}

// CheckInAtDoor is CheckIn through a door-staff link (method staff_link).
// The link only reaches its own event's attendees.
func (db *DB) CheckInAtDoor(ctx context.Context, rawLink string, req domain.CheckinRequest) (domain.CheckinResult, error) {
	if err := req.Validate(); err != nil {
		return domain.CheckinResult{}, err
	}
	var res domain.CheckinResult
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.doorEvent(tx, rawLink, true)
		if err != nil {
			return err
		}
		res, err = db.checkIn(tx, &ev, req, domain.AttendedStaffLink)
		return err
	})
	return res, err
}

// checkIn marks the RSVP that req names as attended, or registers a walk-in;
// the caller holds the event's row lock. Checking in twice is not an error
// (Already). A walk-in is going and attended at once, even when the event
// is full: walk-ins hold no seat. A walk-in whose address is on the
// waitlist is let in from it; one already going is simply checked in.
func (db *DB) checkIn(tx *gorm.DB, ev *eventRow, req domain.CheckinRequest, how domain.AttendanceMethod) (domain.CheckinResult, error) {
	if ev.Status != string(domain.EventPublished) {
		return domain.CheckinResult{}, domain.Conflict(domain.ReasonEventNotPublished, "Only a published event takes check-ins.")
	}
	now := db.now()
	if now.Before(ev.StartsAt.Add(-doorLead)) || !now.Before(ev.EndsAt.Add(doorTail)) {
		return domain.CheckinResult{}, domain.Conflict(domain.ReasonCheckinClosed, "Check-in is open from a day before the event until a day after it.")
	}
	var (
		r     rsvpRow
		found bool
		err   error
	)
	switch {
	case req.RSVPID != "":
		r, found, err = db.findRSVP(tx, `r.id = ? AND r.event_id = ?`, req.RSVPID, ev.ID)
	case req.ManageToken != "":
		h := domain.HashToken(req.ManageToken)
		r, found, err = db.findRSVP(tx, `r.event_id = ? AND (r.manage_token_hash = ? OR r.id = (SELECT t.rsvp_id FROM rsvp_tokens t WHERE t.token_hash = ?))`, ev.ID, h, h)
	case req.Code != "":
		r, found, err = db.findRSVP(tx, `r.event_id = ? AND r.checkin_code = ?`, ev.ID, domain.NormalizeCode(req.Code))
	default:
		return db.walkIn(tx, ev, req, how)
	}
	if err != nil {
		return domain.CheckinResult{}, err
	}
	if !found {
		if req.Code != "" {
			return domain.CheckinResult{}, &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonCodeNotFound, Message: "No attendee of this event has that code."}
		}
		return domain.CheckinResult{}, errRSVPNotFound
	}
	if r.ErasedAt != nil && r.Status != string(domain.RSVPGoing) {
		return domain.CheckinResult{}, domain.ErrRSVPErased
	}
	if r.Status != string(domain.RSVPGoing) {
		return domain.CheckinResult{}, domain.Conflict(domain.ReasonRSVPNotGoing, "This person has no place: they are "+r.Status+". Register them as a walk-in instead.")
	}
	return db.markAttended(tx, ev, r, how)
}

func (db *DB) findRSVP(tx *gorm.DB, where string, args ...any) (rsvpRow, bool, error) {
	var r rsvpRow
	q := tx.Raw(`SELECT r.*, `+positionSQL+` FROM rsvps r WHERE `+where, args...).Scan(&r)
	return r, q.RowsAffected > 0, q.Error
}

// markAttended records the attendance of a going RSVP, once.
func (db *DB) markAttended(tx *gorm.DB, ev *eventRow, r rsvpRow, how domain.AttendanceMethod) (domain.CheckinResult, error) {
	if r.AttendedAt != nil {
		return domain.CheckinResult{RSVP: r.toDomain(), Already: true}, nil
	}
	now := db.now()
	h := string(how)
	if err := tx.Exec(`UPDATE rsvps SET attended_at = ?, attended_how = ?, updated_at = ? WHERE id = ? AND attended_at IS NULL`,
		now, h, now, r.ID).Error; err != nil {
		return domain.CheckinResult{}, err
	}
	r.AttendedAt, r.AttendedHow, r.UpdatedAt = &now, &h, now
	return domain.CheckinResult{RSVP: r.toDomain()}, db.attendanceChanged(tx, ev.ID)
}

// attendanceChanged notes that an event's numbers moved, so that its
// contribution records are recomputed.
func (db *DB) attendanceChanged(tx *gorm.DB, eventID string) error {
	return tx.Exec(`UPDATE events SET attendance_changed_at = ? WHERE id = ?`, db.now(), eventID).Error
}

// walkIn registers someone at the door.
func (db *DB) walkIn(tx *gorm.DB, ev *eventRow, req domain.CheckinRequest, how domain.AttendanceMethod) (domain.CheckinResult, error) {
	norm := domain.NormalizeEmail(req.Email)
	live, ok, err := db.liveRSVP(tx, ev.ID, norm)
	if err != nil {
		return domain.CheckinResult{}, err
	}
	now := db.now()
	if ok && live.Status == string(domain.RSVPGoing) {
		return db.markAttended(tx, ev, live, how)
	}
	if ok { // waitlisted: let in from the line, as a walk-in holding no seat
		if err := tx.Exec(`UPDATE rsvps SET status = 'going', waitlist_seq = NULL, walk_in = ?, attended_at = ?, attended_how = ?, updated_at = ? WHERE id = ?`,
			true, now, string(domain.AttendedWalkIn), now, live.ID).Error; err != nil {
			return domain.CheckinResult{}, err
		}
		ev.WaitlistCount--
		if err := db.saveCounters(tx, ev); err != nil {
			return domain.CheckinResult{}, err
		}
		r, _, err := db.findRSVP(tx, `r.id = ?`, live.ID)
		if err != nil {
			return domain.CheckinResult{}, err
		}
		return domain.CheckinResult{RSVP: r.toDomain(), Created: true}, db.attendanceChanged(tx, ev.ID)
	}
	code := domain.NewCheckinCode()
	h := string(domain.AttendedWalkIn)
	row := rsvpRow{ID: domain.NewID(), EventID: ev.ID, Name: strings.TrimSpace(req.Name), Email: strings.TrimSpace(req.Email), EmailNorm: norm,
		Status: string(domain.RSVPGoing), ManageTokenHash: domain.HashToken(domain.NewSecret()), CheckinCode: &code,
		WalkIn: true, AttendedAt: &now, AttendedHow: &h, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&row).Error; err != nil {
		return domain.CheckinResult{}, err
	}
	return domain.CheckinResult{RSVP: row.toDomain(), Created: true}, db.attendanceChanged(tx, ev.ID)
}

// UndoCheckIn takes back a check-in made by mistake. A walk-in made at the
// door is cancelled with it (they were never registered otherwise).
// Undoing what was not checked in is harmless.
func (db *DB) UndoCheckIn(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVP, error) {
	var r domain.RSVP
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, true)
		if err != nil {
			return err
		}
		r, err = db.undoCheckIn(tx, &ev, rsvpID)
		return err
	})
	return r, err
}

// UndoCheckInAtDoor is UndoCheckIn through a door-staff link.
func (db *DB) UndoCheckInAtDoor(ctx context.Context, rawLink, rsvpID string) (domain.RSVP, error) {
	var r domain.RSVP
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.doorEvent(tx, rawLink, true)
		if err != nil {
			return err
		}
		r, err = db.undoCheckIn(tx, &ev, rsvpID)
		return err
	})
	return r, err
}

func (db *DB) undoCheckIn(tx *gorm.DB, ev *eventRow, rsvpID string) (domain.RSVP, error) {
	r, ok, err := db.findRSVP(tx, `r.id = ? AND r.event_id = ?`, rsvpID, ev.ID)
	if err != nil {
		return domain.RSVP{}, err
	}
	if !ok {
		return domain.RSVP{}, errRSVPNotFound
	}
	if r.AttendedAt == nil {
		return r.toDomain(), nil
	}
	now := db.now()
	if r.WalkIn && r.Status == string(domain.RSVPGoing) {
		if err := tx.Exec(`UPDATE rsvps SET status = 'cancelled', attended_at = NULL, attended_how = NULL, cancelled_at = ?, updated_at = ? WHERE id = ?`,
			now, now, r.ID).Error; err != nil {
			return domain.RSVP{}, err
		}
		r.Status, r.CancelledAt = string(domain.RSVPCancelled), &now
	} else if err := tx.Exec(`UPDATE rsvps SET attended_at = NULL, attended_how = NULL, updated_at = ? WHERE id = ?`, now, r.ID).Error; err != nil {
		return domain.RSVP{}, err
	}
	r.AttendedAt, r.AttendedHow, r.UpdatedAt = nil, nil, now
	return r.toDomain(), db.attendanceChanged(tx, ev.ID)
}

// DoorList returns who is expected at an event (going, walk-ins included)
// and who is in, by name, for an organiser of its group.
func (db *DB) DoorList(ctx context.Context, organiserID, eventID string) (domain.DoorList, error) {
	var l domain.DoorList
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, false)
		if err != nil {
			return err
		}
		l, err = db.doorList(tx, ev)
		return err
	})
	return l, err
}

// DoorListAtDoor is DoorList through a door-staff link.
func (db *DB) DoorListAtDoor(ctx context.Context, rawLink string) (domain.DoorList, error) {
	var l domain.DoorList
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.doorEvent(tx, rawLink, false)
		if err != nil {
			return err
		}
		l, err = db.doorList(tx, ev)
		return err
	})
	return l, err
}

func (db *DB) doorList(tx *gorm.DB, ev eventRow) (domain.DoorList, error) {
	var g groupRow
	if err := tx.Where("id = ?", ev.GroupID).Take(&g).Error; err != nil {
		return domain.DoorList{}, err
	}
	var rows []rsvpRow
	if err := tx.Raw(`SELECT r.*, 0 AS waitlist_position FROM rsvps r WHERE r.event_id = ? AND r.status = 'going'
		ORDER BY lower(r.name), r.id`, ev.ID).Scan(&rows).Error; err != nil {
		return domain.DoorList{}, err
	}
	l := domain.DoorList{Event: ev.toDomain(), Group: g.toDomain(), Expected: len(rows), Items: make([]domain.RSVP, len(rows))}
	for i, r := range rows {
		l.Items[i] = r.toDomain()
		if r.AttendedAt != nil {
			l.In++
		}
	}
	return l, nil
}

// DoorPage returns one page of the door list of an event of a group the
// organiser belongs to (ENOTFOUND otherwise): the people going, walk-ins
// included, by name, whose name or address contains the filter's query,
// with the counts of the whole event. Unlike DoorList it never reads the
// whole list, so that it stays quick for the largest events.
func (db *DB) DoorPage(ctx context.Context, organiserID, eventID string, f domain.DoorFilter) (domain.DoorPage, error) {
	var v domain.Validation
	domain.CheckLine(&v, "q", f.Query, false, domain.MaxDoorQueryLen)
	if err := v.Err(); err != nil {
		return domain.DoorPage{}, err
	}
	key, after, err := decodeCursor(f.Cursor)
	if err != nil {
		return domain.DoorPage{}, err
	}
	limit := pageSize(f.ListOptions)
	var out domain.DoorPage
	err = db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, false)
		if err != nil {
			return err
		}
		out.Event = ev.toDomain()
		var n struct {
			Expected int `gorm:"column:expected"`
			In       int `gorm:"column:attended"`
		}
		if err := tx.Raw(`SELECT count(*) AS expected, count(attended_at) AS attended FROM rsvps WHERE event_id = ? AND status = 'going'`,
			ev.ID).Scan(&n).Error; err != nil {
			return err
		}
		out.Expected, out.In = n.Expected, n.In
		where, args := `r.event_id = ? AND r.status = 'going'`, []any{ev.ID}
		if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
			like := "%" + likeEscaper.Replace(q) + "%"
			where += ` AND (lower(r.name) LIKE ? ESCAPE '\' OR r.email_norm LIKE ? ESCAPE '\')`
			args = append(args, like, like)
		}
		if after != "" {
			where += ` AND (lower(r.name) > ? OR (lower(r.name) = ? AND r.id > ?))`
			args = append(args, key, key, after)
		}
		var rows []doorRow
		if err := tx.Raw(`SELECT r.*, 0 AS waitlist_position, lower(r.name) AS sort_key FROM rsvps r WHERE `+where+` ORDER BY lower(r.name), r.id LIMIT ?`,
			append(args, limit+1)...).Scan(&rows).Error; err != nil {
			return err
		}
		out.Page = paginate(rows, limit, func(r doorRow) domain.RSVP { return r.RSVP.toDomain() },
			func(r doorRow) string { return encodeCursor(r.SortKey, r.RSVP.ID) })
		return nil
	})
	return out, err
}

// doorRow is an RSVP with the key the door list is ordered by, as the
// database lower-cases it (the cursor must agree with the database).
type doorRow struct {
	RSVP    rsvpRow `gorm:"embedded"`
	SortKey string  `gorm:"column:sort_key;->"`
}

// SelfCheckIn records the attendance of the RSVP whose manage token is raw
// when code is the event's room code and the check-in window is open.
// Wrong codes are EINVALID (wrong_code); outside the window ECONFLICT
// (checkin_closed); people without a place ECONFLICT (rsvp_not_going).
func (db *DB) SelfCheckIn(ctx context.Context, raw, code string) (domain.CheckinResult, error) {
	var res domain.CheckinResult
	err := db.tx(ctx, func(tx *gorm.DB) error {
		v, err := db.rsvpView(tx, raw, true)
		if err != nil {
			return err
		}
		if v.RSVP.ErasedAt != nil {
			return domain.ErrRSVPErased
		}
		if v.RSVP.Status != domain.RSVPGoing {
			return domain.Conflict(domain.ReasonRSVPNotGoing, "Only people with a place can check in.")
		}
		if !v.Event.CheckinOpen(db.now()) {
			return domain.Conflict(domain.ReasonCheckinClosed, "Check-in is not open now.")
		}
		want := v.Event.SelfCheckinCode
		if want == "" || domain.NormalizeCode(code) != want {
			return errWrongCode
		}
		ev, _, err := db.eventAndGroup(tx, v.Event.ID, false)
		if err != nil {
			return err
		}
		r, _, err := db.findRSVP(tx, `r.id = ?`, v.RSVP.ID)
		if err != nil {
			return err
		}
		res, err = db.markAttended(tx, &ev, r, domain.AttendedSelf)
		return err
	})
	return res, err
}

// JoinOnline is the personal join link of a live session: during the
// check-in window it records the going attendee's online attendance (once)
// and returns the event with its online_url for the redirect; outside it,
// or for people without a place, it records nothing (recorded false).
// With a slug naming another event, the link is a personal feed's: the
// token, when it was e-mailed (proving the address), stands for the same
// address's RSVP to that event. raw is a join token; a manage token, which
// join links carried before they had tokens of their own, is taken too, so
// that invites already sent keep working.
func (db *DB) JoinOnline(ctx context.Context, raw, slug string) (v domain.RSVPView, recorded bool, err error) {
	err = db.tx(ctx, func(tx *gorm.DB) error {
		var emailed bool
		v, emailed, err = db.rsvpByLink(tx, raw, linkJoin, true)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			v, emailed, err = db.rsvpByLink(tx, raw, linkManage, true)
		}
		if err != nil {
			return err
		}
		if v.RSVP.ErasedAt != nil {
			return domain.ErrRSVPErased
		}
		if slug != "" && slug != v.Event.Slug {
			// A link made with a slug the event had before means the event.
			former, err := db.formerSlug(tx, slug, v.Event.ID)
			if err != nil {
				return err
			}
			if !former {
				if v, err = db.sameAddressRSVP(tx, emailed, v.RSVP.Email, slug); err != nil {
					return err
				}
			}
		}
		if v.RSVP.Status != domain.RSVPGoing || v.Event.OnlineURL == "" || !v.Event.CheckinOpen(db.now()) {
			return nil
		}
		ev, _, err := db.eventAndGroup(tx, v.Event.ID, false)
		if err != nil {
			return err
		}
		r, _, err := db.findRSVP(tx, `r.id = ?`, v.RSVP.ID)
		if err != nil {
			return err
		}
		res, err := db.markAttended(tx, &ev, r, domain.AttendedOnline)
		v.RSVP, recorded = res.RSVP, err == nil
		return err
	})
	return v, recorded, err
}

// sameAddressRSVP finds the live RSVP of the address behind an e-mailed
// token to the event with the slug, its event row locked.
func (db *DB) sameAddressRSVP(tx *gorm.DB, emailed bool, email, slug string) (domain.RSVPView, error) {
	if !emailed || email == "" {
		return domain.RSVPView{}, errRSVPNotFound
	}
	ev, err := db.eventBySlug(tx, slug, true) // feeds may carry a former slug
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return domain.RSVPView{}, errRSVPNotFound
	}
	if err != nil {
		return domain.RSVPView{}, err
	}
	r, ok, err := db.liveRSVP(tx, ev.ID, domain.NormalizeEmail(email))
	if err != nil {
		return domain.RSVPView{}, err
	}
	if !ok {
		return domain.RSVPView{}, errRSVPNotFound
	}
	var g groupRow
	if err := tx.Where("id = ?", ev.GroupID).Take(&g).Error; err != nil {
		return domain.RSVPView{}, err
	}
	return domain.RSVPView{RSVP: r.toDomain(), Event: ev.toDomain(), Group: g.toDomain()}, nil
}

// RotateRoomCode gives an event a new self check-in code (the old one
// stops working), for an organiser of its group.
func (db *DB) RotateRoomCode(ctx context.Context, organiserID, eventID string) (domain.Event, error) {
	var ev eventRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if ev, err = db.memberEvent(tx, organiserID, eventID, true); err != nil {
			return err
		}
		ev.RoomCode = domain.NewRoomCode()
		return tx.Exec(`UPDATE events SET self_checkin_code = ? WHERE id = ?`, ev.RoomCode, ev.ID).Error
	})
	return ev.toDomain(), err
}

// RecordAttendance records, after the event, that the going people with the
// given addresses came (a paper sign-in sheet, typed up). Addresses
// without a going RSVP are returned as unknown; nothing is created for
// them.
func (db *DB) RecordAttendance(ctx context.Context, organiserID, eventID string, emails []string) (domain.BulkAttendanceResult, error) {
	var v domain.Validation
	if len(emails) == 0 {
		v.Add("emails", "must list at least one address")
	}
	if len(emails) > domain.MaxBulkAttendance {
		v.Add("emails", "must list at most %d addresses", domain.MaxBulkAttendance)
	}
	if err := v.Err(); err != nil {
		return domain.BulkAttendanceResult{}, err
	}
	var res domain.BulkAttendanceResult
	err := db.tx(ctx, func(tx *gorm.DB) error {
		ev, err := db.memberEvent(tx, organiserID, eventID, true)
		if err != nil {
			return err
		}
		if ev.Status != string(domain.EventPublished) {
			return domain.Conflict(domain.ReasonEventNotPublished, "Only a published event records attendance.")
		}
		if db.now().Before(ev.StartsAt) {
			return domain.Conflict(domain.ReasonEventNotStarted, "Attendance lists are recorded once the event has started.")
		}
		seen := map[string]bool{}
		var norms []string
		for _, e := range emails {
			n := domain.NormalizeEmail(e)
			if n != "" && !seen[n] {
				seen[n] = true
				norms = append(norms, n)
			}
		}
		var rows []rsvpRow
		for start := 0; start < len(norms); start += 500 {
			var chunk []rsvpRow
			if err := tx.Raw(`SELECT r.*, 0 AS waitlist_position FROM rsvps r WHERE r.event_id = ? AND r.status = 'going' AND r.email_norm IN ?`,
				ev.ID, norms[start:min(start+500, len(norms))]).Scan(&chunk).Error; err != nil {
				return err
			}
			rows = append(rows, chunk...)
		}
		byNorm := map[string]rsvpRow{}
		for _, r := range rows {
			byNorm[r.EmailNorm] = r
		}
		var ids []string
		for _, n := range norms {
			r, ok := byNorm[n]
			switch {
			case !ok:
				res.Unknown = append(res.Unknown, n)
			case r.AttendedAt != nil:
				res.Already++
			default:
				ids = append(ids, r.ID)
			}
		}
		now := db.now()
		for start := 0; start < len(ids); start += 500 {
			if err := tx.Exec(`UPDATE rsvps SET attended_at = ?, attended_how = ?, updated_at = ? WHERE id IN ? AND attended_at IS NULL`,
				now, string(domain.AttendedBulk), now, ids[start:min(start+500, len(ids))]).Error; err != nil {
				return err
			}
		}
		res.Recorded = len(ids)
		if res.Recorded > 0 {
			return db.attendanceChanged(tx, ev.ID)
		}
		return nil
	})
	return res, err
}

// RevokeDoorLink stops a door-staff link of an event of a group the
// organiser belongs to (a lost phone); any member may revoke any link of
// the event. Revoking twice is harmless.
func (db *DB) RevokeDoorLink(ctx context.Context, organiserID, eventID, linkID string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.memberEvent(tx, organiserID, eventID, false); err != nil {
			return err
		}
		res := tx.Exec(`UPDATE door_links SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND event_id = ?`, db.now(), linkID, eventID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errDoorLinkNotFound
		}
		return nil
	})
}
