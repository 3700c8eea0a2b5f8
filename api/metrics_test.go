package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/notifications"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// metricLine returns the sample line for a series (name and labels exactly
// as Prometheus writes them), or "".
func metricLine(body, series string) string {
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, series+" ") {
			return l
		}
	}
	return ""
}

func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const metricsToken = "metrics-s3cret-token"
		te := newTestEnv(t, db, func(c *siteConfig) { c.MetricsToken = metricsToken })
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		_, slug := te.event(tok, gid, 1, true)

		created := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": "grace.metrics@example.org"})
		wantStatus(t, created, http.StatusCreated)
		manage := created.m(t)["manage_token"].(string)
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Linus", "email": "linus.metrics@example.org"}), http.StatusCreated)
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Bad", "email": "not-an-address"}), http.StatusUnprocessableEntity)
		wantStatus(t, te.do("GET", "/api/v1/rsvps/"+manage, "", nil), http.StatusOK)

		t.Run("TokenRequired", func(t *testing.T) {
			wantProblem(t, te.do("GET", "/metrics", "", nil), http.StatusUnauthorized, "invalid_token")
			wantProblem(t, te.do("GET", "/metrics", "wrong", nil), http.StatusUnauthorized, "invalid_token")
			wantProblem(t, te.do("GET", "/metrics", tok, nil), http.StatusUnauthorized, "invalid_token")
		})

		r := te.do("GET", "/metrics", metricsToken, nil)
		wantStatus(t, r, http.StatusOK)
		body := string(r.Body)
		for _, series := range []string{
			`convene_http_requests_total{route="/api/v1/public/events/:slug/rsvps",status="201"}`,
			`convene_http_requests_total{route="/api/v1/rsvps/:token",status="200"}`,
			`convene_http_request_duration_seconds_count{route="/api/v1/public/events/:slug/rsvps",status="201"}`,
			`convene_rsvps_total{outcome="going",reason=""}`,
			`convene_rsvps_total{outcome="waitlisted",reason=""}`,
			`convene_rsvps_total{outcome="refused",reason="validation_failed"}`,
			`convene_jobs{kind="send_email",state="available"}`,
			`go_sql_open_connections{db_name="convene"}`,
		} {
			if metricLine(body, series) == "" {
				t.Errorf("no %s in /metrics", series)
			}
		}
		if l := metricLine(body, `convene_http_requests_total{route="/api/v1/public/events/:slug/rsvps",status="201"}`); l != "" && !strings.HasSuffix(l, " 2") {
			t.Errorf("want 2 RSVPs created: %s", l)
		}
		if l := metricLine(body, `convene_rsvps_total{outcome="going",reason=""}`); l != "" && !strings.HasSuffix(l, " 1") {
			t.Errorf("want 1 going: %s", l)
		}
		// On PostgreSQL the two RSVPs, one after the other, were claimed
		// in batches of one (the store's count is per process: at least 2).
		if db.Dialect() == store.Postgres {
			if l := metricLine(body, `convene_rsvp_claim_batches_total{size="1"}`); l == "" || strings.HasSuffix(l, " 0") || strings.HasSuffix(l, " 1") {
				t.Errorf("want at least 2 claim batches of one: %q", l)
			}
		}
		for _, secret := range []string{manage, tok, metricsToken, "@example.org", slug} {
			if strings.Contains(body, secret) {
				t.Errorf("/metrics shows %q", secret)
			}
		}

		// The counter rises with the next reply.
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Barbara", "email": "barbara.metrics@example.org"}), http.StatusCreated)
		r = te.do("GET", "/metrics", metricsToken, nil)
		if l := metricLine(string(r.Body), `convene_rsvps_total{outcome="waitlisted",reason=""}`); !strings.HasSuffix(l, " 2") {
			t.Errorf("waitlisted did not rise to 2: %q", l)
		}
	})
}

func TestMetricsOpenWithoutToken(t *testing.T) {
	te := newTestEnv(t, storetest.Open(t, store.SQLite))
	wantStatus(t, te.do("GET", "/healthz", "", nil), http.StatusOK)
	r := te.do("GET", "/metrics", "", nil)
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), "convene_http_requests_total") {
		t.Fatalf("no request counter: %s", r.Body)
	}
	// pprof is off unless configured.
	wantStatus(t, te.do("GET", "/debug/pprof/heap", "", nil), http.StatusNotFound)
	wantStatus(t, te.do("GET", "/debug/pprof/", "", nil), http.StatusNotFound)
}

func TestJobsSummary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		adminEmail := "admin-" + storetest.Unique() + "@example.org"
		te := newTestEnv(t, db, func(c *siteConfig) { c.AdminEmail = strings.ToUpper(adminEmail) })
		admin, err := db.CreateOrganiser(ctx, adminEmail, "Admin")
		if err != nil {
			t.Fatal(err)
		}
		_, adminTok, err := db.CreateAPIToken(ctx, admin.ID, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		_, slug := te.event(tok, gid, 5, true)
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": "grace.jobs@example.org"}), http.StatusCreated)

		// One job failed with the mail server's answer, which names the
		// recipient.
		// River keeps one JSON object per attempt: a jsonb[] on PostgreSQL,
		// a JSON array on SQLite.
		failure := `{"at":"2026-01-02T03:04:05Z","attempt":1,"error":"550 5.1.1 <grace.jobs@example.org>: no such user"}`
		q := `UPDATE river_job SET state = 'retryable', attempt = 1, errors = ARRAY[$1::jsonb] WHERE id = (SELECT max(id) FROM river_job WHERE kind = 'send_email')`
		if db.Dialect() == store.SQLite {
			failure = "[" + failure + "]"
			q = `UPDATE river_job SET state = 'retryable', attempt = 1, errors = jsonb(?) WHERE id = (SELECT max(id) FROM river_job WHERE kind = 'send_email')`
		}
		if _, err := db.SQL().ExecContext(ctx, q, failure); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Linus", "email": "linus.jobs@example.org"}), http.StatusCreated)

		t.Run("ErrForbidden", func(t *testing.T) {
			wantProblem(t, te.do("GET", "/api/v1/admin/jobs", tok, nil), http.StatusForbidden, "admin_required")
		})
		t.Run("ErrUnauthorized", func(t *testing.T) {
			wantProblem(t, te.do("GET", "/api/v1/admin/jobs", "", nil), http.StatusUnauthorized, "missing_token")
		})
		t.Run("OK", func(t *testing.T) {
			r := te.do("GET", "/api/v1/admin/jobs", adminTok, nil)
			wantStatus(t, r, http.StatusOK)
			m := r.m(t)
			counts := map[string]float64{}
			for _, c := range m["counts"].([]any) {
				c := c.(map[string]any)
				counts[c["kind"].(string)+"/"+c["state"].(string)] = c["count"].(float64)
			}
			if counts["send_email/retryable"] != 1 || counts["send_email/available"] < 1 {
				t.Errorf("counts: %v", counts)
			}
			if m["oldest_available_at"] == nil || m["oldest_available_age_seconds"].(float64) < 0 {
				t.Errorf("oldest available: %v %v", m["oldest_available_at"], m["oldest_available_age_seconds"])
			}
			fails := m["recent_failures"].([]any)
			if len(fails) != 1 {
				t.Fatalf("recent failures: %s", r.Body)
			}
			f := fails[0].(map[string]any)
			if f["kind"] != "send_email" || f["attempt"] != 1.0 || f["error"] != "550 5.1.1 <[address]>: no such user" || f["at"] != "2026-01-02T03:04:05Z" {
				t.Errorf("failure: %v", f)
			}
			if strings.Contains(string(r.Body), "@example.org") {
				t.Errorf("the summary shows an address: %s", r.Body)
			}
		})
	})
}

// A request counts as in flight for the e-mail workers (they give way to
// it) from its start to its end — here while its body is still arriving —
// and scrapes of /metrics never do.
func TestRequestsInForeground(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	fg := notifications.NewForeground()
	te := newTestEnv(t, db, func(c *siteConfig) { c.Foreground = fg })
	_, tok := te.organiser("Ada")
	gid := te.group(tok)
	_, slug := te.event(tok, gid, 5, true)

	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", te.srv.URL+"/api/v1/public/events/"+slug+"/rsvps", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	answered := make(chan int, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			answered <- 0
			return
		}
		res.Body.Close()
		answered <- res.StatusCode
	}()
	if _, err := pw.Write([]byte(`{"name": "Grace",`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for fg.InFlight() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests in flight while one is being read, want 1", fg.InFlight())
		}
		time.Sleep(time.Millisecond)
	}
	// The scrape itself is not counted: it shows the one request.
	r := te.do("GET", "/metrics", "", nil)
	if got := metricLine(string(r.Body), "convene_http_requests_in_flight"); r.Status != http.StatusOK || got != "convene_http_requests_in_flight 1" {
		t.Fatalf("metrics: status %d, %q", r.Status, got)
	}
	pw.Write([]byte(` "email": "grace@example.org"}`))
	pw.Close()
	if status := <-answered; status != http.StatusCreated {
		t.Fatalf("RSVP status %d", status)
	}
	if n := fg.InFlight(); n != 0 {
		t.Fatalf("%d requests in flight after the answer, want 0", n)
	}
}
