package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/notifications/smtptest"
)

// get fetches a URL with an optional bearer token and returns the status
// and body.
func get(t testing.TB, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestPprofOnlyWhenEnabled(t *testing.T) {
	t.Run("Off", func(t *testing.T) {
		in := startServe(t, map[string]string{"CONVENE_DATA_DIR": t.TempDir()})
		for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile"} {
			if st, _ := get(t, in.base+p, ""); st != http.StatusNotFound {
				t.Errorf("%s without CONVENE_PPROF: %d, want 404", p, st)
			}
		}
	})
	t.Run("On", func(t *testing.T) {
		in := startServe(t, map[string]string{"CONVENE_DATA_DIR": t.TempDir(), "CONVENE_PPROF": "1", "CONVENE_METRICS_TOKEN": "tok-123"})
		if st, _ := get(t, in.base+"/debug/pprof/heap", ""); st != http.StatusUnauthorized {
			t.Errorf("pprof without the metrics token: %d, want 401", st)
		}
		st, body := get(t, in.base+"/debug/pprof/", "tok-123")
		if st != http.StatusOK || !strings.Contains(body, "goroutine") {
			t.Errorf("pprof index: %d %.200s", st, body)
		}
		if st, body := get(t, in.base+"/debug/pprof/goroutine?debug=1", "tok-123"); st != http.StatusOK || !strings.Contains(body, "goroutine profile") {
			t.Errorf("goroutine profile: %d %.200s", st, body)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		if _, err := loadConfig(envFrom(map[string]string{"CONVENE_PPROF": "yes please"})); exitCode(err) != 2 {
			t.Fatalf("CONVENE_PPROF=yes please: %v", err)
		}
	})
}

// TestMetricsEndToEnd: the metrics token guards /metrics, an invite that
// reaches the mail server counts as sent, and the administrator (the first
// organiser) sees the job queue.
func TestMetricsEndToEnd(t *testing.T) {
	sink := smtptest.Start(t)
	env := mailEnv(t, "sqlite", sink)
	env["CONVENE_METRICS_TOKEN"] = "metrics-tok"
	in := startServe(t, env)
	f := newFlow(t, in)
	_, slug := f.event(5, "Oslo Go")

	if st, _ := get(t, in.base+"/metrics", ""); st != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", st)
	}
	if st, _ := get(t, in.base+"/metrics", f.token); st != http.StatusUnauthorized {
		t.Fatalf("/metrics with an organiser's token: %d", st)
	}

	f.rsvp(slug, "Grace Hopper", "grace@example.org")
	sink.WaitFor(t, 1, 20*time.Second)
	const sent = `convene_emails_total{kind="going",outcome="sent"} 1`
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var st int
		st, body = get(t, in.base+"/metrics", "metrics-tok")
		if st != http.StatusOK {
			t.Fatalf("/metrics with the token: %d %s", st, body)
		}
		if strings.Contains(body, sent) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{sent,
		`convene_http_requests_total{route="/api/v1/public/events/:slug/rsvps",status="201"} 1`,
		`convene_rsvps_total{outcome="going",reason=""} 1`,
		`convene_jobs{kind="send_email",state=`,
		`go_sql_max_open_connections{db_name="convene"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, secret := range []string{"@example.org", f.token, "metrics-tok"} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics shows %q", secret)
		}
	}

	st, sum := call(t, "GET", in.base+"/api/v1/admin/jobs", f.token, nil)
	if st != http.StatusOK {
		t.Fatalf("admin jobs: %d %v", st, sum)
	}
	var sendJobs float64
	for _, c := range sum["counts"].([]any) {
		c := c.(map[string]any)
		if c["kind"] == "send_email" {
			sendJobs += c["count"].(float64)
		}
	}
	if sendJobs < 1 {
		t.Errorf("no send_email jobs counted: %v", sum)
	}
}
