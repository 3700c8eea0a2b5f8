package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// The console's home page and a group's pages: its events, its settings
// and its co-organisers.

// groupItem is a group as the home page lists it.
type groupItem struct {
	Name string
	URL  string
}

// consoleEvent is an event as the console's lists show it.
type consoleEvent struct {
	Title  string
	URL    string // its console page
	Group  string
	When   string
	Status string // draft, published, cancelled
	// StatusText is the status in words when it is not published:
	// "draft", "cancelled".
	StatusText string
	Going      int
	Waiting    int
	Capacity   string // "20 seats", "no limit"
	Left       string // "5 seats left", "full", ""
	start      time.Time
}

type homeData struct {
	Meta      consoleMeta
	Groups    []groupItem
	Upcoming  []consoleEvent
	Attention []attentionItem
}

// homeUpcoming is how many upcoming events the home page lists.
const homeUpcoming = 10

// homePage lists the organiser's groups and their next events.
func (s *Server) homePage(c echo.Context) error {
	ctx, l := c.Request().Context(), langOf(c)
	o := organiser(c)
	d := homeData{Meta: s.consoleMeta(c, l.T("console.home.title"))}
	d.Meta.Section = "home"
	groups, err := s.store.ListGroups(ctx, o.ID, domain.ListOptions{Limit: domain.MaxPageSize})
	if err != nil {
		return err
	}
	now := s.now()
	for _, g := range groups.Items {
		d.Groups = append(d.Groups, groupItem{Name: g.Name, URL: groupConsoleURL(g.ID)})
		events, err := s.store.ListEvents(ctx, o.ID, g.ID, domain.EventFilter{From: &now, ListOptions: domain.ListOptions{Limit: homeUpcoming}})
		if err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.Status != domain.EventCancelled {
				d.Upcoming = append(d.Upcoming, s.consoleEvent(e, g, l))
			}
		}
	}
	sortByStart(d.Upcoming)
	if len(d.Upcoming) > homeUpcoming {
		d.Upcoming = d.Upcoming[:homeUpcoming]
	}
	if d.Attention, err = s.attention(c, groups.Items); err != nil {
		return err
	}
	return s.renderConsole(c, http.StatusOK, "home", d)
}

func groupConsoleURL(id string) string { return consolePrefix + "/groups/" + url.PathEscape(id) }

func eventConsoleURL(id string) string { return consolePrefix + "/events/" + url.PathEscape(id) }

// consoleEvent is an event as the console's lists show it, in the
// language l.
func (s *Server) consoleEvent(e domain.Event, g domain.Group, l *i18n.Lang) consoleEvent {
	loc := present.Zone(e.TimeZone)
	it := consoleEvent{Title: e.Title, URL: eventConsoleURL(e.ID), Group: g.Name, Status: string(e.Status),
		When:  consoleWhen(l, e.StartsAt, e.EndsAt, loc),
		Going: e.GoingCount, Waiting: e.WaitlistCount, Capacity: l.T("console.common.nolimit"), start: e.StartsAt}
	switch e.Status {
	case domain.EventDraft:
		it.StatusText = l.T("console.common.status.draft")
	case domain.EventCancelled:
		it.StatusText = l.T("console.common.status.cancelled")
	}
	if e.Capacity != nil {
		it.Capacity = l.N("console.common.seats", *e.Capacity)
		if left := *e.Capacity - e.GoingCount; left <= 0 {
			it.Left = l.T("console.common.full")
		} else {
			it.Left = l.N("places.left", left)
		}
	}
	return it
}

// consoleWhen is an event's time as the console's lists show it, in its
// zone with the zone named (end zero: its start alone). English keeps its
// short days, "Tue 15 Dec 2026, 18:00–20:00"; the other languages write
// the day in full, as CLDR gives it.
func consoleWhen(l *i18n.Lang, start, end time.Time, loc *time.Location) string {
	f := format(l)
	if l == english {
		f = present.LayoutFormat(present.ShortDate)
	}
	return present.SpanIn(start, end, loc, f) + " " + isolate(l, present.SpanZoneLabel(loc, start, end))
}

// isolate keeps a left-to-right name ("(Europe/Oslo, CET)") whole in a
// right-to-left language's text: without the isolates (LRI … PDI) its
// parentheses turn and its parts change places.
func isolate(l *i18n.Lang, s string) string { return l.Isolate(s) }

// sortByStart orders events of several groups by their start.
func sortByStart(events []consoleEvent) {
	slices.SortStableFunc(events, func(a, b consoleEvent) int { return a.start.Compare(b.start) })
}

// groupForm is the group form's values and errors.
type groupForm struct {
	Name         string
	Slug         string
	Description  string
	TimeZone     string
	ContactEmail string
	// Locale is the group's language (a tag of domain.Languages).
	Locale string
	Errors map[string]string
}

type groupFormData struct {
	Meta   consoleMeta
	Form   groupForm
	Action string
	Submit string
	Zones  []string
	// Languages are those a group may speak, for the form's choice.
	Languages []*i18n.Lang
	// GroupURL is the group's console page (settings), "" for a new one.
	GroupURL string
}

func (s *Server) newGroupPage(c echo.Context) error {
	l := langOf(c)
	d := groupFormData{Meta: s.consoleMeta(c, l.T("console.group.new.title")), Action: consolePrefix + "/groups", Submit: l.T("console.group.new.submit"),
		Zones: commonZones, Languages: i18n.All(), Form: groupForm{TimeZone: "Europe/London", Locale: l.Tag()}}
	d.Meta.Section = "home"
	return s.renderConsole(c, http.StatusOK, "group_form", d)
}

func readGroupForm(c echo.Context) groupForm {
	return groupForm{Name: strings.TrimSpace(c.FormValue("name")), Slug: strings.TrimSpace(c.FormValue("slug")),
		Description: c.FormValue("description"), TimeZone: strings.TrimSpace(c.FormValue("time_zone")),
		ContactEmail: strings.TrimSpace(c.FormValue("contact_email")), Locale: strings.TrimSpace(c.FormValue("locale"))}
}

// createGroupPost creates a group; its address is made from its name
// when none is given.
func (s *Server) createGroupPost(c echo.Context) error {
	form := readGroupForm(c)
	slug := form.Slug
	if slug == "" {
		slug = domain.SlugBase(form.Name)
	}
	g, err := s.store.CreateGroup(c.Request().Context(), organiser(c).ID, domain.Group{Slug: slug, Name: form.Name,
		Description: form.Description, TimeZone: form.TimeZone, ContactEmail: form.ContactEmail, Locale: domain.NormalizeLanguage(form.Locale)})
	l := langOf(c)
	if fields, ferr := formErrors(l, consoleConflict(err, "slug")); ferr != nil {
		return ferr
	} else if fields != nil {
		form.Errors = fields
		d := groupFormData{Meta: s.consoleMeta(c, l.T("console.group.new.title")), Action: consolePrefix + "/groups", Submit: l.T("console.group.new.submit"),
			Zones: commonZones, Languages: i18n.All(), Form: form}
		d.Meta.Section = "home"
		return s.renderConsole(c, http.StatusUnprocessableEntity, "group_form", d)
	}
	return c.Redirect(http.StatusSeeOther, groupConsoleURL(g.ID)+"?done=group-created")
}

// consoleConflict turns a taken slug into an error on the form's field, so
// that the form is shown again with it.
func consoleConflict(err error, field string) error {
	var de *domain.Error
	if errors.As(err, &de) && de.Reason == domain.ReasonSlugTaken {
		return &domain.Error{Code: domain.EINVALID, Reason: domain.ReasonValidationFailed, Message: domain.ErrorMessage(err),
			Fields: []domain.FieldError{{Field: field, Message: slugTaken}}}
	}
	return err
}

// slugTaken is the field error of a taken address, a sentence of its own
// (consoleFieldMessages).
const slugTaken = "This address is taken: choose another."

type memberItem struct {
	ID       string
	Name     string
	Email    string
	Role     string
	RoleText string // the role in words
	Joined   string
	Self     bool
}

type consoleGroupData struct {
	Meta      consoleMeta
	Group     domain.Group
	PublicURL string
	Owner     bool
	Upcoming  []consoleEvent
	Drafts    []consoleEvent
	Past      []consoleEvent
	PastDays  int
	Links     []pageLink
	// FeedURL is the group's public calendar feed, FeedWebcal the same
	// for calendar apps.
	FeedURL    string
	FeedWebcal template.URL
	// EvidenceURL is the group's contribution records.
	EvidenceURL string
}

// pastDays is how far back a group's page lists past events.
const pastDays = 90

// groupConsolePage is a group's page: its events, with links to its other
// pages.
func (s *Server) groupConsolePage(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := consoleID(c, "group_id", "group")
	if err != nil {
		return err
	}
	o, l := organiser(c), langOf(c)
	g, role, err := s.store.FindGroup(ctx, o.ID, id)
	if err != nil {
		return err
	}
	d := consoleGroupData{Meta: s.consoleMeta(c, g.Name), Group: g, PublicURL: "/g/" + url.PathEscape(g.Slug), Owner: role == domain.RoleOwner}
	d.Meta.Section = "home"
	now := s.now()
	// The drafts and the upcoming events in full (a group has a few at a
	// time); the past, the latest page of them.
	upcoming, err := s.store.ListEvents(ctx, o.ID, g.ID, domain.EventFilter{From: ptrTime(now.Add(-12 * time.Hour)), ListOptions: domain.ListOptions{Limit: domain.MaxPageSize}})
	if err != nil {
		return err
	}
	for _, e := range upcoming.Items {
		it := s.consoleEvent(e, g, l)
		switch {
		case e.Status == domain.EventDraft:
			d.Drafts = append(d.Drafts, it)
		case !now.Before(e.EndsAt):
			d.Past = append(d.Past, it)
		default:
			d.Upcoming = append(d.Upcoming, it)
		}
	}
	// The past: the last 90 days' events (older ones are in the group's
	// evidence), the latest first.
	past, err := s.store.ListEvents(ctx, o.ID, g.ID, domain.EventFilter{From: ptrTime(now.Add(-pastDays * 24 * time.Hour)), To: ptrTime(now.Add(-12 * time.Hour)),
		ListOptions: domain.ListOptions{Limit: domain.MaxPageSize}})
	if err != nil {
		return err
	}
	for _, e := range past.Items {
		if e.Status != domain.EventDraft {
			d.Past = append(d.Past, s.consoleEvent(e, g, l))
		}
	}
	sortByStart(d.Past)
	slices.Reverse(d.Past)
	d.PastDays = pastDays
	d.FeedURL = groupCalendarURL(s.cfg.BaseURL, g.Slug)
	d.FeedWebcal = webcalURL(d.FeedURL)
	d.EvidenceURL = groupConsoleURL(g.ID) + "/evidence"
	d.Links = groupLinks(l, g.ID)
	return s.renderConsole(c, http.StatusOK, "group", d)
}

// groupLinks lead from a group's page to its other pages.
func groupLinks(l *i18n.Lang, groupID string) []pageLink {
	base := groupConsoleURL(groupID)
	return []pageLink{{URL: base + "/members", Label: l.T("console.group.link.members")}, {URL: base + "/settings", Label: l.T("console.group.link.settings")},
		{URL: base + "/series", Label: l.T("console.group.link.series")}, {URL: base + "/evidence", Label: l.T("console.group.link.evidence")}}
}

func ptrTime(t time.Time) *time.Time { return &t }

func (s *Server) groupSettingsPage(c echo.Context) error {
	id, err := consoleID(c, "group_id", "group")
	if err != nil {
		return err
	}
	g, _, err := s.store.FindGroup(c.Request().Context(), organiser(c).ID, id)
	if err != nil {
		return err
	}
	form := groupForm{Name: g.Name, Slug: g.Slug, Description: g.Description, TimeZone: g.TimeZone, ContactEmail: g.ContactEmail,
		Locale: cmpOr(g.Locale, domain.DefaultLanguage)}
	return s.renderGroupSettings(c, http.StatusOK, g, form)
}

func (s *Server) renderGroupSettings(c echo.Context, status int, g domain.Group, form groupForm) error {
	l := langOf(c)
	d := groupFormData{Meta: s.consoleMeta(c, l.T("console.group.settings.title", "Group", g.Name)), Action: groupConsoleURL(g.ID) + "/settings",
		Submit: l.T("console.common.save"), Zones: commonZones, Languages: i18n.All(), Form: form, GroupURL: groupConsoleURL(g.ID)}
	d.Meta.Section = "home"
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}}
	return s.renderConsole(c, status, "group_form", d)
}

// groupSettingsPost saves the group's settings (owners only: the store
// says so).
func (s *Server) groupSettingsPost(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := consoleID(c, "group_id", "group")
	if err != nil {
		return err
	}
	o := organiser(c)
	g, _, err := s.store.FindGroup(ctx, o.ID, id)
	if err != nil {
		return err
	}
	form := readGroupForm(c)
	_, err = s.store.UpdateGroup(ctx, o.ID, id, domain.GroupUpdate{Name: &form.Name, Slug: &form.Slug, Description: &form.Description,
		TimeZone: &form.TimeZone, ContactEmail: &form.ContactEmail, Locale: &form.Locale})
	if fields, ferr := formErrors(langOf(c), consoleConflict(err, "slug")); ferr != nil {
		return ferr
	} else if fields != nil {
		form.Errors = fields
		return s.renderGroupSettings(c, http.StatusUnprocessableEntity, g, form)
	}
	return c.Redirect(http.StatusSeeOther, groupConsoleURL(id)+"?done=group-saved")
}

type membersData struct {
	Meta    consoleMeta
	Group   domain.Group
	Owner   bool
	Members []memberItem
	Form    memberForm
	Action  string
}

type memberForm struct {
	Email  string
	Name   string
	Role   string
	Errors map[string]string
}

func (s *Server) membersPage(c echo.Context) error {
	return s.renderMembers(c, http.StatusOK, memberForm{Role: string(domain.RoleOrganiser)})
}

func (s *Server) renderMembers(c echo.Context, status int, form memberForm) error {
	ctx := c.Request().Context()
	id, err := consoleID(c, "group_id", "group")
	if err != nil {
		return err
	}
	o, l := organiser(c), langOf(c)
	g, role, err := s.store.FindGroup(ctx, o.ID, id)
	if err != nil {
		return err
	}
	d := membersData{Meta: s.consoleMeta(c, l.T("console.members.title", "Group", g.Name)), Group: g, Owner: role == domain.RoleOwner, Form: form,
		Action: groupConsoleURL(g.ID) + "/members"}
	d.Meta.Section = "home"
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}}
	// A group has a handful of organisers: the first page is all of them.
	members, err := s.store.ListMembers(ctx, o.ID, g.ID, domain.ListOptions{Limit: domain.MaxPageSize})
	if err != nil {
		return err
	}
	for _, m := range members.Items {
		d.Members = append(d.Members, memberItem{ID: m.OrganiserID, Name: m.Name, Email: m.Email, Role: string(m.Role),
			RoleText: roleText(l, m.Role), Joined: consoleTime(l, m.JoinedAt), Self: m.OrganiserID == o.ID})
	}
	return s.renderConsole(c, status, "members", d)
}

// roleText is a co-organiser's role in words.
func roleText(l *i18n.Lang, r domain.Role) string {
	if r == domain.RoleOwner {
		return l.T("console.members.role.owner")
	}
	return l.T("console.members.role.organiser")
}

// addMemberPost adds a co-organiser by e-mail address (owners only). The
// person signs in with that address; nothing is sent until they ask.
func (s *Server) addMemberPost(c echo.Context) error {
	id, err := consoleID(c, "group_id", "group")
	if err != nil {
		return err
	}
	form := memberForm{Email: strings.TrimSpace(c.FormValue("email")), Name: strings.TrimSpace(c.FormValue("name")), Role: c.FormValue("role")}
	_, created, err := s.store.AddMember(c.Request().Context(), organiser(c).ID, id, form.Email, form.Name, domain.Role(form.Role))
	if fields, ferr := formErrors(langOf(c), err); ferr != nil {
		return ferr
	} else if fields != nil {
		form.Errors = fields
		return s.renderMembers(c, http.StatusUnprocessableEntity, form)
	}
	done := "member-added"
	if !created {
		done = "already-member"
	}
	return c.Redirect(http.StatusSeeOther, groupConsoleURL(id)+"/members?done="+done)
}

// removeMemberPost removes a co-organiser (owners only; the last owner
// stays).
func (s *Server) removeMemberPost(c echo.Context) error {
	id, err := consoleID(c, "group_id", "group")
	if err != nil {
		return err
	}
	who, err := consoleID(c, "organiser_id", "member")
	if err != nil {
		return err
	}
	if err := s.store.RemoveMember(c.Request().Context(), organiser(c).ID, id, who); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, groupConsoleURL(id)+"/members?done=member-removed")
}

// memberRolePost changes a co-organiser's role (owners only; the last
// owner stays one).
func (s *Server) memberRolePost(c echo.Context) error {
	id, err := consoleID(c, "group_id", "group")
	if err != nil {
		return err
	}
	who, err := consoleID(c, "organiser_id", "member")
	if err != nil {
		return err
	}
	if _, err := s.store.SetMemberRole(c.Request().Context(), organiser(c).ID, id, who, domain.Role(c.FormValue("role"))); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, groupConsoleURL(id)+"/members?done=role-saved")
}

// commonZones are the time zones the forms suggest; any IANA name is
// taken.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris", "Europe/Brussels",
	"Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich", "Europe/Rome", "Europe/Vienna", "Europe/Prague",
	"Europe/Warsaw", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Helsinki", "Europe/Athens",
	"Europe/Bucharest", "Europe/Istanbul", "Europe/Kyiv", "Africa/Cairo", "Africa/Lagos", "Africa/Nairobi",
	"Africa/Johannesburg", "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok",
	"Asia/Jakarta", "Asia/Singapore", "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Seoul", "Asia/Tokyo",
	"Australia/Perth", "Australia/Adelaide", "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo",
	"America/Argentina/Buenos_Aires", "America/Bogota", "America/Lima", "America/Mexico_City", "America/Chicago",
	"America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Vancouver", "America/Toronto",
	"America/New_York", "America/Halifax", "Pacific/Honolulu",
}
