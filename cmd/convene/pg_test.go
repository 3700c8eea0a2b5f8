package main

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/convene/convene/store/storetest"
)

// freshPostgres makes an empty PostgreSQL database for one test (the
// bootstrap path needs a database with no organisers) and drops it after.
func freshPostgres(t testing.TB) string {
	t.Helper()
	base := storetest.PostgresURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	name := "convene_e2e_" + storetest.Unique()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(ctx)
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}
