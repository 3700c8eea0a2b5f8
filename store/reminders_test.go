package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// queuedJob is a reminder or reconfirmation job as the queue holds it.
type queuedJob struct {
	Kind, State string
	At          time.Time
	Args        string
}

func (j queuedJob) String() string {
	return fmt.Sprintf("%s %s %s", j.Kind, j.State, j.At.UTC().Format(time.RFC3339))
}

// reminderJobs lists the event's reminder and reconfirmation jobs that are
// still to run, by the time they are due.
func reminderJobs(t *testing.T, db *store.DB, eventID string) []queuedJob {
	t.Helper()
	// SQLite keeps the arguments as JSONB, which json() writes as text.
	q := `SELECT kind, state, scheduled_at, json(args) FROM river_job WHERE kind IN ('event_reminder', 'event_reconfirm')
		AND state IN ('scheduled', 'available', 'retryable', 'pending') ORDER BY scheduled_at, id`
	if db.Dialect() == store.Postgres {
		q = strings.Replace(q, "json(args) FROM", "args::text FROM", 1)
	}
	rows, err := db.SQL().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []queuedJob
	for rows.Next() {
		var (
			j  queuedJob
			at any
		)
		if err := rows.Scan(&j.Kind, &j.State, &at, &j.Args); err != nil {
			t.Fatal(err)
		}
		switch v := at.(type) {
		case time.Time:
			j.At = v
		case string:
			if j.At, err = time.Parse("2006-01-02 15:04:05.999999999", strings.TrimSuffix(v, "Z")); err != nil {
				if j.At, err = time.Parse(time.RFC3339Nano, v); err != nil {
					t.Fatalf("scheduled_at %q: %v", v, err)
				}
			}
		default:
			t.Fatalf("scheduled_at is %T", at)
		}
		if strings.Contains(j.Args, eventID) {
			out = append(out, j)
		}
	}
	return out
}

func jobStrings(js []queuedJob) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.String()
	}
	return out
}

func wantJobs(t *testing.T, db *store.DB, eventID string, want ...string) {
	t.Helper()
	if got := jobStrings(reminderJobs(t, db, eventID)); !slices.Equal(got, want) {
		t.Fatalf("jobs:\n got %q\nwant %q", got, want)
	}
}

func at(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// TestReminderScheduling: publishing schedules one job per reminder at
// start − offset; moving the event moves them; changing the reminders
// replaces them; cancelling drops them; reminders already due when the
// event is published are not scheduled.
func TestReminderScheduling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, _ := db.CreateOrganiser(ctx, email("owner"), "Owner")
		g := newGroup(t, db, owner.ID)
		e := newEvent(t, db, owner.ID, g.ID, "Reminders "+storetest.Unique())
		if !slices.Equal(e.Reminders, domain.DefaultReminders()) {
			t.Fatalf("a new event's reminders are %v", e.Reminders)
		}
		start := e.StartsAt
		wantJobs(t, db, e.ID) // a draft has none
		if _, err := db.PublishEvent(ctx, owner.ID, e.ID); err != nil {
			t.Fatal(err)
		}
		wantJobs(t, db, e.ID,
			"event_reminder scheduled "+at(start.Add(-24*time.Hour)),
			"event_reminder scheduled "+at(start.Add(-time.Hour)))

		t.Run("Moved", func(t *testing.T) {
			moved, ends := start.Add(3*time.Hour), start.Add(4*time.Hour)
			if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{StartsAt: &moved, EndsAt: &ends}); err != nil {
				t.Fatal(err)
			}
			wantJobs(t, db, e.ID,
				"event_reminder scheduled "+at(moved.Add(-24*time.Hour)),
				"event_reminder scheduled "+at(moved.Add(-time.Hour)))
			start = moved
		})
		t.Run("Settings", func(t *testing.T) {
			rs, on := []time.Duration{30 * time.Minute, 7 * 24 * time.Hour}, true
			ch, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Reminders: &rs, Reconfirm: &on})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ch.Event.Reminders, []time.Duration{7 * 24 * time.Hour, 30 * time.Minute}) || !ch.Event.Reconfirm {
				t.Fatalf("stored %v %v", ch.Event.Reminders, ch.Event.Reconfirm)
			}
			wantJobs(t, db, e.ID,
				"event_reminder scheduled "+at(start.Add(-7*24*time.Hour)),
				"event_reconfirm scheduled "+at(start.Add(-48*time.Hour)),
				"event_reconfirm scheduled "+at(start.Add(-12*time.Hour)),
				"event_reminder scheduled "+at(start.Add(-30*time.Minute)))
			found, err := db.FindEvent(ctx, owner.ID, e.ID)
			if err != nil || !slices.Equal(found.Reminders, ch.Event.Reminders) || !found.Reconfirm {
				t.Fatalf("read back %v %v %v", found.Reminders, found.Reconfirm, err)
			}
			none, off := []time.Duration{}, false
			if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Reminders: &none, Reconfirm: &off}); err != nil {
				t.Fatal(err)
			}
			wantJobs(t, db, e.ID)
			def := domain.DefaultReminders()
			if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Reminders: &def}); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("Cancelled", func(t *testing.T) {
			if n := len(reminderJobs(t, db, e.ID)); n != 2 {
				t.Fatalf("%d jobs before cancelling, want 2", n)
			}
			if _, err := db.CancelEvent(ctx, owner.ID, e.ID, "Snow"); err != nil {
				t.Fatal(err)
			}
			wantJobs(t, db, e.ID)
		})
		t.Run("DueAlready", func(t *testing.T) {
			e2 := newEvent(t, db, owner.ID, g.ID, "Soon "+storetest.Unique())
			storetest.ClockOf(t, db).Freeze(e2.StartsAt.Add(-2 * time.Hour))
			if _, err := db.PublishEvent(ctx, owner.ID, e2.ID); err != nil {
				t.Fatal(err)
			}
			wantJobs(t, db, e2.ID, "event_reminder scheduled "+at(e2.StartsAt.Add(-time.Hour)))
		})
		t.Run("Invalid", func(t *testing.T) {
			bad := []time.Duration{time.Hour, time.Hour}
			_, err := db.UpdateEvent(ctx, owner.ID, newEvent(t, db, owner.ID, g.ID, "Bad "+storetest.Unique()).ID,
				domain.EventUpdate{Reminders: &bad})
			if domain.ErrorCode(err) != domain.EINVALID {
				t.Fatalf("duplicate reminders: %v", err)
			}
		})
	})
}

// deliveriesOf lists "kind name" of the event's deliveries.
func deliveriesOf(t *testing.T, db *store.DB, eventID string) []string {
	t.Helper()
	rows, err := db.SQL().QueryContext(ctx, storeQ(db, `SELECT d.kind, r.name FROM deliveries d JOIN rsvps r ON r.id = d.rsvp_id
		WHERE d.event_id = ? ORDER BY d.kind, r.name, d.sequence`), eventID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, n string
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, k+" "+n)
	}
	return out
}

func kindOnly(all []string, kind string) []string {
	var out []string
	for _, s := range all {
		if strings.HasPrefix(s, kind+" ") {
			out = append(out, s)
		}
	}
	return out
}

// TestSendReminders: a reminder job creates one delivery per person going
// at that moment — not for someone who cancelled, nor the waitlisted; the
// 24 h and 1 h reminders are distinct; running a job again sends nothing
// twice; a job left over from before a move, or for a cancelled event,
// sends nothing.
func TestSendReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, e := publishedEvent(t, db, 2)
		var tokens []string
		for _, n := range []string{"Ada", "Bob", "Cy"} {
			res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: n, Email: email(strings.ToLower(n))})
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, res.ManageToken)
		}
		if _, err := db.CancelRSVPByToken(ctx, tokens[1]); err != nil { // Bob leaves; Cy is promoted
			t.Fatal(err)
		}
		day := domain.ReminderArgs{EventID: e.ID, Before: 24 * time.Hour, StartsAt: e.StartsAt}
		for range 2 { // the second run is a retry: nothing new
			if _, err := db.SendReminders(ctx, day); err != nil {
				t.Fatal(err)
			}
		}
		if got := kindOnly(deliveriesOf(t, db, e.ID), "reminder"); !slices.Equal(got, []string{"reminder Ada", "reminder Cy"}) {
			t.Fatalf("after the 24 h reminder: %q", got)
		}
		hour := day
		hour.Before = time.Hour
		if n, err := db.SendReminders(ctx, hour); err != nil || n != 2 {
			t.Fatalf("the 1 h reminder made %d deliveries (%v)", n, err)
		}
		// Not a reminder the event has, or a start it no longer has.
		odd := day
		odd.Before = 2 * time.Hour
		stale := day
		stale.StartsAt = e.StartsAt.Add(-time.Hour)
		for _, a := range []domain.ReminderArgs{odd, stale} {
			if n, err := db.SendReminders(ctx, a); err != nil || n != 0 {
				t.Fatalf("a stale job %+v made %d deliveries (%v)", a, n, err)
			}
		}
		// A reminder not sent yet: 30 minutes before. The event is
		// cancelled before it is due; when its job runs, it sends nothing.
		half := []time.Duration{24 * time.Hour, time.Hour, 30 * time.Minute}
		if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Reminders: &half}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CancelEvent(ctx, owner.ID, e.ID, ""); err != nil {
			t.Fatal(err)
		}
		late := domain.ReminderArgs{EventID: e.ID, Before: 30 * time.Minute, StartsAt: e.StartsAt}
		if n, err := db.SendReminders(ctx, late); err != nil || n != 0 {
			t.Fatalf("a reminder of a cancelled event made %d deliveries (%v)", n, err)
		}
		if got := kindOnly(deliveriesOf(t, db, e.ID), "reminder"); len(got) != 4 {
			t.Fatalf("reminders after cancelling: %q", got)
		}
		// An event that moved is reminded again for its new time.
		_, e2 := publishedEvent(t, db, 5)
		if _, err := db.CreateRSVP(ctx, e2.Slug, domain.RSVPInput{Name: "Dee", Email: email("dee")}); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.SendReminders(ctx, domain.ReminderArgs{EventID: e2.ID, Before: time.Hour, StartsAt: e2.StartsAt}); n != 1 {
			t.Fatalf("%d reminders", n)
		}
		moved, ends := e2.StartsAt.Add(5*time.Hour), e2.EndsAt.Add(5*time.Hour)
		if _, err := db.UpdateEvent(ctx, ownerOf(t, db, e2), e2.ID, domain.EventUpdate{StartsAt: &moved, EndsAt: &ends}); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.SendReminders(ctx, domain.ReminderArgs{EventID: e2.ID, Before: time.Hour, StartsAt: moved}); n != 1 {
			t.Fatalf("%d reminders after the move", n)
		}
	})
}

// ownerOf returns the id of the owner of the event's group.
func ownerOf(t *testing.T, db *store.DB, e domain.Event) string {
	t.Helper()
	var id string
	if err := db.SQL().QueryRowContext(ctx, storeQ(db, `SELECT organiser_id FROM group_members WHERE group_id = ?`), e.GroupID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestReconfirmation: 48 hours before, the people going are asked; those
// who confirm, check in, or RSVP or move up later keep their seats; the seats
// of the others go to the waitlist 12 hours before, in order: the released
// get a CANCEL, the promoted their invites.
func TestReconfirmation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, e := publishedEvent(t, db, 4)
		on := true
		if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Reconfirm: &on}); err != nil {
			t.Fatal(err)
		}
		tok := map[string]string{}
		ids := map[string]string{}
		rsvp := func(n string) {
			t.Helper()
			res, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: n, Email: email(strings.ToLower(n))})
			if err != nil {
				t.Fatal(err)
			}
			tok[n], ids[n] = res.ManageToken, res.RSVP.ID
		}
		rsvp("Ada")
		rsvp("Bob")
		rsvp("Cy")
		rsvp("Fay")
		rsvp("Dee") // waitlisted
		ask := domain.ReconfirmArgs{EventID: e.ID, Step: domain.ReconfirmAsk, StartsAt: e.StartsAt}
		if n, err := db.RequestReconfirmation(ctx, ask); err != nil || n != 4 {
			t.Fatalf("asked %d (%v)", n, err)
		}
		if n, _ := db.RequestReconfirmation(ctx, ask); n != 4 {
			t.Fatalf("a retry asked %d", n) // the same people, no new e-mail
		}
		if got := kindOnly(deliveriesOf(t, db, e.ID), "reconfirm"); !slices.Equal(got, []string{"reconfirm Ada", "reconfirm Bob", "reconfirm Cy", "reconfirm Fay"}) {
			t.Fatalf("requests: %q", got)
		}
		v, err := db.ReconfirmRSVPByToken(ctx, tok["Ada"])
		if err != nil || v.RSVP.ReconfirmedAt == nil {
			t.Fatalf("Ada confirms: %+v %v", v.RSVP, err)
		}
		if _, err := db.ReconfirmRSVPByToken(ctx, tok["Ada"]); err != nil {
			t.Fatalf("confirming twice: %v", err)
		}
		if _, err := db.ReconfirmRSVPByToken(ctx, tok["Dee"]); domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("a waitlisted person confirms: %v", err)
		}
		// 20 hours before the start, Fay is checked in (check-in opens a
		// day before): she came.
		storetest.ClockOf(t, db).Freeze(e.StartsAt.Add(-20 * time.Hour))
		if _, err := db.CheckIn(ctx, owner.ID, e.ID, domain.CheckinRequest{RSVPID: ids["Fay"]}); err != nil {
			t.Fatal(err)
		}
		// Cy leaves: Dee is promoted after the request went out, so counts
		// as confirmed. Bob never answers.
		if _, err := db.CancelRSVPByToken(ctx, tok["Cy"]); err != nil {
			t.Fatal(err)
		}
		rsvp("Eve") // waitlisted
		stale := domain.ReconfirmArgs{EventID: e.ID, Step: domain.ReconfirmRelease, StartsAt: e.StartsAt.Add(time.Hour)}
		if got, err := db.ReleaseUnconfirmed(ctx, stale); err != nil || len(got) != 0 {
			t.Fatalf("a stale release released %v (%v)", got, err)
		}
		release := domain.ReconfirmArgs{EventID: e.ID, Step: domain.ReconfirmRelease, StartsAt: e.StartsAt}
		got, err := db.ReleaseUnconfirmed(ctx, release)
		if err != nil || !slices.Equal(got, []string{ids["Bob"]}) {
			t.Fatalf("released %v, want Bob (%v)", got, err)
		}
		status := func(n string) string {
			var s string
			if err := db.SQL().QueryRowContext(ctx, storeQ(db, `SELECT status FROM rsvps WHERE id = ?`), ids[n]).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		for n, want := range map[string]string{"Ada": "going", "Bob": "cancelled", "Cy": "cancelled", "Dee": "going", "Eve": "going", "Fay": "going"} {
			if s := status(n); s != want {
				t.Errorf("%s is %s, want %s", n, s, want)
			}
		}
		all := deliveriesOf(t, db, e.ID)
		if c := kindOnly(all, "rsvp_cancelled"); !slices.Equal(c, []string{"rsvp_cancelled Bob", "rsvp_cancelled Cy"}) {
			t.Errorf("cancellations: %q", c)
		}
		if c := kindOnly(all, "going"); !slices.Contains(c, "going Eve") || !slices.Contains(c, "going Dee") {
			t.Errorf("invites: %q", c)
		}
		var detail string
		if err := db.SQL().QueryRowContext(ctx, storeQ(db, `SELECT detail FROM deliveries WHERE rsvp_id = ? AND kind = 'rsvp_cancelled'`), ids["Bob"]).Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, domain.CancelNotReconfirmed) {
			t.Errorf("Bob's CANCEL does not say why: %q", detail)
		}
		if again, _ := db.ReleaseUnconfirmed(ctx, release); len(again) != 0 {
			t.Errorf("a retried release released %v", again)
		}
	})
}

// TestReconfirmationAfterMove: a request to confirm is about a date; when
// the event moves, nobody loses their seat for not answering a request
// about the old one.
func TestReconfirmationAfterMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		owner, e := publishedEvent(t, db, 5)
		on := true
		if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{Reconfirm: &on}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: "Ada", Email: email("ada")}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.RequestReconfirmation(ctx, domain.ReconfirmArgs{EventID: e.ID, Step: domain.ReconfirmAsk, StartsAt: e.StartsAt}); err != nil || n != 1 {
			t.Fatalf("asked %d (%v)", n, err)
		}
		moved, ends := e.StartsAt.Add(24*time.Hour), e.EndsAt.Add(24*time.Hour)
		if _, err := db.UpdateEvent(ctx, owner.ID, e.ID, domain.EventUpdate{StartsAt: &moved, EndsAt: &ends}); err != nil {
			t.Fatal(err)
		}
		got, err := db.ReleaseUnconfirmed(ctx, domain.ReconfirmArgs{EventID: e.ID, Step: domain.ReconfirmRelease, StartsAt: moved})
		if err != nil || len(got) != 0 {
			t.Fatalf("released %v after a move (%v)", got, err)
		}
		// Asked again about the new date, and silent: released.
		if n, _ := db.RequestReconfirmation(ctx, domain.ReconfirmArgs{EventID: e.ID, Step: domain.ReconfirmAsk, StartsAt: moved}); n != 1 {
			t.Fatalf("asked again %d", n)
		}
		if got, _ := db.ReleaseUnconfirmed(ctx, domain.ReconfirmArgs{EventID: e.ID, Step: domain.ReconfirmRelease, StartsAt: moved}); len(got) != 1 {
			t.Fatalf("released %v", got)
		}
	})
}
