package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/convene/convene/notifications/smtptest"
)

// Fault tests (issue 7): Convene stays exact and loses nothing when it
// runs as two replicas, when clients are slow or send too much, and when
// the process is killed mid fan-out. Everything runs on 127.0.0.1.

// postRSVP makes one public RSVP; it is safe to call from any goroutine.
func postRSVP(client *http.Client, base, slug, name, email string) (int, map[string]any, error) {
	b, _ := json.Marshal(map[string]any{"name": name, "email": email})
	res, err := client.Post(base+"/api/v1/public/events/"+slug+"/rsvps", "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var m map[string]any
	body, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(body, &m); err != nil {
		return res.StatusCode, nil, fmt.Errorf("not JSON: %s", body)
	}
	return res.StatusCode, m, nil
}

// listAll reads every page of an organiser list.
func listAll(t *testing.T, url, token string) []map[string]any {
	t.Helper()
	var all []map[string]any
	cursor := ""
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatalf("%s: more than 100 pages", url)
		}
		u := url + "&limit=37"
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		st, m := call(t, "GET", u, token, nil)
		if st != 200 {
			t.Fatalf("GET %s: %d %v", u, st, m)
		}
		for _, it := range m["items"].([]any) {
			all = append(all, it.(map[string]any))
		}
		next, _ := m["next_cursor"].(string)
		if next == "" {
			return all
		}
		cursor = next
	}
}

// TestFaultTwoReplicas: two serve processes on one PostgreSQL database
// and one mail server; 200 people RSVP at once, half through each, to an
// event with 50 seats. Exactly 50 are going, the other 150 are waitlisted
// at positions 1..150, and each of the 200 gets their one e-mail once,
// whichever replica's job queue sent it.
func TestFaultTwoReplicas(t *testing.T) {
	sink := smtptest.Start(t)
	env := mailEnv(t, "postgres", sink)
	a := startServe(t, env)
	f := newFlow(t, a)
	env2 := map[string]string{}
	for k, v := range env {
		env2[k] = v
	}
	env2["CONVENE_DATA_DIR"] = t.TempDir()
	b := startServe(t, env2)
	if strings.Contains(b.stdout.String(), "cvn_") {
		t.Fatalf("the second replica made another organiser: %s", b.stdout)
	}
	eid, slug := f.event(50, "Replica Group")

	const n, capacity = 200, 50
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer client.CloseIdleConnections()
	type result struct {
		status int
		body   map[string]any
		err    error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			base := a.base
			if i%2 == 1 {
				base = b.base
			}
			<-start
			st, m, err := postRSVP(client, base, slug, fmt.Sprintf("Person %d", i), fmt.Sprintf("r%d@example.org", i))
			results[i] = result{st, m, err}
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("%d RSVPs over two replicas in %s", n, time.Since(began))

	going, waitlisted := 0, map[float64]int{}
	for i, r := range results {
		if r.err != nil || r.status != 201 {
			t.Fatalf("RSVP %d: %d %v %v", i, r.status, r.body, r.err)
		}
		switch r.body["status"] {
		case "going":
			going++
		case "waitlisted":
			p, _ := r.body["waitlist_position"].(float64)
			waitlisted[p]++
		default:
			t.Fatalf("RSVP %d: status %v", i, r.body["status"])
		}
	}
	if going != capacity || len(waitlisted) != n-capacity {
		t.Fatalf("answers: %d going, %d distinct waitlist positions; want %d and %d", going, len(waitlisted), capacity, n-capacity)
	}
	for p := 1; p <= n-capacity; p++ {
		if waitlisted[float64(p)] != 1 {
			t.Fatalf("waitlist position %d answered %d times", p, waitlisted[float64(p)])
		}
	}

	// What the organiser sees, read through the other replica.
	rsvps := b.base + "/api/v1/events/" + eid + "/rsvps?status="
	if g := listAll(t, rsvps+"going", f.token); len(g) != capacity {
		t.Fatalf("%d going listed, want %d", len(g), capacity)
	}
	wl := listAll(t, rsvps+"waitlisted", f.token)
	positions := map[float64]bool{}
	for _, r := range wl {
		p, _ := r["waitlist_position"].(float64)
		positions[p] = true
	}
	if len(wl) != n-capacity || len(positions) != n-capacity {
		t.Fatalf("%d waitlisted listed with %d distinct positions, want %d", len(wl), len(positions), n-capacity)
	}
	for p := 1; p <= n-capacity; p++ {
		if !positions[float64(p)] {
			t.Fatalf("waitlist position %d missing from the organiser's list", p)
		}
	}
	_, pub := call(t, "GET", a.base+"/api/v1/public/events/"+slug, "", nil)
	if pub["going_count"] != float64(capacity) || pub["seats_left"] != 0.0 {
		t.Fatalf("public event: %v", pub)
	}

	// Every e-mail once: 50 invites and 150 waitlist notices, one per
	// address, no Message-ID twice.
	sink.WaitFor(t, n, 60*time.Second)
	waitDeliveriesSent(t, a.base, eid, f.token, n, 30*time.Second)
	time.Sleep(500 * time.Millisecond) // room for a wrongly repeated send
	msgs := sink.Messages()
	ids, to := map[string]int{}, map[string]int{}
	for _, m := range msgs {
		ids[m.Header().Get("Message-ID")]++
		to[strings.Join(m.To, ",")]++
	}
	if len(msgs) != n || len(ids) != n || len(to) != n {
		t.Fatalf("%d messages, %d Message-IDs, %d recipients; want %d of each", len(msgs), len(ids), len(to), n)
	}

	// Log how the job queue split the work (not asserted: one replica may
	// legitimately take everything on a loaded machine).
	conn, err := pgx.Connect(context.Background(), env["CONVENE_DATABASE_URL"])
	if err == nil {
		defer conn.Close(context.Background())
		rows, err := conn.Query(context.Background(),
			`SELECT attempted_by[array_length(attempted_by, 1)], count(*) FROM river_job WHERE queue = 'email' GROUP BY 1 ORDER BY 1`)
		if err == nil {
			for rows.Next() {
				var who string
				var c int
				if rows.Scan(&who, &c) == nil {
					t.Logf("e-mail jobs worked by %s: %d", who, c)
				}
			}
			rows.Close()
		}
	}
}

// waitDeliveriesSent polls the organiser's delivery list until n
// deliveries are all sent.
func waitDeliveriesSent(t *testing.T, base, eid, token string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		items := listAll(t, base+"/api/v1/events/"+eid+"/deliveries?x=1", token)
		sent := 0
		for _, it := range items {
			if it["status"] == "sent" {
				sent++
			}
		}
		if sent == n && len(items) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d deliveries sent after %s", sent, len(items), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFaultSlowClients: fifty clients that trickle their request headers
// a byte at a time (slowloris) do not stop anyone else from being served,
// and the server drops them once its ReadHeaderTimeout (10 s) has passed.
func TestFaultSlowClients(t *testing.T) {
	in := startServe(t, map[string]string{"CONVENE_DATA_DIR": t.TempDir(), "CONVENE_RSVP_RATE_LIMIT": "0"})
	addr := strings.TrimPrefix(in.base, "http://")
	const slow = 50
	const readHeaderTimeout = 10 * time.Second
	began := time.Now()
	closed := make(chan time.Duration, slow)
	stop := make(chan struct{})
	defer close(stop)
	for range slow {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		// The server closing the connection ends this read.
		go func() {
			c.SetReadDeadline(time.Now().Add(50 * time.Second))
			io.Copy(io.Discard, c)
			closed <- time.Since(began)
		}()
		// Trickle a request that never ends its headers.
		go func() {
			req := "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 1000)
			for i := 0; i < len(req); i++ {
				if _, err := c.Write([]byte{req[i]}); err != nil {
					return
				}
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
				}
			}
		}()
	}

	// Meanwhile others are served, several times over.
	client := &http.Client{Timeout: 20 * time.Second}
	for i := range 5 {
		res, err := client.Get(in.base + "/healthz")
		if err != nil {
			t.Fatalf("request %d while %d slow clients are connected: %v", i, slow, err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
	if d := time.Since(began); d >= readHeaderTimeout {
		t.Logf("warning: the normal requests took %s; the check ran after the slow clients' timeout", d)
	}

	// Every slow connection is dropped by the server: not before the
	// timeout, and not long after it.
	var last time.Duration
	for i := range slow {
		select {
		case d := <-closed:
			if d < readHeaderTimeout-time.Second {
				t.Fatalf("slow connection %d closed after %s, before the read header timeout", i, d)
			}
			last = max(last, d)
		case <-time.After(45 * time.Second):
			t.Fatalf("only %d of %d slow connections were closed by the server within 45s", i, slow)
		}
	}
	if last > readHeaderTimeout+15*time.Second {
		t.Fatalf("the last slow connection was closed after %s, want about %s", last, readHeaderTimeout)
	}
	t.Logf("%d slow connections closed by the server after %s at most", slow, last)
}

// TestFaultOversizedBody: a 10 MB body to the public RSVP route is refused
// with 413 at once — before its body is sent when its Content-Length says
// how large it is, and after the first 64 KiB when it is chunked — and the
// connection is closed rather than read to its end.
func TestFaultOversizedBody(t *testing.T) {
	in := startServe(t, map[string]string{"CONVENE_DATA_DIR": t.TempDir(), "CONVENE_RSVP_RATE_LIMIT": "0"})
	f := newFlow(t, in)
	_, slug := f.event(10, "Body Group")
	addr := strings.TrimPrefix(in.base, "http://")
	const size = 10 << 20
	head := "POST /api/v1/public/events/" + slug + "/rsvps HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n"

	t.Run("ContentLength", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		began := time.Now()
		// The headers only: the 10 MB are never sent, so an answer proves
		// the server did not wait for them.
		if _, err := fmt.Fprintf(c, "%sContent-Length: %d\r\n\r\n", head, size); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("no answer before the body: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "body_too_large") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		t.Logf("413 after %s", time.Since(began))
		// The connection is closed: the server does not read on.
		if _, err := br.ReadByte(); err == nil {
			t.Fatal("the connection stayed open after refusing the body")
		}
	})

	t.Run("Chunked", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		began := time.Now()
		if _, err := fmt.Fprintf(c, "%sTransfer-Encoding: chunked\r\n\r\n", head); err != nil {
			t.Fatal(err)
		}
		var written int64
		var mu sync.Mutex
		go func() {
			chunk := bytes.Repeat([]byte("a"), 32<<10)
			c.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := fmt.Fprintf(c, `%x`+"\r\n"+`{"name":"`, len(`{"name":"`)); err != nil {
				return
			}
			c.Write([]byte("\r\n"))
			for sent := 0; sent < size; sent += len(chunk) {
				if _, err := fmt.Fprintf(c, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
					return
				}
				mu.Lock()
				written += int64(len(chunk))
				mu.Unlock()
			}
			c.Write([]byte("0\r\n\r\n"))
		}()
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "body_too_large") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		mu.Lock()
		t.Logf("413 after %s, %d KiB written by then", time.Since(began), written>>10)
		mu.Unlock()
		if _, err := br.ReadByte(); err == nil {
			t.Fatal("the connection stayed open after refusing the body")
		}
	})

	// The server is still well.
	if st, _ := call(t, "GET", in.base+"/healthz", "", nil); st != 200 {
		t.Fatalf("healthz after oversized bodies: %d", st)
	}
}

// TestFaultSMTPOutage: the mail server goes down for 30 s (connections
// reset, new ones reset on arrival) while an update is being delivered to
// 300 attendees. The organiser sees the deliveries still queued, with the
// error, during the outage; after it, every attendee gets the update —
// a message sent twice (accepted as the connection was reset) has the
// same Message-ID both times. The wait between attempts is capped at 3 s
// here (ten minutes in service) so that the test is not waiting on long
// retries.
func TestFaultSMTPOutage(t *testing.T) {
	began := time.Now()
	defer func(prev time.Duration) { sendRetryMax = prev }(sendRetryMax)
	sendRetryMax = 3 * time.Second
	sink := smtptest.Start(t)
	env := mailEnv(t, "postgres", sink)
	env["CONVENE_UPDATE_DELAY"] = "200ms"
	in := startServe(t, env)
	f := newFlow(t, in)
	const n = 300
	const outage = 30 * time.Second
	eid, slug := f.event(n, "Outage Group")
	rsvpAll(t, in.base, slug, n, "o")
	sink.WaitFor(t, n, 60*time.Second) // the invites
	t.Logf("%d going and invited after %s", n, time.Since(began))

	// A slow relay, then a change of time; down once the update is on its
	// way.
	sink.SetDelay(20 * time.Millisecond)
	s := clock.Now().Add(96 * time.Hour).UTC().Truncate(time.Hour)
	if st, m := call(t, "PATCH", f.base+"/api/v1/events/"+eid, f.token, map[string]any{
		"starts_at": s.Format(time.RFC3339), "ends_at": s.Add(2 * time.Hour).Format(time.RFC3339)}); st != 200 {
		t.Fatalf("patch: %d %v", st, m)
	}
	deadline := time.Now().Add(30 * time.Second)
	for updatesIn(sink) < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("%d updates delivered after 30s", updatesIn(sink))
		}
		time.Sleep(2 * time.Millisecond)
	}
	sink.Down()
	downAt := time.Now()
	atDown := updatesIn(sink)
	sink.SetDelay(0)
	if atDown >= n {
		t.Fatalf("all %d updates were delivered before the outage", n)
	}
	t.Logf("mail server down after %d of %d updates", atDown, n)

	// During the outage: nothing arrives, Convene keeps trying, and the
	// organiser sees the updates queued with the reason.
	time.Sleep(outage / 2)
	queued, withError := 0, 0
	for _, it := range listAll(t, in.base+"/api/v1/events/"+eid+"/deliveries?x=1", f.token) {
		if it["kind"] == "updated" && it["status"] == "queued" {
			queued++
			if e, _ := it["last_error"].(string); e != "" {
				withError++
			}
		}
	}
	if queued == 0 || withError == 0 {
		t.Fatalf("halfway through the outage: %d updates queued, %d of them with an error; want some of each", queued, withError)
	}
	time.Sleep(time.Until(downAt.Add(outage)))
	sink.Up()
	upAt := time.Now()
	if got := updatesIn(sink); got != atDown {
		t.Fatalf("%d updates arrived while the mail server was down", got-atDown)
	}
	t.Logf("mail server up after %s: %d connections reset meanwhile; %d updates queued halfway", upAt.Sub(downAt).Round(time.Millisecond), sink.Dropped(), queued)
	if sink.Dropped() < 2 {
		t.Fatalf("%d connections during the outage: Convene did not try again", sink.Dropped())
	}

	// After: every delivery sent, soon.
	waitDeliveriesSent(t, in.base, eid, f.token, 2*n, 60*time.Second)
	recovered := time.Since(upAt)
	time.Sleep(500 * time.Millisecond) // room for a wrongly repeated send
	msgs := sink.Messages()
	dups := checkOneInviteOneUpdate(t, msgs, n)
	t.Logf("every delivery sent %s after the mail server came back; %d messages, %d sent again with the same Message-ID; %s in all",
		recovered.Round(time.Millisecond), len(msgs), dups, time.Since(began).Round(time.Millisecond))
	if strings.Contains(in.stderr.String(), "@example.org") {
		t.Fatal("the log holds an attendee's address")
	}
}

// rsvpAll has n people RSVP to the event, 16 at a time; each must be going.
func rsvpAll(t *testing.T, base, slug string, n int, prefix string) {
	t.Helper()
	client := &http.Client{Timeout: 60 * time.Second}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			st, m, err := postRSVP(client, base, slug, fmt.Sprintf("Person %d", i), fmt.Sprintf("%s%d@example.org", prefix, i))
			if err == nil && (st != 201 || m["status"] != "going") {
				err = fmt.Errorf("RSVP %d: %d %v", i, st, m)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// updatesIn counts the update e-mails the mail server accepted.
func updatesIn(sink *smtptest.Server) int {
	c := 0
	for _, m := range sink.Messages() {
		if strings.Contains(m.Header().Get("Message-ID"), ".updated.") {
			c++
		}
	}
	return c
}

// checkOneInviteOneUpdate checks that each of n attendees got exactly one
// invite and one update, each perhaps more than once but then always with
// the same Message-ID, and no Message-ID went to two people. It returns
// how many messages were repeats.
func checkOneInviteOneUpdate(t *testing.T, msgs []smtptest.Message, n int) int {
	t.Helper()
	idTo := map[string]string{}
	perTo := map[string]map[string]bool{}
	dups := 0
	for _, m := range msgs {
		id, to := m.Header().Get("Message-ID"), strings.Join(m.To, ",")
		if prev, ok := idTo[id]; ok {
			dups++
			if prev != to {
				t.Fatalf("Message-ID %s went to %s and %s", id, prev, to)
			}
		}
		idTo[id] = to
		if perTo[to] == nil {
			perTo[to] = map[string]bool{}
		}
		perTo[to][id] = true
	}
	if len(perTo) != n {
		t.Fatalf("%d recipients, want %d", len(perTo), n)
	}
	for to, ids := range perTo {
		u := 0
		for id := range ids {
			if strings.Contains(id, ".updated.") {
				u++
			}
		}
		if len(ids) != 2 || u != 1 {
			t.Fatalf("%s got %d distinct messages (%d updates), want an invite and an update: %v", to, len(ids), u, ids)
		}
	}
	return dups
}
