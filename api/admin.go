package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications"
)

// recentJobFailures is how many failed jobs the jobs summary lists.
const recentJobFailures = 20

type jobCountJSON struct {
	Kind  string `json:"kind"`
	State string `json:"state"`
	Count int    `json:"count"`
}

type jobFailureJSON struct {
	ID      int64      `json:"id"`
	Kind    string     `json:"kind"`
	State   string     `json:"state"`
	Attempt int        `json:"attempt"`
	Error   string     `json:"error"`
	At      *time.Time `json:"at"`
}

type jobsSummaryJSON struct {
	Counts                   []jobCountJSON   `json:"counts"`
	OldestAvailableAt        *time.Time       `json:"oldest_available_at"`
	OldestAvailableAgeSecond *float64         `json:"oldest_available_age_seconds"`
	RecentFailures           []jobFailureJSON `json:"recent_failures"`
}

// requireAdmin lets through only the instance's administrator: the
// organiser whose e-mail is Config.AdminEmail (CONVENE_ADMIN_EMAIL, the
// first organiser). There is no administrator role yet.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.cfg.AdminEmail == "" || !strings.EqualFold(strings.TrimSpace(me(c).Email), strings.TrimSpace(s.cfg.AdminEmail)) {
			return &domain.Error{Code: domain.EFORBIDDEN, Reason: domain.ReasonAdminRequired, Message: "Only the instance's administrator may see this."}
		}
		return next(c)
	}
}

// getJobsSummary answers GET /api/v1/admin/jobs: the job queue by kind and
// state, how long the oldest waiting job has waited, and recent failures
// with addresses redacted.
func (s *Server) getJobsSummary(c echo.Context) error {
	sum, err := s.store.JobsSummary(c.Request().Context(), recentJobFailures)
	if err != nil {
		return err
	}
	out := jobsSummaryJSON{Counts: []jobCountJSON{}, RecentFailures: []jobFailureJSON{}}
	for _, n := range sum.Counts {
		out.Counts = append(out.Counts, jobCountJSON{Kind: n.Kind, State: n.State, Count: n.Count})
	}
	if t := sum.OldestAvailable; t != nil {
		at := t.UTC()
		age := max(0, s.now().Sub(at).Seconds())
		out.OldestAvailableAt, out.OldestAvailableAgeSecond = &at, &age
	}
	for _, f := range sum.RecentFailures {
		j := jobFailureJSON{ID: f.ID, Kind: f.Kind, State: f.State, Attempt: f.Attempt, Error: notifications.Redact(f.Error)}
		if !f.At.IsZero() {
			at := f.At.UTC()
			j.At = &at
		}
		out.RecentFailures = append(out.RecentFailures, j)
	}
	return c.JSON(http.StatusOK, out)
}
