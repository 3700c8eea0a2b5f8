package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/i18n"
)

// A group's evidence: its contribution records — who hosted, spoke,
// volunteered and came, with each event's numbers — a page at a time, by
// role or for one person, with the exports (CSV and JSON, as the JSON
// API writes them, httpkit.ExportContributions) and each record's public
// page (/v/{id}).

// ConsoleEvidence is what the evidence page needs.
type ConsoleEvidence interface {
	GroupContributions(ctx context.Context, organiserID, groupID string, f domain.ContributionFilter) (domain.Page[domain.Contribution], domain.ContributionTotals, error)
}

type recordItem struct {
	ID         string
	Person     string
	PersonURL  string
	Role       string
	TalkTitle  string
	EventTitle string
	EventDate  string
	Registered int
	InPerson   int
	Online     int
	Attended   string
	Revision   int
	Withdrawn  bool
	VerifyURL  string
}

type evidenceData struct {
	Meta       consoleMeta
	Group      domain.Group
	Base       string
	Role       string
	Person     string // the person shown, by name
	PersonID   string
	Roles      []roleChoice
	Records    []recordItem
	Totals     domain.ContributionTotals
	Next       string
	First      string
	CSVURL     string
	JSONURL    string
	AllURL     string
	FilterNote string
}

type roleChoice struct {
	Value, Label string
	Selected     bool
}

// evidencePageSize is how many records the evidence page shows at once.
const evidencePageSize = 50

// evidenceFilter reads ?role= and ?person= (a record's id: that
// person's records); bad values are "not found", as a link that leads
// nowhere.
func evidenceFilter(c echo.Context) (domain.ContributionFilter, error) {
	f := domain.ContributionFilter{Role: domain.PersonRole(c.QueryParam("role")), Person: c.QueryParam("person"),
		ListOptions: domain.ListOptions{Limit: evidencePageSize, Cursor: c.QueryParam("after")}}
	if f.Role != "" && !f.Role.Valid() {
		return f, &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: "role: must be host, speaker, volunteer or attendee",
			Fields: []domain.FieldError{{Field: "role", Message: "must be host, speaker, volunteer or attendee"}}}
	}
	if f.Person != "" && !domain.ValidID(f.Person) {
		return f, &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonContributionNotFound, Message: "No such contribution record."}
	}
	return f, nil
}

// evidenceQuery is the filter as a query string, without the page.
func evidenceQuery(f domain.ContributionFilter) url.Values {
	q := url.Values{}
	if f.Role != "" {
		q.Set("role", string(f.Role))
	}
	if f.Person != "" {
		q.Set("person", f.Person)
	}
	return q
}

func (s *Server) evidencePage(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.consoleGroup(c)
	if err != nil {
		return err
	}
	f, err := evidenceFilter(c)
	if err != nil {
		return err
	}
	p, totals, err := s.store.GroupContributions(ctx, organiser(c).ID, g.ID, f)
	if err != nil {
		return err
	}
	base := groupConsoleURL(g.ID) + "/evidence"
	l := langOf(c)
	d := evidenceData{Meta: s.consoleMeta(c, l.T("console.evidence.title", "Group", g.Name)), Group: g, Base: base, Role: string(f.Role), PersonID: f.Person,
		Totals: totals, AllURL: base}
	d.Meta.Section = "home"
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}}
	d.Roles = []roleChoice{{Value: "", Label: l.T("console.evidence.role.every")}}
	for _, r := range []domain.PersonRole{domain.RoleHost, domain.RoleSpeaker, domain.RoleVolunteer, domain.RoleAttendee} {
		d.Roles = append(d.Roles, roleChoice{Value: string(r), Label: l.T("console.evidence.role." + string(r))})
	}
	for i := range d.Roles {
		d.Roles[i].Selected = d.Roles[i].Value == d.Role
	}
	q := evidenceQuery(f)
	for _, r := range p.Items {
		pq := url.Values{"person": {r.ID}}
		it := recordItem{ID: r.ID, Person: r.PersonName, PersonURL: base + "?" + pq.Encode(), Role: roleIn(l, r.Role),
			TalkTitle: r.TalkTitle, EventTitle: r.EventTitle, EventDate: r.EventDate,
			Registered: r.Counts.Registered, InPerson: r.Counts.AttendedInPerson, Online: r.Counts.AttendedOnline,
			Attended: attendedIn(l, r.AttendedHow), Revision: r.Revision, Withdrawn: r.WithdrawnAt != nil,
			VerifyURL: "/v/" + url.PathEscape(r.ID)}
		if it.Person == "" {
			it.Person = l.T("console.door.erased")
		}
		if f.Person != "" && d.Person == "" {
			d.Person = it.Person
		}
		d.Records = append(d.Records, it)
	}
	sep := func(v url.Values) string {
		if e := v.Encode(); e != "" {
			return "?" + e
		}
		return ""
	}
	if p.NextCursor != "" {
		nq := evidenceQuery(f)
		nq.Set("after", p.NextCursor)
		d.Next = base + sep(nq)
	}
	if f.Cursor != "" {
		d.First = base + sep(q)
	}
	d.CSVURL, d.JSONURL = base+".csv"+sep(q), base+".json"+sep(q)
	return s.renderConsole(c, http.StatusOK, "evidence", d)
}

// evidenceExport streams the group's records (with the page's filter) as
// the JSON API's export does: every record as CSV, or a page as JSON
// (?after= for the next).
func (s *Server) evidenceExport(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		g, err := s.consoleGroup(c)
		if err != nil {
			return err
		}
		f, err := evidenceFilter(c)
		if err != nil {
			return err
		}
		f.Limit = domain.MaxPageSize
		k, err := s.store.SigningKey(ctx)
		if err != nil {
			return err
		}
		o := organiser(c).ID
		name := "contributions-" + strings.Trim(g.Slug, "-") + ".csv"
		return httpkit.ExportContributions(c, format, f.ListOptions, name, httpkit.ContributionView(s.cfg.BaseURL, k.ID),
			func(ctx context.Context, opts domain.ListOptions) (domain.Page[domain.Contribution], domain.ContributionTotals, error) {
				f.ListOptions = opts
				return s.store.GroupContributions(ctx, o, g.ID, f)
			})
	}
}

// roleIn names a role in a group's records, in l.
func roleIn(l *i18n.Lang, r domain.PersonRole) string {
	if !r.Valid() {
		return string(r)
	}
	return l.T("console.evidence.role." + string(r))
}
