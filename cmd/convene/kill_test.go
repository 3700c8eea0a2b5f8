package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// killChildEnv marks the re-executed test binary that serves as a child
// process, which a test can kill -9.
const killChildEnv = "CONVENE_KILL_CHILD"

// TestFaultKillChild is "convene serve" in a child process of
// TestFaultKillMidFanOut; it skips when run on its own. It runs with the
// service's own timeouts: the test measures how soon e-mails resume after
// a restart in production.
func TestFaultKillChild(t *testing.T) {
	if os.Getenv(killChildEnv) == "" {
		t.Skip("the child process of TestFaultKillMidFanOut")
	}
	if err := run(context.Background(), []string{"serve"}, os.Getenv, os.Stdout, os.Stderr); err != nil {
		t.Fatal(err)
	}
}

// startChild starts serve in a child process with env, and returns it once
// it listens.
func startChild(t *testing.T, env map[string]string) (*instance, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultKillChild$", "-test.count=1")
	for _, kv := range os.Environ() {
		// The child makes no test database of its own.
		if !strings.HasPrefix(kv, storetest.EnvURL+"=") && !strings.HasPrefix(kv, "CONVENE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, killChildEnv+"=1", "CONVENE_LISTEN=127.0.0.1:0")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	in := &instance{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = in.stdout, in.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	in.stop = func() error {
		cmd.Process.Kill()
		<-exited
		return nil
	}
	t.Cleanup(func() { in.stop() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(in.stderr.String()); m != nil {
			in.base = "http://" + m[1]
			return in, cmd
		}
		select {
		case <-exited:
			t.Fatalf("child exited early\nstdout: %s\nstderr: %s", in.stdout, in.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("child did not listen within 60s; stderr: %s", in.stderr)
	return nil, nil
}

// resumeBound is how long after a restart every e-mail a killed process
// was sending must have gone out: it takes them up at most 45 s after the
// interrupted attempt began (emailJobsAbandonedAfter and rescueInterval),
// and the rest is margin for a loaded machine. River's rescuer alone took
// five minutes.
const resumeBound = 75 * time.Second

// TestFaultKillMidFanOut: the process is killed (SIGKILL) while an update
// to every attendee is being delivered over a slow mail relay, and started
// again on the same database, with the service's own timeouts. Every
// attendee gets the update, all within resumeBound of the restart. Each
// message is recorded as sent as the relay takes it, so at most the one in
// flight on each SMTP connection at the kill is sent twice, and then with
// the same Message-ID. On PostgreSQL and on SQLite, side by side (most of
// the test is waiting).
func TestFaultKillMidFanOut(t *testing.T) {
	for _, dialect := range []string{"postgres", "sqlite"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			sink := smtptest.Start(t)
			env := mailEnv(t, dialect, sink)
			env["CONVENE_UPDATE_DELAY"] = "200ms"
			in, first := startChild(t, env)
			f := newFlow(t, in)
			const n = 300
			eid, slug := f.event(n, "Kill Group")
			rsvpAll(t, in.base, slug, n, "k")
			sink.WaitFor(t, n, 60*time.Second) // the invites
			t.Logf("%d going and invited after %s", n, time.Since(began))

			// A slow relay, then a change of time: the update goes out
			// to every attendee a few at a time.
			sink.SetDelay(20 * time.Millisecond)
			s := clock.Now().Add(96 * time.Hour).UTC().Truncate(time.Hour)
			if st, m := call(t, "PATCH", f.base+"/api/v1/events/"+eid, f.token, map[string]any{
				"starts_at": s.Format(time.RFC3339), "ends_at": s.Add(2 * time.Hour).Format(time.RFC3339)}); st != 200 {
				t.Fatalf("patch: %d %v", st, m)
			}
			deadline := time.Now().Add(30 * time.Second)
			for updatesIn(sink) < n/10 {
				if time.Now().After(deadline) {
					t.Fatalf("%d updates delivered after 30s", updatesIn(sink))
				}
				time.Sleep(2 * time.Millisecond)
			}
			if err := first.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			in.stop()
			atKill := updatesIn(sink)
			if atKill >= n {
				t.Fatalf("all %d updates were delivered before the kill: the test did not kill mid fan-out", n)
			}
			interrupted := interruptedDeliveries(t, env)
			t.Logf("killed after %d of %d updates (%s in), %d deliveries waiting in batches left running",
				atKill, n, time.Since(began), len(interrupted))
			if len(interrupted) == 0 {
				t.Fatal("no delivery was waiting in a batch left running at the kill: the test does not show one taken up again")
			}

			sink.SetDelay(0)
			restarted := time.Now()
			in2, _ := startChild(t, env)
			// Every delivery ends up sent, soon; the organiser sees it so.
			var resumed time.Duration
			for {
				items := listAll(t, in2.base+"/api/v1/events/"+eid+"/deliveries?x=1", f.token)
				sent := 0
				for _, it := range items {
					if it["status"] == "sent" {
						sent++
						if id, _ := it["id"].(string); resumed == 0 && interrupted[id] {
							resumed = time.Since(restarted)
						}
					}
				}
				if len(items) == 2*n && sent == 2*n {
					break
				}
				if time.Since(restarted) > resumeBound {
					t.Fatalf("%d of %d deliveries sent %s after the restart (want all within %s); %d updates at the mail server\nstderr: %s",
						sent, len(items), time.Since(restarted).Round(time.Second), resumeBound, updatesIn(sink), in2.stderr)
				}
				time.Sleep(200 * time.Millisecond)
			}
			t.Logf("the batches left running were taken up %s after the restart (their first update sent); every delivery sent %s after it",
				resumed.Round(100*time.Millisecond), time.Since(restarted).Round(100*time.Millisecond))
			time.Sleep(500 * time.Millisecond) // room for a wrongly repeated send

			// Each attendee: one invite and one update, each perhaps
			// twice but then with the same Message-ID — at most as many
			// as the SMTP connections that were sending at the kill.
			msgs := sink.Messages()
			dups := checkOneInviteOneUpdate(t, msgs, n)
			t.Logf("%d messages, %d sent again with the same Message-ID; %s in all", len(msgs), dups, time.Since(began))
			if dups > mailConnections {
				t.Fatalf("%d messages sent twice, want at most %d (one in flight per SMTP connection at the kill)", dups, mailConnections)
			}
			if strings.Contains(in2.stderr.String(), "@example.org") {
				t.Fatal("the log holds an attendee's address")
			}
		})
	}
}

// interruptedDeliveries returns the deliveries still queued in the
// send_email_batch jobs a killed serve left running, read from its
// database.
func interruptedDeliveries(t *testing.T, env map[string]string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DatabaseURL: env["CONVENE_DATABASE_URL"], DataDir: env["CONVENE_DATA_DIR"], Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	running, err := db.JobDriver().GetExecutor().JobGetStuck(ctx, &riverdriver.JobGetStuckParams{
		Max: 1000, StuckHorizon: clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, j := range running {
		if j.Kind != (domain.SendEmailBatchArgs{}).Kind() {
			continue
		}
		var args domain.SendEmailBatchArgs
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatal(err)
		}
		for _, id := range args.DeliveryIDs {
			ids[id] = true
		}
	}
	// Those sent before the kill are not waiting.
	rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM deliveries WHERE status <> 'queued'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		delete(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}
