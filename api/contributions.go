package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
)

// contributionRoutes registers people, statistics, contribution exports
// and the public verification of records (issue 5).
func (s *Server) contributionRoutes(v1 *echo.Group, auth authed) {
	auth.GET("/events/:id/people", s.getEventPeople)
	v1.PUT("/events/:id/people", s.putEventPeople, s.authenticate)
	auth.GET("/events/:id/stats", s.getEventStats)
	auth.GET("/groups/:id/stats", s.getGroupStats)
	auth.GET("/groups/:id/contributions", s.listGroupContributions)
	auth.GET("/me/contributions", s.listMyContributions)
	v1.GET("/rsvps/:token/contributions", s.listAttendeeContributions)
	v1.GET("/public/contributions/:id", s.getPublicContribution)
}

// People

type speakerRequest struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	TalkTitle string `json:"talk_title"`
	SlidesURL string `json:"slides_url"`
}

type volunteerRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type eventPeopleRequest struct {
	Hosts      []string           `json:"hosts"`
	Speakers   []speakerRequest   `json:"speakers"`
	Volunteers []volunteerRequest `json:"volunteers"`
}

func (r eventPeopleRequest) input() domain.EventPeopleInput {
	in := domain.EventPeopleInput{HostIDs: r.Hosts}
	for _, p := range r.Speakers {
		in.Speakers = append(in.Speakers, domain.PersonInput{Name: p.Name, Email: p.Email, TalkTitle: p.TalkTitle, SlidesURL: p.SlidesURL})
	}
	for _, p := range r.Volunteers {
		in.Volunteers = append(in.Volunteers, domain.PersonInput{Name: p.Name, Email: p.Email})
	}
	return in
}

type hostJSON struct {
	OrganiserID string `json:"organiser_id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
}

type speakerJSON struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	TalkTitle string `json:"talk_title"`
	SlidesURL string `json:"slides_url"`
}

type volunteerJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// eventPeopleJSON is an event's people as its organisers see them.
// HostsDefault says no hosts were set, so the group's owners host it.
type eventPeopleJSON struct {
	Hosts        []hostJSON      `json:"hosts"`
	HostsDefault bool            `json:"hosts_default"`
	Speakers     []speakerJSON   `json:"speakers"`
	Volunteers   []volunteerJSON `json:"volunteers"`
}

func eventPeopleView(p domain.EventPeople, defaultHosts bool) eventPeopleJSON {
	out := eventPeopleJSON{Hosts: []hostJSON{}, HostsDefault: defaultHosts, Speakers: []speakerJSON{}, Volunteers: []volunteerJSON{}}
	for _, h := range p.Hosts {
		out.Hosts = append(out.Hosts, hostJSON{OrganiserID: h.OrganiserID, Name: h.Name, Email: h.Email})
	}
	for _, sp := range p.Speakers {
		out.Speakers = append(out.Speakers, speakerJSON{Name: sp.Name, Email: sp.Email, TalkTitle: sp.TalkTitle, SlidesURL: sp.SlidesURL})
	}
	for _, v := range p.Volunteers {
		out.Volunteers = append(out.Volunteers, volunteerJSON{Name: v.Name, Email: v.Email})
	}
	return out
}

func (s *Server) getEventPeople(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	p, def, err := s.store.FindEventPeople(c.Request().Context(), me(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, eventPeopleView(p, def))
}

func (s *Server) putEventPeople(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	var req eventPeopleRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	p, def, err := s.store.SetEventPeople(c.Request().Context(), me(c).ID, id, req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, eventPeopleView(p, def))
}

// Statistics

type statsJSON struct {
	Registered         int     `json:"registered"`
	Attended           int     `json:"attended"`
	AttendedInPerson   int     `json:"attended_in_person"`
	AttendedOnline     int     `json:"attended_online"`
	WalkIns            int     `json:"walk_ins"`
	NoShows            int     `json:"no_shows"`
	NoShowRate         float64 `json:"no_show_rate"`
	WaitlistJoined     int     `json:"waitlist_joined"`
	WaitlistPromoted   int     `json:"waitlist_promoted"`
	WaitlistConversion float64 `json:"waitlist_conversion"`
	RepeatAttendees    int     `json:"repeat_attendees"`
}

// eventStatsJSON is an event's numbers with what its attendees said.
type eventStatsJSON struct {
	statsJSON
	Feedback feedbackStatsJSON `json:"feedback"`
}

type groupStatsJSON struct {
	Events int `json:"events"`
	statsJSON
}

func statsView(st domain.EventStats) statsJSON {
	return statsJSON{Registered: st.Registered, Attended: st.Attended, AttendedInPerson: st.AttendedInPerson,
		AttendedOnline: st.AttendedOnline, WalkIns: st.WalkIns, NoShows: st.NoShows, NoShowRate: st.NoShowRate,
		WaitlistJoined: st.WaitlistJoined, WaitlistPromoted: st.WaitlistPromoted, WaitlistConversion: st.WaitlistConversion,
		RepeatAttendees: st.RepeatAttendees}
}

func (s *Server) getEventStats(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	st, err := s.store.EventStats(ctx, me(c).ID, id)
	if err != nil {
		return err
	}
	fb, err := s.store.EventFeedback(ctx, me(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, eventStatsJSON{statsJSON: statsView(st), Feedback: feedbackStatsView(fb)})
}

func (s *Server) getGroupStats(c echo.Context) error {
	id, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	st, events, err := s.store.GroupStats(c.Request().Context(), me(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, groupStatsJSON{Events: events, statsJSON: statsView(st)})
}

// Contribution records

// contributionJSON is one record as exports show it (httpkit writes
// them for the console too).
type contributionJSON = httpkit.ContributionRecord

func (s *Server) contributionView(keyID string) func(domain.Contribution) contributionJSON {
	return httpkit.ContributionView(s.cfg.BaseURL, keyID)
}

// contributionFilter reads ?from=&to=&role= (dates or RFC 3339 times) and
// the page options.
func contributionFilter(c echo.Context) (domain.ContributionFilter, error) {
	opts, err := listOptions(c)
	if err != nil {
		return domain.ContributionFilter{}, err
	}
	f := domain.ContributionFilter{ListOptions: opts, Role: domain.PersonRole(c.QueryParam("role"))}
	var v domain.Validation
	if f.Role != "" && !f.Role.Valid() {
		v.Add("role", "must be host, speaker, volunteer or attendee")
	}
	day := func(field, s string) *time.Time {
		if s == "" {
			return nil
		}
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return &t
		}
		t := parseTime(&v, field, s)
		return &t
	}
	f.From, f.To = day("from", c.QueryParam("from")), day("to", c.QueryParam("to"))
	return f, v.Err()
}

// pageFunc fetches one page of an export.
type pageFunc = httpkit.ContributionPages

// exportContributions answers with one page as JSON, or, when the client
// asks for text/csv, with every record (all pages) as CSV
// (httpkit.ExportContributions).
func (s *Server) exportContributions(c echo.Context, opts domain.ListOptions, filename string, fetch pageFunc) error {
	k, err := s.store.SigningKey(c.Request().Context())
	if err != nil {
		return err
	}
	return httpkit.ExportContributions(c, c.QueryParam("format"), opts, filename, s.contributionView(k.ID), fetch)
}

// csvSafe and prefersCSV are httpkit's (tested here, where they began).
var (
	csvSafe    = httpkit.CSVSafe
	prefersCSV = httpkit.PrefersCSV
	// contributionCSVHeader is the CSV's header row.
	contributionCSVHeader = httpkit.ContributionCSVHeader()
)

func (s *Server) listGroupContributions(c echo.Context) error {
	id, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	f, err := contributionFilter(c)
	if err != nil {
		return err
	}
	o := me(c).ID
	return s.exportContributions(c, f.ListOptions, "contributions.csv", func(ctx context.Context, opts domain.ListOptions) (domain.Page[domain.Contribution], domain.ContributionTotals, error) {
		f.ListOptions = opts
		return s.store.GroupContributions(ctx, o, id, f)
	})
}

func (s *Server) listMyContributions(c echo.Context) error {
	f, err := contributionFilter(c)
	if err != nil {
		return err
	}
	o := me(c).ID
	return s.exportContributions(c, f.ListOptions, "my-contributions.csv", func(ctx context.Context, opts domain.ListOptions) (domain.Page[domain.Contribution], domain.ContributionTotals, error) {
		f.ListOptions = opts
		return s.store.MyContributions(ctx, o, f)
	})
}

// listAttendeeContributions is an attendee's own records, through their
// manage token (see the store's AttendeeContributions for which).
func (s *Server) listAttendeeContributions(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	opts, err := listOptions(c)
	if err != nil {
		return err
	}
	return s.exportContributions(c, opts, "my-attendance.csv", func(ctx context.Context, opts domain.ListOptions) (domain.Page[domain.Contribution], domain.ContributionTotals, error) {
		self, p, totals, err := s.store.AttendeeContributions(ctx, t, opts)
		if err == nil && self.RSVP.ErasedAt != nil {
			err = domain.ErrRSVPErased
		}
		return p, totals, err
	})
}

// publicContributionJSON is a record as anyone may check it: the facts
// with the person's name (never an address), and where the key is.
type publicContributionJSON struct {
	contributionJSON
	KeyURL string `json:"key_url"`
}

// findLiveContribution returns a record that stands, with the id of the
// key that signed it; ENOTFOUND, or EGONE for a withdrawn one.
func (s *Server) findLiveContribution(c echo.Context) (domain.Contribution, string, error) {
	id, err := idParam(c, "id", "contribution")
	if err != nil {
		return domain.Contribution{}, "", err
	}
	ctx := c.Request().Context()
	rec, err := s.store.FindContribution(ctx, id)
	if err != nil {
		return rec, "", err
	}
	if err := rec.CheckStands(); err != nil {
		return rec, "", err
	}
	k, err := s.store.SigningKey(ctx)
	return rec, k.ID, err
}

func (s *Server) getPublicContribution(c echo.Context) error {
	rec, keyID, err := s.findLiveContribution(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.JSON(http.StatusOK, publicContributionJSON{contributionJSON: s.contributionView(keyID)(rec),
		KeyURL: s.cfg.BaseURL + SigningKeyPath})
}

// verifyURL is the public page of a record.
func verifyURL(baseURL, id string) string { return httpkit.VerifyURL(baseURL, id) }
