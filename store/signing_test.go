package store_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"sync"
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

func TestSigningKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		k, err := db.SigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(k.Private) != ed25519.PrivateKeySize || k.ID != domain.SigningKeyID(k.Public()) {
			t.Fatalf("key %q with a %d-byte private key", k.ID, len(k.Private))
		}
		msg := []byte(`{"id":"x"}`)
		if !domain.VerifySignature(k.Public(), msg, k.Sign(msg)) {
			t.Fatal("the key's signature does not verify")
		}

		// Stored once, as base64, under the fixed id.
		var id, pub, priv string
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM signing_keys").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d signing keys stored (%v), want 1", n, err)
		}
		if err := db.SQL().QueryRowContext(ctx, "SELECT id, public_key, private_key FROM signing_keys").Scan(&id, &pub, &priv); err != nil {
			t.Fatal(err)
		}
		if id != "primary" || pub != base64.StdEncoding.EncodeToString(k.Public()) || priv != base64.StdEncoding.EncodeToString(k.Private) {
			t.Fatalf("stored row %q %q does not hold the key", id, pub)
		}

		t.Run("CachedCopy", func(t *testing.T) {
			k.Private[0] ^= 0xff // callers get a copy: this must not reach the cache
			again, err := db.SigningKey(ctx)
			if err != nil {
				t.Fatal(err)
			}
			k.Private[0] ^= 0xff
			if again.ID != k.ID || !bytes.Equal(again.Private, k.Private) {
				t.Fatal("a second call gave another key, or a caller changed the cached one")
			}
		})
	})
}

// TestSigningKeyAcrossProcesses runs several handles on one new database,
// as replicas starting together and restarts would.
func TestSigningKeyAcrossProcesses(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			open := storetest.Fresh(t, d)

			// Four processes, three callers each, all on the very first start.
			var handles []*store.DB
			for range 4 {
				handles = append(handles, open())
			}
			var (
				wg   sync.WaitGroup
				mu   sync.Mutex
				keys []domain.SigningKey
			)
			for _, h := range handles {
				for range 3 {
					wg.Go(func() {
						k, err := h.SigningKey(ctx)
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						keys = append(keys, k)
						mu.Unlock()
					})
				}
			}
			wg.Wait()
			if t.Failed() {
				t.FailNow()
			}
			first := keys[0]
			for _, k := range keys[1:] {
				if k.ID != first.ID || !bytes.Equal(k.Private, first.Private) {
					t.Fatalf("concurrent first calls gave keys %s and %s", first.ID, k.ID)
				}
			}
			var n int
			if err := handles[0].SQL().QueryRowContext(ctx, "SELECT count(*) FROM signing_keys").Scan(&n); err != nil || n != 1 {
				t.Fatalf("%d signing keys stored (%v), want 1", n, err)
			}

			t.Run("SameAfterRestart", func(t *testing.T) {
				for _, h := range handles {
					h.Close()
				}
				k, err := open().SigningKey(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if k.ID != first.ID || !bytes.Equal(k.Private, first.Private) {
					t.Fatalf("after a restart the key is %s, want %s", k.ID, first.ID)
				}
				msg := []byte("signed before the restart")
				if !domain.VerifySignature(k.Public(), msg, first.Sign(msg)) {
					t.Fatal("a signature made before the restart does not verify after it")
				}
			})

			t.Run("ErrDamagedKey", func(t *testing.T) {
				db := open()
				other, _ := domain.GenerateSigningKey()
				damaged := base64.StdEncoding.EncodeToString(other.Private)
				if _, err := db.SQL().ExecContext(ctx, storeQ(db, "UPDATE signing_keys SET private_key = ?"), damaged); err != nil {
					t.Fatal(err)
				}
				_, err := db.SigningKey(ctx)
				wantCode(t, err, domain.EINTERNAL, "")
				// Not replaced: a new key would invalidate every signature.
				var priv string
				if err := db.SQL().QueryRowContext(ctx, "SELECT private_key FROM signing_keys").Scan(&priv); err != nil || priv != damaged {
					t.Fatalf("the damaged key was changed (%v)", err)
				}
			})
		})
	}
}
