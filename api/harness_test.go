package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/notifications"
	"github.com/convene/convene/ops"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
	"github.com/convene/convene/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// testEnv is the service's HTTP side on loopback over a real database: the
// JSON API with the website and the operations endpoints, put together as
// cmd/convene does, since features are tested through their API and their
// pages alike. These tests are the only code in api that imports web and
// ops; the package itself never does (TestImports).
type testEnv struct {
	t   testing.TB
	db  *store.DB
	srv *httptest.Server
	api *Server
	web *web.Server
	ops *ops.Server
}

// siteConfig is the settings of the parts that tests change.
type siteConfig struct {
	BaseURL           string
	RSVPRatePerMinute int
	TrustedProxies    []string
	AdminEmail        string
	Logger            *slog.Logger
	MetricsToken      string
	BenchStatic       bool
	Foreground        *notifications.Foreground
	Inbound           Inbound
	InboundSecret     string
}

func newTestEnv(t testing.TB, db *store.DB, mutate ...func(*siteConfig)) *testEnv {
	t.Helper()
	te := &testEnv{t: t, db: db}
	te.srv = httptest.NewUnstartedServer(nil)
	cfg := siteConfig{BaseURL: "http://" + te.srv.Listener.Addr().String()}
	for _, m := range mutate {
		m(&cfg)
	}
	h, err := te.composeSite(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	te.srv.Config.Handler = h
	te.srv.Start()
	t.Cleanup(te.srv.Close)
	return te
}

// composeSite puts the API, the website and the operations endpoints
// together over db as cmd/convene does.
func (te *testEnv) composeSite(db *store.DB, cfg siteConfig) (http.Handler, error) {
	metrics := httpkit.NewMetrics()
	codes := httpkit.NewCodeGuard()
	hc := httpkit.Config{TrustedProxies: cfg.TrustedProxies}
	if cfg.Foreground != nil {
		hc.Foreground = cfg.Foreground
	}
	a, err := New(db, Config{BaseURL: cfg.BaseURL, RSVPRatePerMinute: cfg.RSVPRatePerMinute, TrustedProxies: cfg.TrustedProxies,
		Version: "test", Logger: cfg.Logger, Clock: db.Clock(), AdminEmail: cfg.AdminEmail, Metrics: metrics, Codes: codes, HTTP: hc,
		Inbound: cfg.Inbound, InboundSecret: cfg.InboundSecret})
	if err != nil {
		return nil, err
	}
	w, err := web.New(db, web.Config{BaseURL: cfg.BaseURL, Clock: db.Clock(), Logger: cfg.Logger,
		RSVPRatePerMinute: cfg.RSVPRatePerMinute, Codes: codes, Metrics: metrics, HTTP: hc})
	if err != nil {
		return nil, err
	}
	var site http.Handler
	oc := ops.Config{Logger: cfg.Logger, Metrics: metrics, MetricsToken: cfg.MetricsToken, BenchStatic: cfg.BenchStatic,
		Site: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { site.ServeHTTP(w, r) }),
		HTTP: httpkit.Config{TrustedProxies: cfg.TrustedProxies}}
	if cfg.Foreground != nil {
		oc.InFlight = func() int { return int(cfg.Foreground.InFlight()) }
	}
	o, err := ops.New(db, oc)
	if err != nil {
		return nil, err
	}
	site = httpkit.Join(w.Handler(), httpkit.Part{Paths: a.Paths(), Handler: a.Handler()}, httpkit.Part{Paths: o.Paths(), Handler: o.Handler()})
	te.api, te.web, te.ops = a, w, o
	return site, nil
}

// routes are the routes of every part of the site.
func (te *testEnv) routes() []*echo.Route {
	return slices.Concat(te.api.Echo().Routes(), te.web.Echo().Routes(), te.ops.Echo().Routes())
}

// response is what came back, already read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// m decodes the body as a JSON object.
func (r response) m(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	r.decode(t, &v)
	return v
}

// do sends a request; body is JSON-encoded unless it is a string or
// []byte, which are sent as they are. Every response is checked against the
// OpenAPI document.
func (te *testEnv) do(method, path, token string, body any) response {
	te.t.Helper()
	return te.send(te.request(method, path, token, body))
}

// request is do's request, for a test to add headers to before send.
func (te *testEnv) request(method, path, token string, body any) *http.Request {
	te.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			te.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, te.srv.URL+path, rd)
	if err != nil {
		te.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func (te *testEnv) send(req *http.Request) response {
	te.t.Helper()
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	res, err := te.srv.Client().Do(req)
	if err != nil {
		te.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		te.t.Fatal(err)
	}
	r := response{Status: res.StatusCode, Header: res.Header, Body: b}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	checkContract(te.t, req, r)
	return r
}

// organiser makes a new organiser and returns an API token for them.
func (te *testEnv) organiser(name string) (id, token string) {
	te.t.Helper()
	ctx := context.Background()
	o, err := te.db.CreateOrganiser(ctx, strings.ToLower(name)+"-"+storetest.Unique()+"@example.org", name)
	if err != nil {
		te.t.Fatal(err)
	}
	_, raw, err := te.db.CreateAPIToken(ctx, o.ID, "test", nil)
	if err != nil {
		te.t.Fatal(err)
	}
	return o.ID, raw
}

// group creates a group and returns its id.
func (te *testEnv) group(token string) string {
	te.t.Helper()
	r := te.do("POST", "/api/v1/groups", token, map[string]any{
		"slug": "g-" + storetest.Unique(), "name": "Oslo .NET User Group", "time_zone": "Europe/Oslo",
	})
	wantStatus(te.t, r, http.StatusCreated)
	return r.m(te.t)["id"].(string)
}

// event creates and, if publish is set, publishes an event a week ahead.
func (te *testEnv) event(token, groupID string, capacity any, publish bool) (id, slug string) {
	te.t.Helper()
	start := te.now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Minute)
	r := te.do("POST", "/api/v1/groups/"+groupID+"/events", token, map[string]any{
		"title": "Essentials: what you need to know", "kind": "meetup",
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":    map[string]any{"name": "Community Hall", "address": "Storgata 1, Oslo"},
		"capacity": capacity, "slug": "ev-" + storetest.Unique(),
	})
	wantStatus(te.t, r, http.StatusCreated)
	m := r.m(te.t)
	id, slug = m["id"].(string), m["slug"].(string)
	if publish {
		wantStatus(te.t, te.do("POST", "/api/v1/events/"+id+"/publish", token, nil), http.StatusOK)
	}
	return id, slug
}

func wantStatus(t testing.TB, r response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body: %s", r.Status, want, r.Body)
	}
}

// wantProblem checks a problem+json answer with the status and code.
func wantProblem(t testing.TB, r response, status int, code string) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body: %s", ct, r.Body)
	}
	m := r.m(t)
	if code != "" && m["code"] != code {
		t.Fatalf("code %v, want %s; body: %s", m["code"], code, r.Body)
	}
	return m
}

// syncBuf is a bytes.Buffer safe for concurrent writers.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// now is the time by the clock the server and its database share.
func (te *testEnv) now() time.Time { return te.db.Clock().Now() }
