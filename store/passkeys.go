package store

import (
	"context"
	"encoding/base64"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// Passkeys (WebAuthn credentials) an organiser signs in with, and the
// ceremonies that add them or sign in with them. The WebAuthn checks are
// the web package's (with its library); here the credentials are kept,
// and the state between a ceremony's two steps, found by the hash of a
// token that lives in a short-lived cookie and works once.

type passkeyRow struct {
	ID           string     `gorm:"column:id;primaryKey"`
	OrganiserID  string     `gorm:"column:organiser_id"`
	Name         string     `gorm:"column:name"`
	CredentialID string     `gorm:"column:credential_id"`
	Credential   string     `gorm:"column:credential"`
	CreatedAt    time.Time  `gorm:"column:created_at"`
	LastUsedAt   *time.Time `gorm:"column:last_used_at"`
}

func (passkeyRow) TableName() string { return "passkeys" }

func (r passkeyRow) toDomain() domain.Passkey {
	id, _ := base64.RawURLEncoding.DecodeString(r.CredentialID)
	return domain.Passkey{ID: r.ID, OrganiserID: r.OrganiserID, Name: r.Name, CredentialID: id, Credential: []byte(r.Credential),
		CreatedAt: utc(r.CreatedAt), LastUsedAt: utcPtr(r.LastUsedAt)}
}

type passkeyCeremonyRow struct {
	TokenHash   string    `gorm:"column:token_hash;primaryKey"`
	OrganiserID *string   `gorm:"column:organiser_id"`
	Kind        string    `gorm:"column:kind"`
	Data        string    `gorm:"column:data"`
	ExpiresAt   time.Time `gorm:"column:expires_at"`
}

func (passkeyCeremonyRow) TableName() string { return "passkey_ceremonies" }

var errPasskeyNotFound = &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonPasskeyNotFound,
	Message: "No such passkey: it may have been removed already."}

var errPasskeyCeremonyGone = &domain.Error{Code: domain.EGONE, Reason: domain.ReasonPasskeyCeremonyGone,
	Message: "This passkey request has expired or was already used. Try again."}

var errPasskeyExists = &domain.Error{Code: domain.ECONFLICT, Reason: domain.ReasonDuplicate,
	Message: "This passkey is already added."}

// StartPasskeyCeremony keeps data, what the WebAuthn library needs
// between the two steps of a ceremony of kind, for
// domain.PasskeyCeremonyLifetime, and returns the raw token that finds it
// again (for a cookie; only its hash is stored). organiserID is the
// organiser adding a passkey, or "" when signing in (nobody is known
// yet).
func (db *DB) StartPasskeyCeremony(ctx context.Context, kind domain.PasskeyCeremonyKind, organiserID string, data []byte) (string, error) {
	raw := domain.NewSecret()
	row := passkeyCeremonyRow{TokenHash: domain.HashToken(raw), Kind: string(kind), Data: string(data),
		ExpiresAt: db.now().Add(domain.PasskeyCeremonyLifetime)}
	if organiserID != "" {
		row.OrganiserID = &organiserID
	}
	err := db.tx(ctx, func(tx *gorm.DB) error { return tx.Create(&row).Error })
	if err != nil {
		return "", err
	}
	return raw, nil
}

// TakePasskeyCeremony ends the ceremony whose raw token is raw and returns
// its data, when it is of kind, for organiserID ("" for signing in), and
// has not expired. A ceremony is taken once, whatever the outcome: EGONE
// (passkey_ceremony_gone) for an unknown, used, expired or someone else's
// ceremony alike.
func (db *DB) TakePasskeyCeremony(ctx context.Context, raw string, kind domain.PasskeyCeremonyKind, organiserID string) ([]byte, error) {
	var row passkeyCeremonyRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("token_hash = ?", domain.HashToken(raw)).Limit(1).Find(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errPasskeyCeremonyGone
		}
		// Whichever use deletes it first has it.
		del := tx.Where("token_hash = ?", row.TokenHash).Delete(&passkeyCeremonyRow{})
		if del.Error != nil {
			return del.Error
		}
		if del.RowsAffected == 0 {
			return errPasskeyCeremonyGone
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	owner := ""
	if row.OrganiserID != nil {
		owner = *row.OrganiserID
	}
	if row.Kind != string(kind) || owner != organiserID || !db.now().Before(utc(row.ExpiresAt)) {
		return nil, errPasskeyCeremonyGone
	}
	return []byte(row.Data), nil
}

// AddPasskey keeps a passkey the organiser has just made, which the
// WebAuthn library has verified: credentialID is its id, credential the
// library's record of it. EINVALID for a bad name, ECONFLICT when the
// credential is already kept.
func (db *DB) AddPasskey(ctx context.Context, organiserID, name string, credentialID, credential []byte) (domain.Passkey, error) {
	var v domain.Validation
	domain.CheckPasskeyName(&v, "name", name)
	if len(credentialID) == 0 || len(credential) == 0 {
		v.Add("credential", "is required")
	}
	if err := v.Err(); err != nil {
		return domain.Passkey{}, err
	}
	row := passkeyRow{ID: domain.NewID(), OrganiserID: organiserID, Name: name,
		CredentialID: base64.RawURLEncoding.EncodeToString(credentialID), Credential: string(credential), CreatedAt: db.now()}
	err := db.tx(ctx, func(tx *gorm.DB) error { return tx.Create(&row).Error })
	if isDuplicate(err) {
		return domain.Passkey{}, errPasskeyExists
	}
	if err != nil {
		return domain.Passkey{}, err
	}
	return row.toDomain(), nil
}

// ListPasskeys lists the organiser's passkeys, the first added first.
func (db *DB) ListPasskeys(ctx context.Context, organiserID string) ([]domain.Passkey, error) {
	var rows []passkeyRow
	err := db.read(ctx, func(q *gorm.DB) error {
		return q.Where("organiser_id = ?", organiserID).Order("created_at, id").Find(&rows).Error
	})
	out := make([]domain.Passkey, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, err
}

// RenamePasskey renames one of the organiser's passkeys. EINVALID for a
// bad name; another organiser's passkey is ENOTFOUND.
func (db *DB) RenamePasskey(ctx context.Context, organiserID, passkeyID, name string) (domain.Passkey, error) {
	var v domain.Validation
	domain.CheckPasskeyName(&v, "name", name)
	if err := v.Err(); err != nil {
		return domain.Passkey{}, err
	}
	var row passkeyRow
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&passkeyRow{}).Where("id = ? AND organiser_id = ?", passkeyID, organiserID).Update("name", name)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errPasskeyNotFound
		}
		return tx.Where("id = ?", passkeyID).Take(&row).Error
	})
	if err != nil {
		return domain.Passkey{}, err
	}
	return row.toDomain(), nil
}

// RemovePasskey removes one of the organiser's passkeys: it no longer
// signs in. Sessions it started go on (the account page ends them).
// Another organiser's passkey is ENOTFOUND.
func (db *DB) RemovePasskey(ctx context.Context, organiserID, passkeyID string) error {
	return db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND organiser_id = ?", passkeyID, organiserID).Delete(&passkeyRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errPasskeyNotFound
		}
		return nil
	})
}

// SignInWithPasskey records a use of one of the organiser's passkeys that
// the WebAuthn library has verified — its updated record (the signature
// counter, flags) and when — and starts a session with it, as a sign-in
// link does. It returns the session and its raw token, for the cookie.
// ENOTFOUND (passkey_not_found) when the passkey was removed meanwhile.
func (db *DB) SignInWithPasskey(ctx context.Context, organiserID, passkeyID string, credential []byte, browser string) (domain.Session, string, error) {
	var (
		s     domain.Session
		token string
	)
	err := db.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&passkeyRow{}).Where("id = ? AND organiser_id = ?", passkeyID, organiserID).
			Updates(map[string]any{"credential": string(credential), "last_used_at": db.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errPasskeyNotFound
		}
		var err error
		s, token, err = db.startSession(tx, organiserID, domain.SignInByPasskey, browser)
		return err
	})
	return s, token, err
}

// purgePasskeyCeremonies deletes the ceremonies that expired unfinished.
func (db *DB) purgePasskeyCeremonies(tx *gorm.DB) (int64, error) {
	res := tx.Where("expires_at <= ?", db.now()).Delete(&passkeyCeremonyRow{})
	return res.RowsAffected, res.Error
}
