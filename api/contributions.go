package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// contributionJSON is one record with what verifying it takes: the exact
// bytes that were signed, the signature and the key's id. Withdrawn
// records attest nothing any more: their signature and signed form are
// empty.
type contributionJSON struct {
	ID               string                     `json:"id"`
	PersonName       string                     `json:"person_name"`
	Role             domain.PersonRole          `json:"role"`
	ActivityType     domain.ActivityType        `json:"activity_type"`
	TalkTitle        string                     `json:"talk_title"`
	EventTitle       string                     `json:"event_title"`
	EventDate        string                     `json:"event_date"`
	EventURL         string                     `json:"event_url"`
	GroupName        string                     `json:"group_name"`
	Registered       int                        `json:"registered"`
	AttendedInPerson int                        `json:"attended_in_person"`
	AttendedOnline   int                        `json:"attended_online"`
	AttendedHow      domain.AttendanceMethod    `json:"attended_how"`
	Revision         int                        `json:"revision"`
	Previous         *domain.ContributionCounts `json:"previous"`
	VerifiedAt       time.Time                  `json:"verified_at"`
	Withdrawn        bool                       `json:"withdrawn"`
	Signature        string                     `json:"signature"`
	Signed           string                     `json:"signed"`
	KeyID            string                     `json:"key_id"`
	VerifyURL        string                     `json:"verify_url"`
}

func (s *Server) contributionView(keyID string) func(domain.Contribution) contributionJSON {
	return func(c domain.Contribution) contributionJSON {
		out := contributionJSON{ID: c.ID, PersonName: c.PersonName, Role: c.Role, ActivityType: c.ActivityType,
			TalkTitle: c.TalkTitle, EventTitle: c.EventTitle, EventDate: c.EventDate, EventURL: c.EventURL, GroupName: c.GroupName,
			Registered: c.Counts.Registered, AttendedInPerson: c.Counts.AttendedInPerson, AttendedOnline: c.Counts.AttendedOnline,
			AttendedHow: c.AttendedHow, Revision: c.Revision, Previous: c.Previous, VerifiedAt: c.VerifiedAt,
			Withdrawn: c.WithdrawnAt != nil, KeyID: keyID, VerifyURL: verifyURL(s.cfg.BaseURL, c.ID)}
		if !out.Withdrawn {
			out.Signature, out.Signed = c.Signature, string(c.SignedForm(keyID))
		}
		return out
	}
}

// contributionListJSON is an export: one page of records and the totals of
// every record the query selects.
type contributionListJSON struct {
	Items      []contributionJSON        `json:"items"`
	Totals     domain.ContributionTotals `json:"totals"`
	NextCursor *string                   `json:"next_cursor"`
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
type pageFunc func(ctx context.Context, opts domain.ListOptions) (domain.Page[domain.Contribution], domain.ContributionTotals, error)

// maxCSVRows bounds one CSV export (a page of 200 at a time).
const maxCSVRows = 100_000

// exportContributions answers with one page as JSON, or, when the client
// asks for text/csv, with every record (all pages) as CSV.
func (s *Server) exportContributions(c echo.Context, opts domain.ListOptions, filename string, fetch pageFunc) error {
	ctx := c.Request().Context()
	c.Response().Header().Add("Vary", "Accept")
	k, err := s.store.SigningKey(ctx)
	if err != nil {
		return err
	}
	view := s.contributionView(k.ID)
	format := c.QueryParam("format")
	if format != "" && format != "csv" && format != "json" {
		return fieldError("format", "must be json or csv")
	}
	if format == "json" || (format == "" && !prefersCSV(c.Request().Header.Get("Accept"))) {
		p, totals, err := fetch(ctx, opts)
		if err != nil {
			return err
		}
		l := list(p, view)
		return c.JSON(http.StatusOK, contributionListJSON{Items: l.Items, Totals: totals, NextCursor: l.NextCursor})
	}
	var rows []contributionJSON
	opts = domain.ListOptions{Limit: domain.MaxPageSize}
	for len(rows) < maxCSVRows {
		p, _, err := fetch(ctx, opts)
		if err != nil {
			return err
		}
		for _, it := range p.Items {
			rows = append(rows, view(it))
		}
		if p.NextCursor == "" {
			break
		}
		opts.Cursor = p.NextCursor
	}
	body, err := contributionsCSV(rows)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", body)
}

// contributionCSVHeader names the CSV columns: the record's fields as in
// JSON, previous as three columns, then what verifying takes.
var contributionCSVHeader = []string{"id", "person_name", "role", "activity_type", "talk_title", "event_title", "event_date",
	"event_url", "group_name", "registered", "attended_in_person", "attended_online", "attended_how", "revision",
	"previous_registered", "previous_attended_in_person", "previous_attended_online", "verified_at", "withdrawn",
	"key_id", "signature", "signed", "verify_url"}

// csvVerbatim are the columns a verifier needs exactly as they were
// signed or published: the record's id, the key id, the signature and the
// signed form. They are never altered. None of them can run in a
// spreadsheet: ids and key ids are letters and digits, a signature is
// standard base64 (letters, digits, "+", "/" and "="; it may start with
// "+", which a spreadsheet can at worst show as an error, never run) and
// the signed form always starts with "{".
var csvVerbatim = map[string]bool{"id": true, "key_id": true, "signature": true, "signed": true}

// contributionsCSV writes records as CSV (RFC 4180 quoting), a header row
// first. Every cell but the csvVerbatim columns goes through csvSafe, so
// that what people wrote (names, titles) cannot run as a formula while
// every record still verifies as exported.
func contributionsCSV(rows []contributionJSON) ([]byte, error) {
	var buf bytes.Buffer
	// Lines end in LF: csv.Writer with CRLF endings drops carriage returns
	// inside cells, which would change what they say.
	w := csv.NewWriter(&buf)
	write := func(cells []string) {
		for i, cell := range cells {
			if !csvVerbatim[contributionCSVHeader[i]] {
				cells[i] = csvSafe(cell)
			}
		}
		w.Write(cells)
	}
	write(append([]string(nil), contributionCSVHeader...))
	for _, r := range rows {
		prev := []string{"", "", ""}
		if p := r.Previous; p != nil {
			prev = []string{strconv.Itoa(p.Registered), strconv.Itoa(p.AttendedInPerson), strconv.Itoa(p.AttendedOnline)}
		}
		write([]string{r.ID, r.PersonName, string(r.Role), string(r.ActivityType), r.TalkTitle, r.EventTitle, r.EventDate,
			r.EventURL, r.GroupName, strconv.Itoa(r.Registered), strconv.Itoa(r.AttendedInPerson), strconv.Itoa(r.AttendedOnline),
			string(r.AttendedHow), strconv.Itoa(r.Revision), prev[0], prev[1], prev[2], r.VerifiedAt.UTC().Format(time.RFC3339),
			strconv.FormatBool(r.Withdrawn), r.KeyID, r.Signature, r.Signed, r.VerifyURL})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvSafe neutralises a cell that a spreadsheet would read as a formula
// (CSV injection): httpkit.CSVSafe, the rule of every CSV Convene writes.
func csvSafe(cell string) string { return httpkit.CSVSafe(cell) }

// prefersCSV reports whether an Accept header asks for text/csv over
// JSON: text/csv (or text/*) with a higher quality than application/json
// (or application/*). A bare */* gets JSON.
func prefersCSV(accept string) bool {
	if accept == "" {
		return false
	}
	var qCSV, qJSON, qAny float64 = -1, -1, -1
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch mt {
		case "text/csv":
			qCSV = max(qCSV, q)
		case "text/*":
			if qCSV < 0 {
				qCSV = q
			}
		case "application/json":
			qJSON = max(qJSON, q)
		case "application/*":
			if qJSON < 0 {
				qJSON = q
			}
		case "*/*":
			qAny = q
		}
	}
	if qJSON < 0 {
		qJSON = qAny
	}
	return qCSV > 0 && qCSV > qJSON
}

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
func verifyURL(baseURL, id string) string { return baseURL + "/v/" + url.PathEscape(id) }
