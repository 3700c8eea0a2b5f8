package notifications

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/mail"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// filesHolding lists the .eml files in dir (the ones being written
// aside) whose bytes hold s, in any case.
func filesHolding(t *testing.T, dir, s string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // removed meanwhile
		}
		if bytes.Contains(bytes.ToLower(data), []byte(strings.ToLower(s))) {
			out = append(out, e.Name())
		}
	}
	return out
}

// waitForFiles waits until at least n files in dir hold s.
func waitForFiles(t *testing.T, dir, s string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := filesHolding(t, dir, s)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d files hold %s after 20s, want %d: %v", len(got), s, n, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestErasureRemovesMailFiles: with no SMTP server, every e-mail is an
// .eml file under the data directory. After a follower of a series erases
// their data, no file there holds their address any more — neither the
// e-mails of the series nor a file written before file names named the
// recipient — and everybody else's files are still there. On SQLite the
// database file and its write-ahead log no longer hold it either.
func TestErasureRemovesMailFiles(t *testing.T) {
	// A database of its own: the series and jobs it leaves would otherwise
	// be worked by the next test's workers.
	eachFresh(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		berlin, _ := time.LoadLocation("Europe/Berlin")
		storetest.SetClock(t, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		dir := filepath.Join(t.TempDir(), "mail")
		eml, err := mail.NewEMLDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		startWorkersTo(t, db, eml)

		u := storetest.Unique()
		owner, _ := db.CreateOrganiser(ctx, "owner-"+u+"@example.org", "Owner")
		g, err := db.CreateGroup(ctx, owner.ID, domain.Group{Slug: "g-" + u, Name: "Essentials", TimeZone: "Europe/Berlin"})
		if err != nil {
			t.Fatal(err)
		}
		seats := 5
		sv, err := db.CreateSeries(ctx, owner.ID, g.ID, domain.Series{Slug: "weekly-" + u, Title: "Weekly essentials",
			Kind: domain.KindLiveSession, RRule: "FREQ=WEEKLY;BYDAY=TU", StartsAt: time.Date(2026, 12, 8, 17, 0, 0, 0, berlin),
			Duration: time.Hour, TimeZone: "Europe/Berlin", OnlineURL: "https://meet.example.org/w", Capacity: &seats,
			Waitlist: true, Ahead: 2})
		if err != nil {
			t.Fatal(err)
		}
		ann, bob := "Ann.Quill-"+u+"@Example.org", "bob-"+u+"@example.org"
		for _, addr := range []string{ann, bob} {
			if err := db.FollowSeries(ctx, sv.Series.Slug, domain.FollowInput{Name: "Q", Email: addr, Mode: domain.FollowRSVP}); err != nil {
				t.Fatal(err)
			}
		}
		// The confirmations are written; each confirms (as its link would).
		for _, addr := range []string{ann, bob} {
			waitForFiles(t, dir, addr, 1)
			var id string
			if err := db.SQL().QueryRow(`SELECT id FROM series_followers WHERE email_norm = $1`, domain.NormalizeEmail(addr)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			_, tok, err := db.LoadFollowConfirmation(ctx, id)
			if err != nil || tok == "" {
				t.Fatalf("confirmation link: %q %v", tok, err)
			}
			if _, err := db.ConfirmFollow(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		// Each is signed up for both sessions: an invite for each.
		waitForFiles(t, dir, ann, 3)
		bobs := waitForFiles(t, dir, bob, 3)
		// An e-mail to each written before file names named the recipient.
		for i, addr := range []string{ann, bob} {
			files := filesHolding(t, dir, addr)
			data, err := os.ReadFile(filepath.Join(dir, files[0]))
			if err != nil {
				t.Fatal(err)
			}
			old := filepath.Join(dir, "06h0ld"+u+string(rune('a'+i))+".going.0@convene.example.eml")
			if err := os.WriteFile(old, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}

		// Ann erases her data through the link of her first session.
		var rsvpID string
		if err := db.SQL().QueryRow(`SELECT id FROM rsvps WHERE event_id = $1 AND email_norm = $2`,
			sv.Occurrences[0].EventID, domain.NormalizeEmail(ann)).Scan(&rsvpID); err != nil {
			t.Fatal(err)
		}
		tok, err := db.MintManageToken(ctx, rsvpID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.EraseRSVPByToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for left := filesHolding(t, dir, ann); len(left) > 0; left = filesHolding(t, dir, ann) {
			if time.Now().After(deadline) {
				t.Fatalf("20s after the erasure %d files still hold the address: %v", len(left), left)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := filesHolding(t, dir, bob); len(got) != len(bobs)+1 {
			t.Errorf("Bob's files after Ann's erasure: %v, want his %d and the old one", got, len(bobs))
		}

		if db.Dialect() != store.SQLite {
			return
		}
		// The job that removed the files emptied the write-ahead log too.
		// Asked seldom: each question is a reader, and a reader at the
		// wrong moment blocks the checkpoint, which the job then retries
		// (after a second, then sixteen).
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(250 * time.Millisecond) {
			var n int
			if err := db.SQL().QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'erase_files' AND state = 'completed'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no erase_files job completed within 60s")
			}
		}
		var (
			seq        int
			name, path string
		)
		if err := db.SQL().QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &path); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{path, path + "-wal"} {
			data, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if i := bytes.Index(bytes.ToLower(data), []byte(strings.ToLower(ann))); i >= 0 {
				t.Errorf("%s holds the erased address at byte %d", filepath.Base(f), i)
			}
		}
	})
}
