package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// The door page of the console: who is expected at an event and who is
// in, a page at a time, with a button to check each person in (or undo
// it), walk-ins, the room's code for self check-in, and the links that let
// door staff without an account do the same (pages_door.go).

// ConsoleDoor is what the console's door page needs.
type ConsoleDoor interface {
	// DoorPage returns ENOTFOUND for an event of another group.
	DoorPage(ctx context.Context, organiserID, eventID string, f domain.DoorFilter) (domain.DoorPage, error)
	CheckIn(ctx context.Context, organiserID, eventID string, req domain.CheckinRequest) (domain.CheckinResult, error)
	UndoCheckIn(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVP, error)
	CreateDoorLink(ctx context.Context, organiserID, eventID, label string) (domain.DoorLink, string, error)
	ListDoorLinks(ctx context.Context, organiserID, eventID string, opts domain.ListOptions) (domain.Page[domain.DoorLink], error)
	RevokeDoorLink(ctx context.Context, organiserID, eventID, linkID string) error
}

// doorPageSize is how many people the console's door list shows at once.
const doorPageSize = 50

type consoleDoorPerson struct {
	ID     string
	Name   string
	Email  string
	Code   string
	In     bool
	At     string
	AtHTML template.HTML // At in a <time>
	How    string
	WalkIn bool
}

type consoleDoorLink struct {
	ID       string
	Label    string
	MadeBy   string
	Made     string
	Expires  string
	LastUsed string
	// MadeISO and LastUsedISO are the same instants for machines
	// (<time datetime>); ExpiresHTML is Expires in a <time>.
	MadeISO, LastUsedISO string
	ExpiresHTML          template.HTML
	State                string
	Active               bool
}

type doorForm struct {
	Name, Email, Label string
	Errors             map[string]string
}

type consoleDoorData struct {
	Meta       consoleMeta
	Event      domain.Event
	When       string
	StartISO   string
	Zone       string
	Base       string // the door page's URL
	Expected   int
	In         int
	Count      template.HTML // "<strong>3</strong> of <strong>20</strong> checked in"
	People     []consoleDoorPerson
	Query      string
	QueryError string
	Next       string // the next page's URL, "" on the last
	First      string // the first page's URL, "" on the first
	RoomCode   string
	CodeWindow string
	// CodeWindowHTML is CodeWindow in a <time>.
	CodeWindowHTML template.HTML
	CodeOpen       bool
	Links          []consoleDoorLink
	// NewLink is a door link just made, shown only on this answer.
	NewLink      string
	NewLinkLabel string
	Form         doorForm
	Published    bool
}

func doorConsoleURL(eventID string) string { return eventConsoleURL(eventID) + "/door" }

func (s *Server) doorConsolePage(c echo.Context) error {
	return s.renderConsoleDoor(c, http.StatusOK, doorForm{}, nil, "", "")
}

// renderConsoleDoor draws the door page: n is a notice instead of the
// ?done= one, newLink a door link's raw URL just made.
func (s *Server) renderConsoleDoor(c echo.Context, status int, form doorForm, n *notice, newLink, newLabel string) error {
	ctx := c.Request().Context()
	id, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	o := organiser(c)
	lang := langOf(c)
	q := strings.TrimSpace(c.FormValue("q"))
	f := domain.DoorFilter{Query: q, ListOptions: domain.ListOptions{Limit: doorPageSize, Cursor: c.QueryParam("after")}}
	l, err := s.store.DoorPage(ctx, o.ID, id, f)
	var qErr string
	if fields, ferr := fieldErrorsIn(lang, err, doorLabels); ferr != nil {
		return ferr
	} else if fields != nil {
		// A search too long, or a cursor from elsewhere: the first page,
		// unfiltered, and say why.
		qErr = fields["q"]
		if qErr == "" {
			qErr = lang.T("console.door.error.page")
		}
		if l, err = s.store.DoorPage(ctx, o.ID, id, domain.DoorFilter{ListOptions: domain.ListOptions{Limit: doorPageSize}}); err != nil {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	e := l.Event
	g, _, err := s.store.FindGroup(ctx, o.ID, e.GroupID)
	if err != nil {
		return err
	}
	loc := present.Zone(e.TimeZone)
	base := doorConsoleURL(e.ID)
	d := consoleDoorData{Meta: s.consoleMeta(c, lang.T("console.door.title", "Title", e.Title)), Event: e, Base: base, Expected: l.Expected, In: l.In,
		Query: q, QueryError: qErr, Form: form, NewLink: newLink, NewLinkLabel: newLabel, Published: e.Status == domain.EventPublished,
		When: whenIn(lang, e.StartsAt, e.EndsAt, loc), StartISO: e.StartsAt.UTC().Format(time.RFC3339),
		Zone: present.ZoneLabel(loc, e.StartsAt)}
	d.Meta.Section = "home"
	d.Count = doorCount(lang, l.In, l.Expected)
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}, {URL: eventConsoleURL(e.ID), Label: e.Title}}
	if n != nil {
		d.Meta.Notice = n
	}
	for _, r := range l.Items {
		p := consoleDoorPerson{ID: r.ID, Name: r.Name, Email: r.Email, In: r.AttendedAt != nil, WalkIn: r.WalkIn,
			Code: domain.FormatCode(r.CheckinCode)}
		if p.Name == "" {
			p.Name = lang.T("console.door.erased")
		}
		if r.AttendedAt != nil {
			p.At = lang.Time(r.AttendedAt.In(loc))
			p.AtHTML = timeTag(*r.AttendedAt, p.At)
			p.How = attendedIn(lang, r.AttendedHow)
		}
		d.People = append(d.People, p)
	}
	search := ""
	if q != "" {
		search = "q=" + url.QueryEscape(q) + "&"
	}
	if l.NextCursor != "" {
		d.Next = base + "?" + search + "after=" + url.QueryEscape(l.NextCursor) + "#people"
	}
	if f.Cursor != "" && qErr == "" {
		d.First = base + "?" + strings.TrimSuffix(search, "&") + "#people"
	}
	if e.SelfCheckinCode != "" && e.Status == domain.EventPublished {
		from, to := e.CheckinWindow()
		d.RoomCode = e.SelfCheckinCode
		d.CodeOpen = e.CheckinOpen(s.now())
		d.CodeWindow = compactWhen(lang, from, to, loc)
		d.CodeWindowHTML = timeTag(from, d.CodeWindow)
	}
	// An event has a few door links: the first page is all of them.
	links, err := s.store.ListDoorLinks(ctx, o.ID, e.ID, domain.ListOptions{Limit: domain.MaxPageSize})
	if err != nil {
		return err
	}
	now := s.now()
	for _, x := range links.Items {
		it := consoleDoorLink{ID: x.ID, Label: x.Label, MadeBy: x.CreatedByName, Made: instantIn(lang, x.CreatedAt, loc),
			Expires: instantIn(lang, x.ExpiresAt, loc), State: lang.T(doorLinkStateLabel[x.State(now)]), Active: x.State(now) == domain.DoorLinkActive,
			MadeISO: x.CreatedAt.UTC().Format(time.RFC3339)}
		it.ExpiresHTML = timeTag(x.ExpiresAt, it.Expires)
		if x.LastUsedAt != nil {
			it.LastUsed, it.LastUsedISO = instantIn(lang, *x.LastUsedAt, loc), x.LastUsedAt.UTC().Format(time.RFC3339)
		}
		if it.Label == "" {
			it.Label = lang.T("console.door.links.nolabel")
		}
		d.Links = append(d.Links, it)
	}
	return s.renderConsole(c, status, "door", d)
}

// doorLinkStateLabel are the ids of a door link's states.
var doorLinkStateLabel = map[domain.DoorLinkState]string{
	domain.DoorLinkActive: "console.door.links.state.active", domain.DoorLinkRevoked: "console.door.links.state.revoked",
	domain.DoorLinkExpired: "console.door.links.state.expired", domain.DoorLinkMakerRemoved: "console.door.links.state.maker-removed",
}

// doorLabels name the door page's fields in error sentences.
var doorLabels = map[string]string{"name": "console.door.label.name", "email": "console.door.label.email",
	"label": "console.door.label.label", "q": "console.door.label.q"}

// attendedIds are the ids of how a person was checked in, by method.
var attendedIds = map[domain.AttendanceMethod]string{
	domain.AttendedDoor: "console.door.how.door", domain.AttendedStaffLink: "console.door.how.door",
	domain.AttendedSelf: "console.door.how.self", domain.AttendedOnline: "console.door.how.online",
	domain.AttendedBulk: "console.door.how.bulk", domain.AttendedWalkIn: "console.door.how.walk-in",
}

// attendedIn says how a person was checked in, in l ("" for a method
// without words).
func attendedIn(l *i18n.Lang, m domain.AttendanceMethod) string {
	if id, ok := attendedIds[m]; ok {
		return l.T(id)
	}
	return ""
}

// doorBack is where a door form sends the browser: the list, searched as
// it was, at the person the form was about.
func doorBack(c echo.Context, eventID, done, rsvpID string) string {
	u := doorConsoleURL(eventID) + "?done=" + done
	if q := strings.TrimSpace(c.FormValue("q")); q != "" {
		u += "&q=" + url.QueryEscape(q)
	}
	if rsvpID != "" {
		u += "#p-" + rsvpID
	}
	return u
}

// doorConflict shows the door page again with what the store refused
// (the event is not published, check-in is closed, the person has no
// place) as an error notice.
func (s *Server) doorConflict(c echo.Context, err error, form doorForm) error {
	var de *domain.Error
	if errors.As(err, &de) && (de.Code == domain.ECONFLICT || de.Code == domain.EGONE) {
		return s.renderConsoleDoor(c, http.StatusConflict, form, &notice{Kind: "error", Text: refusal(langOf(c), err)}, "", "")
	}
	return err
}

// consoleCheckinPost checks one person of the list in.
func (s *Server) consoleCheckinPost(c echo.Context) error {
	id, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	rid, err := consoleID(c, "rsvp_id", "person")
	if err != nil {
		return err
	}
	res, err := s.store.CheckIn(c.Request().Context(), organiser(c).ID, id, domain.CheckinRequest{RSVPID: rid})
	if err != nil {
		return s.doorConflict(c, err, doorForm{})
	}
	done := "checked-in"
	if res.Already {
		done = "already-in"
	}
	return c.Redirect(http.StatusSeeOther, doorBack(c, id, done, res.RSVP.ID))
}

// consoleUndoCheckinPost takes a check-in back (a walk-in made at the
// door is cancelled with it).
func (s *Server) consoleUndoCheckinPost(c echo.Context) error {
	id, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	rid, err := consoleID(c, "rsvp_id", "person")
	if err != nil {
		return err
	}
	r, err := s.store.UndoCheckIn(c.Request().Context(), organiser(c).ID, id, rid)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, doorBack(c, id, "checkin-undone", r.ID))
}

// consoleWalkInPost registers someone who came without a place, as
// attended.
func (s *Server) consoleWalkInPost(c echo.Context) error {
	id, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	form := doorForm{Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email"))}
	// A walk-in needs a name and an address (the store's rule, checked
	// here first so that both fields say what is missing).
	var check domain.Validation
	domain.CheckPersonName(&check, "name", form.Name, true)
	domain.CheckEmail(&check, "email", form.Email, true)
	err = check.Err()
	if err == nil {
		_, err = s.store.CheckIn(c.Request().Context(), organiser(c).ID, id, domain.CheckinRequest{Name: form.Name, Email: form.Email})
	}
	if fields, ferr := fieldErrorsIn(langOf(c), err, doorLabels); ferr != nil {
		return s.doorConflict(c, ferr, form)
	} else if fields != nil {
		form.Errors = fields
		return s.renderConsoleDoor(c, http.StatusUnprocessableEntity, form, nil, "", "")
	}
	return c.Redirect(http.StatusSeeOther, doorConsoleURL(id)+"?done=walk-in#people")
}

// createDoorLinkPost makes a door-staff link and shows it, once.
func (s *Server) createDoorLinkPost(c echo.Context) error {
	id, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	form := doorForm{Label: strings.TrimSpace(c.FormValue("label"))}
	_, raw, err := s.store.CreateDoorLink(c.Request().Context(), organiser(c).ID, id, form.Label)
	if fields, ferr := fieldErrorsIn(langOf(c), err, doorLabels); ferr != nil {
		return s.doorConflict(c, ferr, form)
	} else if fields != nil {
		form.Errors = fields
		return s.renderConsoleDoor(c, http.StatusUnprocessableEntity, form, nil, "", "")
	}
	label := form.Label
	if label == "" {
		label = langOf(c).T("console.door.links.nolabel")
	}
	return s.renderConsoleDoor(c, http.StatusCreated, doorForm{}, nil, s.cfg.BaseURL+"/door/"+url.PathEscape(raw), label)
}

// revokeDoorLinkPost stops a door-staff link (a lost phone).
func (s *Server) revokeDoorLinkPost(c echo.Context) error {
	id, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	lid, err := consoleID(c, "link_id", "door link")
	if err != nil {
		return err
	}
	if err := s.store.RevokeDoorLink(c.Request().Context(), organiser(c).ID, id, lid); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, doorConsoleURL(id)+"?done=door-link-revoked#links")
}

// doorCount says how many of the people expected are in, the numbers
// strong.
func doorCount(l *i18n.Lang, in, expected int) template.HTML {
	strong := func(n int) template.HTML { return template.HTML("<strong>" + strconv.Itoa(n) + "</strong>") }
	return l.HTML("console.door.count", "In", strong(in), "Expected", strong(expected))
}
