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
	q := `SELECT kind, state, scheduled_at, args FROM river_job WHERE kind IN ('event_reminder', 'event_reconfirm')
		AND state IN ('scheduled', 'available', 'retryable', 'pending') ORDER BY scheduled_at, id`
	if db.Dialect() == store.Postgres {
		q = strings.Replace(q, "args FROM", "args::text FROM", 1)
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
			if _, err := db.CancelEvent(ctx, owner.ID, e.ID, "Snow"); err != nil {
				t.Fatal(err)
			}
			wantJobs(t, db, e.ID)
		})
		t.Run("DueAlready", func(t *testing.T) {
			e2 := newEvent(t, db, owner.ID, g.ID, "Soon "+storetest.Unique())
			real := db.Now
			t.Cleanup(func() { db.Now = real })
			db.Now = func() time.Time { return e2.StartsAt.Add(-2 * time.Hour) }
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
