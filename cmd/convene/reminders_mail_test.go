package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// queue opens another handle on the service's database, to look at and
// move its job queue as time passing would.
type queue struct {
	t  *testing.T
	db *store.DB
}

func openQueue(t *testing.T, env map[string]string) *queue {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DataDir: env["CONVENE_DATA_DIR"], DatabaseURL: env["CONVENE_DATABASE_URL"], Clock: storetest.NewClock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &queue{t: t, db: db}
}

// scheduled returns the ids and arguments of the jobs of a kind still
// waiting for their time whose arguments contain every one of parts.
func (q *queue) scheduled(kind string, parts ...string) []int64 {
	q.t.Helper()
	// SQLite keeps the arguments as JSONB: json() writes them as text.
	sel := `SELECT id, json(args) FROM river_job WHERE kind = ? AND state = 'scheduled'`
	if q.db.Dialect() == store.Postgres {
		// jsonb::text writes "key": value with a space; the tests look
		// for "key":value.
		sel = `SELECT id, replace(args::text, '": ', '":') FROM river_job WHERE kind = $1 AND state = 'scheduled'`
	}
	rows, err := q.db.SQL().QueryContext(context.Background(), sel, kind)
	if err != nil {
		q.t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var (
			id   int64
			args string
		)
		if err := rows.Scan(&id, &args); err != nil {
			q.t.Fatal(err)
		}
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(args, p)
		}
		if ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// makeDue makes the one scheduled job of a kind whose arguments contain
// parts due now, as if its time had come.
func (q *queue) makeDue(kind string, parts ...string) {
	q.t.Helper()
	ids := q.scheduled(kind, parts...)
	if len(ids) != 1 {
		q.t.Fatalf("%d scheduled %s jobs with %q, want 1", len(ids), kind, parts)
	}
	upd := `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec', '-1 minute') WHERE id = ?`
	if q.db.Dialect() == store.Postgres {
		upd = `UPDATE river_job SET state = 'available', scheduled_at = now() - interval '1 minute' WHERE id = $1`
	}
	if _, err := q.db.SQL().ExecContext(context.Background(), upd, ids[0]); err != nil {
		q.t.Fatal(err)
	}
}

// newMail waits for n more e-mails than seen and returns them by
// recipient; it fails if one address gets two.
func newMail(t *testing.T, sink *smtptest.Server, seen *int, n int) map[string]received {
	t.Helper()
	msgs := sink.WaitFor(t, *seen+n, 30*time.Second)
	time.Sleep(300 * time.Millisecond) // room for an e-mail too many
	msgs = sink.Messages()
	if len(msgs) != *seen+n {
		t.Fatalf("%d e-mails arrived, want %d", len(msgs)-*seen, n)
	}
	out := map[string]received{}
	for _, m := range msgs[*seen:] {
		r := parseMail(t, m)
		if _, dup := out[r.To]; dup {
			t.Fatalf("two e-mails to %s", r.To)
		}
		out[r.To] = r
	}
	*seen = len(msgs)
	return out
}

// TestRemindersEndToEnd: through the real service and SMTP, publishing
// schedules the reminders; when one is due, the people going — not one
// who cancelled — get it with the local time and their personal join link;
// cancelling the event drops the reminders still to come.
func TestRemindersEndToEnd(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			env := mailEnv(t, dialect, sink)
			in := startServe(t, env)
			f := newFlow(t, in)
			q := openQueue(t, env)
			st, g := call(t, "POST", f.base+"/api/v1/groups", f.token, map[string]any{"slug": "g-" + storetest.Unique(), "name": "Oslo Gophers", "time_zone": "Europe/Oslo"})
			if st != 201 {
				t.Fatalf("group: %d %v", st, g)
			}
			// 17:00 in Oslo three days ahead, whatever the hour the test
			// runs at: an evening start would end the next day, and the
			// reminder would say so (the test once ran at 22:xx UTC).
			oslo := mustLoad(t, "Europe/Oslo")
			day := clock.Now().In(oslo).AddDate(0, 0, 3)
			start := time.Date(day.Year(), day.Month(), day.Day(), 17, 0, 0, 0, oslo).UTC()
			st, ev := call(t, "POST", f.base+"/api/v1/groups/"+g["id"].(string)+"/events", f.token, map[string]any{
				"title": "Generics deep dive", "kind": "live_session", "online_url": "https://meet.example.org/generics",
				"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(90 * time.Minute).Format(time.RFC3339),
			})
			if st != 201 {
				t.Fatalf("event: %d %v", st, ev)
			}
			eid, slug := ev["id"].(string), ev["slug"].(string)
			if st, _ := call(t, "POST", f.base+"/api/v1/events/"+eid+"/publish", f.token, nil); st != 200 {
				t.Fatalf("publish: %d", st)
			}
			if n := len(q.scheduled("event_reminder", eid)); n != 2 {
				t.Fatalf("%d reminder jobs after publishing, want 2", n)
			}
			seen := 0
			f.rsvp(slug, "Ada", "ada@example.org")
			bob := f.rsvp(slug, "Bob", "bob@example.org")
			newMail(t, sink, &seen, 2) // the invites
			if st, _ := call(t, "DELETE", f.base+"/api/v1/rsvps/"+bob["manage_token"].(string), "", nil); st != 200 {
				t.Fatalf("Bob cancels: %d", st)
			}
			newMail(t, sink, &seen, 1) // Bob's CANCEL

			q.makeDue("event_reminder", eid, `"before":3600000000000`)
			got := newMail(t, sink, &seen, 1)
			r, ok := got["ada@example.org"]
			if !ok {
				t.Fatalf("the reminder went to %v, not to Ada", got)
			}
			if !strings.HasPrefix(r.Subject, "Reminder: Generics deep dive — ") || r.ICS != "" {
				t.Errorf("reminder subject %q, calendar %q", r.Subject, r.ICS)
			}
			for _, want := range []string{"starts in 1 hour", "17:00–18:30", "(Europe/Oslo", "Join:  https://convene.example/j/", "https://convene.example/r/"} {
				if !strings.Contains(r.Text, want) {
					t.Errorf("the reminder lacks %q:\n%s", want, r.Text)
				}
			}
			if strings.Contains(r.Text, "meet.example.org") {
				t.Errorf("the reminder gives the meeting's own link, not the personal one:\n%s", r.Text)
			}
			if join := mailLink(t, r.Text, "/j/"); join == "" {
				t.Error("no personal join link")
			}

			if st, _ := call(t, "POST", f.base+"/api/v1/events/"+eid+"/cancel", f.token, map[string]any{"reason": "Speaker ill"}); st != 200 {
				t.Fatalf("cancel: %d", st)
			}
			if n := len(q.scheduled("event_reminder", eid)); n != 0 {
				t.Fatalf("%d reminder jobs left after cancelling", n)
			}
			got = newMail(t, sink, &seen, 1) // the cancellation to Ada, and nothing else
			if r := got["ada@example.org"]; r.Method != "CANCEL" {
				t.Errorf("after cancelling: %v", got)
			}
		})
	}
}

// TestReconfirmationEndToEnd: 48 hours before, the people going are asked
// to confirm; the link in the e-mail only shows the page; one confirms,
// one does not; 12 hours before, the silent one's seat goes to the
// waitlist: a CANCEL that says why to them, an invite to the promoted; the
// next reminder goes to the people going then, with the venue.
func TestReconfirmationEndToEnd(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			env := mailEnv(t, dialect, sink)
			in := startServe(t, env)
			f := newFlow(t, in)
			q := openQueue(t, env)
			eid, slug := f.event(2, "Oslo Gophers")
			if st, res := call(t, "PATCH", f.base+"/api/v1/events/"+eid, f.token, map[string]any{"reconfirm": true}); st != 200 || res["reconfirm"] != true {
				t.Fatalf("reconfirm on: %d %v", st, res)
			}
			for _, step := range []string{"ask", "release"} {
				if n := len(q.scheduled("event_reconfirm", eid, `"step":"`+step+`"`)); n != 1 {
					t.Fatalf("%d %s jobs", n, step)
				}
			}
			seen := 0
			f.rsvp(slug, "Ada", "ada@example.org")
			f.rsvp(slug, "Bob", "bob@example.org")
			f.rsvp(slug, "Cy", "cy@example.org") // waitlisted
			newMail(t, sink, &seen, 3)

			q.makeDue("event_reconfirm", eid, `"step":"ask"`)
			got := newMail(t, sink, &seen, 2)
			ask, ok := got["ada@example.org"]
			if _, bobAsked := got["bob@example.org"]; !ok || !bobAsked {
				t.Fatalf("the request went to %v", got)
			}
			if !strings.HasPrefix(ask.Subject, "Please confirm you're still coming: Essentials: Q1") || !strings.Contains(ask.Text, "Please confirm by ") {
				t.Errorf("request %q:\n%s", ask.Subject, ask.Text)
			}
			link := mailLink(t, ask.Text, "/r/")
			token := strings.TrimPrefix(link, "/r/")
			// A mail scanner follows the link: nothing changes.
			if st, _ := getPage(t, in.base+link); st != 200 {
				t.Fatalf("the RSVP page: %d", st)
			}
			if st, m := call(t, "GET", in.base+"/api/v1/rsvps/"+token, "", nil); st != 200 || m["reconfirmed_at"] != nil || m["reconfirm_requested_at"] == nil {
				t.Fatalf("after following the link: %d %v", st, m)
			}
			if st, m := call(t, "POST", in.base+"/api/v1/rsvps/"+token+"/reconfirm", "", nil); st != 200 || m["reconfirmed_at"] == nil {
				t.Fatalf("Ada confirms: %d %v", st, m)
			}

			q.makeDue("event_reconfirm", eid, `"step":"release"`)
			got = newMail(t, sink, &seen, 2)
			if c := got["bob@example.org"]; c.Method != "CANCEL" || !strings.Contains(c.Text, "You did not confirm in time") {
				t.Errorf("Bob's release (%s):\n%s", c.Method, c.Text)
			}
			// Cy moved up from the waitlist, and is told so.
			if inv := got["cy@example.org"]; inv.Method != "REQUEST" || !strings.HasPrefix(inv.Subject, "A place opened up — you're going: ") {
				t.Errorf("Cy's invite %q (%s)", inv.Subject, inv.Method)
			}

			q.makeDue("event_reminder", eid, `"before":86400000000000`)
			got = newMail(t, sink, &seen, 2)
			for _, who := range []string{"ada@example.org", "cy@example.org"} {
				r := got[who]
				if !strings.Contains(r.Text, "starts in 24 hours") || !strings.Contains(r.Text, "Where: Kulturhuset, Youngstorget 3") || strings.Contains(r.Text, "Join:") {
					t.Errorf("%s's reminder:\n%s", who, r.Text)
				}
			}
		})
	}
}

// getPage fetches a page as a mail scanner would: a plain GET.
func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
