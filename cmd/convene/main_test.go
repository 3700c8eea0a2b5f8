package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store/storetest"
)

// clock is the one clock of every service these tests start: the
// computer's, shifted by CONVENE_TEST_CLOCK_OFFSET. Tests read the time
// from it, never from time.Now, where the service would.
var clock = storetest.NewClock()

func TestMain(m *testing.M) {
	if os.Getenv(asCommandEnv) == "1" {
		// This process is the convene command (conveneCommand): main with
		// the computer's clock, and no test database.
		main()
		os.Exit(0)
	}
	newClock = func() domain.Clock { return clock }
	storetest.Main(m)
}

// syncBuffer collects a command's output while the command runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envFrom(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// instance is a running "convene serve".
type instance struct {
	base   string
	stdout *syncBuffer
	stderr *syncBuffer
	stop   func() error
}

var listenRE = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)

func startServe(t testing.TB, env map[string]string) *instance {
	t.Helper()
	// A test that needs a known address (a host name in the base URL,
	// such as localhost for passkeys) gives CONVENE_LISTEN itself.
	if env["CONVENE_LISTEN"] == "" {
		env["CONVENE_LISTEN"] = "127.0.0.1:0"
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, envFrom(env), in.stdout, in.stderr) }()
	var once sync.Once
	var stopErr error
	in.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(20 * time.Second):
				stopErr = fmt.Errorf("serve did not stop within 20s")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { in.stop() })
	// Generous: migrations on a fresh PostgreSQL database take a few
	// seconds when CI runs every package at once on two cores.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(in.stderr.String()); m != nil {
			in.base = "http://" + m[1]
			return in
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\nstderr: %s", err, in.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start listening within 60s; stderr: %s", in.stderr)
	return nil
}

func call(t testing.TB, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(res.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, url, b)
		}
	}
	return res.StatusCode, m
}

func TestOrganiserAddPrintsTokenAlone(t *testing.T) {
	dir := t.TempDir()
	var out, errOut syncBuffer
	err := run(context.Background(), []string{"organiser", "add", "--email", "ada@example.org", "--name", "Ada"},
		envFrom(map[string]string{"CONVENE_DATA_DIR": dir}), &out, &errOut)
	if err != nil {
		t.Fatalf("organiser add: %v; stderr %s", err, errOut.String())
	}
	if !regexp.MustCompile(`^cvn_[A-Za-z0-9_-]{43}\n$`).MatchString(out.String()) {
		t.Fatalf("stdout should be the token alone on one line, got %q", out.String())
	}
	// The same address again is refused with a clear message.
	err = run(context.Background(), []string{"organiser", "add", "--email", "ADA@example.org"},
		envFrom(map[string]string{"CONVENE_DATA_DIR": dir}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate organiser: %v", err)
	}
	// A bad address is refused.
	if err := run(context.Background(), []string{"organiser", "add", "--email", "nope"},
		envFrom(map[string]string{"CONVENE_DATA_DIR": dir}), io.Discard, io.Discard); err == nil {
		t.Fatal("organiser add accepted an invalid e-mail address")
	}
	// The printed token works against the served API.
	in := startServe(t, map[string]string{"CONVENE_DATA_DIR": dir})
	status, meBody := call(t, "GET", in.base+"/api/v1/me", strings.TrimSpace(out.String()), nil)
	if status != 200 || meBody["email"] != "ada@example.org" || meBody["name"] != "Ada" {
		t.Fatalf("/me with the printed token: %d %v", status, meBody)
	}
	if strings.Contains(in.stdout.String(), "cvn_") {
		t.Fatalf("serve printed a bootstrap token although an organiser exists: %s", in.stdout)
	}
}

func TestHelpAndVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, envFrom(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, v := range envVars {
		if !strings.Contains(out.String(), v[0]) {
			t.Errorf("help does not list %s", v[0])
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"version"}, envFrom(nil), &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "convene ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	for _, cmd := range [][]string{{"serve", "--help"}, {"migrate", "--help"}, {"organiser", "add", "--help"}} {
		out.Reset()
		err := run(context.Background(), cmd, envFrom(nil), &out, io.Discard)
		if !strings.Contains(out.String(), "Usage: convene "+cmd[0]) {
			t.Errorf("%v: no usage in %q (err %v)", cmd, out.String(), err)
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, envFrom(nil), io.Discard, io.Discard); exitCode(err) != 2 {
		t.Fatalf("unknown command: exit code %d", exitCode(err))
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, envFrom(map[string]string{"CONVENE_DATA_DIR": dir}), io.Discard, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "migration applied") {
		t.Fatalf("first migrate should apply migrations: %s", errOut.String())
	}
	errOut.Reset()
	if err := run(context.Background(), []string{"migrate"}, envFrom(map[string]string{"CONVENE_DATA_DIR": dir}), io.Discard, &errOut); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errOut.String(), "migration applied") {
		t.Fatalf("second migrate should have nothing to do: %s", errOut.String())
	}
}

// TestEndToEnd drives the real serve wiring: bootstrap token → group →
// event → publish → RSVP → public view shows seats left → cancel by token
// → seat back. It runs on SQLite in a temp dir and, when configured, on
// PostgreSQL.
func TestEndToEnd(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			admin := "organiser-" + storetest.Unique() + "@example.org"
			env := map[string]string{"CONVENE_DATA_DIR": t.TempDir(), "CONVENE_ADMIN_EMAIL": admin}
			if dialect == "postgres" {
				env["CONVENE_DATABASE_URL"] = freshPostgres(t)
			}
			in := startServe(t, env)
			m := regexp.MustCompile(`(?m)^(cvn_[A-Za-z0-9_-]{43})$`).FindStringSubmatch(in.stdout.String())
			if m == nil {
				t.Fatalf("serve on an empty database should print a bootstrap token; stdout: %s", in.stdout)
			}
			tok := m[1]

			st, me := call(t, "GET", in.base+"/api/v1/me", tok, nil)
			if st != 200 || me["email"] != admin {
				t.Fatalf("/me: %d %v", st, me)
			}
			for _, p := range []string{"/healthz", "/readyz"} {
				if st, _ := call(t, "GET", in.base+p, "", nil); st != 200 {
					t.Fatalf("%s: %d", p, st)
				}
			}
			slugSuffix := storetest.Unique()
			st, g := call(t, "POST", in.base+"/api/v1/groups", tok, map[string]any{"slug": "oslo-" + slugSuffix, "name": "Oslo Meetup", "time_zone": "Europe/Oslo"})
			if st != 201 {
				t.Fatalf("create group: %d %v", st, g)
			}
			start := clock.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
			st, ev := call(t, "POST", in.base+"/api/v1/groups/"+g["id"].(string)+"/events", tok, map[string]any{
				"title": "Go & Friends — December", "kind": "meetup", "capacity": 1,
				"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
				"venue": map[string]any{"name": "Kulturhuset", "address": "Youngstorget 3"},
			})
			if st != 201 || ev["status"] != "draft" || ev["time_zone"] != "Europe/Oslo" {
				t.Fatalf("create event: %d %v", st, ev)
			}
			slug := ev["slug"].(string)
			if !strings.HasPrefix(slug, "go-friends-december") {
				t.Fatalf("slug from title: %q", slug)
			}
			if st, _ := call(t, "POST", in.base+"/api/v1/events/"+ev["id"].(string)+"/publish", tok, nil); st != 200 {
				t.Fatalf("publish: %d", st)
			}
			st, r := call(t, "POST", in.base+"/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": "grace@example.org"})
			if st != 201 || r["status"] != "going" {
				t.Fatalf("rsvp: %d %v", st, r)
			}
			_, pub := call(t, "GET", in.base+"/api/v1/public/events/"+slug, "", nil)
			if pub["seats_left"] != 0.0 || pub["going_count"] != 1.0 {
				t.Fatalf("public event after RSVP: %v", pub)
			}
			manage := r["manage_token"].(string)
			if st, _ := call(t, "DELETE", in.base+"/api/v1/rsvps/"+manage, "", nil); st != 200 {
				t.Fatalf("cancel: %d", st)
			}
			_, pub = call(t, "GET", in.base+"/api/v1/public/events/"+slug, "", nil)
			if pub["seats_left"] != 1.0 || pub["going_count"] != 0.0 {
				t.Fatalf("seat not back after cancel: %v", pub)
			}

			if err := in.stop(); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			logs := in.stderr.String()
			if !strings.Contains(logs, `"msg":"stopped"`) {
				t.Fatalf("serve did not log a clean stop: %s", logs)
			}
			// Logs never hold a raw token nor an e-mail address.
			for _, secret := range []string{tok, manage, "grace@example.org", admin, "@example.org"} {
				if strings.Contains(logs, secret) {
					t.Fatalf("logs contain %q:\n%s", secret, logs)
				}
			}
			// The bootstrap token is printed once: a restart does not print
			// another.
			in2 := startServe(t, env)
			if strings.Contains(in2.stdout.String(), "cvn_") {
				t.Fatalf("restart printed a token again: %s", in2.stdout)
			}
			if st, _ := call(t, "GET", in2.base+"/api/v1/me", tok, nil); st != 200 {
				t.Fatalf("token does not survive restart: %d", st)
			}
		})
	}
}

// BenchmarkServeStartup measures how long "convene serve" takes on a fresh
// data directory (creating the SQLite database and applying migrations)
// until /readyz answers 200.
func BenchmarkServeStartup(b *testing.B) {
	for b.Loop() {
		dir := b.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		stderr := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"serve"}, envFrom(map[string]string{"CONVENE_DATA_DIR": dir, "CONVENE_LISTEN": "127.0.0.1:0"}), io.Discard, stderr)
		}()
		for {
			if m := listenRE.FindStringSubmatch(stderr.String()); m != nil {
				res, err := http.Get("http://" + m[1] + "/readyz")
				if err == nil {
					res.Body.Close()
					if res.StatusCode == 200 {
						break
					}
				}
			}
			time.Sleep(200 * time.Microsecond)
		}
		cancel()
		<-done
	}
}

// TestCoOrganiserSignsIn: a co-organiser added to a group by address is an
// organiser already, so "organiser add" cannot make them one; it says how
// they get in instead, and "organiser sign-in" prints a link that takes
// them into the console, where they can make their own API tokens.
func TestCoOrganiserSignsIn(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"CONVENE_DATA_DIR": dir}
	var out syncBuffer
	if err := run(context.Background(), []string{"organiser", "add", "--email", "ada@example.org"}, envFrom(env), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	in := startServe(t, map[string]string{"CONVENE_DATA_DIR": dir})
	st, g := call(t, "POST", in.base+"/api/v1/groups", token, map[string]any{"name": "Oslo Gophers", "slug": "oslo-gophers", "time_zone": "Europe/Oslo"})
	if st != 201 {
		t.Fatalf("create group: %d %v", st, g)
	}
	if st, m := call(t, "POST", in.base+"/api/v1/groups/"+g["id"].(string)+"/members", token,
		map[string]any{"email": "grace@example.org", "name": "Grace", "role": "organiser"}); st != 201 {
		t.Fatalf("add member: %d %v", st, m)
	}

	err := run(context.Background(), []string{"organiser", "add", "--email", "Grace@example.org"}, envFrom(env), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "convene organiser sign-in --email Grace@example.org") {
		t.Fatalf("organiser add for a co-organiser: %v, want the way in", err)
	}
	if err := run(context.Background(), []string{"organiser", "sign-in", "--email", "nobody@example.org"}, envFrom(env), io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "no organiser has this e-mail address") {
		t.Fatalf("sign-in for a stranger: %v", err)
	}
	var linkOut syncBuffer
	if err := run(context.Background(), []string{"organiser", "sign-in", "--email", "grace@example.org"}, envFrom(env), &linkOut, io.Discard); err != nil {
		t.Fatal(err)
	}
	link := strings.TrimSpace(linkOut.String())
	if !strings.HasPrefix(link, "http://127.0.0.1:8080/manage/sign-in/") {
		t.Fatalf("printed %q, want a sign-in link alone", link)
	}
	// The link, followed in a browser: a page with a button, which signs in.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	path := strings.TrimPrefix(link, "http://127.0.0.1:8080")
	res, err := c.Get(in.base + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("the link's page: %d\n%s", res.StatusCode, body)
	}
	res, err = c.PostForm(in.base+path, url.Values{"_csrf": {string(m[1])}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in: %d", res.StatusCode)
	}
	res, err = c.Get(in.base + "/manage")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "Oslo Gophers") {
		t.Fatalf("the console after signing in: %d\n%s", res.StatusCode, body)
	}
}
