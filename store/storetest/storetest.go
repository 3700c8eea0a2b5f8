// Package storetest gives tests a real, migrated database: SQLite in a
// temporary directory always, and PostgreSQL when CONVENE_TEST_DATABASE_URL
// names a server. Each test package gets its own PostgreSQL database, made
// in Main and dropped after the package's tests. Its Clock is the test
// clock: the real time moved by CONVENE_TEST_CLOCK_OFFSET, so that the
// whole suite can be run as if on another date, and settable by a test.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/convene/convene/store"
)

// EnvURL names the PostgreSQL server tests use.
const EnvURL = "CONVENE_TEST_DATABASE_URL"

var (
	pgURL    string // the package's own database, set by Main
	pgMu     sync.Mutex
	pgShared *store.DB
)

// Main creates the package's PostgreSQL database (when configured), runs the
// tests and drops it. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	base := os.Getenv(EnvURL)
	if base == "" {
		return m.Run()
	}
	ctx := context.Background()
	name := "convene_test_" + pkgName() + "_" + randHex(4)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest: cannot connect to %s: %v\n", EnvURL, err)
		return 1
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		fmt.Fprintf(os.Stderr, "storetest: create database: %v\n", err)
		return 1
	}
	u, _ := url.Parse(base)
	u.Path = "/" + name
	pgURL = u.String()
	code := m.Run()
	if pgShared != nil {
		pgShared.Close()
	}
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		fmt.Fprintf(os.Stderr, "storetest: drop database: %v\n", err)
	}
	admin.Close(ctx)
	return code
}

func pkgName() string {
	wd, _ := os.Getwd()
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(filepath.Base(wd)))
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Dialects returns the dialects tests should run on.
func Dialects() []store.Dialect {
	return []store.Dialect{store.SQLite, store.Postgres}
}

// Each runs fn as a subtest per dialect, each with an open, migrated DB.
// Without CONVENE_TEST_DATABASE_URL the PostgreSQL subtest skips — or fails
// under CI=true, where skipping would hide a broken setup.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a migrated database of the dialect. SQLite databases are new
// per call; PostgreSQL ones are shared by the package (tests must use their
// own slugs and addresses, see Unique).
func Open(t testing.TB, d store.Dialect) *store.DB {
	t.Helper()
	if d == store.SQLite {
		db, err := store.OpenAndMigrate(context.Background(), store.Options{DataDir: t.TempDir(), Clock: NewClock()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	SkipWithoutPostgres(t)
	pgMu.Lock()
	defer pgMu.Unlock()
	if pgShared == nil {
		db, err := store.OpenAndMigrate(context.Background(), store.Options{DatabaseURL: pgURL, Clock: NewClock()})
		if err != nil {
			t.Fatal(err)
		}
		pgShared = db
	}
	return pgShared
}

// PostgresURL returns the package's PostgreSQL database URL, skipping the
// test (or failing it under CI=true) when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	SkipWithoutPostgres(t)
	return pgURL
}

// SkipWithoutPostgres skips t when no PostgreSQL is configured, and fails
// it under CI=true.
func SkipWithoutPostgres(t testing.TB) {
	t.Helper()
	if pgURL != "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set (or TestMain does not call storetest.Main), and CI=true: PostgreSQL tests must run in CI", EnvURL)
	}
	t.Skipf("PostgreSQL tests skipped: set %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run them", EnvURL)
}

// Unique returns a short random suffix for slugs and addresses, so tests
// sharing a database do not collide.
func Unique() string { return randHex(4) }
