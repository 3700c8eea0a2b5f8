package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestCreateAPITokenWith: a token made with another one expires no later
// than its maker, and a maker that stopped working makes nothing.
func TestCreateAPITokenWith(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o, err := db.CreateOrganiser(ctx, "tok-"+storetest.Unique()+"@example.org", "Ada")
		if err != nil {
			t.Fatal(err)
		}
		exp := db.Clock().Now().Add(time.Hour).UTC().Truncate(time.Second)
		_, raw, err := db.CreateAPIToken(ctx, o.ID, "short", &exp)
		if err != nil {
			t.Fatal(err)
		}
		who, maker, err := db.AuthenticateToken(ctx, raw)
		if err != nil || who.ID != o.ID || maker.ExpiresAt == nil || !maker.ExpiresAt.Equal(exp) || maker.Name != "short" {
			t.Fatalf("AuthenticateToken: %+v %+v %v", who, maker, err)
		}
		child, _, err := db.CreateAPITokenWith(ctx, maker, "child", nil)
		if err != nil || child.ExpiresAt == nil || !child.ExpiresAt.Equal(exp) || child.OrganiserID != o.ID {
			t.Fatalf("child of a short-lived token: %+v %v", child, err)
		}
		later := exp.Add(time.Minute)
		_, _, err = db.CreateAPITokenWith(ctx, maker, "later", &later)
		wantCode(t, err, domain.EINVALID, "validation_failed")

		if err := db.RevokeAPIToken(ctx, o.ID, maker.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = db.CreateAPITokenWith(ctx, maker, "after revoking", nil)
		wantCode(t, err, domain.EUNAUTHORIZED, "invalid_token")
	})
}
