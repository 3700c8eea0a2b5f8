package storetest

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/convene/convene/store"
)

// Fresh makes a new, migrated database of the dialect that belongs to t
// alone, and returns a function that opens another handle on it. Each
// handle is like another process of the service: its own connections and
// caches over the same data. Use it to test what happens across restarts
// and replicas, which the shared database of Open cannot show. Handles are
// closed, and the PostgreSQL database dropped, when t ends.
func Fresh(t testing.TB, d store.Dialect) (open func() *store.DB) {
	t.Helper()
	ctx := context.Background()
	// The handles share one clock, as the replicas of a service read the
	// same time.
	opts := store.Options{Clock: NewClock()}
	if d == store.SQLite {
		opts.DataDir = t.TempDir()
	} else {
		base := PostgresURL(t)
		name := "convene_test_" + pkgName() + "_fresh_" + randHex(4)
		admin, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			admin.Close(ctx)
			t.Fatal(err)
		}
		// Registered first, so it runs after the handles are closed.
		t.Cleanup(func() {
			if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				t.Errorf("storetest: drop database %s: %v", name, err)
			}
			admin.Close(ctx)
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		opts.DatabaseURL = u.String()
	}
	db, err := store.OpenAndMigrate(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return func() *store.DB {
		t.Helper()
		db, err := store.Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}
