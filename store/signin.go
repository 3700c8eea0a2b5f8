package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// The console's ways in: sign-in links and the sessions they start (the
// rules are in domain/signin.go). Passkeys are in passkeys.go.

type signInLinkRow struct {
	ID          string     `gorm:"column:id;primaryKey"`
	OrganiserID string     `gorm:"column:organiser_id"`
	CreatedAt   time.Time  `gorm:"column:created_at"`
	ExpiresAt   time.Time  `gorm:"column:expires_at"`
	UsedAt      *time.Time `gorm:"column:used_at"`
	MailStatus  string     `gorm:"column:mail_status"`
	LastError   string     `gorm:"column:last_error"`
}

func (signInLinkRow) TableName() string { return "sign_in_links" }

func (r signInLinkRow) toDomain() domain.SignInLink {
	return domain.SignInLink{ID: r.ID, OrganiserID: r.OrganiserID, CreatedAt: utc(r.CreatedAt), ExpiresAt: utc(r.ExpiresAt), UsedAt: utcPtr(r.UsedAt)}
}

type sessionRow struct {
	ID          string    `gorm:"column:id;primaryKey"`
	TokenHash   string    `gorm:"column:token_hash"`
	OrganiserID string    `gorm:"column:organiser_id"`
	Method      string    `gorm:"column:method"`
	Browser     string    `gorm:"column:browser"`
	CreatedAt   time.Time `gorm:"column:created_at"`
	LastSeenAt  time.Time `gorm:"column:last_seen_at"`
}

func (sessionRow) TableName() string { return "sessions" }

func (r sessionRow) toDomain() domain.Session {
	return domain.Session{ID: r.ID, OrganiserID: r.OrganiserID, Method: domain.SignInMethod(r.Method), Browser: r.Browser,
		CreatedAt: utc(r.CreatedAt), LastSeenAt: utc(r.LastSeenAt)}
}

var errSignInLink = &domain.Error{Code: domain.EGONE, Reason: domain.ReasonSignInLinkInvalid,
	Message: "This sign-in link has been used or has expired. Ask for a new one."}

var errNoSession = &domain.Error{Code: domain.EUNAUTHORIZED, Reason: domain.ReasonSessionNotFound,
	Message: "You are not signed in, or your session has ended."}

var errSessionNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonSessionNotFound,
	Message: "No such session: it may have ended already."}

// RequestSignIn e-mails a sign-in link to the organiser whose address is
// email, queued in the same transaction. The e-mail speaks locale, the
// language of the browser that asked (a tag of domain.Languages; "" or
// any other means English). It returns nil whether or not the address is
// an organiser's, and sends nothing when the address has been sent
// domain.SignInLinksPerHour links in the last hour: the answer must tell
// nobody who is an organiser. Only a malformed address is an error
// (EINVALID).
func (db *DB) RequestSignIn(ctx context.Context, email, locale string) error {
	var v domain.Validation
	domain.CheckEmail(&v, "email", email, true)
	if err := v.Err(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		var o organiserRow
		err := tx.Where("email_norm = ?", domain.NormalizeEmail(email)).Take(&o).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		now := db.now()
		var recent int64
		if err := tx.Model(&signInLinkRow{}).Where("organiser_id = ? AND created_at > ? AND mail_status <> 'printed'", o.ID, now.Add(-time.Hour)).
			Count(&recent).Error; err != nil {
			return err
		}
		if recent >= domain.SignInLinksPerHour {
			return nil
		}
		row := signInLinkRow{ID: domain.NewID(), OrganiserID: o.ID, CreatedAt: now, ExpiresAt: now.Add(domain.SignInLinkLifetime), MailStatus: "queued"}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return db.insertMailJob(tx, domain.SendSignInArgs{LinkID: row.ID, Locale: signInLocale(locale)})
	})
}

// signInLocale is a sign-in job's Locale: Convene's spelling of the tag,
// "" for English and for a language Convene does not speak.
func signInLocale(locale string) string {
	if t := domain.LanguageTag(locale); t != domain.DefaultLanguage {
		return t
	}
	return ""
}

// CreateSignInLink makes a sign-in link for the organiser and returns its
// raw token, to be shown rather than e-mailed (`convene serve` for the
// first organiser, `convene organiser link`). ENOTFOUND for no such
// organiser.
func (db *DB) CreateSignInLink(ctx context.Context, organiserID string) (string, error) {
	var raw string
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var o organiserRow
		if err := tx.Where("id = ?", organiserID).Take(&o).Error; err != nil {
			return err
		}
		now := db.now()
		row := signInLinkRow{ID: domain.NewID(), OrganiserID: o.ID, CreatedAt: now, ExpiresAt: now.Add(domain.SignInLinkLifetime), MailStatus: "printed"}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		var err error
		raw, err = db.newSignInToken(tx, row.ID)
		return err
	})
	return raw, err
}

func (db *DB) newSignInToken(tx *gorm.DB, linkID string) (string, error) {
	raw := domain.NewSecret()
	err := tx.Exec(`INSERT INTO sign_in_tokens (token_hash, link_id, created_at) VALUES (?, ?, ?)`, domain.HashToken(raw), linkID, db.now()).Error
	return raw, err
}

// LoadSignIn returns what the sign-in e-mail of a link needs: the link,
// its organiser and a new raw token for it. The token is "" when the link
// can no longer be used (nothing to send). ENOTFOUND when the link is gone.
func (db *DB) LoadSignIn(ctx context.Context, linkID string) (domain.SignInLink, domain.Organiser, string, error) {
	var (
		link domain.SignInLink
		o    domain.Organiser
		raw  string
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var row signInLinkRow
		if err := tx.Where("id = ?", linkID).Take(&row).Error; err != nil {
			return err
		}
		var or organiserRow
		if err := tx.Where("id = ?", row.OrganiserID).Take(&or).Error; err != nil {
			return err
		}
		link, o = row.toDomain(), or.toDomain()
		if row.MailStatus != "queued" || !link.UsableAt(db.now()) {
			return nil
		}
		var err error
		raw, err = db.newSignInToken(tx, row.ID)
		return err
	})
	return link, o, raw, err
}

// MarkSignIn records what became of a sign-in link's e-mail.
func (db *DB) MarkSignIn(ctx context.Context, linkID string, sent bool, lastError string) error {
	status := "failed"
	if sent {
		status = "sent"
	}
	return db.tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&signInLinkRow{}).Where("id = ? AND mail_status = 'queued'", linkID).
			Updates(map[string]any{"mail_status": status, "last_error": lastError}).Error
	})
}

// FindSignInLink returns the link a raw token belongs to and its
// organiser, while it can be used; EGONE (sign_in_link_invalid) for an
// unknown, used or expired token alike.
func (db *DB) FindSignInLink(ctx context.Context, raw string) (domain.SignInLink, domain.Organiser, error) {
	var (
		link domain.SignInLink
		o    domain.Organiser
	)
	err := db.read(ctx, func(q *gorm.DB) error {
		var err error
		link, o, err = db.signInLink(q, raw)
		return err
	})
	return link, o, err
}

func (db *DB) signInLink(q *gorm.DB, raw string) (domain.SignInLink, domain.Organiser, error) {
	var row signInLinkRow
	res := q.Raw(`SELECT l.* FROM sign_in_links l JOIN sign_in_tokens t ON t.link_id = l.id WHERE t.token_hash = ?`, domain.HashToken(raw)).Scan(&row)
	if res.Error != nil {
		return domain.SignInLink{}, domain.Organiser{}, res.Error
	}
	if res.RowsAffected == 0 || !row.toDomain().UsableAt(db.now()) {
		return domain.SignInLink{}, domain.Organiser{}, errSignInLink
	}
	var or organiserRow
	if err := q.Where("id = ?", row.OrganiserID).Take(&or).Error; err != nil {
		return domain.SignInLink{}, domain.Organiser{}, err
	}
	return row.toDomain(), or.toDomain(), nil
}

// SignIn uses a sign-in link: it marks the link used (it works once) and
// starts a session for its organiser in the browser described. It
// returns the session and its raw token, for the cookie. EGONE
// (sign_in_link_invalid) when the link cannot be used.
func (db *DB) SignIn(ctx context.Context, raw, browser string) (domain.Session, string, error) {
	var (
		s     domain.Session
		token string
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		link, o, err := db.signInLink(tx, raw)
		if err != nil {
			return err
		}
		// The link is spent by whichever use gets here first.
		res := tx.Model(&signInLinkRow{}).Where("id = ? AND used_at IS NULL", link.ID).Update("used_at", db.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errSignInLink
		}
		s, token, err = db.startSession(tx, o.ID, domain.SignInByLink, browser)
		return err
	})
	return s, token, err
}

// startSession starts a session for the organiser and returns it with its
// raw token.
func (db *DB) startSession(tx *gorm.DB, organiserID string, method domain.SignInMethod, browser string) (domain.Session, string, error) {
	now := db.now()
	raw := domain.NewSecret()
	row := sessionRow{ID: domain.NewID(), TokenHash: domain.HashToken(raw), OrganiserID: organiserID, Method: string(method),
		Browser: browser, CreatedAt: now, LastSeenAt: now}
	if err := tx.Create(&row).Error; err != nil {
		return domain.Session{}, "", err
	}
	return row.toDomain(), raw, nil
}

// AuthenticateSession returns the session whose raw token is raw and its
// organiser, and records the use (at most once in
// domain.SessionTouchEvery). EUNAUTHORIZED (session_not_found) when there
// is no such session or it has ended, which also deletes an ended one.
func (db *DB) AuthenticateSession(ctx context.Context, raw string) (domain.Session, domain.Organiser, error) {
	var (
		row sessionRow
		o   organiserRow
	)
	err := db.read(ctx, func(q *gorm.DB) error {
		res := q.Where("token_hash = ?", domain.HashToken(raw)).Limit(1).Find(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNoSession
		}
		return q.Where("id = ?", row.OrganiserID).Take(&o).Error
	})
	if err != nil {
		return domain.Session{}, domain.Organiser{}, err
	}
	s, now := row.toDomain(), db.now()
	if !s.ActiveAt(now) {
		if err := db.tx(ctx, func(tx *gorm.DB) error { return tx.Delete(&sessionRow{}, "id = ?", s.ID).Error }); err != nil {
			return domain.Session{}, domain.Organiser{}, err
		}
		return domain.Session{}, domain.Organiser{}, errNoSession
	}
	if now.Sub(s.LastSeenAt) >= domain.SessionTouchEvery {
		err := db.tx(ctx, func(tx *gorm.DB) error {
			return tx.Model(&sessionRow{}).Where("id = ?", s.ID).Update("last_seen_at", now).Error
		})
		if err != nil {
			return domain.Session{}, domain.Organiser{}, err
		}
		s.LastSeenAt = now
	}
	return s, o.toDomain(), nil
}

// ListSessions lists the organiser's sessions that have not ended, the
// latest used first.
func (db *DB) ListSessions(ctx context.Context, organiserID string) ([]domain.Session, error) {
	var rows []sessionRow
	now := db.now()
	err := db.read(ctx, func(q *gorm.DB) error {
		return q.Where("organiser_id = ? AND last_seen_at > ? AND created_at > ?", organiserID,
			now.Add(-domain.SessionIdleTimeout), now.Add(-domain.SessionLifetime)).
			Order("last_seen_at DESC, id").Find(&rows).Error
	})
	out := make([]domain.Session, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, err
}

// EndSession ends one of the organiser's sessions (signing out, or
// removing another browser from the list). Ending one that has ended is
// harmless; another organiser's session is ENOTFOUND.
func (db *DB) EndSession(ctx context.Context, organiserID, sessionID string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND organiser_id = ?", sessionID, organiserID).Delete(&sessionRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errSessionNotFound
		}
		return nil
	})
}

// EndAllSessions signs the organiser out everywhere: every session ends,
// including the one asking. It returns how many ended.
func (db *DB) EndAllSessions(ctx context.Context, organiserID string) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("organiser_id = ?", organiserID).Delete(&sessionRow{})
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}

// purgeSignIn deletes sign-in links a day after they expired (their
// tokens with them), sessions that have ended and passkey ceremonies
// that expired unfinished.
func (db *DB) purgeSignIn(tx *gorm.DB) (int64, error) {
	now := db.now()
	links := tx.Where("expires_at <= ?", now.Add(-24*time.Hour)).Delete(&signInLinkRow{})
	if links.Error != nil {
		return 0, links.Error
	}
	sessions := tx.Where("last_seen_at <= ? OR created_at <= ?", now.Add(-domain.SessionIdleTimeout), now.Add(-domain.SessionLifetime)).
		Delete(&sessionRow{})
	if sessions.Error != nil {
		return 0, sessions.Error
	}
	ceremonies, err := db.purgePasskeyCeremonies(tx)
	return links.RowsAffected + sessions.RowsAffected + ceremonies, err
}
