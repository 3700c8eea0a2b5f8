package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/convene/convene/notifications/smtptest"
)

// privatePG is a throwaway PostgreSQL cluster of the test's own, which the
// test may stop and start (the shared server of CONVENE_TEST_DATABASE_URL
// serves other packages' tests at the same time and must never be).
type privatePG struct {
	t    testing.TB
	bin  string // directory of initdb and pg_ctl
	data string
	URL  string
}

// startPrivatePostgres initdbs a cluster in a temporary directory and
// starts it on a free loopback port. Without the PostgreSQL server
// binaries it skips, or fails under CI=true. As root the binaries run as
// the postgres user (initdb refuses root).
func startPrivatePostgres(t testing.TB) *privatePG {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("no /usr/lib/postgresql/*/bin/initdb, and CI=true: the PostgreSQL restart test must run in CI")
		}
		t.Skip("PostgreSQL restart test skipped: no /usr/lib/postgresql/*/bin/initdb (install the postgresql package)")
	}
	sort.Slice(bins, func(i, j int) bool { return pgMajor(bins[i]) < pgMajor(bins[j]) })
	p := &privatePG{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	dir := t.TempDir()
	p.data = filepath.Join(dir, "pgdata")
	if err := os.Mkdir(p.data, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The postgres user must reach the data directory through the
		// test's temporary directories.
		for _, d := range []string{dir, filepath.Dir(dir)} {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(p.data, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	p.run("initdb", "-D", p.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n"+
		"fsync = off\nfull_page_writes = off\nmax_connections = 60\nshared_buffers = 16MB\n", port, p.data)
	f, err := os.OpenFile(filepath.Join(p.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(conf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	p.Start()
	t.Cleanup(func() { p.ctl("stop", "-m", "immediate") })
	return p
}

func pgMajor(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// run runs one of the server binaries, as the postgres user when root.
func (p *privatePG) run(name string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(p.bin, name), args...)
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, name)}, args...)...)
	}
	cmd.Dir = p.data
	out, err := cmd.CombinedOutput()
	if err != nil && name == "initdb" {
		p.t.Fatalf("initdb: %v\n%s", err, out)
	}
	return string(out), err
}

func (p *privatePG) ctl(args ...string) error {
	out, err := p.run("pg_ctl", append([]string{"-D", p.data, "-w", "-t", "30"}, args...)...)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(p.data, "server.log"))
		return fmt.Errorf("pg_ctl %s: %v\n%s\nserver log:\n%s", strings.Join(args, " "), err, out, log)
	}
	return nil
}

// Start starts the server and waits until it accepts connections.
func (p *privatePG) Start() {
	p.t.Helper()
	if err := p.ctl("start", "-l", filepath.Join(p.data, "server.log")); err != nil {
		p.t.Fatal(err)
	}
}

// Stop shuts the server down the way an operator restarting it would
// (fast: sessions are ended, transactions rolled back).
func (p *privatePG) Stop() {
	p.t.Helper()
	if err := p.ctl("stop", "-m", "fast"); err != nil {
		p.t.Fatal(err)
	}
}

// attempt is one request of the rush.
type attempt struct {
	email   string
	status  int
	ctype   string
	retry   string
	code    string
	took    time.Duration
	at      time.Time
	failure string // a transport error
}

// TestFaultPostgresRestart: PostgreSQL is shut down (fast) and started
// again while RSVPs pour in. Requests in flight or arriving meanwhile get
// a 503 problem with Retry-After, quickly — never a 500, never a hang —
// and /readyz says 503 while the database is away. Without a restart of
// Convene, requests succeed again once the database is back, and nothing
// is half done: each person who got a 201 (or tries again after a 503)
// has exactly one RSVP, the going count matches the going RSVPs,
// waitlist positions run 1..n without gaps, every RSVP has its delivery
// and its job, and every attendee — and nobody else — gets one e-mail
// (perhaps twice, but then with the same Message-ID).
func TestFaultPostgresRestart(t *testing.T) {
	began := time.Now()
	pg := startPrivatePostgres(t)
	t.Logf("private PostgreSQL (%s) up after %s", filepath.Base(filepath.Dir(pg.bin)), time.Since(began).Round(time.Millisecond))
	sink := smtptest.Start(t)
	env := mailEnv(t, "sqlite", sink)
	env["CONVENE_DATABASE_URL"] = pg.URL
	in := startServe(t, env)
	f := newFlow(t, in)
	const capacity = 40
	eid, slug := f.event(capacity, "Restart Group")
	t.Logf("Convene serving after %s", time.Since(began).Round(time.Millisecond))

	// The rush: workers RSVP one new person after another until told to
	// stop; a watcher polls /readyz.
	client := &http.Client{Timeout: 60 * time.Second}
	defer client.CloseIdleConnections()
	var (
		mu       sync.Mutex
		attempts []attempt
		ready    []attempt // /readyz answers
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	const workers = 8
	for w := range workers {
		wg.Go(func() {
			for i := 0; i < 200; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := tryRSVP(client, in.base, slug, fmt.Sprintf("w%d-%d@example.org", w, i))
				mu.Lock()
				attempts = append(attempts, a)
				mu.Unlock()
				pause := 15 * time.Millisecond
				if a.status == 503 {
					pause = 100 * time.Millisecond // a little patience, as Retry-After asks
				}
				time.Sleep(pause)
			}
		})
	}
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			start := time.Now()
			res, err := client.Get(in.base + "/readyz")
			a := attempt{at: start, took: time.Since(start)}
			if err != nil {
				a.failure = err.Error()
			} else {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				a.status = res.StatusCode
			}
			mu.Lock()
			ready = append(ready, a)
			mu.Unlock()
		}
	})
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(attempts)
	}

	// Let the rush run, then restart the database under it.
	for count() < 60 {
		time.Sleep(10 * time.Millisecond)
	}
	stopping := time.Now()
	pg.Stop()
	stopped := time.Now()
	time.Sleep(2 * time.Second) // the database is away
	pg.Start()
	restarted := time.Now()
	t.Logf("PostgreSQL stopped in %s, down %s, started in %s",
		stopped.Sub(stopping).Round(time.Millisecond), (2 * time.Second), restarted.Sub(stopped.Add(2*time.Second)).Round(time.Millisecond))

	// Convene recovers by itself: within 20 s of the database being back,
	// RSVPs are taken again; the rush goes on a little, then stops.
	deadline := restarted.Add(20 * time.Second)
	for {
		mu.Lock()
		ok := 0
		for _, a := range attempts {
			if a.at.After(restarted) && a.status == 201 {
				ok++
			}
		}
		mu.Unlock()
		if ok >= 20 {
			break
		}
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			t.Fatalf("%d RSVPs taken in the 20s after PostgreSQL came back; stderr:\n%s", ok, tail(in.stderr.String(), 3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	recoveredAfter := time.Since(restarted)

	// Every answer was a 201 or a quick 503 problem with Retry-After.
	var taken, unavailable, inFlight int
	var slowest time.Duration
	retry := map[string]bool{}
	for _, a := range attempts {
		slowest = max(slowest, a.took)
		switch {
		case a.failure != "":
			t.Fatalf("RSVP for %s: no HTTP answer after %s: %s", a.email, a.took, a.failure)
		case a.status == 201:
			taken++
		case a.status == 503:
			unavailable++
			if a.ctype != "application/problem+json" || a.retry == "" || a.code != "database_unavailable" {
				t.Fatalf("503 for %s: Content-Type %q, Retry-After %q, code %q", a.email, a.ctype, a.retry, a.code)
			}
			retry[a.email] = true
			if a.at.Before(stopped) {
				inFlight++ // sent before the database had finished stopping
			}
		default:
			t.Fatalf("RSVP for %s: %d (%s) after %s; want 201, or 503 while the database is away", a.email, a.status, a.code, a.took)
		}
		if a.took > 10*time.Second {
			t.Fatalf("RSVP for %s took %s (status %d): requests must not hang on a database that is away", a.email, a.took, a.status)
		}
	}
	if unavailable == 0 {
		t.Fatalf("no request saw the database away (%d RSVPs): the restart was not under load", len(attempts))
	}
	readyDown := 0
	for _, a := range ready {
		if a.failure != "" || a.status != 200 && a.status != 503 {
			t.Fatalf("/readyz: %d %s", a.status, a.failure)
		}
		if a.status == 503 {
			readyDown++
		}
	}
	if readyDown == 0 {
		t.Fatalf("/readyz never answered 503 in %d polls while the database was away", len(ready))
	}
	if st, m := call(t, "GET", in.base+"/readyz", "", nil); st != 200 {
		t.Fatalf("/readyz after the database came back: %d %v", st, m)
	}
	t.Logf("%d RSVPs: %d taken, %d answered 503 (%d of them sent while PostgreSQL was stopping); slowest answer %s; 20 RSVPs taken %s after PostgreSQL was back; /readyz 503 %d times",
		len(attempts), taken, unavailable, inFlight, slowest.Round(time.Millisecond), recoveredAfter.Round(time.Millisecond), readyDown)

	// Those who got a 503 try again: each gets their RSVP (201, or 200 when
	// the first attempt was in fact committed before the connection went).
	again := 0
	for email := range retry {
		a := tryRSVP(client, in.base, slug, email)
		switch a.status {
		case 201:
		case 200:
			again++
		default:
			t.Fatalf("RSVP for %s again after its 503: %d %s", email, a.status, a.code)
		}
	}
	t.Logf("%d people tried again after a 503; for %d of them the first attempt had been committed", len(retry), again)
	want := taken + len(retry)

	// Nothing half done, as the organiser and the database see it.
	rsvps := in.base + "/api/v1/events/" + eid + "/rsvps?status="
	going := listAll(t, rsvps+"going", f.token)
	wl := listAll(t, rsvps+"waitlisted", f.token)
	if len(going) != min(capacity, want) || len(going)+len(wl) != want {
		t.Fatalf("%d going and %d waitlisted listed, want %d RSVPs with %d going", len(going), len(wl), want, min(capacity, want))
	}
	positions := map[float64]bool{}
	for _, r := range wl {
		p, _ := r["waitlist_position"].(float64)
		positions[p] = true
	}
	for p := 1; p <= len(wl); p++ {
		if !positions[float64(p)] {
			t.Fatalf("waitlist position %d missing: positions are not 1..%d", p, len(wl))
		}
	}
	_, pub := call(t, "GET", in.base+"/api/v1/public/events/"+slug, "", nil)
	if pub["going_count"] != float64(len(going)) {
		t.Fatalf("public going_count %v, %d going listed", pub["going_count"], len(going))
	}
	conn, err := pgx.Connect(context.Background(), pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var check struct {
		goingCount, going, waitlistCount, waitlisted, noDelivery, noJob, dupSeq int
	}
	if err := conn.QueryRow(context.Background(), `
		SELECT e.going_count,
		       (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id AND r.status = 'going'),
		       e.waitlist_count,
		       (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id AND r.status = 'waitlisted'),
		       (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id
		          AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.rsvp_id = r.id)),
		       (SELECT count(*) FROM deliveries d WHERE d.event_id = e.id
		          AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'send_email' AND j.args->>'delivery_id' = d.id)),
		       (SELECT count(*) - count(DISTINCT waitlist_seq) FROM rsvps r WHERE r.event_id = e.id AND r.waitlist_seq IS NOT NULL)
		FROM events e WHERE e.id = $1`, eid).Scan(&check.goingCount, &check.going, &check.waitlistCount, &check.waitlisted,
		&check.noDelivery, &check.noJob, &check.dupSeq); err != nil {
		t.Fatal(err)
	}
	if check.goingCount != check.going || check.waitlistCount != check.waitlisted || check.noDelivery != 0 || check.noJob != 0 || check.dupSeq != 0 {
		t.Fatalf("after the restart: %+v; want the counts equal to the rows, and every RSVP with its delivery and job", check)
	}

	// Every attendee gets their one e-mail, and nobody else gets any.
	waitDeliveriesSent(t, in.base, eid, f.token, want, 60*time.Second)
	time.Sleep(300 * time.Millisecond) // room for a wrongly repeated send
	listed := map[string]bool{}
	for _, r := range append(going, wl...) {
		listed[r["email"].(string)] = true
	}
	// An e-mail sent just as the database went away (sent, but not yet
	// recorded as sent) is sent again: then with the same Message-ID, so
	// that mail programs show it once.
	got := map[string]map[string]bool{}
	msgs := sink.Messages()
	for _, m := range msgs {
		to := strings.Join(m.To, ",")
		if got[to] == nil {
			got[to] = map[string]bool{}
		}
		got[to][m.Header().Get("Message-ID")] = true
	}
	for email := range listed {
		if len(got[email]) != 1 {
			t.Fatalf("%s has an RSVP and got %d distinct e-mails: %v", email, len(got[email]), got[email])
		}
	}
	for email := range got {
		if !listed[email] {
			t.Fatalf("%s got an e-mail without an RSVP", email)
		}
	}
	for _, line := range strings.Split(in.stderr.String(), "\n") {
		// (River logs its own reconnections at ERROR; those are not 500s.)
		if strings.Contains(line, "@example.org") || strings.Contains(line, `"msg":"internal error"`) {
			t.Fatalf("the log holds an address or an internal error (a 500): %s", line)
		}
	}
	t.Logf("%d RSVPs, %d e-mails (%d sent again with the same Message-ID), all consistent; %s in all",
		want, len(msgs), len(msgs)-want, time.Since(began).Round(time.Millisecond))
}

// tryRSVP makes one public RSVP and records how it was answered.
func tryRSVP(client *http.Client, base, slug, email string) attempt {
	a := attempt{email: email, at: time.Now()}
	b, _ := json.Marshal(map[string]any{"name": "Rush " + email[:strings.IndexByte(email, '@')], "email": email})
	res, err := client.Post(base+"/api/v1/public/events/"+slug+"/rsvps", "application/json", bytes.NewReader(b))
	if err != nil {
		a.took, a.failure = time.Since(a.at), err.Error()
		return a
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	a.took = time.Since(a.at)
	if err != nil {
		a.failure = err.Error()
		return a
	}
	a.status, a.ctype, a.retry = res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Retry-After")
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		a.failure = fmt.Sprintf("%d, not JSON: %.200s", res.StatusCode, body)
	}
	a.code, _ = m["code"].(string)
	return a
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
