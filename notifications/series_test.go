package notifications

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/mail"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// startWorkers works the store's job queue in this process, sending to
// the sink, until the test ends.
func startWorkers(t *testing.T, db *store.DB, sink *smtptest.Server) {
	t.Helper()
	cfg, err := mail.ParseSMTPURL(sink.URL())
	if err != nil {
		t.Fatal(err)
	}
	smtp, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	startWorkersTo(t, db, smtp)
}

// startWorkersTo works the store's job queue in this process, sending
// with sender, until the test ends.
func startWorkersTo(t *testing.T, db *store.DB, sender mail.Sender) {
	t.Helper()
	workers := river.NewWorkers()
	Register(workers, db, sender, Config{BaseURL: "https://convene.example", From: netmail.Address{Address: "events@convene.example"}, Logger: discard(), Clock: db.Clock()})
	RegisterSeries(workers, db, discard())
	c, err := river.NewClient(db.JobDriver(), &river.Config{
		Workers: workers, Logger: discard(),
		Queues:            map[string]river.QueueConfig{domain.QueueEmail: {MaxWorkers: 4}, domain.QueueFanOut: {MaxWorkers: 1}},
		FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond,
		Test: river.TestConfig{Time: db.JobTime()},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = c.Stop(stop)
		cancel()
	})
}

// mailText is the decoded text/plain part of a message.
func mailText(t *testing.T, m smtptest.Message) string {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(ct string, h func(string) string, body io.Reader) string
	walk = func(ct string, h func(string) string, body io.Reader) string {
		mt, params, _ := mime.ParseMediaType(ct)
		if strings.HasPrefix(mt, "multipart/") {
			r := multipart.NewReader(body, params["boundary"])
			for {
				p, err := r.NextRawPart()
				if err != nil {
					return ""
				}
				if s := walk(p.Header.Get("Content-Type"), p.Header.Get, p); s != "" {
					return s
				}
			}
		}
		if mt != "text/plain" {
			return ""
		}
		if strings.EqualFold(h("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		b, _ := io.ReadAll(body)
		return string(b)
	}
	return walk(msg.Header.Get("Content-Type"), msg.Header.Get, msg.Body)
}

var linkRE = regexp.MustCompile(`https://convene\.example/(follow|unfollow|i|r)/([A-Za-z0-9_-]+)`)

// link returns the token of the first link of a kind in the text.
func link(t *testing.T, text, kind string) string {
	t.Helper()
	for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
		if m[1] == kind {
			return m[2]
		}
	}
	t.Fatalf("no /%s/ link in:\n%s", kind, text)
	return ""
}

// mailbox sorts what arrived by recipient and subject prefix.
type mailbox map[string][]smtptest.Message

func (mb mailbox) count(to, subjectPrefix string) int {
	n := 0
	for _, m := range mb[to] {
		subject, err := new(mime.WordDecoder).DecodeHeader(m.Header().Get("Subject"))
		if err == nil && strings.HasPrefix(subject, subjectPrefix) {
			n++
		}
	}
	return n
}

// settled waits until no job of the store's queue is running.
func settled(t *testing.T, db *store.DB) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM river_job WHERE state = 'running'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still running after 20s", n)
		}
	}
}

// subjects are the messages' subjects and ids, for a failure's message.
func subjects(msgs []smtptest.Message) []string {
	var out []string
	for _, m := range msgs {
		s, _ := new(mime.WordDecoder).DecodeHeader(m.Header().Get("Subject"))
		out = append(out, s+" <"+m.Header().Get("Message-Id")+">")
	}
	return out
}

func sorted(msgs []smtptest.Message) mailbox {
	mb := mailbox{}
	for _, m := range msgs {
		mb[m.To[0]] = append(mb[m.To[0]], m)
	}
	return mb
}

// TestFollowersAcrossOccurrences: two followers who asked to be signed up
// take the two seats of each new occurrence; a third who asked the same
// gets an invitation once it is full; one who asked for invitations gets
// one per occurrence; whoever unfollows (by the List-Unsubscribe link)
// gets nothing more. Three occurrences are generated as time passes.
func TestFollowersAcrossOccurrences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		berlin, _ := time.LoadLocation("Europe/Berlin")
		clock := storetest.SetClock(t, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		sink := smtptest.Start(t)
		startWorkers(t, db, sink)

		u := storetest.Unique()
		owner, _ := db.CreateOrganiser(ctx, "owner-"+u+"@example.org", "Owner")
		g, err := db.CreateGroup(ctx, owner.ID, domain.Group{Slug: "g-" + u, Name: "Essentials", TimeZone: "Europe/Berlin"})
		if err != nil {
			t.Fatal(err)
		}
		seats := 2
		sv, err := db.CreateSeries(ctx, owner.ID, g.ID, domain.Series{Slug: "weekly-" + u, Title: "Weekly essentials",
			Kind: domain.KindLiveSession, RRule: "FREQ=WEEKLY;BYDAY=TU", StartsAt: time.Date(2026, 12, 8, 17, 0, 0, 0, berlin),
			Duration: time.Hour, TimeZone: "Europe/Berlin", OnlineURL: "https://meet.example.org/w", Capacity: &seats,
			Waitlist: true, Ahead: 1})
		if err != nil {
			t.Fatal(err)
		}
		addr := func(name string) string { return name + "-" + u + "@example.org" }
		people := []struct {
			name string
			mode domain.FollowMode
		}{{"ada", domain.FollowRSVP}, {"bob", domain.FollowRSVP}, {"cleo", domain.FollowRSVP}, {"dan", domain.FollowInvite}}
		for _, p := range people {
			if err := db.FollowSeries(ctx, sv.Series.Slug, domain.FollowInput{Name: p.name, Email: addr(p.name), Mode: p.mode}); err != nil {
				t.Fatal(err)
			}
		}
		// Asking twice sends no second confirmation.
		if err := db.FollowSeries(ctx, sv.Series.Slug, domain.FollowInput{Name: "ada", Email: addr("ada"), Mode: domain.FollowRSVP}); err != nil {
			t.Fatal(err)
		}
		confirmations := sorted(sink.WaitFor(t, 4, 20*time.Second))
		for _, p := range people { // confirm in order: first followers first
			if n := confirmations.count(addr(p.name), "Confirm: follow Weekly essentials"); n != 1 {
				t.Fatalf("%s got %d follow confirmations, want 1", p.name, n)
			}
			if _, err := db.ConfirmFollow(ctx, link(t, mailText(t, confirmations[addr(p.name)][0]), "follow")); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
		}

		// Two more occurrences, one week at a time.
		for week := 1; week <= 2; week++ {
			// The mails of each occurrence so far go out before its day
			// is over (an e-mail about an event that is over is not sent).
			mb := sorted(sink.WaitFor(t, 4+week*4, 30*time.Second))
			// The evening of the last occurrence's day: the next is due.
			// Not while a send is still recording what it sent: a week's
			// jump would make the job look stuck to River's rescuer, which
			// would run it again and send its e-mail twice (a service's
			// clock does not jump).
			settled(t, db)
			clock.Set(time.Date(2026, 12, 8+7*(week-1), 20, 0, 0, 0, time.UTC))
			if week == 2 {
				// Cleo unfollows with the one-click link of her last
				// invitation, once the mails of two occurrences are in.
				var unfollow string
				for _, m := range mb[addr("cleo")] {
					if lu := m.Header().Get("List-Unsubscribe"); lu != "" {
						unfollow = lu
					}
				}
				if m := linkRE.FindStringSubmatch(unfollow); m == nil || m[1] != "unfollow" {
					t.Fatalf("Cleo's invitation has no List-Unsubscribe link: %q", unfollow)
				} else if _, err := db.Unfollow(ctx, m[2]); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := db.MaterialiseSeries(ctx); err != nil || n < 1 {
				t.Fatalf("week %d: materialised %d (%v)", week, n, err)
			}
		}
		// 4 confirmations; per occurrence: 2 going invites, Cleo's and
		// Dan's invitations (Cleo's only twice).
		mb := sorted(sink.WaitFor(t, 4+3*2+2+3, 30*time.Second))
		time.Sleep(300 * time.Millisecond) // nothing more may arrive
		mb = sorted(sink.Messages())
		for _, who := range []string{"ada", "bob"} {
			if n := mb.count(addr(who), "Invitation: Weekly"); n != 0 {
				t.Errorf("%s got %d invitations, want none: a seat each time", who, n)
			}
			going := 0
			for _, m := range mb[addr(who)] {
				if strings.Contains(string(m.Data), "METHOD:REQUEST") {
					going++
					if !strings.Contains(m.Header().Get("List-Unsubscribe"), "/unfollow/") ||
						m.Header().Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
						t.Errorf("%s's invite lacks the one-click unfollow headers: %v", who, m.Header())
					}
				}
			}
			if going != 3 {
				t.Errorf("%s got %d calendar invites, want 3 (one per occurrence): %v", who, going, subjects(mb[addr(who)]))
			}
		}
		if n := mb.count(addr("cleo"), "Invitation: Weekly"); n != 2 {
			t.Errorf("cleo got %d invitations, want 2 (full twice, then unfollowed)", n)
		}
		if n := mb.count(addr("dan"), "Invitation: Weekly"); n != 3 {
			t.Errorf("dan got %d invitations, want 3", n)
		}
		if len(mb[addr("cleo")])+len(mb[addr("dan")])+len(mb[addr("ada")])+len(mb[addr("bob")]) != len(sink.Messages()) {
			t.Errorf("mail to somebody else: %d messages", len(sink.Messages()))
		}
		// Dan's invitation answers with one click on its page: yes takes the
		// place in line of a full occurrence.
		got, err := db.FindSeries(ctx, owner.ID, sv.Series.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range got.Occurrences {
			if o.Going != 2 || o.Waitlist != 0 {
				t.Errorf("occurrence %s: %d going, %d waitlisted; want 2 and 0", o.StartsAt.In(berlin), o.Going, o.Waitlist)
			}
		}
	})
}

// dueNow makes the scheduled jobs of a kind due at once: the clock the
// queue sees jumps to when they were meant to run (update fan-outs wait a
// minute for more edits).
func dueNow(t *testing.T, db *store.DB, kind string) {
	t.Helper()
	due := db.Clock().Now().UTC().Add(-time.Second)
	q := `UPDATE river_job SET scheduled_at = ? WHERE state = 'scheduled' AND kind = ?`
	arg := any(due.Format("2006-01-02 15:04:05.000000"))
	if db.Dialect() == store.Postgres {
		q, arg = `UPDATE river_job SET scheduled_at = $1, state = 'available' WHERE state = 'scheduled' AND kind = $2`, due
	}
	if _, err := db.SQL().Exec(q, arg, kind); err != nil {
		t.Fatal(err)
	}
}

// TestMoveAndCancelOneOccurrence: moving one occurrence of a series sends
// its attendees an updated invite (REQUEST, higher SEQUENCE, new time);
// cancelling another sends its attendees a CANCEL; attendees of the other
// occurrences hear nothing.
func TestMoveAndCancelOneOccurrence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		berlin, _ := time.LoadLocation("Europe/Berlin")
		storetest.SetClock(t, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		sink := smtptest.Start(t)
		startWorkers(t, db, sink)
		u := storetest.Unique()
		owner, _ := db.CreateOrganiser(ctx, "owner-"+u+"@example.org", "Owner")
		g, err := db.CreateGroup(ctx, owner.ID, domain.Group{Slug: "g-" + u, Name: "Essentials", TimeZone: "Europe/Berlin"})
		if err != nil {
			t.Fatal(err)
		}
		sv, err := db.CreateSeries(ctx, owner.ID, g.ID, domain.Series{Slug: "weekly-" + u, Title: "Weekly essentials",
			Kind: domain.KindLiveSession, RRule: "FREQ=WEEKLY;BYDAY=TU", StartsAt: time.Date(2026, 12, 8, 17, 0, 0, 0, berlin),
			Duration: time.Hour, TimeZone: "Europe/Berlin", OnlineURL: "https://meet.example.org/w", Waitlist: true, Ahead: 3})
		if err != nil {
			t.Fatal(err)
		}
		occ := sv.Occurrences
		who := map[string]int{"ada": 0, "bob": 1, "cleo": 2} // one attendee per occurrence
		for name, i := range who {
			if _, err := db.CreateRSVP(ctx, occ[i].Slug, domain.RSVPInput{Name: name, Email: name + "-" + u + "@example.org"}); err != nil {
				t.Fatal(err)
			}
		}
		sink.WaitFor(t, 3, 20*time.Second) // the three first invites

		to := time.Date(2026, 12, 9, 18, 0, 0, 0, berlin)
		end := to.Add(time.Hour)
		if _, err := db.UpdateEvent(ctx, owner.ID, occ[0].EventID, domain.EventUpdate{StartsAt: &to, EndsAt: &end}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CancelEvent(ctx, owner.ID, occ[1].EventID, "Speaker ill"); err != nil {
			t.Fatal(err)
		}
		dueNow(t, db, "event_fanout")
		mb := sorted(sink.WaitFor(t, 5, 20*time.Second))
		time.Sleep(300 * time.Millisecond)
		mb = sorted(sink.Messages())
		last := func(name string) string {
			m := mb[name+"-"+u+"@example.org"]
			return string(m[len(m)-1].Data)
		}
		if n := len(mb["ada-"+u+"@example.org"]); n != 2 {
			t.Fatalf("ada got %d e-mails, want the invite and its update", n)
		}
		if a := last("ada"); !strings.Contains(a, "METHOD:REQUEST") || !strings.Contains(a, "SEQUENCE:1") ||
			!strings.Contains(a, "DTSTART:20261209T170000Z") {
			t.Fatalf("ada's update is not a REQUEST with SEQUENCE:1 at the new time:\n%s", a)
		}
		if n := len(mb["bob-"+u+"@example.org"]); n != 2 {
			t.Fatalf("bob got %d e-mails, want the invite and its cancellation", n)
		}
		if b := last("bob"); !strings.Contains(b, "METHOD:CANCEL") || !strings.Contains(b, "STATUS:CANCELLED") {
			t.Fatalf("bob's message is not a CANCEL:\n%s", b)
		}
		if n := len(mb["cleo-"+u+"@example.org"]); n != 1 {
			t.Fatalf("cleo got %d e-mails, want only her invite", n)
		}
	})
}
