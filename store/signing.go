package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/convene/convene/domain"
)

// signingKeyRowID is the id of the one signing key. A fixed id is what
// makes the first start race-safe: every process inserts under it and the
// primary key lets only one insert win.
const signingKeyRowID = "primary"

type signingKeyRow struct {
	ID         string    `gorm:"column:id;primaryKey"`
	PublicKey  string    `gorm:"column:public_key"`  // standard base64, 32 bytes
	PrivateKey string    `gorm:"column:private_key"` // standard base64, 64 bytes (seed and public key, as crypto/ed25519 keeps it)
	CreatedAt  time.Time `gorm:"column:created_at"`
}

func (signingKeyRow) TableName() string { return "signing_keys" }

func (r signingKeyRow) toDomain() (domain.SigningKey, error) {
	pub, err := base64.StdEncoding.DecodeString(r.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return domain.SigningKey{}, fmt.Errorf("store: signing key %q: public_key is not 32 bytes of base64", r.ID)
	}
	priv, err := base64.StdEncoding.DecodeString(r.PrivateKey)
	if err != nil || len(priv) != ed25519.PrivateKeySize {
		return domain.SigningKey{}, fmt.Errorf("store: signing key %q: private_key is not 64 bytes of base64", r.ID)
	}
	// The private key carries its public half; both must be the key the
	// seed makes, or every signature would fail to verify.
	k := ed25519.NewKeyFromSeed(priv[:ed25519.SeedSize])
	if !bytes.Equal(k, priv) || !bytes.Equal(k.Public().(ed25519.PublicKey), pub) {
		return domain.SigningKey{}, fmt.Errorf("store: signing key %q: public_key and private_key do not belong together", r.ID)
	}
	return domain.NewSigningKey(k), nil
}

// signingKeyCache holds the key once it has been loaded: it never changes
// while the process runs.
type signingKeyCache struct {
	mu  sync.Mutex
	key *domain.SigningKey
}

// SigningKey returns the server's Ed25519 key for contribution records. The
// first call in a process loads it from the database, or, on the very
// first start, generates and stores it; later calls answer from memory.
// Processes starting at the same time agree on one key. Errors are
// EUNAVAILABLE when the database cannot be reached, and internal when the
// stored key is damaged (which is not repaired: replacing the key would
// invalidate every signature made with it).
func (db *DB) SigningKey(ctx context.Context) (domain.SigningKey, error) {
	db.signing.mu.Lock()
	defer db.signing.mu.Unlock()
	if db.signing.key == nil {
		k, err := db.loadSigningKey(ctx)
		if err != nil {
			return domain.SigningKey{}, err
		}
		db.signing.key = &k
	}
	k := *db.signing.key
	k.Private = slices.Clone(k.Private) // callers cannot change the cached key
	return k, nil
}

// loadSigningKey reads the key, inserting a new one first if there is none.
// The statements run outside a transaction on purpose: each must see what
// another process committed in the meantime. On PostgreSQL an INSERT that
// meets another process's uncommitted row waits for it, then does nothing;
// SQLite serialises writers. Either way the SELECT after it reads the one
// key that won.
func (db *DB) loadSigningKey(ctx context.Context) (domain.SigningKey, error) {
	var row signingKeyRow
	find := func() (bool, error) {
		var rows []signingKeyRow
		err := db.read(ctx, func(q *gorm.DB) error {
			return q.Where("id = ?", signingKeyRowID).Limit(1).Find(&rows).Error
		})
		if err != nil || len(rows) == 0 {
			return false, err
		}
		row = rows[0]
		return true, nil
	}
	found, err := find()
	if err != nil {
		return domain.SigningKey{}, err
	}
	if !found {
		gen, err := domain.GenerateSigningKey()
		if err != nil {
			return domain.SigningKey{}, err
		}
		var inserted int64
		err = db.read(ctx, func(q *gorm.DB) error {
			res := q.Exec(`INSERT INTO signing_keys (id, public_key, private_key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				signingKeyRowID, base64.StdEncoding.EncodeToString(gen.Public()),
				base64.StdEncoding.EncodeToString(gen.Private), db.now())
			inserted = res.RowsAffected
			return res.Error
		})
		if err != nil {
			return domain.SigningKey{}, err
		}
		if inserted == 1 {
			db.log.Info("signing key created", "key_id", gen.ID)
		}
		if found, err = find(); err != nil {
			return domain.SigningKey{}, err
		} else if !found {
			return domain.SigningKey{}, fmt.Errorf("store: signing key %q vanished after it was inserted", signingKeyRowID)
		}
	}
	return row.toDomain()
}
