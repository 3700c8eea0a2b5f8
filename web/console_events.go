package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// An event's pages in the console: the form that creates and edits it, its
// overview, publishing, cancelling with a reason and duplicating. Times are
// typed and shown in the event's zone, with the zone named.

// ConsoleEvents is what the event pages need: the same store methods as
// the JSON API's event routes.
type ConsoleEvents interface {
	CreateEvent(ctx context.Context, organiserID, groupID string, e domain.Event) (domain.Event, error)
	FindEvent(ctx context.Context, organiserID, eventID string) (domain.Event, error)
	UpdateEvent(ctx context.Context, organiserID, eventID string, u domain.EventUpdate) (domain.EventChange, error)
	PublishEvent(ctx context.Context, organiserID, eventID string) (domain.Event, error)
	CancelEvent(ctx context.Context, organiserID, eventID, reason string) (domain.Event, error)
	SetEventPeople(ctx context.Context, organiserID, eventID string, in domain.EventPeopleInput) (domain.EventPeople, bool, error)
	FindEventPeople(ctx context.Context, organiserID, eventID string) (domain.EventPeople, bool, error)
	EventStats(ctx context.Context, organiserID, eventID string) (domain.EventStats, error)
	FindAttention(ctx context.Context, organiserID string, limit int) (domain.Attention, error)
}

// localLayout is how a datetime-local field reads and writes a time.
const localLayout = "2006-01-02T15:04"

// blankSpeakers is how many empty speaker rows the form offers: a person
// adds more by saving and coming back (no JavaScript).
const blankSpeakers = 2

// eventForm is the event form's values, as typed, and its errors.
type eventForm struct {
	Title, Description, Kind string
	Starts, Ends             string // localLayout, in TimeZone
	TimeZone                 string
	Locale                   string // "" speaks the group's language
	VenueName, VenueAddress  string
	OnlineURL                string
	Capacity                 string
	Waitlist                 bool
	Opens, Closes            string // localLayout, in TimeZone
	Confirm                  bool
	Hosts                    []string // organiser ids ticked
	Speakers                 []domain.PersonInput
	volunteers               []domain.PersonInput // kept as they are
	Errors                   map[string]string
}

func readEventForm(c echo.Context) eventForm {
	trim := func(name string) string { return strings.TrimSpace(c.FormValue(name)) }
	f := eventForm{Title: trim("title"), Description: c.FormValue("description"), Kind: trim("kind"),
		Starts: trim("starts_at"), Ends: trim("ends_at"), TimeZone: trim("time_zone"), Locale: trim("locale"),
		VenueName: trim("venue_name"), VenueAddress: trim("venue_address"), OnlineURL: trim("online_url"),
		Capacity: trim("capacity"), Waitlist: c.FormValue("waitlist") == "on", Opens: trim("rsvp_opens_at"),
		Closes: trim("rsvp_closes_at"), Confirm: c.FormValue("confirm") == "email"}
	params, _ := c.FormParams()
	f.Hosts = params["host"]
	names, emails, talks, slides := params["speaker_name"], params["speaker_email"], params["speaker_talk"], params["speaker_slides"]
	at := func(list []string, i int) string {
		if i < len(list) {
			return strings.TrimSpace(list[i])
		}
		return ""
	}
	for i := range min(max(len(names), len(emails), len(talks), len(slides)), domain.MaxEventPeople+blankSpeakers) {
		p := domain.PersonInput{Name: at(names, i), Email: at(emails, i), TalkTitle: at(talks, i), SlidesURL: at(slides, i)}
		if p != (domain.PersonInput{}) { // a row left empty is no speaker
			f.Speakers = append(f.Speakers, p)
		}
	}
	return f
}

// zone is the form's zone, UTC when it names none (its field then says so).
func (f eventForm) zone() *time.Location {
	loc, err := present.LoadZone(f.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// localTime reads a date and time typed in loc; "" is no time.
func localTime(v *domain.Validation, field, s string, loc *time.Location) *time.Time {
	if s == "" {
		return nil
	}
	for _, layout := range []string{localLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			at, _ := domain.LocalInstant(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), loc)
			return &at
		}
	}
	v.Add(field, "must be a date and a time, such as 2026-03-10 18:30")
	return nil
}

// timeValue is t as a datetime-local field shows it, in loc.
func timeValue(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(loc).Format(localLayout)
}

// values reads what the form says as the fields of an event: what could
// not be read is in v.
func (f eventForm) values(v *domain.Validation) (start, end time.Time, venue *domain.Venue, capacity *int, opens, closes *time.Time, confirm domain.RSVPConfirmation) {
	loc := f.zone()
	if t := localTime(v, "starts_at", f.Starts, loc); t != nil {
		start = *t
	}
	if t := localTime(v, "ends_at", f.Ends, loc); t != nil {
		end = *t
	}
	opens, closes = localTime(v, "rsvp_opens_at", f.Opens, loc), localTime(v, "rsvp_closes_at", f.Closes, loc)
	if f.VenueName != "" || f.VenueAddress != "" {
		venue = &domain.Venue{Name: f.VenueName, Address: f.VenueAddress}
	}
	if f.Capacity != "" {
		n, err := strconv.Atoi(f.Capacity)
		if err != nil {
			v.Add("capacity", "must be a whole number, or empty for no limit")
		} else {
			capacity = &n
		}
	}
	confirm = domain.ConfirmNone
	if f.Confirm {
		confirm = domain.ConfirmEmail
	}
	return
}

// event is a new event as the form describes it.
func (f eventForm) event(v *domain.Validation) domain.Event {
	start, end, venue, capacity, opens, closes, confirm := f.values(v)
	return domain.Event{Title: f.Title, Description: f.Description, Kind: domain.EventKind(f.Kind), StartsAt: start, EndsAt: end,
		TimeZone: f.TimeZone, Locale: domain.NormalizeLanguage(f.Locale), Venue: venue, OnlineURL: f.OnlineURL, Capacity: capacity, Waitlist: f.Waitlist,
		RSVPOpensAt: opens, RSVPClosesAt: closes, RSVPConfirmation: confirm}
}

// update is the change to an event the form describes: every field the
// form shows. The event's address, recording, reminders and
// reconfirmation are left as they are (the API sets them).
func (f eventForm) update(v *domain.Validation) domain.EventUpdate {
	start, end, venue, capacity, opens, closes, confirm := f.values(v)
	kind := domain.EventKind(f.Kind)
	return domain.EventUpdate{Title: &f.Title, Description: &f.Description, Kind: &kind, StartsAt: &start, EndsAt: &end,
		TimeZone: &f.TimeZone, Locale: &f.Locale, Venue: domain.Nullable[domain.Venue]{Set: true, Value: venue}, OnlineURL: &f.OnlineURL,
		Capacity: domain.Nullable[int]{Set: true, Value: capacity}, Waitlist: &f.Waitlist,
		RSVPOpensAt: domain.Nullable[time.Time]{Set: true, Value: opens}, RSVPClosesAt: domain.Nullable[time.Time]{Set: true, Value: closes},
		RSVPConfirmation: &confirm}
}

// people is the event's people as the form sets them; volunteers are kept.
func (f eventForm) people() domain.EventPeopleInput {
	return domain.EventPeopleInput{HostIDs: f.Hosts, Speakers: f.Speakers, Volunteers: f.volunteers}
}

// peopleInput is what an event's people are as an input: no hosts when
// they are the group's owners by default.
func peopleInput(p domain.EventPeople, defaultHosts bool) domain.EventPeopleInput {
	var in domain.EventPeopleInput
	if !defaultHosts {
		for _, h := range p.Hosts {
			in.HostIDs = append(in.HostIDs, h.OrganiserID)
		}
	}
	person := func(p domain.EventPerson) domain.PersonInput {
		return domain.PersonInput{Name: p.Name, Email: p.Email, TalkTitle: p.TalkTitle, SlidesURL: p.SlidesURL}
	}
	for _, s := range p.Speakers {
		in.Speakers = append(in.Speakers, person(s))
	}
	for _, s := range p.Volunteers {
		in.Volunteers = append(in.Volunteers, person(s))
	}
	return in
}

func samePeople(a, b domain.EventPeopleInput) bool {
	return slices.Equal(a.HostIDs, b.HostIDs) && slices.Equal(a.Speakers, b.Speakers) && slices.Equal(a.Volunteers, b.Volunteers)
}

// formOf is the form of an existing event and its people.
func formOf(e domain.Event, p domain.EventPeople, defaultHosts bool) eventForm {
	loc := present.Zone(e.TimeZone)
	f := eventForm{Title: e.Title, Description: e.Description, Kind: string(e.Kind), Starts: timeValue(&e.StartsAt, loc),
		Ends: timeValue(&e.EndsAt, loc), TimeZone: e.TimeZone, Locale: e.Locale, OnlineURL: e.OnlineURL, Waitlist: e.Waitlist,
		Opens: timeValue(e.RSVPOpensAt, loc), Closes: timeValue(e.RSVPClosesAt, loc), Confirm: e.RSVPConfirmation == domain.ConfirmEmail}
	if e.Venue != nil {
		f.VenueName, f.VenueAddress = e.Venue.Name, e.Venue.Address
	}
	if e.Capacity != nil {
		f.Capacity = strconv.Itoa(*e.Capacity)
	}
	in := peopleInput(p, defaultHosts)
	f.Hosts, f.Speakers, f.volunteers = in.HostIDs, in.Speakers, in.Volunteers
	return f
}

// eventFormats are the field errors the event's forms word their own way:
// the form's own ("must be a date and a time") and the domain's written
// for the API, which name its fields ("must be after starts_at"), in the
// words of the form.
var eventFormats = map[string]string{
	"must be a date and a time, such as 2026-03-10 18:30": "console.event.error.datetime",
	"must be a whole number, or empty for no limit":       "console.event.error.whole",
	"must be after starts_at":                             "console.event.error.after_start",
	"must be after rsvp_opens_at":                         "console.event.error.after_opening",
	"must be at most 31 days after starts_at":             "console.event.error.within_31_days",
	`is required: "meetup" or "live_session"`:             "console.event.error.kind_required",
	`must be "meetup" or "live_session"`:                  "console.event.error.kind",
	"must be between 1 and %d, or null for unlimited":     "console.event.error.capacity",
	"is required for a meetup":                            "console.event.error.venue",
	"is required for a live session":                      "console.event.error.online",
}

// eventLabels are the fields the event's forms name in their errors
// ("console.event.label."+field); any other is "This".
var eventLabels = map[string]bool{
	"title": true, "description": true, "kind": true, "starts_at": true, "ends_at": true, "time_zone": true,
	"venue": true, "venue.name": true, "venue.address": true, "online_url": true, "capacity": true,
	"rsvp_opens_at": true, "rsvp_closes_at": true, "rsvp_confirmation": true, "hosts": true, "speakers": true,
	"speakers.name": true, "speakers.email": true, "speakers.talk_title": true, "speakers.slides_url": true, "reason": true,
}

var listIndex = regexp.MustCompile(`\[\d+\]`)

// eventFieldText is a field error of an event's form as a sentence in l,
// under its field: "The end must be after the start."
func eventFieldText(l *i18n.Lang, f domain.FieldError) string {
	// speakers[2].email is labelled as speakers.email.
	field := listIndex.ReplaceAllString(f.Field, "")
	label := l.T("console.event.label.other")
	if eventLabels[field] {
		label = l.T("console.event.label." + field)
	}
	if id, ok := eventFormats[f.Format]; ok {
		args := []any{"Field", label}
		for i, a := range f.Args {
			args = append(args, "V"+strconv.Itoa(i+1), a)
		}
		return l.T(id, args...)
	}
	return l.Field(f, label)
}

// eventErrors adds the field errors of err to errs, in l (the first error
// of a field wins), and reports whether err was one; any other error is
// returned. ECONFLICT errors with fields (capacity below the people going)
// are shown on their field too.
func eventErrors(l *i18n.Lang, errs map[string]string, err error) (bool, error) {
	var de *domain.Error
	if err == nil {
		return false, nil
	}
	if !errors.As(err, &de) || len(de.Fields) == 0 || (de.Code != domain.EINVALID && de.Code != domain.ECONFLICT) {
		return false, err
	}
	for _, f := range de.Fields {
		if _, ok := errs[f.Field]; ok {
			continue
		}
		errs[f.Field] = eventFieldText(l, f)
	}
	return true, nil
}

// checkEventForm gathers every error of a form at once: what could not be
// read, the event's rules (e, after the change) and the people's.
func checkEventForm(l *i18n.Lang, v *domain.Validation, e domain.Event, in domain.EventPeopleInput) (map[string]string, error) {
	errs := map[string]string{}
	for _, err := range []error{v.Err(), e.Validate(), in.Validate()} {
		if _, err := eventErrors(l, errs, err); err != nil {
			return nil, err
		}
	}
	return errs, nil
}

// eventWhen is an event's time in l, with its zone named: "Thursday 10
// December 2026, 18:00–20:00 (Europe/Oslo, CET)".
func eventWhen(l *i18n.Lang, e domain.Event) string {
	return eventWhenIn(l, format(l), e)
}

// eventWhenIn is eventWhen in the days and times of f.
func eventWhenIn(l *i18n.Lang, f present.Format, e domain.Event) string {
	loc := present.Zone(e.TimeZone)
	return present.SpanIn(e.StartsAt, e.EndsAt, loc, f) + " " + isolate(l, present.SpanZoneLabel(loc, e.StartsAt, e.EndsAt))
}

// shortFormat is how the event's lists and their headings write days in
// l: English keeps the console's short days in layout ("Tue 15 Dec 2026",
// "15 Dec 2026"); the other languages write the day in full, as CLDR
// gives it.
func shortFormat(l *i18n.Lang, layout string) present.Format {
	if l == english {
		return present.LayoutFormat(layout)
	}
	return format(l)
}

// hostChoice is an organiser of the group, as a host to tick.
type hostChoice struct {
	ID, Name string
	Checked  bool
}

// speakerRow is one speaker's row of the form, with its errors.
type speakerRow struct {
	N                                             int // 1-based, for the legend
	ID                                            string
	Name, Email, Talk, Slides                     string
	NameError, EmailError, TalkError, SlidesError string
}

type eventFormData struct {
	Meta   consoleMeta
	Form   eventForm
	Action string
	Submit string
	Zones  []string
	// Languages an event may speak, and the name of its group's, which
	// it speaks when it has none of its own.
	Languages     []*i18n.Lang
	GroupLanguage string
	Hosts         []hostChoice
	Speakers      []speakerRow
	// BackURL leads back: the event's page, or the group's for a new one.
	BackURL string
	// Now is when the event is, as saved (edits only).
	Now string
}

func (s *Server) renderEventForm(c echo.Context, status int, g domain.Group, d eventFormData) error {
	ctx := c.Request().Context()
	d.Meta.Section = "home"
	d.Zones = commonZones
	d.Languages, d.GroupLanguage = i18n.All(), i18n.Get(cmpOr(g.Locale, domain.DefaultLanguage)).Name()
	if d.Form.TimeZone != "" && !slices.Contains(commonZones, d.Form.TimeZone) {
		d.Zones = append([]string{d.Form.TimeZone}, commonZones...)
	}
	// A group has a handful of organisers: the first page is all of them.
	members, err := s.store.ListMembers(ctx, organiser(c).ID, g.ID, domain.ListOptions{Limit: domain.MaxPageSize})
	if err != nil {
		return err
	}
	for _, m := range members.Items {
		d.Hosts = append(d.Hosts, hostChoice{ID: m.OrganiserID, Name: cmpOr(m.Name, m.Email), Checked: slices.Contains(d.Form.Hosts, m.OrganiserID)})
	}
	d.Speakers = speakerRows(d.Form)
	return s.renderConsole(c, status, "event_form", d)
}

// speakerRows are the form's speakers with their errors, and the empty
// rows that add more.
func speakerRows(f eventForm) []speakerRow {
	var out []speakerRow
	for i, p := range append(slices.Clone(f.Speakers), make([]domain.PersonInput, blankSpeakers)...) {
		at := "speakers[" + strconv.Itoa(i) + "]"
		out = append(out, speakerRow{N: i + 1, ID: "speaker-" + strconv.Itoa(i), Name: p.Name, Email: p.Email, Talk: p.TalkTitle, Slides: p.SlidesURL,
			NameError: f.Errors[at+".name"], EmailError: f.Errors[at+".email"], TalkError: f.Errors[at+".talk_title"], SlidesError: f.Errors[at+".slides_url"]})
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func eventFormURL(groupID string) string { return groupConsoleURL(groupID) + "/events" }

func (s *Server) newEventData(c echo.Context, g domain.Group, form eventForm) eventFormData {
	l := langOf(c)
	d := eventFormData{Meta: s.consoleMeta(c, l.T("console.event.form.new", "Group", g.Name)), Form: form, Action: eventFormURL(g.ID),
		Submit: l.T("console.event.form.create"), BackURL: groupConsoleURL(g.ID)}
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}}
	return d
}

// newEventPage is the form of a new event: in the group's zone, in person,
// with a waitlist, a week from now at 18:00.
func (s *Server) newEventPage(c echo.Context) error {
	g, err := s.consoleGroup(c)
	if err != nil {
		return err
	}
	loc := present.Zone(g.TimeZone)
	day := s.now().In(loc).AddDate(0, 0, 7)
	start, _ := domain.LocalInstant(day.Year(), day.Month(), day.Day(), 18, 0, loc)
	end := start.Add(2 * time.Hour)
	form := eventForm{Kind: string(domain.KindMeetup), TimeZone: g.TimeZone, Waitlist: true,
		Starts: timeValue(&start, loc), Ends: timeValue(&end, loc)}
	return s.renderEventForm(c, http.StatusOK, g, s.newEventData(c, g, form))
}

func (s *Server) consoleGroup(c echo.Context) (domain.Group, error) {
	id, err := consoleID(c, "group_id", "group")
	if err != nil {
		return domain.Group{}, err
	}
	g, _, err := s.store.FindGroup(c.Request().Context(), organiser(c).ID, id)
	return g, err
}

// createEventPost creates a draft, then sets its people, and leads to its
// page.
func (s *Server) createEventPost(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.consoleGroup(c)
	if err != nil {
		return err
	}
	o, l := organiser(c), langOf(c)
	form := readEventForm(c)
	var v domain.Validation
	e := form.event(&v)
	in := form.people()
	if form.Errors, err = checkEventForm(l, &v, e, in); err != nil {
		return err
	}
	if len(form.Errors) == 0 {
		e, err = s.store.CreateEvent(ctx, o.ID, g.ID, e)
		if shown, err := eventErrors(l, form.Errors, err); err != nil {
			return err
		} else if !shown && (len(in.HostIDs) > 0 || len(in.Speakers) > 0) {
			_, _, err = s.store.SetEventPeople(ctx, o.ID, e.ID, in)
			if shown, err := eventErrors(l, form.Errors, err); err != nil {
				return err
			} else if shown {
				// The draft exists: its hosts are put right on its own form.
				return s.renderEventForm(c, http.StatusUnprocessableEntity, g, s.editEventData(c, g, e, form))
			}
		}
	}
	if len(form.Errors) > 0 {
		return s.renderEventForm(c, http.StatusUnprocessableEntity, g, s.newEventData(c, g, form))
	}
	return c.Redirect(http.StatusSeeOther, eventConsoleURL(e.ID)+"?done=event-created")
}

// consoleEventOf is the event the path names, with its group.
func (s *Server) consoleEventOf(c echo.Context) (domain.Event, domain.Group, error) {
	ctx := c.Request().Context()
	id, err := consoleID(c, "event_id", "event")
	if err != nil {
		return domain.Event{}, domain.Group{}, err
	}
	o := organiser(c)
	e, err := s.store.FindEvent(ctx, o.ID, id)
	if err != nil {
		return e, domain.Group{}, err
	}
	g, _, err := s.store.FindGroup(ctx, o.ID, e.GroupID)
	return e, g, err
}

func (s *Server) editEventData(c echo.Context, g domain.Group, e domain.Event, form eventForm) eventFormData {
	l := langOf(c)
	d := eventFormData{Meta: s.consoleMeta(c, l.T("console.event.form.edit", "Title", e.Title)), Form: form, Action: eventConsoleURL(e.ID) + "/edit",
		Submit: l.T("console.event.form.save"), BackURL: eventConsoleURL(e.ID), Now: eventWhen(l, e)}
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}, {URL: eventConsoleURL(e.ID), Label: e.Title}}
	return d
}

func (s *Server) editEventPage(c echo.Context) error {
	e, g, err := s.consoleEventOf(c)
	if err != nil {
		return err
	}
	if e.Status == domain.EventCancelled {
		return domain.Conflict(domain.ReasonEventCancelled, "A cancelled event cannot be changed.")
	}
	p, def, err := s.store.FindEventPeople(c.Request().Context(), organiser(c).ID, e.ID)
	if err != nil {
		return err
	}
	return s.renderEventForm(c, http.StatusOK, g, s.editEventData(c, g, e, formOf(e, p, def)))
}

// editEventPost saves the event, then its people when they changed.
// Attendees of a published event are told of changes that matter to them
// by the store, as for the API.
func (s *Server) editEventPost(c echo.Context) error {
	ctx := c.Request().Context()
	e, g, err := s.consoleEventOf(c)
	if err != nil {
		return err
	}
	o, l := organiser(c), langOf(c)
	p, def, err := s.store.FindEventPeople(ctx, o.ID, e.ID)
	if err != nil {
		return err
	}
	before := peopleInput(p, def)
	form := readEventForm(c)
	form.volunteers = before.Volunteers
	var v domain.Validation
	u := form.update(&v)
	after := e
	u.Apply(&after)
	in := form.people()
	if form.Errors, err = checkEventForm(l, &v, after, in); err != nil {
		return err
	}
	if len(form.Errors) == 0 {
		_, err = s.store.UpdateEvent(ctx, o.ID, e.ID, u)
		if shown, err := eventErrors(l, form.Errors, err); err != nil {
			return err
		} else if !shown && !samePeople(before, in) {
			_, _, err = s.store.SetEventPeople(ctx, o.ID, e.ID, in)
			if _, err := eventErrors(l, form.Errors, err); err != nil {
				return err
			}
		}
	}
	if len(form.Errors) > 0 {
		return s.renderEventForm(c, http.StatusUnprocessableEntity, g, s.editEventData(c, g, e, form))
	}
	return c.Redirect(http.StatusSeeOther, eventConsoleURL(e.ID)+"?done=event-saved")
}

// consoleEventPage is an event's overview.
type consoleEventPage struct {
	Meta      consoleMeta
	Event     domain.Event
	Status    string
	When      string
	Zone      string
	Venue     string
	Address   string
	Online    string
	Replies   string
	Confirm   bool
	Going     int
	Waiting   int
	Capacity  string
	Left      string
	CheckedIn int
	PublicURL string
	PublicRef string
	Hosts     []string
	Speakers  []string
	Links     []pageLink
	Base      string
	Draft     bool
	Published bool
	Cancelled bool
	Duplicate dupForm
}

type dupForm struct {
	Date  string
	Error string
}

func (s *Server) eventConsolePage(c echo.Context) error {
	e, g, err := s.consoleEventOf(c)
	if err != nil {
		return err
	}
	loc := present.Zone(e.TimeZone)
	day := e.StartsAt.In(loc).AddDate(0, 0, 7)
	return s.renderEventConsole(c, http.StatusOK, e, g, dupForm{Date: day.Format("2006-01-02")}, nil)
}

func (s *Server) renderEventConsole(c echo.Context, status int, e domain.Event, g domain.Group, dup dupForm, n *notice) error {
	ctx := c.Request().Context()
	o := organiser(c)
	stats, err := s.store.EventStats(ctx, o.ID, e.ID)
	if err != nil {
		return err
	}
	people, _, err := s.store.FindEventPeople(ctx, o.ID, e.ID)
	if err != nil {
		return err
	}
	m := s.consoleMeta(c, e.Title)
	if n != nil {
		m.Notice = n
	}
	return s.renderConsole(c, status, "event", consoleEventData(langOf(c), s.cfg.BaseURL, m, e, g, stats, people, dup))
}

// consoleEventData is the event's overview in l, framed by m; baseURL is
// the site's, for the public page's address.
func consoleEventData(l *i18n.Lang, baseURL string, m consoleMeta, e domain.Event, g domain.Group, stats domain.EventStats, people domain.EventPeople, dup dupForm) consoleEventPage {
	loc := present.Zone(e.TimeZone)
	base := eventConsoleURL(e.ID)
	d := consoleEventPage{Meta: m, Event: e, Status: l.T("console.event.status." + string(e.Status)),
		When: present.SpanIn(e.StartsAt, e.EndsAt, loc, format(l)), Zone: present.SpanZoneLabel(loc, e.StartsAt, e.EndsAt),
		Online: e.OnlineURL, Confirm: e.RSVPConfirmation == domain.ConfirmEmail,
		Going: e.GoingCount, Waiting: e.WaitlistCount, Capacity: l.T("console.event.unlimited"), CheckedIn: stats.Attended,
		Base: base, Draft: e.Status == domain.EventDraft, Published: e.Status == domain.EventPublished,
		Cancelled: e.Status == domain.EventCancelled, Duplicate: dup}
	d.Meta.Section = "home"
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}}
	if e.Capacity != nil {
		d.Capacity = l.N("console.event.capacity", *e.Capacity)
		if left := *e.Capacity - e.GoingCount; left <= 0 {
			d.Left = l.T("console.event.full")
		} else {
			d.Left = l.N("console.event.left", left)
		}
	}
	if e.Venue != nil {
		d.Venue, d.Address = e.Venue.Name, e.Venue.Address
	}
	if !d.Draft {
		d.PublicRef = "/e/" + url.PathEscape(e.Slug)
		d.PublicURL = baseURL + d.PublicRef
	}
	d.Replies = rsvpWindow(l, e, loc)
	for _, h := range people.Hosts {
		d.Hosts = append(d.Hosts, cmpOr(h.Name, h.Email))
	}
	for _, sp := range people.Speakers {
		line := sp.Name
		if sp.TalkTitle != "" {
			line = l.T("console.event.speaker", "Name", sp.Name, "Talk", sp.TalkTitle)
		}
		d.Speakers = append(d.Speakers, line)
	}
	d.Links = []pageLink{{URL: base + "/people", Label: l.T("console.event.link.people")}, {URL: base + "/invitations", Label: l.T("console.event.link.invitations")},
		{URL: base + "/email", Label: l.T("console.event.link.email")}, {URL: base + "/door", Label: l.T("console.event.link.door")}}
	return d
}

// rsvpWindow says when replies are taken, in l.
func rsvpWindow(l *i18n.Lang, e domain.Event, loc *time.Location) string {
	at := func(t *time.Time) string {
		return present.SpanIn(*t, time.Time{}, loc, shortFormat(l, present.ShortDate))
	}
	switch {
	case e.RSVPOpensAt != nil && e.RSVPClosesAt != nil:
		return l.T("console.event.replies.between", "Opens", at(e.RSVPOpensAt), "Closes", at(e.RSVPClosesAt))
	case e.RSVPOpensAt != nil:
		return l.T("console.event.replies.from", "Opens", at(e.RSVPOpensAt))
	case e.RSVPClosesAt != nil:
		return l.T("console.event.replies.until", "Closes", at(e.RSVPClosesAt))
	}
	return l.T("console.event.replies.default")
}

// publishEventPost publishes a draft. One that can no longer be published
// (it has started) is said so on its page.
func (s *Server) publishEventPost(c echo.Context) error {
	id, err := consoleID(c, "event_id", "event")
	if err != nil {
		return err
	}
	_, err = s.store.PublishEvent(c.Request().Context(), organiser(c).ID, id)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EINVALID {
		e, g, ferr := s.consoleEventOf(c)
		if ferr != nil {
			return ferr
		}
		return s.renderEventConsole(c, http.StatusUnprocessableEntity, e, g, dupForm{},
			&notice{Kind: "error", Text: publishRefusal(langOf(c), de)})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, eventConsoleURL(id)+"?done=event-published")
}

// publishRefusal says in l why an event could not be published.
func publishRefusal(l *i18n.Lang, de *domain.Error) string {
	why := de.Message
	switch {
	case de.Reason == domain.ReasonEventInPast:
		why = l.T("console.event.publish.past")
	case len(de.Fields) > 0:
		why = eventFieldText(l, de.Fields[0])
	}
	return l.T("console.event.publish.refused", "Why", why)
}

type cancelData struct {
	Meta    consoleMeta
	Event   domain.Event
	When    string
	Going   int
	Waiting int
	Reason  string
	Error   string
	Action  string
	BackURL string
	Max     int
}

func (s *Server) renderCancel(c echo.Context, status int, e domain.Event, g domain.Group, reason, errText string) error {
	l := langOf(c)
	d := cancelData{Meta: s.consoleMeta(c, l.T("console.event.cancel.title", "Title", e.Title)), Event: e,
		When:  eventWhen(l, e),
		Going: e.GoingCount, Waiting: e.WaitlistCount, Reason: reason, Error: errText, Action: eventConsoleURL(e.ID) + "/cancel",
		BackURL: eventConsoleURL(e.ID), Max: domain.MaxReasonLen}
	d.Meta.Section = "home"
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}, {URL: eventConsoleURL(e.ID), Label: e.Title}}
	return s.renderConsole(c, status, "event_cancel", d)
}

// errNotPublished: only a published event is cancelled (a draft is not
// public yet; a cancelled one already is).
func errNotPublished(e domain.Event) error {
	if e.Status == domain.EventCancelled {
		return domain.Conflict(domain.ReasonEventCancelled, "This event is already cancelled.")
	}
	return domain.Conflict(domain.ReasonEventNotPublished, "A draft is not cancelled: nobody has seen it yet.")
}

func (s *Server) cancelEventPage(c echo.Context) error {
	e, g, err := s.consoleEventOf(c)
	if err != nil {
		return err
	}
	if e.Status != domain.EventPublished {
		return errNotPublished(e)
	}
	return s.renderCancel(c, http.StatusOK, e, g, "", "")
}

// cancelEventPost cancels a published event with the reason attendees
// read, in their e-mail and on its public page: the store's CancelEvent,
// as for the API, which schedules the e-mails. Here the reason is required.
func (s *Server) cancelEventPost(c echo.Context) error {
	e, g, err := s.consoleEventOf(c)
	if err != nil {
		return err
	}
	l := langOf(c)
	reason := strings.TrimSpace(c.FormValue("reason"))
	if reason == "" {
		return s.renderCancel(c, http.StatusUnprocessableEntity, e, g, reason, l.T("console.event.cancel.required"))
	}
	_, err = s.store.CancelEvent(c.Request().Context(), organiser(c).ID, e.ID, reason)
	errs := map[string]string{}
	if shown, err := eventErrors(l, errs, err); err != nil {
		return err
	} else if shown {
		return s.renderCancel(c, http.StatusUnprocessableEntity, e, g, reason, errs["reason"])
	}
	return c.Redirect(http.StatusSeeOther, eventConsoleURL(e.ID)+"?done=event-cancelled")
}

// duplicateEventPost makes a draft with the event's details, and its
// speakers and hosts, on another date: the same local times in the
// event's zone, the RSVP window moved with it. The organiser goes on to
// its form.
func (s *Server) duplicateEventPost(c echo.Context) error {
	ctx := c.Request().Context()
	e, g, err := s.consoleEventOf(c)
	if err != nil {
		return err
	}
	o, l := organiser(c), langOf(c)
	dup := dupForm{Date: strings.TrimSpace(c.FormValue("date"))}
	loc := present.Zone(e.TimeZone)
	day, perr := time.Parse("2006-01-02", dup.Date)
	if perr != nil {
		dup.Error = l.T("console.event.duplicate.date")
		return s.renderEventConsole(c, http.StatusUnprocessableEntity, e, g, dup, nil)
	}
	from := e.StartsAt.In(loc)
	days := int(day.Sub(time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)).Hours() / 24)
	shift := func(t time.Time) time.Time {
		l := t.In(loc).AddDate(0, 0, days)
		at, _ := domain.LocalInstant(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), loc)
		return at
	}
	shiftPtr := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		at := shift(*t)
		return &at
	}
	copyOf := domain.Event{Title: e.Title, Description: e.Description, Kind: e.Kind, StartsAt: shift(e.StartsAt), EndsAt: shift(e.EndsAt),
		TimeZone: e.TimeZone, Venue: e.Venue, OnlineURL: e.OnlineURL, Capacity: e.Capacity, Waitlist: e.Waitlist,
		RSVPOpensAt: shiftPtr(e.RSVPOpensAt), RSVPClosesAt: shiftPtr(e.RSVPClosesAt), RSVPConfirmation: e.RSVPConfirmation,
		Reminders: e.Reminders, Reconfirm: e.Reconfirm}
	if copyOf.Reminders == nil {
		copyOf.Reminders = []time.Duration{} // none stays none
	}
	made, err := s.store.CreateEvent(ctx, o.ID, g.ID, copyOf)
	errs := map[string]string{}
	if shown, err := eventErrors(l, errs, err); err != nil {
		return err
	} else if shown {
		for _, msg := range errs {
			dup.Error = l.T("console.event.duplicate.refused", "Error", msg)
			break
		}
		return s.renderEventConsole(c, http.StatusUnprocessableEntity, e, g, dup, nil)
	}
	p, def, err := s.store.FindEventPeople(ctx, o.ID, e.ID)
	if err != nil {
		return err
	}
	if in := peopleInput(p, def); len(in.HostIDs)+len(in.Speakers)+len(in.Volunteers) > 0 {
		_, _, err := s.store.SetEventPeople(ctx, o.ID, made.ID, in)
		if domain.ErrorCode(err) == domain.EINVALID {
			// A host has left the group since: the copy is hosted by
			// the owners, and its form shows it.
			in.HostIDs = nil
			_, _, err = s.store.SetEventPeople(ctx, o.ID, made.ID, in)
		}
		if err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, eventConsoleURL(made.ID)+"/edit?done=event-duplicated")
}

// attentionItem is one line of the home page's "needs attention": what is
// wrong, with the event, linking to where it is put right.
type attentionItem struct {
	Text  string
	Event string
	Group string
	When  string
	URL   string
}

// homeAttention is how many events each of the home page's attention
// lists shows.
const homeAttention = 10

// attention lists what needs the organiser's attention in their groups,
// in the request's language.
func (s *Server) attention(c echo.Context, groups []domain.Group) ([]attentionItem, error) {
	a, err := s.store.FindAttention(c.Request().Context(), organiser(c).ID, homeAttention)
	if err != nil {
		return nil, err
	}
	return attentionItems(langOf(c), a, groups), nil
}

// attentionItems are the home page's lines of a, in the language l.
func attentionItems(l *i18n.Lang, a domain.Attention, groups []domain.Group) []attentionItem {
	names := make(map[string]string, len(groups))
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	item := func(e domain.Event, text, link string) attentionItem {
		loc := present.Zone(e.TimeZone)
		return attentionItem{Text: text, Event: e.Title, Group: names[e.GroupID], URL: link,
			When: consoleWhen(l, e.StartsAt, time.Time{}, loc)}
	}
	var out []attentionItem
	for _, f := range a.FailedEmails {
		out = append(out, item(f.Event, l.N("console.home.attention.failed", f.Failed), eventConsoleURL(f.Event.ID)+"/email"))
	}
	for _, e := range a.Unplaced {
		text := l.T("console.home.attention.no-address")
		if e.MissingPlace() == "link" {
			text = l.T("console.home.attention.no-link")
		}
		out = append(out, item(e, text, eventConsoleURL(e.ID)+"/edit"))
	}
	for _, e := range a.ClosingSoon {
		loc := present.Zone(e.TimeZone)
		out = append(out, item(e, l.T("console.home.attention.closing", "When", consoleWhen(l, *e.RSVPClosesAt, time.Time{}, loc)), eventConsoleURL(e.ID)))
	}
	return out
}
