package httpkit

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/convene/convene/domain"
)

// Metrics holds the service's Prometheus metrics in a registry of its own
// (not the global one), so that a test can run many servers: requests by
// route, replies by outcome, and e-mails by outcome (it satisfies
// notifications.Metrics). ops serves the registry at /metrics.
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

// countRequests counts every request by route pattern (c.Path(), never
// the raw path: paths can hold tokens) and final status. It runs outside
// the request log, which has written errors by the time it returns.
func (m *Metrics) countRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path()
		if route == "" {
			route = "(unmatched)"
		}
		status := strconv.Itoa(c.Response().Status)
		m.requests.WithLabelValues(route, status).Inc()
		m.duration.WithLabelValues(route, status).Observe(time.Since(start).Seconds())
		return err
	}
}

// CountRSVP counts the outcome of one reply (a public RSVP by the API or
// the form, an accepted invitation, a confirmed RSVP). A nil Metrics
// counts nothing.
func (m *Metrics) CountRSVP(res domain.RSVPResult, err error) {
	if m == nil {
		return
	}
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
	m.rsvps.WithLabelValues(outcome, reason).Inc()
}
