package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/convene/convene/domain"
)

// MetricsPath is where Prometheus scrapes the service.
const MetricsPath = "/metrics"

// JobStore is what the metrics and the administrator's jobs summary need
// from the job queue. Both methods return EINTERNAL when the job table
// cannot be read.
type JobStore interface {
	JobCounts(ctx context.Context) ([]domain.JobCount, error)
	JobsSummary(ctx context.Context, limit int) (domain.JobsSummary, error)
}

// Metrics holds the service's Prometheus metrics in a registry of its own
// (not the global one), so that a test can run many servers. It also
// counts e-mails for the notifications workers (it satisfies
// notifications.Metrics).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	rsvps    *prometheus.CounterVec
	emails   *prometheus.CounterVec
}

// NewMetrics makes the metrics and registers them, with the Go runtime's
// and the process's, in a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "convene_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "convene_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "status"}),
		rsvps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "convene_rsvps_total",
			Help: "Replies to events by outcome (going, waitlisted, pending, existing, refused, error); reason says why a reply was refused.",
		}, []string{"outcome", "reason"}),
		emails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "convene_emails_total",
			Help: "Attempts to send an e-mail by message kind and outcome (sent, failed, retried).",
		}, []string{"kind", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.rsvps, m.emails,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry the metrics are in, for more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// EmailOutcome counts one attempt to send an e-mail.
func (m *Metrics) EmailOutcome(kind, outcome string) {
	m.emails.WithLabelValues(kind, outcome).Inc()
}

// register adds the collectors that read the store: job counts and the
// database pool. A store without them (nil in route-listing tests) adds
// nothing.
func (m *Metrics) register(st Store) {
	if st == nil {
		return
	}
	m.reg.MustRegister(newJobsCollector(st))
	if d, ok := st.(interface{ SQL() *sql.DB }); ok {
		m.reg.MustRegister(collectors.NewDBStatsCollector(d.SQL(), "convene"))
	}
}

// countRequests counts every request by route pattern (c.Path(), never
// the raw path: paths can hold tokens) and final status. It runs outside
// logRequests, which has written errors by the time it returns.
func (s *Server) countRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path()
		if route == "" {
			route = "(unmatched)"
		}
		status := strconv.Itoa(c.Response().Status)
		s.metrics.requests.WithLabelValues(route, status).Inc()
		s.metrics.duration.WithLabelValues(route, status).Observe(time.Since(start).Seconds())
		return err
	}
}

// inForeground tells the e-mail workers a request is in flight, so that
// they give way to it (notifications.Foreground). Scrapes and profiles are
// not requests anyone waits on: a 30-second profile would otherwise slow
// the e-mails it means to measure.
func (s *Server) inForeground(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.Request().URL.Path; p == "/metrics" || strings.HasPrefix(p, "/debug/pprof") {
			return next(c)
		}
		defer s.cfg.Foreground.Begin()()
		return next(c)
	}
}

// countRSVP counts the outcome of one reply (a public RSVP, the RSVP form,
// an accepted invitation or a confirmed RSVP).
func (s *Server) countRSVP(res domain.RSVPResult, err error) {
	outcome, reason := "", ""
	var de *domain.Error
	switch {
	case err == nil && res.Pending != nil:
		outcome = "pending"
	case err == nil && !res.Created:
		outcome = "existing" // the address had replied: nothing changed
	case err == nil:
		outcome = string(res.RSVP.Status)
	case errors.As(err, &de) && de.Code != domain.EINTERNAL && de.Code != domain.EUNAVAILABLE:
		outcome, reason = "refused", de.Reason
		if reason == "" {
			reason = strings.ToLower(de.Code)
		}
	default:
		outcome = "error"
	}
	s.metrics.rsvps.WithLabelValues(outcome, reason).Inc()
}

// metricsRoutes registers /metrics and, when enabled, pprof.
func (s *Server) metricsRoutes(e *echo.Echo) {
	h := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, // a slow job table must not hide the rest
		ErrorLog:      slogPrinter{s},
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
			return &domain.Error{Code: domain.EUNAUTHORIZED, Reason: "invalid_token", Message: "Send the metrics token as \"Authorization: Bearer <token>\"."}
		}
		return next(c)
	}
}

// slogPrinter hands promhttp's errors to the server's logger.
type slogPrinter struct{ s *Server }

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
	p.s.log.Warn("metrics", "err", b.String())
}

// jobsCollector reports the job queue's size by kind and state, read from
// the job table at each scrape.
type jobsCollector struct {
	st   JobStore
	desc *prometheus.Desc
}

func newJobsCollector(st JobStore) *jobsCollector {
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
