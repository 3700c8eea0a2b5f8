package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// CreateOrganiser adds an organiser. It returns ECONFLICT (reason
// "email_taken") when the address is already an organiser's.
func (db *DB) CreateOrganiser(ctx context.Context, email, name string) (domain.Organiser, error) {
	var o domain.Organiser
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		o, err = db.createOrganiser(tx, email, name)
		return err
	})
	return o, err
}

func (db *DB) createOrganiser(tx *gorm.DB, email, name string) (domain.Organiser, error) {
	var v domain.Validation
	domain.CheckEmail(&v, "email", email, true)
	domain.CheckLine(&v, "name", name, false, domain.MaxNameLen)
	if err := v.Err(); err != nil {
		return domain.Organiser{}, err
	}
	row := organiserRow{ID: domain.NewID(), Email: email, EmailNorm: domain.NormalizeEmail(email), Name: name, CreatedAt: db.now()}
	if err := translate(tx.Create(&row).Error); err != nil {
		if isDuplicate(err) {
			return domain.Organiser{}, domain.Conflict(domain.ReasonEmailTaken, "An organiser with this e-mail address already exists.")
		}
		return domain.Organiser{}, err
	}
	return row.toDomain(), nil
}

// FindOrganiser returns an organiser by id (ENOTFOUND if none).
func (db *DB) FindOrganiser(ctx context.Context, id string) (domain.Organiser, error) {
	var row organiserRow
	err := db.read(ctx, func(q *gorm.DB) error { return q.Where("id = ?", id).Take(&row).Error })
	return row.toDomain(), err
}

// FindOrganiserByEmail returns the organiser with an e-mail address,
// compared as the sign-in form compares it (ENOTFOUND if none).
func (db *DB) FindOrganiserByEmail(ctx context.Context, email string) (domain.Organiser, error) {
	var row organiserRow
	err := db.read(ctx, func(q *gorm.DB) error {
		return q.Where("email_norm = ?", domain.NormalizeEmail(email)).Take(&row).Error
	})
	return row.toDomain(), err
}

// CountOrganisers returns how many organisers exist.
func (db *DB) CountOrganisers(ctx context.Context) (int64, error) {
	var n int64
	err := db.read(ctx, func(q *gorm.DB) error { return q.Model(&organiserRow{}).Count(&n).Error })
	return n, err
}

// EnsureFirstOrganiser creates an organiser with email and a token named
// "bootstrap" when there is no organiser at all, and returns the organiser
// and the raw token. It returns "" when organisers already exist.
func (db *DB) EnsureFirstOrganiser(ctx context.Context, email, name string) (domain.Organiser, string, error) {
	var (
		o   domain.Organiser
		raw string
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&organiserRow{}).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		var err error
		if o, err = db.createOrganiser(tx, email, name); err != nil {
			return err
		}
		_, raw, err = db.createToken(tx, o.ID, "bootstrap", nil)
		return err
	})
	if domain.ErrorCode(err) == domain.ECONFLICT {
		return domain.Organiser{}, "", nil // another replica won the race
	}
	return o, raw, err
}

// CreateAPIToken makes a new token for an organiser and returns it with the
// raw secret, which is not stored and cannot be recovered. It is for tokens
// made outside the API (the command line); a token made with another token
// is CreateAPITokenWith's.
func (db *DB) CreateAPIToken(ctx context.Context, organiserID, name string, expiresAt *time.Time) (domain.APIToken, string, error) {
	if err := db.checkNewToken(name, expiresAt); err != nil {
		return domain.APIToken{}, "", err
	}
	var (
		t   domain.APIToken
		raw string
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var err error
		t, raw, err = db.createToken(tx, organiserID, name, expiresAt)
		return err
	})
	return t, raw, err
}

// CreateAPITokenWith makes a new token for the organiser who holds maker,
// the token that authenticated the request, and returns it with the raw
// secret. The new token never outlives its maker (domain.TokenExpiry):
// without expiresAt it expires when the maker does, and an expiresAt after
// the maker's is EINVALID. The maker is read again in the transaction, so
// one revoked or expired meanwhile is EUNAUTHORIZED.
func (db *DB) CreateAPITokenWith(ctx context.Context, maker domain.APIToken, name string, expiresAt *time.Time) (domain.APIToken, string, error) {
	if err := db.checkNewToken(name, expiresAt); err != nil {
		return domain.APIToken{}, "", err
	}
	var (
		t   domain.APIToken
		raw string
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		var m tokenRow
		res := tx.Where("id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", maker.ID, db.now()).Limit(1).Find(&m)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errInvalidToken
		}
		exp, err := domain.TokenExpiry(utcPtr(m.ExpiresAt), expiresAt)
		if err != nil {
			return err
		}
		t, raw, err = db.createToken(tx, m.OrganiserID, name, exp)
		return err
	})
	return t, raw, err
}

// checkNewToken validates a new token's name and expiry.
func (db *DB) checkNewToken(name string, expiresAt *time.Time) error {
	var v domain.Validation
	domain.CheckLine(&v, "name", name, true, domain.MaxNameLen)
	if expiresAt != nil && !utc(*expiresAt).After(db.now()) {
		v.Add("expires_at", "must be in the future")
	}
	return v.Err()
}

func (db *DB) createToken(tx *gorm.DB, organiserID, name string, expiresAt *time.Time) (domain.APIToken, string, error) {
	raw := domain.NewAPIToken()
	row := tokenRow{ID: domain.NewID(), OrganiserID: organiserID, Name: name, TokenHash: domain.HashToken(raw),
		CreatedAt: db.now(), ExpiresAt: utcPtr(expiresAt)}
	if err := tx.Create(&row).Error; err != nil {
		return domain.APIToken{}, "", translate(err)
	}
	return row.toDomain(), raw, nil
}

var errInvalidToken = &domain.Error{Code: domain.EUNAUTHORIZED, Reason: domain.ReasonInvalidToken, Message: "The API token is unknown, revoked or expired."}

// Authenticate returns the organiser who holds the raw API token, or
// EUNAUTHORIZED when the token is unknown, revoked or expired. See
// AuthenticateToken.
func (db *DB) Authenticate(ctx context.Context, raw string) (domain.Organiser, error) {
	o, _, err := db.AuthenticateToken(ctx, raw)
	return o, err
}

// AuthenticateToken returns the organiser who holds the raw API token and
// the token itself (what a request made with it may do depends on it: a
// token it makes expires no later), or EUNAUTHORIZED when the token is
// unknown, revoked or expired. It records when the token was last used, at
// most once an hour, so that authentication stays a read on the hot path.
func (db *DB) AuthenticateToken(ctx context.Context, raw string) (domain.Organiser, domain.APIToken, error) {
	var row struct {
		ID         string     `gorm:"column:id"`
		Email      string     `gorm:"column:email"`
		Name       string     `gorm:"column:name"`
		CreatedAt  time.Time  `gorm:"column:created_at"`
		TokenID    string     `gorm:"column:token_id"`
		TokenName  string     `gorm:"column:token_name"`
		TokenMade  time.Time  `gorm:"column:token_created_at"`
		ExpiresAt  *time.Time `gorm:"column:expires_at"`
		LastUsedAt *time.Time `gorm:"column:last_used_at"`
	}
	now := db.now()
	err := db.read(ctx, func(q *gorm.DB) error {
		return q.Raw(`SELECT o.id, o.email, o.name, o.created_at, t.id AS token_id, t.name AS token_name,
			t.created_at AS token_created_at, t.expires_at, t.last_used_at
			FROM api_tokens t JOIN organisers o ON o.id = t.organiser_id
			WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)`,
			domain.HashToken(raw), now).Take(&row).Error
	})
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return domain.Organiser{}, domain.APIToken{}, errInvalidToken
	}
	if err != nil {
		return domain.Organiser{}, domain.APIToken{}, err
	}
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) > time.Hour {
		// Best effort: a failure here must not refuse a valid token.
		if err := db.gorm.WithContext(ctx).Model(&tokenRow{}).Where("id = ?", row.TokenID).Update("last_used_at", now).Error; err != nil {
			db.log.Warn("could not record token use", "err", err.Error())
		}
	}
	return domain.Organiser{ID: row.ID, Email: row.Email, Name: row.Name, CreatedAt: row.CreatedAt.UTC()},
		domain.APIToken{ID: row.TokenID, OrganiserID: row.ID, Name: row.TokenName, CreatedAt: row.TokenMade.UTC(),
			ExpiresAt: utcPtr(row.ExpiresAt), LastUsedAt: utcPtr(row.LastUsedAt)}, nil
}

// ListAPITokens lists an organiser's live (not revoked) tokens, oldest first.
func (db *DB) ListAPITokens(ctx context.Context, organiserID string, opts domain.ListOptions) (domain.Page[domain.APIToken], error) {
	_, after, err := decodeCursor(opts.Cursor)
	if err != nil {
		return domain.Page[domain.APIToken]{}, err
	}
	limit := pageSize(opts)
	var rows []tokenRow
	err = db.read(ctx, func(q *gorm.DB) error {
		return q.Where("organiser_id = ? AND revoked_at IS NULL AND id > ?", organiserID, after).
			Order("id").Limit(limit + 1).Find(&rows).Error
	})
	return paginate(rows, limit, tokenRow.toDomain, func(r tokenRow) string { return encodeCursor("", r.ID) }), err
}

// RevokeAPIToken revokes one of the organiser's tokens; ENOTFOUND if the
// organiser has no such live token.
func (db *DB) RevokeAPIToken(ctx context.Context, organiserID, tokenID string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&tokenRow{}).Where("id = ? AND organiser_id = ? AND revoked_at IS NULL", tokenID, organiserID).
			Update("revoked_at", db.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonTokenNotFound, Message: "No such token."}
		}
		return nil
	})
}
