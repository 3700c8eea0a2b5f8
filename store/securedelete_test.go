package store_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// sqliteFiles returns the bytes of the SQLite database file and of its
// write-ahead log (nil when there is none).
func sqliteFiles(t *testing.T, db *store.DB) (main, wal []byte) {
	t.Helper()
	var (
		seq        int
		name, path string
	)
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA database_list`).Scan(&seq, &name, &path); err != nil || path == "" {
		t.Fatalf("database file: %q %v", path, err)
	}
	main, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wal, err = os.ReadFile(path + "-wal")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return main, wal
}

// TestErasedBytesLeaveTheSQLiteFile: after an erasure and a checkpoint of
// the write-ahead log, the database file holds no byte of the erased name
// or address — not in the rows, not in the indexes, not in the free space
// the old values left (SQLite keeps deleted bytes unless secure_delete is
// on).
func TestErasedBytesLeaveTheSQLiteFile(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	var on int
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA secure_delete`).Scan(&on); err != nil || on != 1 {
		t.Errorf("PRAGMA secure_delete = %d (%v), want 1", on, err)
	}
	o, e := openEvent(t, db, 5, domain.ConfirmNone)
	u := storetest.Unique()
	name, addr := "Quintessa Vanderbrook"+u, "Quintessa.Vanderbrook-"+u+"@example.org"
	res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: name, Email: addr})
	if err != nil {
		t.Fatal(err)
	}
	// Someone else stays, so that the pages are still in use afterwards.
	if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Bea Stays", Email: email("bea")}); err != nil {
		t.Fatal(err)
	}
	// An invitation to the same address (deleted by the erasure, not sent yet).
	if b, err := db.CreateInvitations(ctx, o.ID, e.ID, domain.InvitationRequest{
		Recipients: []domain.InvitationRecipient{{Email: addr, Name: name}}}); err != nil || b.Invited != 1 {
		t.Fatalf("invite: %+v %v", b, err)
	}
	// The bytes are in the file before (the test would prove nothing if
	// they never reached it).
	if _, err := db.SQL().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	needles := []string{strings.ToLower(name), strings.ToLower(addr), "quintessa"}
	if main, _ := sqliteFiles(t, db); !bytes.Contains(bytes.ToLower(main), []byte(needles[1])) {
		t.Fatal("the address is not in the database file even before the erasure")
	}

	if _, err := db.EraseRSVPByToken(ctx, res.ManageToken); err != nil {
		t.Fatal(err)
	}
	var busy, logged, done int
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done); err != nil || busy != 0 {
		t.Fatalf("checkpoint: busy %d (%v)", busy, err)
	}
	main, wal := sqliteFiles(t, db)
	for file, data := range map[string][]byte{"database file": main, "write-ahead log": wal} {
		low := bytes.ToLower(data)
		for _, n := range needles {
			if i := bytes.Index(low, []byte(n)); i >= 0 {
				t.Errorf("the %s still holds %q at byte %d after the erasure", file, n, i)
			}
		}
	}
}

// TestTruncateWAL: the erasure's job empties SQLite's write-ahead log,
// which otherwise keeps the page copies written before the erasure (a
// passive checkpoint, the automatic one, leaves them in the file); on
// PostgreSQL it does nothing.
func TestTruncateWAL(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, e := openEvent(t, db, 5, domain.ConfirmNone)
		addr := "Wally.Walsh-" + storetest.Unique() + "@example.org"
		res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Wally", Email: addr})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.EraseRSVPByToken(ctx, res.ManageToken); err != nil {
			t.Fatal(err)
		}
		if err := db.TruncateWAL(ctx); err != nil {
			t.Fatal(err)
		}
		if db.Dialect() != store.SQLite {
			return
		}
		main, wal := sqliteFiles(t, db)
		if len(wal) != 0 {
			t.Errorf("the write-ahead log holds %d bytes after TruncateWAL, want none", len(wal))
		}
		if bytes.Contains(bytes.ToLower(main), []byte(strings.ToLower(addr))) {
			t.Error("the database file holds the erased address")
		}
	})
}
