package store_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestRescueAbandonedJobs: e-mail jobs left running longer than the bound
// are made available again at once (or discarded when out of attempts);
// a younger one — still being worked, perhaps by another replica — and
// jobs of other queues are left alone until they are as old.
func TestRescueAbandonedJobs(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.SkipWithoutPostgres(t)
			}
			db := storetest.Fresh(t, d)()
			clock := storetest.ClockOf(t, db)
			t0 := clock.Now().UTC().Truncate(time.Millisecond)
			ins, err := river.NewClient(db.JobDriver(), &river.Config{Test: river.TestConfig{Time: db.JobTime()}})
			if err != nil {
				t.Fatal(err)
			}
			insert := func(queue string, maxAttempts int) int64 {
				t.Helper()
				res, err := ins.Insert(ctx, domain.SendEmailArgs{DeliveryID: domain.NewID()},
					&river.InsertOpts{Queue: queue, MaxAttempts: maxAttempts})
				if err != nil {
					t.Fatal(err)
				}
				return res.Job.ID
			}
			exec := db.JobDriver().GetExecutor()
			// take has a worker called client take the first n jobs of
			// queue at at, as River's producers do.
			take := func(queue, client string, n int, at time.Time) {
				t.Helper()
				res, err := exec.JobGetAvailable(ctx, &riverdriver.JobGetAvailableParams{ClientID: client, MaxToLock: n,
					MaxAttemptedBy: 100, Now: &at, Queue: queue})
				if err != nil || len(res.Jobs) != n {
					t.Fatalf("took %v, %v; want %d jobs", res, err, n)
				}
			}
			clock.Freeze(t0.Add(-2 * time.Minute))
			old := insert(domain.QueueEmail, store.MaxSendAttempts)
			spent := insert(domain.QueueEmail, 1)
			fan := insert(domain.QueueFanOut, 25)
			young := insert(domain.QueueEmail, store.MaxSendAttempts)
			clock.Freeze(t0)
			take(domain.QueueEmail, "killed", 2, t0.Add(-time.Minute))
			take(domain.QueueFanOut, "killed", 1, t0.Add(-time.Minute))
			take(domain.QueueEmail, "alive", 1, t0.Add(-10*time.Second))
			state := func(id int64) rivertype.JobState {
				t.Helper()
				j, err := exec.JobGetByID(ctx, &riverdriver.JobGetByIDParams{ID: id})
				if err != nil {
					t.Fatal(err)
				}
				return j.State
			}
			for _, id := range []int64{old, spent, fan, young} {
				if s := state(id); s != rivertype.JobStateRunning {
					t.Fatalf("job %d is %s before the rescue, want running", id, s)
				}
			}

			n, err := db.RescueAbandonedJobs(ctx, domain.QueueEmail, 40*time.Second)
			if err != nil || n != 2 {
				t.Fatalf("rescue: %d jobs, %v; want 2", n, err)
			}
			want := map[int64]rivertype.JobState{old: rivertype.JobStateAvailable, spent: rivertype.JobStateDiscarded,
				fan: rivertype.JobStateRunning, young: rivertype.JobStateRunning}
			for id, s := range want {
				if got := state(id); got != s {
					t.Errorf("job %d: %s after the rescue, want %s", id, got, s)
				}
			}
			j, _ := exec.JobGetByID(ctx, &riverdriver.JobGetByIDParams{ID: old})
			if !j.ScheduledAt.Equal(t0) || len(j.Errors) != 1 {
				t.Errorf("rescued job: scheduled %s (want %s, now), errors %v", j.ScheduledAt, t0, j.Errors)
			}

			// The young job once it is as old; the fan-out's queue is not
			// this one's.
			clock.Advance(31 * time.Second)
			if n, err := db.RescueAbandonedJobs(ctx, domain.QueueEmail, 40*time.Second); err != nil || n != 1 {
				t.Fatalf("second rescue: %d jobs, %v; want 1", n, err)
			}
			if s := state(young); s != rivertype.JobStateAvailable {
				t.Errorf("the young job 41 s after its attempt began: %s, want available", s)
			}
			if s := state(fan); s != rivertype.JobStateRunning {
				t.Errorf("the fan-out job: %s, want running (another queue)", s)
			}
		})
	}
}

// TestJobNowOnTheComputersClock: with the computer's clock the rescue
// reads the time as River records it — PostgreSQL's now(), SQLite's the
// computer's — and with another clock (a test's), that clock's.
func TestJobNowOnTheComputersClock(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			opts := store.Options{Clock: domain.SystemClock, DataDir: t.TempDir()}
			if d == store.Postgres {
				storetest.Open(t, d) // migrated
				opts.DatabaseURL = storetest.PostgresURL(t)
			}
			db, err := store.OpenAndMigrate(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got, err := db.JobNow(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The database's clock and the computer's are one here; the
			// bound only allows for a slow machine.
			if d := time.Since(got); d < -5*time.Second || d > 5*time.Second {
				t.Fatalf("job time %s, %s from the computer's", got, d)
			}
			other := storetest.Open(t, d)
			c := storetest.ClockOf(t, other)
			at := c.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
			c.Freeze(at)
			if got, err := other.JobNow(ctx); err != nil || !got.Equal(at) {
				t.Fatalf("job time on a test clock: %s, %v; want %s", got, err, at)
			}
		})
	}
}
