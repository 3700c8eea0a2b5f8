package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestPasskeys: an organiser's passkeys are listed, renamed and removed
// by that organiser only; a credential is kept once; signing in with one
// records its new state and starts a passkey session.
func TestPasskeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ada, err := db.CreateOrganiser(ctx, "pk-"+storetest.Unique()+"@example.org", "Ada")
		if err != nil {
			t.Fatal(err)
		}
		bob, err := db.CreateOrganiser(ctx, "pk-"+storetest.Unique()+"@example.org", "Bob")
		if err != nil {
			t.Fatal(err)
		}
		credID := []byte("cred-" + storetest.Unique())
		pk, err := db.AddPasskey(ctx, ada.ID, "Work laptop", credID, []byte(`{"signCount":0}`))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pk.CredentialID, credID) || pk.Name != "Work laptop" || pk.LastUsedAt != nil {
			t.Fatalf("added: %+v", pk)
		}

		t.Run("ErrDuplicate", func(t *testing.T) {
			_, err := db.AddPasskey(ctx, bob.ID, "Copy", credID, []byte(`{}`))
			wantCode(t, err, domain.ECONFLICT, "duplicate")
		})
		t.Run("ErrInvalidName", func(t *testing.T) {
			_, err := db.AddPasskey(ctx, ada.ID, strings.Repeat("x", domain.PasskeyNameMax+1), []byte("other-"+storetest.Unique()), []byte(`{}`))
			wantCode(t, err, domain.EINVALID, "")
			_, err = db.RenamePasskey(ctx, ada.ID, pk.ID, "  ")
			wantCode(t, err, domain.EINVALID, "")
		})
		t.Run("OthersAreNotFound", func(t *testing.T) {
			_, err := db.RenamePasskey(ctx, bob.ID, pk.ID, "Mine now")
			wantCode(t, err, domain.ENOTFOUND, "passkey_not_found")
			wantCode(t, db.RemovePasskey(ctx, bob.ID, pk.ID), domain.ENOTFOUND, "passkey_not_found")
			_, _, err = db.SignInWithPasskey(ctx, bob.ID, pk.ID, []byte(`{}`), "Firefox")
			wantCode(t, err, domain.ENOTFOUND, "passkey_not_found")
			if list, err := db.ListPasskeys(ctx, bob.ID); err != nil || len(list) != 0 {
				t.Fatalf("Bob's passkeys: %v %v", list, err)
			}
		})

		renamed, err := db.RenamePasskey(ctx, ada.ID, pk.ID, "Phone")
		if err != nil || renamed.Name != "Phone" {
			t.Fatalf("rename: %+v %v", renamed, err)
		}
		sess, raw, err := db.SignInWithPasskey(ctx, ada.ID, pk.ID, []byte(`{"signCount":1}`), "Firefox on Linux")
		if err != nil || raw == "" || sess.Method != domain.SignInByPasskey || sess.OrganiserID != ada.ID {
			t.Fatalf("sign in: %+v %v", sess, err)
		}
		if _, who, err := db.AuthenticateSession(ctx, raw); err != nil || who.ID != ada.ID {
			t.Fatalf("the session: %+v %v", who, err)
		}
		list, err := db.ListPasskeys(ctx, ada.ID)
		if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || string(list[0].Credential) != `{"signCount":1}` || list[0].Name != "Phone" {
			t.Fatalf("after signing in: %+v %v", list, err)
		}

		if err := db.RemovePasskey(ctx, ada.ID, pk.ID); err != nil {
			t.Fatal(err)
		}
		if list, err := db.ListPasskeys(ctx, ada.ID); err != nil || len(list) != 0 {
			t.Fatalf("after removing: %v %v", list, err)
		}
		_, _, err = db.SignInWithPasskey(ctx, ada.ID, pk.ID, []byte(`{}`), "Firefox")
		wantCode(t, err, domain.ENOTFOUND, "passkey_not_found")
	})
}

// TestPasskeyCeremonies: a ceremony's state is found by its token once,
// for its kind and organiser, within domain.PasskeyCeremonyLifetime.
func TestPasskeyCeremonies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ada, err := db.CreateOrganiser(ctx, "pkc-"+storetest.Unique()+"@example.org", "Ada")
		if err != nil {
			t.Fatal(err)
		}
		start := func(kind domain.PasskeyCeremonyKind, who string) string {
			t.Helper()
			raw, err := db.StartPasskeyCeremony(ctx, kind, who, []byte(`{"challenge":"c"}`))
			if err != nil || raw == "" {
				t.Fatalf("start: %v", err)
			}
			return raw
		}
		t.Run("OK", func(t *testing.T) {
			raw := start(domain.PasskeySignIn, "")
			data, err := db.TakePasskeyCeremony(ctx, raw, domain.PasskeySignIn, "")
			if err != nil || string(data) != `{"challenge":"c"}` {
				t.Fatalf("take: %q %v", data, err)
			}
			_, err = db.TakePasskeyCeremony(ctx, raw, domain.PasskeySignIn, "")
			wantCode(t, err, domain.EGONE, "passkey_ceremony_gone")
		})
		t.Run("ErrOtherKindOrOrganiser", func(t *testing.T) {
			raw := start(domain.PasskeyRegister, ada.ID)
			_, err := db.TakePasskeyCeremony(ctx, raw, domain.PasskeySignIn, "")
			wantCode(t, err, domain.EGONE, "passkey_ceremony_gone")
			// A ceremony tried wrongly is spent.
			_, err = db.TakePasskeyCeremony(ctx, raw, domain.PasskeyRegister, ada.ID)
			wantCode(t, err, domain.EGONE, "passkey_ceremony_gone")

			raw = start(domain.PasskeyRegister, ada.ID)
			_, err = db.TakePasskeyCeremony(ctx, raw, domain.PasskeyRegister, "someone-else")
			wantCode(t, err, domain.EGONE, "passkey_ceremony_gone")
		})
		t.Run("ErrExpired", func(t *testing.T) {
			clock := storetest.ClockOf(t, db)
			raw := start(domain.PasskeyRegister, ada.ID)
			kept := start(domain.PasskeyRegister, ada.ID)
			clock.Advance(domain.PasskeyCeremonyLifetime - time.Second)
			if _, err := db.TakePasskeyCeremony(ctx, kept, domain.PasskeyRegister, ada.ID); err != nil {
				t.Fatalf("within its lifetime: %v", err)
			}
			clock.Advance(2 * time.Second)
			_, err := db.TakePasskeyCeremony(ctx, raw, domain.PasskeyRegister, ada.ID)
			wantCode(t, err, domain.EGONE, "passkey_ceremony_gone")
		})
		t.Run("Purged", func(t *testing.T) {
			clock := storetest.ClockOf(t, db)
			start(domain.PasskeySignIn, "")
			clock.Advance(domain.PasskeyCeremonyLifetime)
			n, err := db.PurgeExpired(ctx)
			if err != nil || n < 1 {
				t.Fatalf("purge: %d %v", n, err)
			}
		})
	})
}
