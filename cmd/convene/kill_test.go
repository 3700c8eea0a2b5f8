package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store/storetest"
)

// killChildEnv marks the re-executed test binary that serves as a child
// process, which a test can kill -9.
const killChildEnv = "CONVENE_KILL_CHILD"

// TestFaultKillChild is "convene serve" in a child process of
// TestFaultKillMidFanOut; it skips when run on its own. The child takes a
// send job left running by a killed process for dead after 5 s instead of
// minutes, so that the test stays short.
func TestFaultKillChild(t *testing.T) {
	if os.Getenv(killChildEnv) == "" {
		t.Skip("the child process of TestFaultKillMidFanOut")
	}
	sendTimeout, rescueStuckJobsAfter = 5*time.Second, 5*time.Second
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

// TestFaultKillMidFanOut: the process is killed (SIGKILL) while an update
// to every attendee is being delivered over a slow mail relay, and started
// again on the same database. Every attendee gets the update; a message
// sent twice (sent, but not yet recorded as sent, at the kill) has the
// same Message-ID both times. On PostgreSQL and on SQLite.
func TestFaultKillMidFanOut(t *testing.T) {
	for _, dialect := range []string{"postgres", "sqlite"} {
		t.Run(dialect, func(t *testing.T) {
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
			t.Logf("killed after %d of %d updates (%s in)", atKill, n, time.Since(began))

			sink.SetDelay(0)
			restarted := time.Now()
			in2, _ := startChild(t, env)
			// Every delivery ends up sent; the organiser sees it so.
			deadline = time.Now().Add(90 * time.Second)
			for {
				items := listAll(t, in2.base+"/api/v1/events/"+eid+"/deliveries?x=1", f.token)
				sent := 0
				for _, it := range items {
					if it["status"] == "sent" {
						sent++
					}
				}
				if len(items) == 2*n && sent == 2*n {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d deliveries sent 90s after the restart; %d updates at the mail server\nstderr: %s",
						sent, len(items), updatesIn(sink), in2.stderr)
				}
				time.Sleep(200 * time.Millisecond)
			}
			t.Logf("every delivery sent %s after the restart", time.Since(restarted))
			time.Sleep(500 * time.Millisecond) // room for a wrongly repeated send

			// Each attendee: one invite and one update, each perhaps
			// twice but then with the same Message-ID.
			msgs := sink.Messages()
			dups := checkOneInviteOneUpdate(t, msgs, n)
			t.Logf("%d messages, %d sent again with the same Message-ID; %s in all", len(msgs), dups, time.Since(began))
		})
	}
}
