package store_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// sqlitePath returns the file of an SQLite store.
func sqlitePath(t *testing.T, db *store.DB) string {
	t.Helper()
	var (
		seq        int
		name, path string
	)
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA database_list`).Scan(&seq, &name, &path); err != nil || path == "" {
		t.Fatalf("database file: %q %v", path, err)
	}
	return path
}

// otherProcess opens the store's SQLite file as another process would:
// its own connection, which waits busyMS for a lock.
func otherProcess(t *testing.T, path, busyMS string) *sql.DB {
	t.Helper()
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout("+busyMS+")")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

// TestSQLitePragmas: every setting Open asks of SQLite is in effect on the
// store's connection — the one connection that GORM, River and goose
// share.
func TestSQLitePragmas(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	if n := db.SQL().Stats().MaxOpenConnections; n != 1 {
		t.Errorf("the pool allows %d connections, want 1", n)
	}
	for _, p := range []struct{ pragma, want string }{
		{"busy_timeout", "5000"},
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"synchronous", "1"}, // NORMAL
		{"secure_delete", "1"},
	} {
		var got string
		if err := db.SQL().QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != p.want {
			t.Errorf("PRAGMA %s = %s, want %s", p.pragma, got, p.want)
		}
	}

	t.Run("TransactionsBeginImmediate", func(t *testing.T) {
		// A transaction that has only read already holds the write lock:
		// another process cannot begin writing. (The store's one
		// connection is the transaction's until it ends: ask for the
		// file's path first.)
		other := otherProcess(t, sqlitePath(t, db), "0")
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM organisers`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		_, err = other.ExecContext(ctx, `BEGIN IMMEDIATE`)
		if err == nil {
			other.ExecContext(ctx, `ROLLBACK`)
			t.Fatal("another connection took the write lock while a store transaction that had only read was open: it began DEFERRED")
		}
		wantUnavailable(t, store.Translate(err))
	})

	t.Run("TimesAsText", func(t *testing.T) {
		// Times are stored as SQLite's text format in UTC, to the
		// microsecond, so that they sort as text and compare with times
		// written before (and with River's, which sorts the same way).
		at := time.Date(2031, 2, 3, 4, 5, 6, 789012345, time.FixedZone("CET", 3600))
		storetest.ClockOf(t, db).Freeze(at)
		o, err := db.CreateOrganiser(ctx, email("times"), "Tim")
		if err != nil {
			t.Fatal(err)
		}
		var text, typ string
		if err := db.SQL().QueryRowContext(ctx, `SELECT CAST(created_at AS TEXT), typeof(created_at) FROM organisers WHERE id = ?`, o.ID).Scan(&text, &typ); err != nil {
			t.Fatal(err)
		}
		if text != "2031-02-03 03:05:06.789012+00:00" || typ != "text" {
			t.Errorf("created_at stored as %s %q, want text %q", typ, text, "2031-02-03 03:05:06.789012+00:00")
		}
		got, err := db.FindOrganiser(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := at.Truncate(time.Microsecond); !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("created_at read back as %s, want %s in UTC", got.CreatedAt, want)
		}
		// A value as the previous driver (glebarez/go-sqlite) wrote it,
		// and one as SQLite's own datetime() writes it, read back.
		for text, want := range map[string]time.Time{
			"2026-12-07 02:37:35.371759+00:00": time.Date(2026, 12, 7, 2, 37, 35, 371759000, time.UTC),
			"2026-12-07 02:37:35":              time.Date(2026, 12, 7, 2, 37, 35, 0, time.UTC),
		} {
			if _, err := db.SQL().ExecContext(ctx, `UPDATE organisers SET created_at = ? WHERE id = ?`, text, o.ID); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindOrganiser(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.CreatedAt.Equal(want) {
				t.Errorf("created_at %q read as %s, want %s", text, got.CreatedAt, want)
			}
		}
	})
}

// TestTranslateSQLiteErrors: the SQLite driver's own errors, made for real,
// become domain errors by their result codes.
func TestTranslateSQLiteErrors(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	o, err := db.CreateOrganiser(ctx, email("rules"), "Rita")
	if err != nil {
		t.Fatal(err)
	}
	g := newGroup(t, db, o.ID)
	now := time.Now().UTC()
	for _, c := range []struct {
		name, reason string
		sql          string
		args         []any
	}{
		{"Unique", "duplicate", `INSERT INTO organisers (id, email, email_norm, name, created_at) SELECT ?, email, email_norm, name, created_at FROM organisers WHERE id = ?`, []any{domain.NewID(), o.ID}},
		{"PrimaryKey", "duplicate", `INSERT INTO group_members (group_id, organiser_id, role, created_at) VALUES (?, ?, 'organiser', ?)`, []any{g.ID, o.ID, now}},
		{"Check", "constraint", `UPDATE group_members SET role = 'king' WHERE group_id = ?`, []any{g.ID}},
		{"ForeignKey", "constraint", `INSERT INTO api_tokens (id, organiser_id, name, token_hash, created_at) VALUES (?, ?, 'x', ?, ?)`, []any{domain.NewID(), domain.NewID(), domain.NewID(), now}},
		{"NotNull", "constraint", `INSERT INTO organisers (id, email, email_norm, created_at) VALUES (?, ?, NULL, ?)`, []any{domain.NewID(), "x@example.org", now}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.SQL().ExecContext(ctx, c.sql, c.args...)
			var se *sqlite.Error
			if !errors.As(err, &se) {
				t.Fatalf("%v (%T), want the driver's *sqlite.Error", err, err)
			}
			wantCode(t, store.Translate(err), domain.ECONFLICT, c.reason)
		})
	}
	t.Run("Busy", func(t *testing.T) {
		wantUnavailable(t, store.Translate(sqliteBusy(t)))
	})
}

// sqliteBusy returns the error of a writer that waited for another
// process's write lock for longer than its busy_timeout.
func sqliteBusy(t *testing.T) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "busy.db")
	holder := otherProcess(t, path, "0")
	conn, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.ExecContext(ctx, `ROLLBACK`) })
	_, err = otherProcess(t, path, "20").ExecContext(ctx, `BEGIN IMMEDIATE`)
	if err == nil {
		t.Fatal("a second writer got the lock")
	}
	var se *sqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != 5 {
		t.Fatalf("%v (%T), want SQLITE_BUSY (5)", err, err)
	}
	return err
}
