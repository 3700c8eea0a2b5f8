package web

import (
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/present"
)

// What the page templates are given. The handlers work out every sentence
// and link; the templates only place them, and html/template escapes every
// string that came from an organiser or an attendee.

// pageMeta is the head of a page and its header.
type pageMeta struct {
	Title       string // the <title>, also og:title
	Description string // meta description and og:description
	URL         string // the canonical address of a public page, also og:url
	OG          bool   // whether to add Open Graph tags
	SiteName    string // og:site_name
	NoIndex     bool   // pages reached through a token are not indexed
	Brand       string // the group named in the header
	BrandURL    string
	CSS         string // the stylesheet's hashed address
	Icon        string // the favicon's hashed address
	// Languages is the language switch of a translated page.
	Languages []langLink
}

type pageLink struct {
	URL   string
	Label string
}

// notice is a one-line message at the top of a page.
type notice struct {
	Kind string // info, ok or error
	Text string
	// HTML, when set, is said instead of Text: a sentence with markup
	// (a <time>), made by Lang.HTML.
	HTML template.HTML
}

// eventSummary is what every page says about an event.
type eventSummary struct {
	Title        string
	URL          string // /e/<slug>
	GroupName    string
	GroupURL     string // /g/<slug>
	When         string // "Thursday 10 December 2026, 18:00–20:00"
	Zone         string // "(Europe/Oslo, CET)"
	StartISO     string // for <time datetime>
	Place        string // the venue's name, or its address when it has no name
	Address      string
	Online       bool   // people join through a link
	KindKey      string // meetup, hybrid or online: the catalogue's event.kind.*
	Cancelled    bool
	CancelReason string
	Over         bool
	Calendar     calendar.CalendarLinks
}

func (s *Server) eventSummary(e domain.Event, g domain.Group, l *i18n.Lang) eventSummary {
	loc := present.Zone(e.TimeZone)
	sum := eventSummary{
		Title: e.Title, URL: "/e/" + url.PathEscape(e.Slug), GroupName: g.Name, GroupURL: "/g/" + url.PathEscape(g.Slug),
		When: present.SpanIn(e.StartsAt, e.EndsAt, loc, format(l)), Zone: present.SpanZoneLabel(loc, e.StartsAt, e.EndsAt),
		StartISO: e.StartsAt.In(loc).Format(time.RFC3339), Online: e.Kind == domain.KindLiveSession || e.OnlineURL != "",
		Cancelled: e.Status == domain.EventCancelled, CancelReason: e.CancelReason, Over: !s.now().Before(e.EndsAt),
		Calendar: calendar.PublicCalendarLinks(s.cfg.BaseURL, e, l),
	}
	if e.Venue != nil {
		sum.Place, sum.Address = strings.TrimSpace(e.Venue.Name), strings.TrimSpace(e.Venue.Address)
		if sum.Place == "" {
			sum.Place, sum.Address = sum.Address, ""
		}
	}
	switch {
	case !sum.Online:
		sum.KindKey = "meetup"
	case sum.Place != "":
		sum.KindKey = "hybrid"
	default:
		sum.KindKey = "online"
	}
	return sum
}

// eventItem is one line of a group's list of events.
type eventItem struct {
	Title     string
	URL       string
	When      string
	Zone      string
	StartISO  string
	Place     string
	Cancelled bool
}

func (s *Server) eventItem(e domain.Event, l *i18n.Lang) eventItem {
	loc := present.Zone(e.TimeZone)
	it := eventItem{Title: e.Title, URL: "/e/" + url.PathEscape(e.Slug), When: present.SpanIn(e.StartsAt, e.EndsAt, loc, listFormat(l)),
		Zone: present.SpanZoneLabel(loc, e.StartsAt, e.EndsAt), StartISO: e.StartsAt.In(loc).Format(time.RFC3339),
		Cancelled: e.Status == domain.EventCancelled}
	switch {
	case e.Venue != nil && strings.TrimSpace(e.Venue.Name) != "":
		it.Place = e.Venue.Name
	case e.Venue != nil:
		it.Place = e.Venue.Address
	case e.Kind == domain.KindLiveSession || e.OnlineURL != "":
		it.Place = l.T("facts.online")
	}
	return it
}

// placesText says how many can still come: seats left, the waitlist, or
// full. It never names anyone.
func placesText(e domain.Event, l *i18n.Lang) string { return seatsText(e.SeatsLeft(), e.Waitlist, l) }

// seatsText says it from the seats left (nil: no limit) and whether there
// is a waitlist.
func seatsText(left *int, waitlist bool, l *i18n.Lang) string {
	switch {
	case left == nil:
		return l.T("places.unlimited")
	case *left > 0:
		return l.N("places.left", *left)
	case waitlist:
		return l.T("places.waitlist")
	}
	return l.T("places.full")
}

// ogDescription is what a shared link's preview says: when, where, and the
// start of the description.
func ogDescription(sum eventSummary, description string, l *i18n.Lang) string {
	where := sum.Place
	if where == "" && sum.Online {
		where = l.T("facts.online")
	}
	out := sum.When + " " + sum.Zone
	if where != "" {
		out += " · " + where
	}
	if sum.Cancelled {
		out = l.T("event.cancelled.og") + " " + out
	}
	if d := oneLine(description, 160); d != "" {
		out += ". " + d
	}
	return out
}

// oneLine folds text onto one line and shortens it to about max runes at a
// word boundary.
func oneLine(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	cut := string(r[:max])
	if i := strings.LastIndexByte(cut, ' '); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " .,;:") + "…"
}

// paragraphs splits a description into paragraphs at blank lines, each a
// list of lines, so the template can keep the author's line breaks without
// trusting any markup.
func paragraphs(s string) [][]string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var (
		out [][]string
		cur []string
	)
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if strings.TrimSpace(line) == "" {
			if cur != nil {
				out, cur = append(out, cur), nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// rsvpForm is the RSVP form's values and its field errors.
type rsvpForm struct {
	Name, Email string
	Errors      map[string]string // field -> sentence
	Summary     []fieldMessage    // in form order, linking to the fields
}

type fieldMessage struct {
	ID   string
	Text string
}

// setErrors places the domain's field errors next to the fields, in the
// language (l.Field, with the fields' names from fieldLabels).
func (f *rsvpForm) setErrors(l *i18n.Lang, fields []domain.FieldError) {
	f.Errors = map[string]string{}
	for _, fe := range fields {
		if _, dup := f.Errors[fe.Field]; !dup {
			f.Errors[fe.Field] = l.Field(fe, fieldLabel(l, fe.Field))
		}
	}
	form := []string{"name", "email"}
	for _, name := range form {
		if t, ok := f.Errors[name]; ok {
			f.Summary = append(f.Summary, fieldMessage{ID: name, Text: t})
		}
	}
	for _, fe := range fields {
		if !slices.Contains(form, fe.Field) {
			f.Summary = append(f.Summary, fieldMessage{ID: "rsvp", Text: f.Errors[fe.Field]})
		}
	}
}

type eventPageData struct {
	Meta        pageMeta
	Event       eventSummary
	Description [][]string
	Places      string // seats left, waitlist open, full
	Open        bool   // the form is shown
	Waitlist    bool   // replies now go on the waitlist
	Closed      string // why there is no form (not cancelled, not over)
	Notice      *notice
	Form        rsvpForm
	CSRF        string
	// ConfirmByEmail: replies wait for a click on a link sent by e-mail.
	ConfirmByEmail bool
	// Hosts and Speakers are the names of the people with a public role.
	Hosts    []string
	Speakers []speakerItem
}

type speakerItem struct {
	Name   string
	Talk   string
	Slides string // the talk's slides, "" for none
}

type rsvpPageData struct {
	Meta         pageMeta
	Confirmation string // after a new RSVP
	StatusText   string
	Going        bool
	Name, Email  string
	Event        eventSummary
	JoinURL      string // online events, going only
	JoinLater    bool   // online event, not going (yet)
	CheckinCode  string // what door staff scan or type (ABCD-EFGH), going only
	CheckinQR    template.HTML
	FeedURL      string
	FeedWebcal   template.URL
	CancelURL    string
	CanCancel    bool
	DataURL      string // download my data (JSON)
	RecordsURL   string // the attendee's contribution records
	FeedbackURL  string // the feedback form, for people who came, once it is over
	EraseURL     string
	Checkin      *checkinPanel   // nil: nothing to say about checking in
	CheckinAt    template.HTML   // when the person checked in (Checkin.In)
	Reconfirm    *reconfirmPanel // nil: the event does not ask, or not yet
	CSRF         string

	// CalendarReply says what the attendee's calendar last answered to
	// the invite, and when ("" if it never did).
	CalendarReply template.HTML
}

// reconfirmPanel asks a person going to confirm they still come, or says
// that they did.
type reconfirmPanel struct {
	Confirmed   bool
	ConfirmedAt template.HTML
	By          template.HTML // the deadline, local time with the zone
	Action      string
	Just        bool // confirmed with the form just now
}

type cancelPageData struct {
	Meta    pageMeta
	Event   eventSummary
	Going   bool
	Action  string
	KeepURL string
	CSRF    string
}

type groupPageData struct {
	Meta        pageMeta
	Name        string
	Description [][]string
	Upcoming    []eventItem
	Past        []eventItem
	FeedURL     string
	FeedWebcal  template.URL
}

type messagePageData struct {
	Meta    pageMeta
	Heading string
	Text    []string
	// Paras follow Text: paragraphs with markup (a <time>), made by
	// Lang.HTML.
	Paras []template.HTML
	Links []pageLink
}

// admissionView is what a page says of a new reply to e at now (the
// event page's form, the invitation's yes): open, onto the waitlist, or
// the sentence that says why not (domain.Event.Admit decides).
func admissionView(e domain.Event, now time.Time, l *i18n.Lang) (open, waitlist bool, closed string) {
	a := e.Admit(now)
	switch {
	case a.Taken():
		return true, a.Status == domain.RSVPWaitlisted, ""
	case a.Refusal.Reason == domain.ReasonRSVPNotOpen:
		loc := present.Zone(e.TimeZone)
		when := present.SpanIn(*e.RSVPOpensAt, time.Time{}, loc, format(l)) + " " + isolate(l, present.ZoneLabel(loc, *e.RSVPOpensAt))
		return false, false, l.T("rsvp.opens", "When", when)
	case a.Refusal.Reason == domain.ReasonEventFull:
		return false, false, l.T("rsvp.full")
	}
	return false, false, l.T("rsvp.closed")
}
