package web

import (
	"context"
	"encoding/csv"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// An event's people, invitations and e-mails in the console: who replied
// (searched, filtered, a page at a time), seating someone from the
// waitlist, removing a reply, erasing a person's data, a CSV of the list;
// inviting a pasted list of people; and what was e-mailed to whom, with a
// failed e-mail sent again. Every change is the store's, with the
// signed-in organiser's id, as through the JSON API.

// ConsolePeople is what the people, invitations and e-mail pages need.
type ConsolePeople interface {
	FindEvent(ctx context.Context, organiserID, eventID string) (domain.Event, error)
	SearchRSVPs(ctx context.Context, organiserID, eventID string, f domain.RosterFilter) (domain.RosterPage, error)
	FindRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVP, error)
	SeatRSVP(ctx context.Context, organiserID, eventID, rsvpID string, s domain.Seating) (domain.RSVPView, error)
	RemoveRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVPView, error)
	EraseRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVPView, error)
	CreateInvitations(ctx context.Context, organiserID, eventID string, req domain.InvitationRequest) (domain.InvitationBatch, error)
	ListInvitations(ctx context.Context, organiserID, eventID string, f domain.InvitationFilter) (domain.Page[domain.Invitation], error)
	ListDeliveries(ctx context.Context, organiserID, eventID string, opts domain.ListOptions) (domain.Page[domain.Delivery], error)
	RetryDelivery(ctx context.Context, organiserID, eventID, deliveryID string) (domain.Delivery, error)
}

// peoplePageSize is how many people a page of the list shows.
const peoplePageSize = 50

// eventFrame is the event a page of the event's console is about, with
// its group for the crumbs.
type eventFrame struct {
	Event domain.Event
	Group domain.Group
	loc   *time.Location
	// When is the event's time, in its zone with the zone's name.
	When string
	URL  string // the event's console page
}

// loadEventFrame reads the event the path names, for the signed-in
// organiser (another group's event is "not found").
func (s *Server) loadEventFrame(c echo.Context) (eventFrame, error) {
	id, err := consoleID(c, "event_id", "event")
	if err != nil {
		return eventFrame{}, err
	}
	ctx, o := c.Request().Context(), organiser(c)
	e, err := s.store.FindEvent(ctx, o.ID, id)
	if err != nil {
		return eventFrame{}, err
	}
	g, _, err := s.store.FindGroup(ctx, o.ID, e.GroupID)
	if err != nil {
		return eventFrame{}, err
	}
	loc := present.Zone(e.TimeZone)
	return eventFrame{Event: e, Group: g, loc: loc, URL: eventConsoleURL(e.ID),
		When: present.When(e.StartsAt, e.EndsAt, loc, present.ShortDate)}, nil
}

// meta frames a page of the event's console titled title.
func (s *Server) eventMeta(c echo.Context, f eventFrame, title string) consoleMeta {
	m := s.consoleMeta(c, title)
	m.Section = "home"
	m.Crumbs = []pageLink{{URL: groupConsoleURL(f.Group.ID), Label: f.Group.Name}, {URL: f.URL, Label: f.Event.Title}}
	return m
}

// at shows an instant in the event's zone.
func (f eventFrame) at(t time.Time) string {
	return t.In(f.loc).Format("2 Jan 2006, 15:04") + " " + present.ZoneAbbr(t.In(f.loc))
}

func peopleURL(eventID string) string { return eventConsoleURL(eventID) + "/people" }

// peopleQuery is the list's search and filters as the page's GET form
// sends them.
type peopleQuery struct {
	Q         string
	Status    string
	CheckedIn bool
	Cursor    string
}

func readPeopleQuery(v url.Values) peopleQuery {
	return peopleQuery{Q: strings.TrimSpace(v.Get("q")), Status: v.Get("status"), CheckedIn: v.Get("checked_in") == "1",
		Cursor: v.Get("cursor")}
}

// values is the query as a URL query, without the cursor unless withCursor.
func (q peopleQuery) values(withCursor bool) url.Values {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	if q.CheckedIn {
		v.Set("checked_in", "1")
	}
	if withCursor && q.Cursor != "" {
		v.Set("cursor", q.Cursor)
	}
	return v
}

func (q peopleQuery) filter() domain.RosterFilter {
	return domain.RosterFilter{Query: q.Q, Status: domain.RSVPStatus(q.Status), CheckedIn: q.CheckedIn, Cursor: q.Cursor, Limit: peoplePageSize}
}

// withQuery adds a query (and a ?done= key) to a path.
func withQuery(path string, v url.Values, done string) string {
	if done != "" {
		v.Set("done", done)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// personRow is one RSVP in the list.
type personRow struct {
	ID        string
	Name      string
	Email     string
	Status    string
	Position  int
	Replied   template.HTML
	CheckedIn template.HTML
	WalkIn    bool
	Erased    bool
	// Calendar is the last answer of the person's calendar to the invite
	// ("Calendar: Maybe · Google Calendar · 7 Dec 2026, 14:05 CET") and
	// CalendarVia how it came in ("by e-mail (webhook)"); "" for none.
	Calendar    template.HTML
	CalendarVia string
	// Seat, Remove and Erase say which actions the row offers; AddSeat
	// that seating them adds a seat (the event is full).
	Seat, AddSeat, Remove, Erase bool
	// EraseURL is the page that asks before erasing, which comes back to
	// the list as it was.
	EraseURL string
}

type peopleData struct {
	Meta  consoleMeta
	Frame eventFrame
	// When is the event's time in the page's language, in a <time>;
	// Counts its numbers ("12 going, 3 waitlisted · 20 seats").
	When   template.HTML
	Counts string
	Query  peopleQuery
	Rows   []personRow
	// Return is the list's query, which the row's forms send back so that
	// the list comes back as it was.
	Return  string
	Action  string // the people page
	CSVURL  string
	NextURL string
	PrevURL string
	Errors  map[string]string
	// Filtered says a search or filter is on (for the empty list's text).
	Filtered bool
	Statuses []struct{ Value, Label string }
}

// peopleStatuses are the filter's choices (labels are message ids).
var peopleStatuses = []struct{ Value, Label string }{
	{"", "console.people.filter.everyone"}, {"going", "console.people.filter.going"},
	{"waitlisted", "console.people.filter.waitlisted"}, {"cancelled", "console.people.filter.cancelled"},
}

// peopleLabels name the list's search and filters in error sentences.
var peopleLabels = map[string]string{"q": "console.people.label.q", "status": "console.people.label.status",
	"cursor": "console.people.label.cursor"}

// peopleAt is an instant of the list in the event's zone, in l: "2 Dec
// 2026, 14:05 CET".
func peopleAt(l *i18n.Lang, loc *time.Location, t time.Time) string {
	t = t.In(loc)
	day := t.Format("2 Jan 2006")
	if !englishForms(l) {
		day = l.Date(t)
	}
	return l.DateTime(day, l.Time(t)) + " " + present.ZoneAbbr(t)
}

// peopleCounts says how many are going and waiting, and the seats, in l.
func peopleCounts(l *i18n.Lang, e domain.Event) string {
	seats := l.T("console.people.seats.unlimited")
	if e.Capacity != nil {
		seats = l.N("console.people.seats", *e.Capacity)
	}
	return l.T("console.people.counts", "Going", l.N("console.people.going", e.GoingCount),
		"Waitlisted", l.N("console.people.waitlisted", e.WaitlistCount), "Seats", seats)
}

// peoplePage lists the event's RSVPs, a page at a time.
func (s *Server) peoplePage(c echo.Context) error {
	return s.renderPeople(c, http.StatusOK, readPeopleQuery(c.QueryParams()), nil)
}

func (s *Server) renderPeople(c echo.Context, status int, q peopleQuery, n *notice) error {
	f, err := s.loadEventFrame(c)
	if err != nil {
		return err
	}
	e, l := f.Event, langOf(c)
	at := func(t time.Time) template.HTML { return timeTag(t, peopleAt(l, f.loc, t)) }
	d := peopleData{Meta: s.eventMeta(c, f, l.T("console.people.title", "Title", e.Title)), Frame: f, Query: q, Action: peopleURL(e.ID),
		CSVURL: withQuery(peopleURL(e.ID)+".csv", q.values(false), ""), Return: q.values(true).Encode(),
		Filtered: q.Q != "" || q.Status != "" || q.CheckedIn, Counts: peopleCounts(l, e),
		When: timeTag(e.StartsAt, compactWhen(l, e.StartsAt, e.EndsAt, f.loc))}
	for _, st := range peopleStatuses {
		d.Statuses = append(d.Statuses, struct{ Value, Label string }{st.Value, l.T(st.Label)})
	}
	if n != nil {
		d.Meta.Notice = n
	}
	p, err := s.store.SearchRSVPs(c.Request().Context(), organiser(c).ID, e.ID, q.filter())
	if fields, ferr := fieldErrorsIn(l, err, peopleLabels); ferr != nil {
		return ferr
	} else if fields != nil {
		d.Errors = fields
		if _, ok := fields["cursor"]; ok {
			d.Errors["cursor"] = l.T("console.people.error.cursor")
		}
		if status < 400 {
			status = http.StatusUnprocessableEntity
		}
		return s.renderConsole(c, status, "people", d)
	}
	live := e.Status == domain.EventPublished && s.now().Before(e.EndsAt)
	for _, r := range p.Items {
		row := personRow{ID: r.ID, Name: r.Name, Email: r.Email, Status: string(r.Status), Position: r.WaitlistPosition,
			Replied: at(r.CreatedAt), WalkIn: r.WalkIn, Erased: r.ErasedAt != nil}
		if r.AttendedAt != nil {
			row.CheckedIn = at(*r.AttendedAt)
		}
		row.Calendar, row.CalendarVia = consoleReply(l, r.LastReply, at)
		if !row.Erased {
			row.Seat = live && r.Status == domain.RSVPWaitlisted
			row.AddSeat = row.Seat && !e.HasFreeSeat()
			row.Remove = r.Status != domain.RSVPCancelled && r.AttendedAt == nil
			row.Erase = true
			row.EraseURL = withQuery(peopleURL(e.ID)+"/"+url.PathEscape(r.ID)+"/erase", q.values(true), "")
		}
		d.Rows = append(d.Rows, row)
	}
	if p.NextCursor != "" {
		d.NextURL = withQuery(peopleURL(e.ID), peopleQuery{Q: q.Q, Status: q.Status, CheckedIn: q.CheckedIn, Cursor: p.NextCursor}.values(true), "")
	}
	if p.PrevCursor != "" {
		d.PrevURL = withQuery(peopleURL(e.ID), peopleQuery{Q: q.Q, Status: q.Status, CheckedIn: q.CheckedIn, Cursor: p.PrevCursor}.values(true), "")
	}
	return s.renderConsole(c, status, "people", d)
}

// returnQuery is the list's query a row's form sent back (see
// peopleData.Return): only the list's own parameters are kept.
func returnQuery(c echo.Context) url.Values {
	v, _ := url.ParseQuery(c.FormValue("return"))
	return readPeopleQuery(v).values(true)
}

// personAction runs an action on one RSVP of the event and sends the
// browser back to the list as it was, with a notice; a change the event
// refuses (a conflict) shows the list again with the refusal.
func (s *Server) personAction(c echo.Context, done string, act func(ctx context.Context, organiserID, eventID, rsvpID string) error) error {
	eid, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	rid, err := consoleID(c, "rsvp_id", "RSVP")
	if err != nil {
		return err
	}
	back := returnQuery(c)
	err = act(c.Request().Context(), organiser(c).ID, eid, rid)
	switch domain.ErrorCode(err) {
	case "":
		return c.Redirect(http.StatusSeeOther, withQuery(peopleURL(eid), back, done))
	case domain.ECONFLICT, domain.EGONE:
		return s.renderPeople(c, httpkit.StatusOf(err).Status, readPeopleQuery(back), &notice{Kind: "error", Text: refusal(langOf(c), err)})
	}
	return err
}

// seatPost moves someone from the waitlist to going; on a full event only
// with add_seat=1, which adds a seat for them.
func (s *Server) seatPost(c echo.Context) error {
	add := c.FormValue("add_seat") == "1"
	return s.personAction(c, "seated", func(ctx context.Context, o, e, r string) error {
		_, err := s.store.SeatRSVP(ctx, o, e, r, domain.Seating{AddSeat: add})
		return err
	})
}

// removeRSVPPost cancels someone's RSVP; the person is told and the
// waitlist moves up.
func (s *Server) removeRSVPPost(c echo.Context) error {
	return s.personAction(c, "removed", func(ctx context.Context, o, e, r string) error {
		_, err := s.store.RemoveRSVP(ctx, o, e, r)
		return err
	})
}

type eraseRSVPData struct {
	Meta   consoleMeta
	Frame  eventFrame
	Person personRow
	Series bool
	// Lead says whose data is erased, from where, the name in bold.
	Lead   template.HTML
	Action string
	Back   string
	Return string
}

// eraseRSVPPage asks before erasing a person's data: it cannot be undone.
func (s *Server) eraseRSVPPage(c echo.Context) error {
	f, err := s.loadEventFrame(c)
	if err != nil {
		return err
	}
	rid, err := consoleID(c, "rsvp_id", "RSVP")
	if err != nil {
		return err
	}
	r, err := s.store.FindRSVP(c.Request().Context(), organiser(c).ID, f.Event.ID, rid)
	if err != nil {
		return err
	}
	back := readPeopleQuery(c.QueryParams()).values(true)
	l := langOf(c)
	d := eraseRSVPData{Meta: s.eventMeta(c, f, l.T("console.erase.title")), Frame: f, Series: f.Event.SeriesID != "",
		Person: personRow{Name: r.Name, Email: r.Email, Status: string(r.Status), Erased: r.ErasedAt != nil},
		Action: peopleURL(f.Event.ID) + "/" + url.PathEscape(r.ID) + "/erase", Back: withQuery(peopleURL(f.Event.ID), back, ""),
		Return: back.Encode()}
	d.Lead = eraseLead(l, r, d.Series)
	d.Meta.Crumbs = append(d.Meta.Crumbs, pageLink{URL: peopleURL(f.Event.ID), Label: l.T("console.event.link.people")})
	return s.renderConsole(c, http.StatusOK, "erase_rsvp", d)
}

// eraseLead says in l whose data is erased, the name in bold, and from
// where: the event, or every occurrence of its series.
func eraseLead(l *i18n.Lang, r domain.RSVP, series bool) template.HTML {
	id := "console.erase.lead.event"
	if series {
		id = "console.erase.lead.series"
	}
	return l.HTML(id, "Name", template.HTML("<strong>"+template.HTMLEscapeString(r.Name)+"</strong>"), "Email", r.Email)
}

// erasePost erases the person's name and address (the store's erasure, as
// the API's).
func (s *Server) eraseRSVPPost(c echo.Context) error {
	return s.personAction(c, "erased", func(ctx context.Context, o, e, r string) error {
		_, err := s.store.EraseRSVP(ctx, o, e, r)
		return err
	})
}

// peopleCSVPage is how many RSVPs the CSV reads at a time.
const peopleCSVPage = domain.MaxPageSize

// peopleCSVHeader names the CSV's columns. New columns go at the end, so
// that spreadsheets reading them by position keep working: calendar_reply
// is the last answer of the person's calendar (accepted, tentative or
// declined) and calendar_reply_at when it was received.
var peopleCSVHeader = []string{"name", "email", "status", "waitlist_position", "replied_at", "checked_in_at", "walk_in", "cancelled_at", "erased",
	"calendar_reply", "calendar_reply_at"}

// peopleCSV writes the list, with the page's search and filters, as CSV:
// a page of RSVPs at a time, written out as it is read, so that a long
// list is never held whole. Times are RFC 3339 in the event's zone.
func (s *Server) peopleCSV(c echo.Context) error {
	f, err := s.loadEventFrame(c)
	if err != nil {
		return err
	}
	q := readPeopleQuery(c.QueryParams())
	q.Cursor = ""
	filter := q.filter()
	filter.Limit = peopleCSVPage
	ctx, oid := c.Request().Context(), organiser(c).ID
	// The first page before the answer starts, so that a bad filter is
	// still a proper error.
	p, err := s.store.SearchRSVPs(ctx, oid, f.Event.ID, filter)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	name := f.Event.Slug
	if name == "" { // a draft may have none yet
		name = f.Event.ID
	}
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`-people.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	if err := w.Write(peopleCSVHeader); err != nil {
		return err
	}
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(f.loc).Format(time.RFC3339)
	}
	for {
		for _, r := range p.Items {
			pos := ""
			if r.WaitlistPosition > 0 {
				pos = strconv.Itoa(r.WaitlistPosition)
			}
			reply, replyAt := "", ""
			if l := r.LastReply; l != nil {
				reply, replyAt = string(l.Status), stamp(&l.ReceivedAt)
			}
			rec := []string{httpkit.CSVSafe(r.Name), httpkit.CSVSafe(r.Email), string(r.Status), pos, stamp(&r.CreatedAt),
				stamp(r.AttendedAt), strconv.FormatBool(r.WalkIn), stamp(r.CancelledAt), strconv.FormatBool(r.ErasedAt != nil),
				reply, replyAt}
			if err := w.Write(rec); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		c.Response().Flush()
		if p.NextCursor == "" {
			return nil
		}
		filter.Cursor = p.NextCursor
		if p, err = s.store.SearchRSVPs(ctx, oid, f.Event.ID, filter); err != nil {
			// The answer has begun: it can only be cut short.
			s.log.ErrorContext(ctx, "people CSV cut short", "event_id", f.Event.ID, "err", err)
			return nil
		}
	}
}

// Invitations.

// invitationsPageSize is how many invitations a page lists.
const invitationsPageSize = 100

type invitationRow struct {
	Name, Email, Status, LastError string
	Sent, Answered                 *stamp // nil: not yet
}

// stamp is an instant as a list shows it: When in the event's zone, in
// the page's language, Zone its abbreviation ("CET"), ISO for <time>.
type stamp struct {
	When, Zone, ISO string
}

type invitationsForm struct {
	People  string
	Message string
	// Lines are the pasted lines that could not be read.
	Lines  []domain.PastedLine
	Errors map[string]string
}

type invitationsData struct {
	Meta    consoleMeta
	Frame   eventFrame
	Form    invitationsForm
	Rows    []invitationRow
	Action  string
	NextURL string
	// FirstURL is the first page, when this is a later one.
	FirstURL string
	// Open says the event takes invitations now (published, RSVPs open).
	Open bool
	Max  int
}

func invitationsURL(eventID string) string { return eventConsoleURL(eventID) + "/invitations" }

func (s *Server) invitationsPage(c echo.Context) error {
	return s.renderInvitations(c, http.StatusOK, invitationsForm{}, nil)
}

func (s *Server) renderInvitations(c echo.Context, status int, form invitationsForm, n *notice) error {
	f, err := s.loadEventFrame(c)
	if err != nil {
		return err
	}
	l := langOf(c)
	f.When = eventWhenIn(l, shortFormat(l, present.ShortDate), f.Event)
	e := f.Event
	d := invitationsData{Meta: s.eventMeta(c, f, l.T("console.invitations.title", "Title", e.Title)), Frame: f, Form: form, Action: invitationsURL(e.ID),
		Open: e.Status == domain.EventPublished && e.CheckAcceptsRSVP(s.now()) == nil, Max: domain.MaxInvitationsPerRequest}
	if n != nil {
		d.Meta.Notice = n
	}
	for i, p := range d.Form.Lines {
		d.Form.Lines[i].Message = pastedText(l, p)
	}
	cursor := c.QueryParam("cursor")
	p, err := s.store.ListInvitations(c.Request().Context(), organiser(c).ID, e.ID,
		domain.InvitationFilter{ListOptions: domain.ListOptions{Limit: invitationsPageSize, Cursor: cursor}})
	if domain.ErrorCode(err) == domain.EINVALID {
		p, err = domain.Page[domain.Invitation]{}, nil // a stale cursor: the first page
		cursor = ""
	}
	if err != nil {
		return err
	}
	for _, i := range p.Items {
		d.Rows = append(d.Rows, invitationRowOf(l, f.loc, i))
	}
	if p.NextCursor != "" {
		d.NextURL = invitationsURL(e.ID) + "?cursor=" + url.QueryEscape(p.NextCursor)
	}
	if cursor != "" {
		d.FirstURL = invitationsURL(e.ID)
	}
	return s.renderConsole(c, status, "invitations", d)
}

// invitationRowOf is an invitation as the list shows it in l, its times
// in loc.
func invitationRowOf(l *i18n.Lang, loc *time.Location, i domain.Invitation) invitationRow {
	row := invitationRow{Name: i.Name, Email: i.Email, Status: l.T("console.invitations.status." + string(i.Status)), LastError: i.LastError}
	if i.SentAt != nil {
		row.Sent = atIn(l, loc, *i.SentAt)
	}
	if i.RespondedAt != nil {
		row.Answered = atIn(l, loc, *i.RespondedAt)
	}
	return row
}

// invitationsPost invites a pasted list of people. Lines that cannot be
// read are listed with why, above the list as it was typed; nobody is
// invited until every line reads.
func (s *Server) invitationsPost(c echo.Context) error {
	eid, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	l := langOf(c)
	form := invitationsForm{People: c.FormValue("people"), Message: strings.TrimSpace(c.FormValue("message"))}
	people := form.read(l)
	if form.Errors != nil {
		return s.renderInvitations(c, http.StatusUnprocessableEntity, form, nil)
	}
	_, err = s.store.CreateInvitations(c.Request().Context(), organiser(c).ID, eid, domain.InvitationRequest{Recipients: people, Message: form.Message})
	var de *domain.Error
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, invitationsURL(eid)+"?done=invited")
	case errors.As(err, &de) && de.Code == domain.ECONFLICT:
		return s.renderInvitations(c, http.StatusConflict, form, &notice{Kind: "error", Text: refusalText(l, de)})
	case errors.As(err, &de) && de.Code == domain.EINVALID && len(de.Fields) > 0:
		form.Errors = invitationErrors(l, de)
		return s.renderInvitations(c, http.StatusUnprocessableEntity, form, nil)
	}
	return err
}

// read reads the pasted list: the people in it, or, in l, the form's
// errors and the lines that could not be read.
func (form *invitationsForm) read(l *i18n.Lang) []domain.InvitationRecipient {
	people, bad := domain.ParseInvitees(form.People)
	switch {
	case len(bad) > 0:
		form.Lines = bad
		form.Errors = map[string]string{"people": l.N("console.invitations.error.lines", len(bad))}
	case len(people) == 0:
		form.Errors = map[string]string{"people": l.T("console.invitations.error.empty")}
	case len(people) > domain.MaxInvitationsPerRequest:
		form.Errors = map[string]string{"people": l.T("console.invitations.error.many", "Max", domain.MaxInvitationsPerRequest)}
	}
	return people
}

// invitationErrors are the field errors of an invitation request, in l,
// by field (the first of each).
func invitationErrors(l *i18n.Lang, de *domain.Error) map[string]string {
	out := map[string]string{}
	for _, f := range de.Fields {
		if _, ok := out[f.Field]; !ok {
			out[f.Field] = l.Field(f, invitationLabel(l, f.Field))
		}
	}
	return out
}

// invitationLabel names a field of the invitations' form in its errors.
func invitationLabel(l *i18n.Lang, field string) string {
	switch field {
	case "people", "recipients":
		return l.T("console.invitations.label.people")
	case "message":
		return l.T("console.invitations.label.message")
	}
	return l.T("console.event.label.other")
}

// pastedText says in l why a pasted line could not be read.
func pastedText(l *i18n.Lang, p domain.PastedLine) string {
	switch p.Problem {
	case domain.PastedAngle:
		return l.T("console.invitations.line.angle")
	case domain.PastedCells:
		return l.T("console.invitations.line.cells")
	case domain.PastedParts:
		return l.N("console.invitations.line.parts", p.Parts)
	case domain.PastedField:
		label := l.T("console.invitations.label.address")
		if p.Field.Field == "name" {
			label = l.T("console.invitations.label.name")
		}
		return l.Field(p.Field, label)
	}
	return p.Message
}

// eventRefusals are the messages, by reason, of the conflicts the
// invitations and e-mail pages show: an event that takes no invitations,
// an e-mail that cannot be sent again.
var eventRefusals = map[string]string{
	domain.ReasonEventNotPublished: "console.invitations.refused.draft",
	domain.ReasonEventCancelled:    "console.invitations.refused.cancelled",
	domain.ReasonRSVPNotOpen:       "console.invitations.refused.not_open",
	domain.ReasonRSVPClosed:        "rsvp.closed",
	domain.ReasonRSVPErased:        "console.email.refused.erased",
}

// refusalText is a refusal in l; one the page does not expect stays in
// the domain's English.
func refusalText(l *i18n.Lang, de *domain.Error) string {
	if id, ok := eventRefusals[de.Reason]; ok {
		return l.T(id)
	}
	return de.Message
}

// atIn is an instant in the event's zone loc, in l ("7 Dec 2026, 14:05"
// in English).
func atIn(l *i18n.Lang, loc *time.Location, t time.Time) *stamp {
	return &stamp{When: present.SpanIn(t, time.Time{}, loc, shortFormat(l, "2 Jan 2006")), Zone: present.ZoneAbbr(t.In(loc)), ISO: t.In(loc).Format(time.RFC3339)}
}

// E-mail.

// emailPageSize is how many e-mails a page lists.
const emailPageSize = 100

type emailRow struct {
	ID, Name, Email, Kind, Status, LastError string
	Queued, Sent                             *stamp // Sent nil: not yet
	Attempts                                 int
	Retry                                    bool
}

type emailData struct {
	Meta     consoleMeta
	Frame    eventFrame
	Rows     []emailRow
	Action   string // the e-mail page
	Cursor   string
	NextURL  string
	FirstURL string
}

func emailURL(eventID string) string { return eventConsoleURL(eventID) + "/email" }

// messageKinds are the kinds of e-mail the page names
// ("console.email.kind."+kind); others show their code.
var messageKinds = map[domain.MessageKind]bool{
	domain.MessageGoing: true, domain.MessageWaitlisted: true, domain.MessageUpdated: true, domain.MessageEventCancelled: true,
	domain.MessageRSVPCancelled: true, domain.MessageReminder: true, domain.MessageReconfirm: true, domain.MessageThankYou: true,
	domain.MessageRepeat: true,
}

// emailPage lists what was e-mailed about the event, to whom, when, and
// what the mail server answered when it failed.
func (s *Server) emailPage(c echo.Context) error {
	return s.renderEmail(c, http.StatusOK, nil)
}

func (s *Server) renderEmail(c echo.Context, status int, n *notice) error {
	f, err := s.loadEventFrame(c)
	if err != nil {
		return err
	}
	l := langOf(c)
	f.When = eventWhenIn(l, shortFormat(l, present.ShortDate), f.Event)
	e := f.Event
	cursor := c.QueryParam("cursor")
	if c.Request().Method == http.MethodPost {
		cursor = c.FormValue("cursor")
	}
	d := emailData{Meta: s.eventMeta(c, f, l.T("console.email.title", "Title", e.Title)), Frame: f, Action: emailURL(e.ID), Cursor: cursor}
	if n != nil {
		d.Meta.Notice = n
	}
	p, err := s.store.ListDeliveries(c.Request().Context(), organiser(c).ID, e.ID, domain.ListOptions{Limit: emailPageSize, Cursor: cursor})
	if domain.ErrorCode(err) == domain.EINVALID {
		p, err = domain.Page[domain.Delivery]{}, nil
		d.Cursor = ""
	}
	if err != nil {
		return err
	}
	for _, m := range p.Items {
		d.Rows = append(d.Rows, emailRowOf(l, f.loc, m))
	}
	if p.NextCursor != "" {
		d.NextURL = emailURL(e.ID) + "?cursor=" + url.QueryEscape(p.NextCursor)
	}
	if d.Cursor != "" {
		d.FirstURL = emailURL(e.ID)
	}
	return s.renderConsole(c, status, "email", d)
}

// emailRowOf is an e-mail as the list shows it in l, its times in loc.
func emailRowOf(l *i18n.Lang, loc *time.Location, m domain.Delivery) emailRow {
	kind := string(m.Kind)
	if messageKinds[m.Kind] {
		kind = l.T("console.email.kind." + kind)
	}
	row := emailRow{ID: m.ID, Name: m.Name, Email: m.Email, Kind: kind, Status: l.T("console.email.status." + string(m.Status)),
		LastError: m.LastError, Attempts: m.Attempts, Retry: m.Status == domain.DeliveryFailed && m.Email != ""}
	row.Queued = atIn(l, loc, m.CreatedAt)
	if m.SentAt != nil {
		row.Sent = atIn(l, loc, *m.SentAt)
	}
	return row
}

// retryFailure says in l why an e-mail could not be sent again; status
// is the e-mail's.
func retryFailure(l *i18n.Lang, de *domain.Error, status domain.DeliveryStatus) string {
	if de.Reason == domain.ReasonDeliveryNotFailed {
		return l.T("console.email.refused.not_failed", "Status", l.T("console.email.status."+string(status)))
	}
	return refusalText(l, de)
}

// retryPost sends a failed e-mail again and comes back to the same page of
// the list.
func (s *Server) retryPost(c echo.Context) error {
	eid, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	did, err := consoleID(c, "delivery_id", "e-mail")
	if err != nil {
		return err
	}
	d, err := s.store.RetryDelivery(c.Request().Context(), organiser(c).ID, eid, did)
	var de *domain.Error
	if errors.As(err, &de) && (de.Code == domain.ECONFLICT || de.Code == domain.EGONE) {
		return s.renderEmail(c, httpkit.StatusOf(err).Status, &notice{Kind: "error", Text: retryFailure(langOf(c), de, d.Status)})
	}
	if err != nil {
		return err
	}
	v := url.Values{}
	if cur := c.FormValue("cursor"); cur != "" {
		v.Set("cursor", cur)
	}
	return c.Redirect(http.StatusSeeOther, withQuery(emailURL(eid), v, "retried"))
}
