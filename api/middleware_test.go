package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

func rsvpRequest(te *testEnv, slug, email, xff string) *http.Request {
	b, _ := json.Marshal(map[string]string{"name": "Rate Tester", "email": email})
	req, _ := http.NewRequest("POST", te.srv.URL+"/api/v1/public/events/"+slug+"/rsvps", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return req
}

// TestRSVPRateLimit: without trusted proxies the peer address is the
// client, so X-Forwarded-For cannot be used to dodge the limit.
func TestRSVPRateLimit(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	te := newTestEnv(t, db, func(c *siteConfig) { c.RSVPRatePerMinute = 3 })
	_, tok := te.organiser("Ada")
	_, slug := te.event(tok, te.group(tok), nil, true)
	for i := range 3 {
		r := te.send(rsvpRequest(te, slug, "p"+itoa(i)+"@example.org", "203.0.113."+itoa(i)))
		wantStatus(t, r, http.StatusCreated)
	}
	r := te.send(rsvpRequest(te, slug, "p9@example.org", "198.51.100.7"))
	wantProblem(t, r, http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("Retry-After") != "20" {
		t.Fatalf("Retry-After %q, want 20 (3 per minute)", r.Header.Get("Retry-After"))
	}
	// The limit applies to public routes only: organisers are not limited.
	for range 5 {
		wantStatus(t, te.do("GET", "/api/v1/me", tok, nil), http.StatusOK)
	}
}

// TestTrustedProxies: behind a named proxy, each forwarded client has its
// own bucket; a forged X-Forwarded-For from an untrusted peer counts for
// the peer.
func TestTrustedProxies(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	te := newTestEnv(t, db, func(c *siteConfig) {
		c.RSVPRatePerMinute = 2
		c.TrustedProxies = []string{"127.0.0.1"}
	})
	_, tok := te.organiser("Ada")
	_, slug := te.event(tok, te.group(tok), nil, true)
	for i := range 6 {
		// Three clients behind the proxy, two requests each: all allowed.
		r := te.send(rsvpRequest(te, slug, "c"+itoa(i)+"@example.org", "203.0.113."+itoa(i%3)))
		wantStatus(t, r, http.StatusCreated)
	}
	r := te.send(rsvpRequest(te, slug, "c9@example.org", "203.0.113.0"))
	wantProblem(t, r, http.StatusTooManyRequests, "rate_limited")

	if _, err := New(db, Config{TrustedProxies: []string{"not-an-ip"}, Clock: db.Clock()}); err == nil {
		t.Fatal("an invalid CONVENE_TRUSTED_PROXIES entry was accepted")
	}
	ipx, err := httpkit.IPExtractor([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "/", nil)
	req.RemoteAddr = "192.0.2.1:5555" // not a trusted proxy
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if ip := ipx(req); ip != "192.0.2.1" {
		t.Fatalf("untrusted peer's X-Forwarded-For was believed: %s", ip)
	}
	req.RemoteAddr = "10.1.2.3:5555"
	if ip := ipx(req); ip != "203.0.113.9" {
		t.Fatalf("trusted proxy's X-Forwarded-For was ignored: %s", ip)
	}
}

// TestRequestLogs: one JSON line per request with a request id and the
// route pattern; never the token in the path, nor e-mail addresses.
func TestRequestLogs(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	var logs syncBuf
	te := newTestEnv(t, db, func(c *siteConfig) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	_, tok := te.organiser("Ada")
	_, slug := te.event(tok, te.group(tok), nil, true)
	r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Ada", "email": "secret.person@example.org"})
	wantStatus(t, r, http.StatusCreated)
	manage := r.m(t)["manage_token"].(string)
	wantStatus(t, te.do("GET", "/api/v1/rsvps/"+manage, "", nil), http.StatusOK)
	wantStatus(t, te.do("GET", "/api/v1/rsvps/"+manage+"x", "", nil), http.StatusNotFound)
	wantStatus(t, te.do("GET", "/nowhere/"+manage, "", nil), http.StatusNotFound)
	if rid := r.Header.Get("X-Request-Id"); rid == "" || !strings.Contains(logs.String(), rid) {
		t.Fatalf("request id %q not in logs", rid)
	}
	out := logs.String()
	for _, s := range []string{manage, tok, "secret.person", "@example.org", slug} {
		if strings.Contains(out, s) {
			t.Fatalf("logs contain %q:\n%s", s, out)
		}
	}
	if !strings.Contains(out, `"route":"/api/v1/rsvps/:token"`) {
		t.Fatalf("logs should name the route pattern:\n%s", out)
	}
}
