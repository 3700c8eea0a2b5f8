package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestAPITokenNeverOutlivesMaker: a token made with a token that expires
// expires no later than its maker, however it is asked (issue 13, point
// 4): a short-lived token cannot be turned into a permanent one, not even
// through a chain of tokens. Tokens that never expire still make tokens
// that never expire.
func TestAPITokenNeverOutlivesMaker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		aID, forever := te.organiser("Ada")
		exp := te.now().Add(time.Hour).UTC().Truncate(time.Second)
		_, short, err := db.CreateAPIToken(context.Background(), aID, "short-lived", &exp)
		if err != nil {
			t.Fatal(err)
		}
		create := func(t *testing.T, maker string, body map[string]any) map[string]any {
			t.Helper()
			r := te.do("POST", "/api/v1/tokens", maker, body)
			wantStatus(t, r, http.StatusCreated)
			return r.m(t)
		}
		expiry := func(t *testing.T, m map[string]any) *time.Time {
			t.Helper()
			s, ok := m["expires_at"].(string)
			if !ok {
				return nil
			}
			at, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatalf("expires_at %q: %v", s, err)
			}
			return &at
		}
		wantExpiry := func(t *testing.T, m map[string]any, want time.Time) {
			t.Helper()
			if got := expiry(t, m); got == nil || !got.Equal(want) {
				t.Fatalf("expires_at %v, want %v: %v", m["expires_at"], want, m)
			}
		}

		t.Run("NothingAskedInheritsExpiry", func(t *testing.T) {
			child := create(t, short, map[string]any{"name": "child"})
			wantExpiry(t, child, exp)
			wantStatus(t, te.do("GET", "/api/v1/me", child["token"].(string), nil), http.StatusOK)
			// Nor can the child make a token that outlives it.
			grandchild := create(t, child["token"].(string), map[string]any{"name": "grandchild"})
			wantExpiry(t, grandchild, exp)
		})
		t.Run("NullInheritsExpiry", func(t *testing.T) {
			wantExpiry(t, create(t, short, map[string]any{"name": "null", "expires_at": nil}), exp)
		})
		t.Run("LaterRefused", func(t *testing.T) {
			before := len(listAll(t, te, forever, "/api/v1/tokens?limit=200"))
			later := exp.Add(24 * time.Hour).Format(time.RFC3339)
			biCheck(t, te.do("POST", "/api/v1/tokens", short, map[string]any{"name": "later", "expires_at": later}),
				biInvalid("", nil, "expires_at"))
			if after := len(listAll(t, te, forever, "/api/v1/tokens?limit=200")); after != before {
				t.Fatalf("a refused request made a token: %d tokens, then %d", before, after)
			}
		})
		t.Run("EarlierKept", func(t *testing.T) {
			earlier := exp.Add(-30 * time.Minute)
			wantExpiry(t, create(t, short, map[string]any{"name": "earlier", "expires_at": earlier.Format(time.RFC3339)}), earlier)
			wantExpiry(t, create(t, short, map[string]any{"name": "same", "expires_at": exp.Format(time.RFC3339)}), exp)
		})
		t.Run("PermanentMakesPermanent", func(t *testing.T) {
			if m := create(t, forever, map[string]any{"name": "forever too"}); expiry(t, m) != nil {
				t.Fatalf("a token made with a permanent token expires: %v", m)
			}
			later := te.now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second)
			wantExpiry(t, create(t, forever, map[string]any{"name": "quarter", "expires_at": later.Format(time.RFC3339)}), later)
		})
		// Every token the short-lived one led to is listed with an expiry no
		// later than its own.
		for _, tk := range listAll(t, te, forever, "/api/v1/tokens?limit=200") {
			switch tk["name"] {
			case "child", "grandchild", "null", "earlier", "same":
				if got := expiry(t, tk); got == nil || got.After(exp) {
					t.Fatalf("token %v outlives its maker (%v)", tk, exp)
				}
			}
		}
	})
}
