package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/notifications/calendar"
)

// SeriesStore is what the series routes need from persistence.
type SeriesStore interface {
	// CreateSeries returns EINVALID (bad fields or rule), ECONFLICT
	// ("slug_taken") or ENOTFOUND (not a member of the group).
	CreateSeries(ctx context.Context, organiserID, groupID string, s domain.Series) (domain.SeriesView, error)
	ListSeries(ctx context.Context, organiserID, groupID string) ([]domain.Series, error)
	// FindSeries, UpdateSeries and EndSeries return ENOTFOUND for a series
	// of a group the organiser is not a member of.
	FindSeries(ctx context.Context, organiserID, seriesID string) (domain.SeriesView, error)
	UpdateSeries(ctx context.Context, organiserID, seriesID string, u domain.SeriesUpdate) (domain.SeriesView, error)
	EndSeries(ctx context.Context, organiserID, seriesID, reason string) (domain.SeriesView, error)
	FindPublicSeries(ctx context.Context, slug string) (domain.SeriesView, error)
	// SeriesFeed returns the series with every occurrence for its feed.
	SeriesFeed(ctx context.Context, slug string) (domain.SeriesView, error)
	FollowStore
}

func (s *Server) seriesRoutes(pub *echo.Group, auth authed) {
	pub.GET("/series/:slug", s.getPublicSeries)
	pub.GET("/series/:slug/calendar.ics", s.getSeriesCalendar)
	pub.POST("/series/:slug/followers", s.followSeries, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	pub.POST("/followers/:token/confirm", s.confirmFollow, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	pub.POST("/followers/:token/unfollow", s.unfollow, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	auth.POST("/groups/:id/series", s.createSeries)
	auth.GET("/groups/:id/series", s.listSeries)
	auth.GET("/series/:id", s.getSeries)
	auth.PATCH("/series/:id", s.updateSeries)
	auth.POST("/series/:id/end", s.endSeries)
}

type createSeriesRequest struct {
	Slug        string           `json:"slug"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Kind        domain.EventKind `json:"kind"`
	RRule       string           `json:"rrule"`
	StartsAt    string           `json:"starts_at"`
	Duration    string           `json:"duration"`
	TimeZone    string           `json:"time_zone"`
	OnlineURL   string           `json:"online_url"`
	Venue       *venueRequest    `json:"venue"`
	Capacity    *int             `json:"capacity"`
	Waitlist    *bool            `json:"waitlist"`
	Ahead       *int             `json:"ahead"`
}

// parseDuration reads a series' duration. One too long to count is
// refused with the limit that Validate would name.
func parseDuration(v *domain.Validation, field, s string) time.Duration {
	d, err := domain.ParseISODuration(s)
	switch {
	case errors.Is(err, domain.ErrDurationTooLong):
		v.Add(field, "must be at most 7 days")
	case err != nil:
		v.Add(field, "must be an ISO 8601 duration such as PT1H30M")
	}
	return d
}

// series turns the request into a domain series, reporting unparsable
// times and durations; the rules are checked by domain.Series.Validate and
// the store (the meaning of the rule).
func (r createSeriesRequest) series() (domain.Series, error) {
	var v domain.Validation
	s := domain.Series{Slug: r.Slug, Title: r.Title, Description: r.Description, Kind: r.Kind,
		RRule: domain.NormalizeRRule(r.RRule), TimeZone: r.TimeZone, OnlineURL: r.OnlineURL, Capacity: r.Capacity,
		Waitlist: true, Ahead: domain.DefaultSeriesAhead}
	if r.StartsAt != "" {
		s.StartsAt = parseTime(&v, "starts_at", r.StartsAt)
	}
	if r.Duration != "" {
		s.Duration = parseDuration(&v, "duration", r.Duration)
	}
	if r.Venue != nil {
		s.Venue = &domain.Venue{Name: r.Venue.Name, Address: r.Venue.Address}
	}
	if r.Waitlist != nil {
		s.Waitlist = *r.Waitlist
	}
	if r.Ahead != nil {
		s.Ahead = *r.Ahead
	}
	return s, v.Err()
}

type updateSeriesRequest struct {
	Title       Optional[string]       `json:"title"`
	Description Optional[string]       `json:"description"`
	RRule       Optional[string]       `json:"rrule"`
	StartsAt    Optional[string]       `json:"starts_at"`
	Duration    Optional[string]       `json:"duration"`
	OnlineURL   Optional[string]       `json:"online_url"`
	Venue       Optional[venueRequest] `json:"venue"`
	Capacity    Optional[int]          `json:"capacity"`
	Waitlist    Optional[bool]         `json:"waitlist"`
	Ahead       Optional[int]          `json:"ahead"`
}

func (r updateSeriesRequest) update() (domain.SeriesUpdate, error) {
	var (
		v domain.Validation
		u domain.SeriesUpdate
	)
	u.Title = optString(&v, "title", r.Title, false)
	u.Description = optString(&v, "description", r.Description, true)
	u.RRule = optString(&v, "rrule", r.RRule, false)
	u.OnlineURL = optString(&v, "online_url", r.OnlineURL, true)
	if s := optString(&v, "starts_at", r.StartsAt, false); s != nil {
		t := parseTime(&v, "starts_at", *s)
		u.StartsAt = &t
	}
	if s := optString(&v, "duration", r.Duration, false); s != nil {
		d := parseDuration(&v, "duration", *s)
		u.Duration = &d
	}
	u.Venue, u.Capacity = optVenue(r.Venue), optNullable(r.Capacity)
	u.Waitlist = optBool(&v, "waitlist", r.Waitlist)
	if r.Ahead.Set {
		if r.Ahead.Null {
			v.Add("ahead", "cannot be null")
		} else {
			n := r.Ahead.Value
			u.Ahead = &n
		}
	}
	return u, v.Err()
}

// occurrenceJSON is one occurrence as organisers see it.
type occurrenceJSON struct {
	EventID         string             `json:"event_id"`
	Slug            string             `json:"slug"`
	OccurrenceStart time.Time          `json:"occurrence_start"`
	StartsAt        time.Time          `json:"starts_at"`
	EndsAt          time.Time          `json:"ends_at"`
	Status          domain.EventStatus `json:"status"`
	Detached        bool               `json:"detached"`
	GoingCount      int                `json:"going_count"`
	WaitlistCount   int                `json:"waitlist_count"`
	SeatsLeft       *int               `json:"seats_left"`
}

type seriesJSON struct {
	ID          string           `json:"id"`
	GroupID     string           `json:"group_id"`
	Slug        string           `json:"slug"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Kind        domain.EventKind `json:"kind"`
	RRule       string           `json:"rrule"`
	StartsAt    time.Time        `json:"starts_at"`
	Duration    string           `json:"duration"`
	TimeZone    string           `json:"time_zone"`
	OnlineURL   string           `json:"online_url"`
	Venue       *venueJSON       `json:"venue"`
	Capacity    *int             `json:"capacity"`
	Waitlist    bool             `json:"waitlist"`
	Ahead       int              `json:"ahead"`
	Sequence    int              `json:"sequence"`
	PublicURL   string           `json:"public_url"`
	CalendarURL string           `json:"calendar_url"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	EndedAt     *time.Time       `json:"ended_at"`
	Occurrences []occurrenceJSON `json:"occurrences,omitempty"`
}

func (s *Server) seriesView(x domain.Series, occ []domain.Occurrence) seriesJSON {
	out := seriesJSON{ID: x.ID, GroupID: x.GroupID, Slug: x.Slug, Title: x.Title, Description: x.Description,
		Kind: x.Kind, RRule: x.RRule, StartsAt: x.StartsAt, Duration: domain.FormatISODuration(x.Duration),
		TimeZone: x.TimeZone, OnlineURL: x.OnlineURL, Venue: venueView(x.Venue), Capacity: x.Capacity,
		Waitlist: x.Waitlist, Ahead: x.Ahead, Sequence: x.Sequence,
		PublicURL: s.cfg.BaseURL + "/s/" + x.Slug, CalendarURL: s.seriesCalendarURL(x.Slug),
		CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt, EndedAt: x.EndedAt}
	if occ != nil {
		out.Occurrences = []occurrenceJSON{}
	}
	for _, o := range occ {
		out.Occurrences = append(out.Occurrences, occurrenceJSON{EventID: o.EventID, Slug: o.Slug,
			OccurrenceStart: o.OccurrenceStart, StartsAt: o.StartsAt, EndsAt: o.EndsAt, Status: o.Status,
			Detached: o.Detached, GoingCount: o.Going, WaitlistCount: o.Waitlist, SeatsLeft: o.SeatsLeft})
	}
	return out
}

func (s *Server) seriesCalendarURL(slug string) string {
	return s.cfg.BaseURL + "/api/v1/public/series/" + slug + "/calendar.ics"
}

func (s *Server) createSeries(c echo.Context) error {
	gid, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	var req createSeriesRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	x, err := req.series()
	if err != nil {
		return err
	}
	v, err := s.store.CreateSeries(c.Request().Context(), me(c).ID, gid, x)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.seriesView(v.Series, v.Occurrences))
}

func (s *Server) listSeries(c echo.Context) error {
	gid, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	list, err := s.store.ListSeries(c.Request().Context(), me(c).ID, gid)
	if err != nil {
		return err
	}
	items := make([]seriesJSON, len(list))
	for i, x := range list {
		items[i] = s.seriesView(x, nil)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (s *Server) getSeries(c echo.Context) error {
	id, err := idParam(c, "id", "series")
	if err != nil {
		return err
	}
	v, err := s.store.FindSeries(c.Request().Context(), me(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.seriesView(v.Series, nonNil(v.Occurrences)))
}

func (s *Server) updateSeries(c echo.Context) error {
	id, err := idParam(c, "id", "series")
	if err != nil {
		return err
	}
	var req updateSeriesRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := req.update()
	if err != nil {
		return err
	}
	v, err := s.store.UpdateSeries(c.Request().Context(), me(c).ID, id, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.seriesView(v.Series, nonNil(v.Occurrences)))
}

type endSeriesRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) endSeries(c echo.Context) error {
	id, err := idParam(c, "id", "series")
	if err != nil {
		return err
	}
	var req endSeriesRequest
	if c.Request().ContentLength != 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	v, err := s.store.EndSeries(c.Request().Context(), me(c).ID, id, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.seriesView(v.Series, nonNil(v.Occurrences)))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// publicOccurrenceJSON is an upcoming occurrence as anyone sees it.
type publicOccurrenceJSON struct {
	Slug      string             `json:"slug"`
	StartsAt  time.Time          `json:"starts_at"`
	EndsAt    time.Time          `json:"ends_at"`
	Local     localTimesJSON     `json:"local"`
	Status    domain.EventStatus `json:"status"`
	SeatsLeft *int               `json:"seats_left"`
	URL       string             `json:"url"`
}

// publicSeriesJSON is what anyone may see of a series: never the online_url
// and never who follows it.
type publicSeriesJSON struct {
	Slug        string                 `json:"slug"`
	Title       string                 `json:"title"`
	Description string                 `json:"description"`
	Kind        domain.EventKind       `json:"kind"`
	RRule       string                 `json:"rrule"`
	Duration    string                 `json:"duration"`
	TimeZone    string                 `json:"time_zone"`
	Venue       *venueJSON             `json:"venue"`
	Online      bool                   `json:"online"`
	Group       groupRefJSON           `json:"group"`
	Ended       bool                   `json:"ended"`
	URL         string                 `json:"url"`
	CalendarURL string                 `json:"calendar_url"`
	Occurrences []publicOccurrenceJSON `json:"occurrences"`
}

func (s *Server) publicSeriesView(v domain.SeriesView) publicSeriesJSON {
	x := v.Series
	out := publicSeriesJSON{Slug: x.Slug, Title: x.Title, Description: x.Description, Kind: x.Kind, RRule: x.RRule,
		Duration: domain.FormatISODuration(x.Duration), TimeZone: x.TimeZone, Venue: venueView(x.Venue),
		Online: x.OnlineURL != "", Group: groupRefJSON{Slug: v.Group.Slug, Name: v.Group.Name}, Ended: x.EndedAt != nil,
		URL: s.cfg.BaseURL + "/s/" + x.Slug, CalendarURL: s.seriesCalendarURL(x.Slug), Occurrences: []publicOccurrenceJSON{}}
	for _, o := range v.Occurrences {
		e := domain.Event{StartsAt: o.StartsAt, EndsAt: o.EndsAt, TimeZone: x.TimeZone}
		out.Occurrences = append(out.Occurrences, publicOccurrenceJSON{Slug: o.Slug, StartsAt: o.StartsAt, EndsAt: o.EndsAt,
			Local: localTimes(e), Status: o.Status, SeatsLeft: o.SeatsLeft, URL: s.cfg.BaseURL + "/e/" + o.Slug})
	}
	return out
}

func seriesSlugParam(c echo.Context) (string, error) {
	slug := c.Param("slug")
	var v domain.Validation
	if domain.CheckSlug(&v, "slug", slug); v.Err() != nil {
		return "", &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonSeriesNotFound, Message: "No such series."}
	}
	return slug, nil
}

func (s *Server) getPublicSeries(c echo.Context) error {
	slug, err := seriesSlugParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.FindPublicSeries(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.publicSeriesView(v))
}

// getSeriesCalendar serves the series as one recurring event (RRULE in the
// series' zone with its VTIMEZONE, EXDATE for cancelled occurrences,
// RECURRENCE-ID overrides for moved ones), for subscribing.
func (s *Server) getSeriesCalendar(c echo.Context) error {
	slug, err := seriesSlugParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.SeriesFeed(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	body, err := calendar.PublishSeries(v, s.now(), calendar.FeedOptions{BaseURL: s.cfg.BaseURL, Name: v.Series.Title})
	if err != nil {
		return err
	}
	return serveCalendar(c, body, v.Series.UpdatedAt, v.Series.Slug+".ics", "public, no-cache")
}
