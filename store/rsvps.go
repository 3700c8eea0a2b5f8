package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/convene/convene/domain"
)

var errAttended = domain.Conflict(domain.ReasonAlreadyAttended, "You are checked in to this event; the RSVP can no longer be cancelled.")

var errRSVPNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonRSVPNotFound, Message: "No such RSVP."}

// positionSQL computes a waitlisted RSVP's place in line as its rank among
// those still waitlisted; positions therefore never have gaps or duplicates.
const positionSQL = `CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*) FROM rsvps w
	WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.waitlist_seq <= r.waitlist_seq) ELSE 0 END AS waitlist_position`

// CreateRSVP replies to the published event with the slug. The person is
// going while seats last, then waitlisted in commit order; the same address
// again returns the existing RSVP. When the event asks for e-mail
// confirmation the reply is only pending (res.Pending): it holds no seat
// until the link in the confirmation e-mail is followed (ConfirmRSVP).
// Errors: ENOTFOUND for unknown and draft events, ECONFLICT with reason
// event_cancelled, rsvp_not_open, rsvp_closed or event_full (no seat and
// no waitlist), EINVALID for bad input.
func (db *DB) CreateRSVP(ctx context.Context, slug string, in domain.RSVPInput) (domain.RSVPResult, error) {
	if err := in.Validate(); err != nil {
		return domain.RSVPResult{}, err
	}
	if db.dialect.claimInOneStatement {
		// The common case in one locked statement, for this RSVP and the
		// others to the event waiting with it (rsvpclaim.go,
		// rsvpbatch.go); the general path below decides everything else.
		res, ok, err := db.claimRSVP(ctx, slug, in)
		if err != nil || ok {
			return res, err
		}
	}
	return db.createRSVP(ctx, slug, in)
}

// createRSVP is CreateRSVP's general path, which decides every case on
// both databases: the event row locked, then pending, placed or refused.
func (db *DB) createRSVP(ctx context.Context, slug string, in domain.RSVPInput) (domain.RSVPResult, error) {
	leave, err := db.gates.enter(ctx, slug)
	if err != nil {
		return domain.RSVPResult{}, translate(err)
	}
	defer leave()
	var res domain.RSVPResult
	err = db.tx(ctx, func(tx *gorm.DB) error {
		// The event row lock serialises RSVPs to one event: seats and places
		// in line are handed out in the order the transactions commit.
		// A former slug of the event leads to it too.
		ev, err := db.eventBySlug(tx, slug, true)
		if err != nil {
			return err
		}
		if ev.Confirmation == string(domain.ConfirmEmail) {
			res, err = db.createPending(tx, &ev, in)
			return err
		}
		res, err = db.placeRSVP(tx, &ev, in, false)
		return err
	})
	if err != nil {
		return domain.RSVPResult{}, err
	}
	return res, nil
}

// liveRSVP returns the address's live (going or waitlisted) RSVP to the
// event, if any.
func (db *DB) liveRSVP(tx *gorm.DB, eventID, emailNorm string) (rsvpRow, bool, error) {
	var r rsvpRow
	q := tx.Raw(`SELECT r.*, `+positionSQL+` FROM rsvps r WHERE r.event_id = ? AND r.email_norm = ? AND r.status <> 'cancelled'`,
		eventID, emailNorm).Scan(&r)
	return r, q.RowsAffected > 0, q.Error
}

// placeRSVP gives the person a seat, else a place in line, and queues the
// e-mail that says which; the caller holds the event's row lock. An
// address that already has a live RSVP gets it back (Created false, no
// token).
//
// proven says the caller has shown the address is the person's (an
// invitation or a confirmation link came to it): they get their RSVP back
// whatever the event takes now. A public RSVP shows nothing of the kind,
// and its answer must not tell a stranger who replied (the README's
// "What a stranger can learn"): on an event that takes no new RSVP it is
// the same refusal whether or not the address replied, and where it
// differs — an open event, where a repeat gets its status back — the
// address is e-mailed its RSVP again (noticeRepeat), so that the asking
// leaves a trace its owner sees.
//
// A new address — the common case, and the one under the event's lock in
// a rush — is found out by the insert itself: the rsvps_live_email index
// turns a second live RSVP of the address into ON CONFLICT DO NOTHING, and
// only then is the existing RSVP read. That saves a round trip per reply
// while the lock is held; saving the counters with the delivery's insert
// saves another. When the event takes no reply the lookup comes
// first, so that a repeat still gets its RSVP back.
func (db *DB) placeRSVP(tx *gorm.DB, ev *eventRow, in domain.RSVPInput, proven bool) (domain.RSVPResult, error) {
	emailNorm := domain.NormalizeEmail(in.Email)
	existing := func() (domain.RSVPResult, bool, error) {
		r, ok, err := db.liveRSVP(tx, ev.ID, emailNorm)
		return domain.RSVPResult{RSVP: r.toDomain()}, ok, err
	}
	e := ev.toDomain()
	now := db.now()
	admission := e.Admit(now)
	if !admission.Taken() {
		refused := admission.Refusal
		if !proven {
			return domain.RSVPResult{}, refused
		}
		res, ok, err := existing()
		switch {
		case err != nil:
			return domain.RSVPResult{}, err
		case ok:
			return res, nil
		}
		return domain.RSVPResult{}, refused
	}
	row, res := newRSVP(ev, in, now)
	next := *ev // the counters change only if the RSVP is new
	if admission.Status == domain.RSVPGoing {
		row.Status = string(domain.RSVPGoing)
		next.GoingCount++
	} else {
		row.Status, row.WasWaitlisted = string(domain.RSVPWaitlisted), true
		next.WaitlistCount++
		next.WaitlistSeq++
		seq := next.WaitlistSeq
		row.WaitlistSeq = &seq
		row.Position = next.WaitlistCount // joins at the end of the line
	}
	ins := tx.Clauses(liveEmailConflict).Create(&row)
	if ins.Error != nil {
		return domain.RSVPResult{}, ins.Error
	}
	if ins.RowsAffected == 0 {
		res, ok, err := existing()
		if err == nil && !ok {
			err = fmt.Errorf("store: RSVP of event %s conflicted with no live RSVP", ev.ID)
		}
		if err == nil && !proven {
			err = db.noticeRepeat(tx, ev, res.RSVP, "")
		}
		return res, err
	}
	*ev = next
	kind := domain.MessageGoing
	if row.Status == string(domain.RSVPWaitlisted) {
		kind = domain.MessageWaitlisted
	}
	// Where it can, the statement that records the delivery saves the
	// counters: one round trip less under the event's lock.
	with, withArgs := "", []any(nil)
	if db.dialect.writableCTE {
		with = `WITH counters AS (UPDATE events SET going_count = ?, waitlist_count = ?, waitlist_seq = ?, sequence = ? WHERE id = ?) `
		withArgs = []any{ev.GoingCount, ev.WaitlistCount, ev.WaitlistSeq, ev.Sequence, ev.ID}
	} else if err := db.saveCounters(tx, ev); err != nil {
		return domain.RSVPResult{}, err
	}
	if _, err := db.enqueueWith(tx, with, withArgs, ev.ID, kind, ev.Sequence, "", []string{row.ID}); err != nil {
		return domain.RSVPResult{}, err
	}
	res.RSVP = row.toDomain()
	return res, nil
}

// noticeRepeat e-mails the address of r, which a public RSVP named again,
// its RSVP as it stands — the invite of a person going, the place in line
// of one waiting — with a fresh manage link and a line saying that
// somebody replied again with the address. At most one such e-mail goes
// per RSVP in domain.RepeatNoticeEvery, so that nobody can flood a mailbox
// through the form. The caller holds the event's row lock, which keeps the
// count of repeats (the delivery's sequence) exact.
//
// why is "" for a repeated RSVP, domain.RepeatRefresh when the attendee's
// calendar asked for the invite again.
func (db *DB) noticeRepeat(tx *gorm.DB, ev *eventRow, r domain.RSVP, why string) error {
	if r.Email == "" || r.WalkIn || (r.Status != domain.RSVPGoing && r.Status != domain.RSVPWaitlisted) {
		return nil
	}
	var last struct {
		Sequence  int       `gorm:"column:sequence"`
		CreatedAt time.Time `gorm:"column:created_at"`
	}
	q := tx.Raw(`SELECT sequence, created_at FROM deliveries WHERE rsvp_id = ? AND kind = ? ORDER BY sequence DESC LIMIT 1`,
		r.ID, string(domain.MessageRepeat)).Scan(&last)
	if q.Error != nil {
		return q.Error
	}
	if q.RowsAffected > 0 && db.now().Before(last.CreatedAt.Add(domain.RepeatNoticeEvery)) {
		return nil
	}
	detail := ""
	if why != "" {
		b, _ := json.Marshal(updateDetail{Why: why})
		detail = string(b)
	}
	_, err := db.enqueue(tx, ev.ID, domain.MessageRepeat, last.Sequence+1, detail, []string{r.ID})
	return err
}

// newRSVP makes the row of a new RSVP to ev — its id, check-in code and
// manage token (only the hashes of it and of its feed and join tokens are
// kept; res has it raw) — without its status.
func newRSVP(ev *eventRow, in domain.RSVPInput, now time.Time) (rsvpRow, domain.RSVPResult) {
	code := domain.NewCheckinCode()
	res := domain.RSVPResult{ManageToken: domain.NewSecret(), Created: true}
	h := domain.HashLinks(res.ManageToken)
	return rsvpRow{ID: domain.NewID(), EventID: ev.ID, Name: in.Name, Email: in.Email, EmailNorm: domain.NormalizeEmail(in.Email), Locale: in.Locale,
		CheckinCode: &code, ManageTokenHash: h.Manage, FeedTokenHash: &h.Feed, JoinTokenHash: &h.Join, CreatedAt: now, UpdatedAt: now}, res
}

// liveEmailConflict makes an insert of a second live RSVP of an address
// to an event do nothing (the partial unique index rsvps_live_email, the
// same in both dialects).
var liveEmailConflict = clause.OnConflict{
	Columns:     []clause.Column{{Name: "event_id"}, {Name: "email_norm"}},
	TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "status <> 'cancelled'"}}},
	DoNothing:   true,
}

func (db *DB) saveCounters(tx *gorm.DB, ev *eventRow) error {
	return tx.Exec(`UPDATE events SET going_count = ?, waitlist_count = ?, waitlist_seq = ?, sequence = ? WHERE id = ?`,
		ev.GoingCount, ev.WaitlistCount, ev.WaitlistSeq, ev.Sequence, ev.ID).Error
}

// promote moves people from the front of the waitlist to going while seats
// are free, and saves the event's counters. The caller holds the event's
// row lock. It returns the ids of the promoted RSVPs.
func (db *DB) promote(tx *gorm.DB, ev *eventRow) ([]string, error) {
	n := ev.WaitlistCount
	if ev.Capacity != nil {
		n = min(n, *ev.Capacity-ev.GoingCount)
	}
	if n <= 0 || ev.Status != string(domain.EventPublished) {
		return nil, nil
	}
	var ids []string
	if err := tx.Raw(`SELECT id FROM rsvps WHERE event_id = ? AND status = 'waitlisted' ORDER BY waitlist_seq LIMIT ?`,
		ev.ID, n).Scan(&ids).Error; err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if err := tx.Exec(`UPDATE rsvps SET status = 'going', waitlist_seq = NULL, updated_at = ? WHERE id IN ?`,
		db.now(), ids).Error; err != nil {
		return nil, err
	}
	ev.GoingCount += len(ids)
	ev.WaitlistCount -= len(ids)
	if err := db.saveCounters(tx, ev); err != nil {
		return nil, err
	}
	// Promoted people get their invite, in the same transaction.
	_, err := db.enqueue(tx, ev.ID, domain.MessageGoing, ev.Sequence, "", ids)
	return ids, err
}

// FindRSVPByToken returns the RSVP whose manage token is raw, with its event
// and group (ENOTFOUND for unknown tokens).
func (db *DB) FindRSVPByToken(ctx context.Context, raw string) (domain.RSVPView, error) {
	var v domain.RSVPView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		v, err = db.rsvpView(tx, raw, false)
		return err
	})
	return v, err
}

func (db *DB) rsvpView(tx *gorm.DB, raw string, lock bool) (domain.RSVPView, error) {
	v, _, err := db.rsvpByLink(tx, raw, linkManage, lock)
	return v, err
}

// linkKind is which of an attendee's links a token is (domain/links.go).
type linkKind int

const (
	linkManage linkKind = iota
	linkFeed
	linkJoin
)

// linkColumns are where a kind of token's hash is kept: in rsvps for the
// manage token an RSVP call handed back, in rsvp_tokens for those minted
// for e-mails since.
var linkColumns = [...]struct{ rsvps, tokens string }{
	linkManage: {"manage_token_hash", "token_hash"},
	linkFeed:   {"feed_token_hash", "feed_hash"},
	linkJoin:   {"join_token_hash", "join_hash"},
}

// rsvpByLink returns the RSVP whose token of a kind is raw, with its event
// (row locked if lock) and group, and whether the token came from an
// e-mail: one minted for an e-mail proves the mailbox, the one an RSVP call
// hands back proves nothing about the address (anyone can RSVP with
// anyone's). A manage token whose feed and join tokens are not stored yet
// (made before they existed) gets them here, so that the links made from
// it work.
func (db *DB) rsvpByLink(tx *gorm.DB, raw string, kind linkKind, lock bool) (domain.RSVPView, bool, error) {
	var (
		r  rsvpRow
		ev eventRow
		g  groupRow
	)
	hash, col := domain.HashToken(raw), linkColumns[kind]
	q := tx.Raw(`SELECT r.*, `+positionSQL+`,
			COALESCE(r.`+col.rsvps+` <> ?, true) AS via_email,
			CASE WHEN COALESCE(r.`+col.rsvps+` = ?, false) THEN r.join_token_hash IS NULL
				ELSE (SELECT t.join_hash IS NULL FROM rsvp_tokens t WHERE t.`+col.tokens+` = ?) END AS links_missing
		FROM rsvps r WHERE r.`+col.rsvps+` = ?
		OR r.id = (SELECT t.rsvp_id FROM rsvp_tokens t WHERE t.`+col.tokens+` = ?)`, hash, hash, hash, hash, hash).Scan(&r)
	if q.Error != nil {
		return domain.RSVPView{}, false, q.Error
	}
	if q.RowsAffected == 0 {
		return domain.RSVPView{}, false, errRSVPNotFound
	}
	lockSQL := ""
	if lock {
		lockSQL = db.forUpdate()
	}
	if err := tx.Raw(`SELECT * FROM events WHERE id = ?`+lockSQL, r.EventID).Scan(&ev).Error; err != nil {
		return domain.RSVPView{}, false, err
	}
	// After the event's lock, if taken: RSVP rows are written under it.
	if kind == linkManage && r.LinksMissing {
		if err := db.storeLinks(tx, raw, r.ID, r.ViaEmail); err != nil {
			return domain.RSVPView{}, false, err
		}
	}
	if err := tx.Where("id = ?", ev.GroupID).Take(&g).Error; err != nil {
		return domain.RSVPView{}, false, err
	}
	return domain.RSVPView{RSVP: r.toDomain(), Event: ev.toDomain(), Group: g.toDomain()}, r.ViaEmail, nil
}

// storeLinks keeps the hashes of the feed and join tokens of a manage
// token stored before they existed.
func (db *DB) storeLinks(tx *gorm.DB, raw, rsvpID string, emailed bool) error {
	h := domain.HashLinks(raw)
	if emailed {
		return tx.Exec(`UPDATE rsvp_tokens SET feed_hash = ?, join_hash = ? WHERE token_hash = ? AND join_hash IS NULL`,
			h.Feed, h.Join, h.Manage).Error
	}
	return tx.Exec(`UPDATE rsvps SET feed_token_hash = ?, join_token_hash = ? WHERE id = ? AND manage_token_hash = ? AND join_token_hash IS NULL`,
		h.Feed, h.Join, rsvpID, h.Manage).Error
}

// insertTokenSQL stores a manage token minted for an e-mail with the
// hashes of its feed and join tokens; tokenValues gives one row's values.
const insertTokenSQL = `INSERT INTO rsvp_tokens (token_hash, feed_hash, join_hash, rsvp_id, created_at) VALUES `

func tokenValues(raw, rsvpID string, now time.Time) []any {
	h := domain.HashLinks(raw)
	return []any{h.Manage, h.Feed, h.Join, rsvpID, now}
}

// CancelRSVPByToken cancels the RSVP whose manage token is raw. A freed seat
// goes to the first person in line in the same transaction. Cancelling
// twice is harmless.
func (db *DB) CancelRSVPByToken(ctx context.Context, raw string) (domain.RSVPView, error) {
	var v domain.RSVPView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if v, err = db.rsvpView(tx, raw, true); err != nil {
			return err
		}
		if v.RSVP.ErasedAt != nil {
			return domain.ErrRSVPErased
		}
		if v.RSVP.AttendedAt != nil && v.RSVP.Status != domain.RSVPCancelled {
			// They came: the numbers and the records say so.
			return errAttended
		}
		_, err = db.cancelRSVP(tx, &v, "")
		return err
	})
	return v, err
}

// cancelRSVP cancels v.RSVP (its event row locked by the caller), updates
// counts, promotes from the line, and updates v. It returns promoted ids.
// why, when Convene rather than the attendee cancels, goes into the
// cancellation e-mail (domain.CancelNotReconfirmed).
func (db *DB) cancelRSVP(tx *gorm.DB, v *domain.RSVPView, why string) ([]string, error) {
	// Re-read the counters and the RSVP's status under the event's lock:
	// what the caller read before taking it may be stale (two cancels of one
	// RSVP at once, or a promotion meanwhile).
	var ev eventRow
	if err := tx.Where("id = ?", v.RSVP.EventID).Take(&ev).Error; err != nil {
		return nil, err
	}
	var cur struct {
		Status string `gorm:"column:status"`
		WalkIn bool   `gorm:"column:walk_in"`
	}
	if err := tx.Raw(`SELECT status, walk_in FROM rsvps WHERE id = ?`, v.RSVP.ID).Scan(&cur).Error; err != nil {
		return nil, err
	}
	status := cur.Status
	v.RSVP.Status = domain.RSVPStatus(status)
	if v.RSVP.Status == domain.RSVPCancelled {
		return nil, nil
	}
	now := db.now()
	res := tx.Exec(`UPDATE rsvps SET status = 'cancelled', waitlist_seq = NULL, cancelled_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
		now, now, v.RSVP.ID, status)
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, fmt.Errorf("store: RSVP %s changed under the event lock", v.RSVP.ID)
	}
	switch v.RSVP.Status {
	case domain.RSVPGoing:
		if !cur.WalkIn { // walk-ins hold no seat
			ev.GoingCount--
		}
		// The attendee's calendar gets a CANCEL. It needs a SEQUENCE above
		// the invite's, and an invite sent later (they may RSVP again) one
		// above the CANCEL's: the CANCEL takes sequence+1 and the event
		// moves on to sequence+2. On a cancelled event the sequence is final
		// (no CANCEL is sent for it), so a retried fan-out adds nothing.
		if ev.Status == string(domain.EventPublished) {
			ev.Sequence += 2
		}
	case domain.RSVPWaitlisted:
		ev.WaitlistCount--
	}
	if err := db.saveCounters(tx, &ev); err != nil {
		return nil, err
	}
	if v.RSVP.Status == domain.RSVPGoing && ev.Status == string(domain.EventPublished) {
		detail := ""
		if why != "" {
			b, _ := json.Marshal(updateDetail{Why: why})
			detail = string(b)
		}
		if _, err := db.enqueue(tx, ev.ID, domain.MessageRSVPCancelled, ev.Sequence-1, detail, []string{v.RSVP.ID}); err != nil {
			return nil, err
		}
	}
	promoted, err := db.promote(tx, &ev)
	if err != nil {
		return nil, err
	}
	v.RSVP.Status, v.RSVP.WaitlistPosition, v.RSVP.CancelledAt, v.RSVP.UpdatedAt = domain.RSVPCancelled, 0, &now, now
	v.Event = ev.toDomain()
	return promoted, nil
}

// ListRSVPs lists an event's RSVPs for an organiser of its group, in the
// order they were made.
func (db *DB) ListRSVPs(ctx context.Context, organiserID, eventID string, f domain.RSVPFilter) (domain.Page[domain.RSVP], error) {
	_, after, err := decodeCursor(f.Cursor)
	if err != nil {
		return domain.Page[domain.RSVP]{}, err
	}
	limit := pageSize(f.ListOptions)
	var rows []rsvpRow
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.memberEvent(tx, organiserID, eventID, false); err != nil {
			return err
		}
		q := `SELECT r.*, ` + positionSQL + ` FROM rsvps r WHERE r.event_id = ? AND r.id > ?`
		args := []any{eventID, after}
		if f.Status != "" {
			q += ` AND r.status = ?`
			args = append(args, string(f.Status))
		}
		q += ` ORDER BY r.id LIMIT ?`
		return tx.Raw(q, append(args, limit+1)...).Scan(&rows).Error
	})
	return paginate(rows, limit, rsvpRow.toDomain, func(r rsvpRow) string { return encodeCursor("", r.ID) }), err
}
