// Package ops is what operators' tools reach besides the API's health
// checks: /metrics for Prometheus (with the job queue's size and the
// database pool), Go's pprof profiles when enabled, and the static baseline
// of convene-bench's feeds scenario when enabled. It must not import api or
// web; it speaks problem+json through httpkit like the JSON API.
package ops

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
)

// MetricsPath is where Prometheus scrapes the service.
const MetricsPath = "/metrics"

// Store is what the operations endpoints read: the job queue's size
// (EINTERNAL when the job table cannot be read).
type Store interface {
	JobCounts(ctx context.Context) ([]domain.JobCount, error)
}

// Config configures the operations endpoints.
type Config struct {
	// Logger receives one line per request and internal errors.
	Logger *slog.Logger
	// Metrics is the registry /metrics serves (required).
	Metrics *httpkit.Metrics
	// MetricsToken, when set, is required as a Bearer token by /metrics
	// and pprof.
	MetricsToken string
	// Pprof mounts net/http/pprof under /debug/pprof.
	Pprof bool
	// InFlight, when set, is reported as convene_http_requests_in_flight.
	InFlight func() int
	// BenchStatic mounts BenchStaticPath, the static baseline of
	// convene-bench's feeds scenario; Site is the service it captures the
	// feed from. Off in production.
	BenchStatic bool
	Site        http.Handler
	// HTTP is the shared plumbing's configuration; its Logger and Metrics
	// are the ones above.
	HTTP httpkit.Config
}

// Server is the operations part of the service.
type Server struct {
	store Store
	cfg   Config
	log   *slog.Logger
	echo  *echo.Echo
}

// Paths are the paths the operations part answers, for httpkit.Join.
func (s *Server) Paths() []string {
	p := []string{MetricsPath, "/debug/pprof/"}
	if s.cfg.BenchStatic {
		p = append(p, BenchStaticPath)
	}
	return p
}

// New builds the operations endpoints and registers the collectors that
// read the store (the job queue; the database pool when the store has
// one).
func New(st Store, cfg Config) (*Server, error) {
	if cfg.Metrics == nil {
		return nil, errors.New("ops: Config.Metrics is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: st, cfg: cfg, log: cfg.Logger}
	reg := cfg.Metrics.Registry()
	if st != nil {
		// A second server on one registry (tests) keeps the first's.
		_ = reg.Register(newJobsCollector(st))
		if d, ok := st.(interface{ SQL() *sql.DB }); ok {
			_ = reg.Register(collectors.NewDBStatsCollector(d.SQL(), "convene"))
		}
		if b, ok := st.(interface{ ClaimBatchSizes() map[string]int64 }); ok {
			_ = reg.Register(claimBatchesCollector{b.ClaimBatchSizes})
		}
	}
	if cfg.InFlight != nil {
		_ = reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "convene_http_requests_in_flight",
			Help: "Requests being answered; e-mails give way to them (scrapes and profiles do not count)."},
			func() float64 { return float64(cfg.InFlight()) }))
	}
	hc := cfg.HTTP
	hc.Logger, hc.Metrics = cfg.Logger, cfg.Metrics
	e, err := httpkit.New(hc, httpkit.ProblemHandler(cfg.Logger))
	if err != nil {
		return nil, err
	}
	s.echo = e
	s.metricsRoutes(e)
	s.benchRoutes(e)
	return s, nil
}

// Handler returns the operations endpoints as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo returns the Echo instance (for listing routes in tests).
func (s *Server) Echo() *echo.Echo { return s.echo }

// metricsRoutes registers /metrics and, when enabled, pprof.
func (s *Server) metricsRoutes(e *echo.Echo) {
	h := promhttp.HandlerFor(s.cfg.Metrics.Registry(), promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, // a slow job table must not hide the rest
		ErrorLog:      slogPrinter{s.log},
	})
	e.GET(MetricsPath, echo.WrapHandler(h), s.metricsToken)
	if !s.cfg.Pprof {
		return
	}
	// Echo strips the trailing slash, so the index answers at /debug/pprof
	// too; pprof.Index serves the named profiles below it.
	e.GET("/debug/pprof", echo.WrapHandler(http.HandlerFunc(pprof.Index)), s.metricsToken)
	e.GET("/debug/pprof/*", echo.WrapHandler(http.HandlerFunc(pprof.Index)), s.metricsToken)
	e.GET("/debug/pprof/cmdline", echo.WrapHandler(http.HandlerFunc(pprof.Cmdline)), s.metricsToken)
	e.GET("/debug/pprof/profile", echo.WrapHandler(http.HandlerFunc(pprof.Profile)), s.metricsToken)
	e.GET("/debug/pprof/symbol", echo.WrapHandler(http.HandlerFunc(pprof.Symbol)), s.metricsToken)
	e.POST("/debug/pprof/symbol", echo.WrapHandler(http.HandlerFunc(pprof.Symbol)), s.metricsToken)
	e.GET("/debug/pprof/trace", echo.WrapHandler(http.HandlerFunc(pprof.Trace)), s.metricsToken)
}

// metricsToken requires "Authorization: Bearer <MetricsToken>" when a
// token is configured. Hashes are compared so that neither the content
// nor the length of the token leaks through timing.
func (s *Server) metricsToken(next echo.HandlerFunc) echo.HandlerFunc {
	if s.cfg.MetricsToken == "" {
		return next
	}
	want := sha256.Sum256([]byte(s.cfg.MetricsToken))
	return func(c echo.Context) error {
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(token)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return &domain.Error{Code: domain.EUNAUTHORIZED, Reason: domain.ReasonInvalidToken, Message: "Send the metrics token as \"Authorization: Bearer <token>\"."}
		}
		return next(c)
	}
}

// slogPrinter hands promhttp's errors to the logger.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	var b strings.Builder
	for i, x := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		if err, ok := x.(error); ok {
			b.WriteString(err.Error())
		} else if str, ok := x.(string); ok {
			b.WriteString(str)
		}
	}
	p.log.Warn("metrics", "err", b.String())
}

// jobsCollector reports the job queue's size by kind and state, read from
// the job table at each scrape.
type jobsCollector struct {
	st   Store
	desc *prometheus.Desc
}

func newJobsCollector(st Store) *jobsCollector {
	return &jobsCollector{st: st, desc: prometheus.NewDesc("convene_jobs",
		"Background jobs by kind and state, as the job table holds them at scrape time.", []string{"kind", "state"}, nil)}
}

// Describe implements prometheus.Collector.
func (j *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- j.desc }

// Collect implements prometheus.Collector.
func (j *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	counts, err := j.st.JobCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(j.desc, err)
		return
	}
	for _, c := range counts {
		ch <- prometheus.MustNewConstMetric(j.desc, prometheus.GaugeValue, float64(c.Count), c.Kind, c.State)
	}
}

// claimBatchDesc describes how many RSVP claim batches of each size the
// store ran (PostgreSQL's public RSVPs arriving together, to one event or
// several, claimed in one transaction).
var claimBatchDesc = prometheus.NewDesc("convene_rsvp_claim_batches_total",
	"Batches in which public RSVPs arriving together were claimed in one transaction, by size (RSVPs per batch).", []string{"size"}, nil)

// claimBatchesCollector reports the store's claim batch counts.
type claimBatchesCollector struct{ sizes func() map[string]int64 }

// Describe implements prometheus.Collector.
func (claimBatchesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- claimBatchDesc }

// Collect implements prometheus.Collector.
func (c claimBatchesCollector) Collect(ch chan<- prometheus.Metric) {
	for size, n := range c.sizes() {
		ch <- prometheus.MustNewConstMetric(claimBatchDesc, prometheus.CounterValue, float64(n), size)
	}
}
