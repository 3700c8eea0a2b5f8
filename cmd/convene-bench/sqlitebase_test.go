package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
)

// TestSQLiteBaseline runs the SQLite baseline with a few RSVPs per level
// on a migrated database and checks that its check passes on the rows the
// loop made, and fails once a row is taken away or a counter is wrong.
func TestSQLiteBaseline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const capacity, spreadEvents = 5, 3
	hotSlug := func(clients int) string { return fmt.Sprintf("hot-c%d", clients) }

	db, err := store.OpenAndMigrate(ctx, store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	o, err := db.CreateOrganiser(ctx, "owner@example.org", "Olga Owner")
	if err != nil {
		t.Fatal(err)
	}
	g, err := db.CreateGroup(ctx, o.ID, domain.Group{Slug: "g", Name: "Group", TimeZone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().AddDate(0, 3, 0).Truncate(time.Hour)
	event := func(slug string) {
		c := capacity
		e, err := db.CreateEvent(ctx, o.ID, g.ID, domain.Event{Slug: slug, Title: slug, Kind: domain.KindLiveSession,
			StartsAt: start, EndsAt: start.Add(time.Hour), OnlineURL: "https://meet.example.org/x", Waitlist: true, Capacity: &c})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PublishEvent(ctx, o.ID, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range baselineLevels {
		event(hotSlug(c))
	}
	for i := range spreadEvents {
		event(spreadSlug("sp", i))
	}
	db.Close() // the baseline runs with the server stopped

	// 32 RSVPs per level, more than the seats: 32 at 1 goroutine, 1 each at 32.
	b, err := sqliteBaseline(ctx, filepath.Join(dir, "convene.db"), options{n: 32, capacity: capacity, events: spreadEvents}, hotSlug, "sp")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.check, "PASS") {
		t.Fatalf("check %q, want PASS", b.check)
	}
	for _, l := range append(b.hotLevels, b.spreadLevels...) {
		if l.Transactions != 32 || l.Failed != 0 || l.TPS <= 0 {
			t.Errorf("level %d: %d transactions, %d failed (%s), %.0f tps; want 32, 0, > 0", l.Clients, l.Transactions, l.Failed, l.Error, l.TPS)
		}
	}
	if len(b.hotLevels) != len(baselineLevels) || b.hot.TPS <= 0 || b.spread.TPS <= 0 {
		t.Fatalf("%d hot levels, best %.0f tps, spread best %.0f tps", len(b.hotLevels), b.hot.TPS, b.spread.TPS)
	}

	l, err := openSQLiteLoop(ctx, filepath.Join(dir, "convene.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()

	// The store's insert names every column of rsvps (GORM inserts the
	// whole row): a column added by a migration must be added here too.
	var table []string
	rows, err := l.db.QueryContext(ctx, `SELECT name FROM pragma_table_info('rsvps') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		table = append(table, c)
	}
	cols := strings.Split(strings.ReplaceAll(sqliteRSVPSQL[strings.Index(sqliteRSVPSQL, "(")+1:strings.Index(sqliteRSVPSQL, ")")], "`", ""), ",")
	slices.Sort(cols)
	if d := cmp.Diff(table, cols); d != "" {
		t.Errorf("rsvps has other columns than sqliteRSVPSQL inserts (-table +insert):\n%s", d)
	}

	for _, tamper := range []struct{ name, sql, want string }{
		{"a delivery gone", `DELETE FROM deliveries WHERE id = (SELECT d.id FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.slug = 'hot-c4' LIMIT 1)`,
			"4 clients: FAIL: 5 going, 27 waitlisted, 32 RSVP rows, 31 deliveries, 31 jobs after 32 transactions"},
		{"a counter off", `UPDATE events SET going_count = 4 WHERE slug = 'hot-c16'`, "16 clients: FAIL: 4 going"},
	} {
		if _, err := l.db.ExecContext(ctx, tamper.sql); err != nil {
			t.Fatal(err)
		}
		if ck := checkLevels(ctx, l.db, b.hotLevels, hotSlug, capacity); !strings.HasPrefix(ck, "FAIL") || !strings.Contains(ck, tamper.want) {
			t.Errorf("%s: check %q, want a FAIL with %q", tamper.name, ck, tamper.want)
		}
	}
}
