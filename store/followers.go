package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

var (
	errFollowerNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonFollowerNotFound, Message: "This link is not valid."}
	errFollowExpired    = &domain.Error{Code: domain.EGONE, Reason: domain.ReasonFollowLinkExpired,
		Message: "This confirmation link has expired. Follow the series again to get a new one."}
)

type followerRow struct {
	ID               string     `gorm:"column:id;primaryKey"`
	SeriesID         string     `gorm:"column:series_id"`
	Name             string     `gorm:"column:name"`
	Email            string     `gorm:"column:email"`
	EmailNorm        string     `gorm:"column:email_norm"`
	Mode             string     `gorm:"column:mode"`
	Status           string     `gorm:"column:status"`
	Locale           string     `gorm:"column:locale"`
	CreatedAt        time.Time  `gorm:"column:created_at"`
	UpdatedAt        time.Time  `gorm:"column:updated_at"`
	ConfirmExpiresAt *time.Time `gorm:"column:confirm_expires_at"`
	ConfirmSentAt    *time.Time `gorm:"column:confirm_sent_at"`
	ConfirmedAt      *time.Time `gorm:"column:confirmed_at"`
	UnfollowedAt     *time.Time `gorm:"column:unfollowed_at"`
}

func (followerRow) TableName() string { return "series_followers" }

func (r followerRow) toDomain() domain.Follower {
	return domain.Follower{ID: r.ID, SeriesID: r.SeriesID, Name: r.Name, Email: r.Email,
		Mode: domain.FollowMode(r.Mode), Status: domain.FollowStatus(r.Status), CreatedAt: r.CreatedAt.UTC(),
		ConfirmExpiresAt: utcPtr(r.ConfirmExpiresAt), ConfirmedAt: utcPtr(r.ConfirmedAt), UnfollowedAt: utcPtr(r.UnfollowedAt), Locale: r.Locale}
}

// FollowSeries records a request to follow a series and queues the e-mail
// that confirms it. The answer is the same whether or not the address
// followed before, so it reveals nothing; an address that follows already,
// or was sent a confirmation in the last FollowResendAfter, is sent
// nothing more. It returns EINVALID for bad fields, ENOTFOUND for an
// unknown series and ECONFLICT ("series_ended") for an ended one.
func (db *DB) FollowSeries(ctx context.Context, slug string, in domain.FollowInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		s, err := db.seriesBySlug(tx, slug, true)
		if err != nil {
			return err
		}
		if s.EndedAt != nil {
			return domain.Conflict(domain.ReasonSeriesEnded, "This series has ended: there are no more sessions to follow.")
		}
		// The confirmation e-mail shows the next session: without one it
		// could not be written, and the person would wait for nothing.
		var upcoming int64
		if err := tx.Model(&eventRow{}).Where("series_id = ? AND status = ? AND starts_at > ?",
			s.ID, string(domain.EventPublished), db.now()).Count(&upcoming).Error; err != nil {
			return err
		}
		if upcoming == 0 {
			return domain.Conflict(domain.ReasonNoUpcomingSession, "This series has no upcoming session to follow just now; try again once the next one is announced.")
		}
		now := db.now()
		expires := now.Add(domain.FollowConfirmWindow)
		norm := domain.NormalizeEmail(in.Email)
		var f followerRow
		res := tx.Where("series_id = ? AND email_norm = ?", s.ID, norm).Limit(1).Find(&f)
		if res.Error != nil {
			return res.Error
		}
		switch {
		case res.RowsAffected == 0:
			f = followerRow{ID: domain.NewID(), SeriesID: s.ID, Name: in.Name, Email: in.Email, EmailNorm: norm,
				Mode: string(in.Mode), Status: string(domain.FollowPending), Locale: in.Locale, CreatedAt: now, UpdatedAt: now,
				ConfirmExpiresAt: &expires, ConfirmSentAt: &now}
			if err := tx.Create(&f).Error; err != nil {
				return err
			}
		case f.Status == string(domain.FollowActive):
			return nil
		case f.ConfirmSentAt != nil && now.Sub(*f.ConfirmSentAt) < domain.FollowResendAfter:
			return nil
		default:
			if err := tx.Model(&followerRow{}).Where("id = ?", f.ID).Updates(map[string]any{
				"name": in.Name, "email": in.Email, "mode": string(in.Mode), "status": string(domain.FollowPending), "locale": in.Locale,
				"confirm_expires_at": expires, "confirm_sent_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		return db.insertMailJob(tx, domain.SendFollowConfirmationArgs{FollowerID: f.ID})
	})
}

// followerByToken finds the follower of a link token of any purpose; an
// expired confirmation link is EGONE.
func (db *DB) followerByToken(tx *gorm.DB, raw string, lock bool) (followerRow, string, error) {
	var tok struct {
		FollowerID string     `gorm:"column:follower_id"`
		Purpose    string     `gorm:"column:purpose"`
		ExpiresAt  *time.Time `gorm:"column:expires_at"`
	}
	res := tx.Raw(`SELECT follower_id, purpose, expires_at FROM follower_tokens WHERE token_hash = ?`, domain.HashToken(raw)).Scan(&tok)
	if res.Error != nil {
		return followerRow{}, "", res.Error
	}
	if res.RowsAffected == 0 {
		return followerRow{}, "", errFollowerNotFound
	}
	var f followerRow
	q := `SELECT * FROM series_followers WHERE id = ?`
	if lock {
		q += db.forUpdate()
	}
	if err := tx.Raw(q, tok.FollowerID).Take(&f).Error; err != nil {
		return f, "", err
	}
	if tok.Purpose == "confirm" && f.Status == string(domain.FollowPending) && tok.ExpiresAt != nil && !db.now().Before(*tok.ExpiresAt) {
		return f, tok.Purpose, errFollowExpired
	}
	return f, tok.Purpose, nil
}

func (db *DB) followerView(tx *gorm.DB, f followerRow) (domain.FollowerView, error) {
	v := domain.FollowerView{Follower: f.toDomain()}
	var s seriesRow
	if err := tx.Where("id = ?", f.SeriesID).Take(&s).Error; err != nil {
		return v, err
	}
	var g groupRow
	if err := tx.Where("id = ?", s.GroupID).Take(&g).Error; err != nil {
		return v, err
	}
	v.Series, v.Group = s.toDomain(), g.toDomain()
	return v, nil
}

// FindFollowerByToken returns the follower of a confirmation or unfollow
// link with the series: ENOTFOUND for an unknown link, EGONE for an expired
// confirmation link.
func (db *DB) FindFollowerByToken(ctx context.Context, raw string) (domain.FollowerView, error) {
	var v domain.FollowerView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		f, _, err := db.followerByToken(tx, raw, false)
		if err != nil {
			return err
		}
		v, err = db.followerView(tx, f)
		return err
	})
	return v, err
}

// ConfirmFollow makes a pending follower active and, at once, invites or
// signs them up for the series' upcoming occurrences (as each new one will
// be). Confirming twice changes nothing. It returns ENOTFOUND for an
// unknown link, EGONE for an expired one.
func (db *DB) ConfirmFollow(ctx context.Context, raw string) (domain.FollowerView, error) {
	var v domain.FollowerView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		f, purpose, err := db.followerByToken(tx, raw, true)
		if err != nil {
			return err
		}
		if purpose != "confirm" {
			return errFollowerNotFound
		}
		// Serialise with the job that adds occurrences (it locks the
		// series too), so that an occurrence made meanwhile is not missed.
		if err := tx.Exec(`SELECT id FROM series WHERE id = ?`+db.forUpdate(), f.SeriesID).Error; err != nil {
			return err
		}
		if f.Status == string(domain.FollowPending) {
			now := db.now()
			f.Status, f.ConfirmedAt, f.UnfollowedAt = string(domain.FollowActive), &now, nil
			if err := tx.Model(&followerRow{}).Where("id = ?", f.ID).Updates(map[string]any{
				"status": f.Status, "confirmed_at": now, "unfollowed_at": nil, "updated_at": now}).Error; err != nil {
				return err
			}
			var ids []string
			if err := tx.Model(&eventRow{}).Where("series_id = ? AND status = ? AND starts_at > ?",
				f.SeriesID, string(domain.EventPublished), now).Order("starts_at").Pluck("id", &ids).Error; err != nil {
				return err
			}
			for _, id := range ids {
				var ev eventRow
				if err := tx.Raw(`SELECT * FROM events WHERE id = ?`+db.forUpdate(), id).Take(&ev).Error; err != nil {
					return err
				}
				if err := db.actForFollower(tx, f, &ev); err != nil {
					return err
				}
			}
		}
		v, err = db.followerView(tx, f)
		return err
	})
	return v, err
}

// Unfollow stops a follower's e-mails and sign-ups for new occurrences
// (their existing RSVPs stay: each can be cancelled on its own). It takes
// any link of the follower and is harmless twice.
func (db *DB) Unfollow(ctx context.Context, raw string) (domain.FollowerView, error) {
	var v domain.FollowerView
	err := db.tx(ctx, func(tx *gorm.DB) error {
		f, _, err := db.followerByToken(tx, raw, true)
		if err != nil && domain.ErrorCode(err) != domain.EGONE {
			return err
		}
		if f.Status != string(domain.FollowUnfollowed) {
			now := db.now()
			f.Status, f.UnfollowedAt = string(domain.FollowUnfollowed), &now
			if err := tx.Model(&followerRow{}).Where("id = ?", f.ID).Updates(map[string]any{
				"status": f.Status, "unfollowed_at": now, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		v, err = db.followerView(tx, f)
		return err
	})
	return v, err
}

// occurrenceCreated runs in the transaction that creates an occurrence of
// a series: its active followers are signed up or invited, first
// followers first while seats last.
func (db *DB) occurrenceCreated(tx *gorm.DB, s *seriesRow, ev *eventRow) error {
	var fs []followerRow
	if err := tx.Where("series_id = ? AND status = ?", s.ID, string(domain.FollowActive)).
		Order("confirmed_at, id").Find(&fs).Error; err != nil {
		return err
	}
	for _, f := range fs {
		if err := db.actForFollower(tx, f, ev); err != nil {
			return err
		}
	}
	return nil
}

// actForFollower gives one active follower what they asked for at one
// occurrence (whose row the caller locked or created): an RSVP while seats
// last for FollowRSVP, else an invitation. Someone already replying, or
// invited before, gets nothing more.
func (db *DB) actForFollower(tx *gorm.DB, f followerRow, ev *eventRow) error {
	e := ev.toDomain()
	if e.CheckAcceptsRSVP(db.now()) != nil {
		return nil
	}
	if _, live, err := db.liveRSVP(tx, ev.ID, f.EmailNorm); err != nil || live {
		return err
	}
	if f.Mode == string(domain.FollowRSVP) && e.HasFreeSeat() {
		res, err := db.placeRSVP(tx, ev, domain.RSVPInput{Name: f.Name, Email: f.Email, Locale: f.Locale}, true)
		if err != nil || !res.Created {
			return err
		}
		return tx.Exec(`UPDATE rsvps SET follower_id = ? WHERE id = ?`, f.ID, res.RSVP.ID).Error
	}
	now := db.now()
	var ids []string
	if err := tx.Raw(`INSERT INTO invitations (id, event_id, name, email, email_norm, message, status, created_at, updated_at, follower_id)
		VALUES (?, ?, ?, ?, ?, '', 'queued', ?, ?, ?) ON CONFLICT (event_id, email_norm) DO NOTHING RETURNING id`,
		domain.NewID(), ev.ID, f.Name, f.Email, f.EmailNorm, now, now, f.ID).Scan(&ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		if err := db.insertMailJob(tx, domain.SendInvitationArgs{InvitationID: id}); err != nil {
			return err
		}
	}
	return nil
}

// LoadFollowConfirmation returns what the confirmation e-mail of a
// follower needs and a fresh link token (only its hash is kept); token is
// "" when there is nothing to send (confirmed, unfollowed, expired, or no
// upcoming occurrence to show).
func (db *DB) LoadFollowConfirmation(ctx context.Context, followerID string) (domain.FollowConfirmationOutgoing, string, error) {
	var (
		out domain.FollowConfirmationOutgoing
		raw string
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var f followerRow
		if err := tx.Where("id = ?", followerID).Take(&f).Error; err != nil {
			return err
		}
		v, err := db.followerView(tx, f)
		if err != nil {
			return err
		}
		out.Follower, out.Series, out.Group = v.Follower, v.Series, v.Group
		var g groupRow
		if err := tx.Where("id = ?", v.Group.ID).Take(&g).Error; err != nil {
			return err
		}
		if out.OrganizerEmail, err = db.organizerEmail(tx, g); err != nil {
			return err
		}
		now := db.now()
		if f.Status != string(domain.FollowPending) || f.ConfirmExpiresAt == nil || !now.Before(*f.ConfirmExpiresAt) {
			return nil
		}
		var next eventRow
		res := tx.Where("series_id = ? AND status = ? AND starts_at > ?", f.SeriesID, string(domain.EventPublished), now).
			Order("starts_at").Limit(1).Find(&next)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		out.Next = next.toDomain()
		raw = domain.NewSecret()
		return db.addFollowerToken(tx, f.ID, raw, "confirm", f.ConfirmExpiresAt)
	})
	return out, raw, err
}

func (db *DB) addFollowerToken(tx *gorm.DB, followerID, raw, purpose string, expires *time.Time) error {
	return tx.Exec(`INSERT INTO follower_tokens (token_hash, follower_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		domain.HashToken(raw), followerID, purpose, db.now(), expires).Error
}

// MintUnfollowToken makes a new unfollow link token for an e-mail to a
// follower; only its hash is kept.
func (db *DB) MintUnfollowToken(ctx context.Context, followerID string) (string, error) {
	raw := domain.NewSecret()
	err := db.tx(ctx, func(tx *gorm.DB) error { return db.addFollowerToken(tx, followerID, raw, "unfollow", nil) })
	return raw, err
}

// seriesOfFollower returns the follower id and series title behind an
// invitation's or RSVP's follower_id column, if any. The id is "" once
// the person no longer follows the series (their e-mails then offer no
// unfollow link and do not say they follow); the title stays, for saying
// where the RSVP came from.
func (db *DB) seriesOfFollower(tx *gorm.DB, followerID *string) (id, title, locale string, err error) {
	if followerID == nil {
		return "", "", "", nil
	}
	var row struct {
		Title  string `gorm:"column:title"`
		Status string `gorm:"column:status"`
		Locale string `gorm:"column:locale"`
	}
	err = tx.Raw(`SELECT s.title, f.status, f.locale FROM series_followers f JOIN series s ON s.id = f.series_id WHERE f.id = ?`, *followerID).Scan(&row).Error
	if err != nil || row.Status != string(domain.FollowActive) {
		return "", row.Title, row.Locale, err
	}
	return *followerID, row.Title, row.Locale, nil
}

// ListFollowers lists the active followers of a series of a group the
// organiser belongs to (ENOTFOUND otherwise), oldest first, with how many
// there are in all.
func (db *DB) ListFollowers(ctx context.Context, organiserID, seriesID string, opts domain.ListOptions) (domain.Page[domain.Follower], int, error) {
	_, after, err := decodeCursor(opts.Cursor)
	if err != nil {
		return domain.Page[domain.Follower]{}, 0, err
	}
	limit := pageSize(opts)
	var (
		rows  []followerRow
		total int64
	)
	err = db.tx(ctx, func(tx *gorm.DB) error {
		if _, err := db.memberSeries(tx, organiserID, seriesID); err != nil {
			return err
		}
		active := tx.Model(&followerRow{}).Where("series_id = ? AND status = ?", seriesID, string(domain.FollowActive))
		if err := active.Count(&total).Error; err != nil {
			return err
		}
		return tx.Where("series_id = ? AND status = ? AND id > ?", seriesID, string(domain.FollowActive), after).
			Order("id").Limit(limit + 1).Find(&rows).Error
	})
	return paginate(rows, limit, followerRow.toDomain, func(r followerRow) string { return encodeCursor("", r.ID) }), int(total), err
}
