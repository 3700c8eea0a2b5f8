package web

import (
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

// The door page: a secret link for door staff (no account) with the list
// of people expected, a check-in button for each, a field for a typed or
// scanned code, and a walk-in form. Every action is a form post that
// redirects back (so a reload does not post twice) with what happened in
// the query.

type doorPerson struct {
	ID       string
	Name     string
	Code     string // last four characters, to tell namesakes apart
	In       bool
	WalkIn   bool
	At       string // local time checked in
	Online   bool
	Highlite bool // the person the last action was about
}

type doorPageData struct {
	Meta     pageMeta
	Event    eventSummary
	Count    template.HTML // "<strong>3</strong> of 20 in"
	Expected int
	People   []doorPerson
	Notice   *notice
	Base     string // /door/<token>
	CSRF     string
	Form     rsvpForm // the walk-in form
	CodeErr  string
	Code     string
}

// doorPage shows the door list.
func (s *Server) doorPage(c echo.Context) error {
	t, err := doorTokenParam(c)
	if err != nil {
		return err
	}
	return s.renderDoor(c, http.StatusOK, t, doorAnswer{})
}

// doorAnswer is what the door list says of the last action: a refused
// check-in, the walk-in form with its errors, the code typed and the
// catalogue's message of what is wrong with it (codeErr), or what an
// action did (did: in, already, walkin or undone) about whom (about, an
// RSVP id).
type doorAnswer struct {
	refused    *domain.Error
	form       rsvpForm
	fields     []domain.FieldError
	code       string
	codeErr    string
	did, about string
}

// doorRefusals are the catalogue's words for the door's refusals (a
// person without a place has their own: doorRefusal).
var doorRefusals = map[string]string{
	domain.ReasonEventNotPublished: "door.refused.unpublished",
	domain.ReasonCheckinClosed:     "door.refused.closed",
}

// doorRefusal is a refused check-in in l. The store names the status of
// a person without a place in its English message, the only place it is
// given.
func doorRefusal(l *i18n.Lang, de *domain.Error) string {
	if de.Reason == domain.ReasonRSVPNotGoing {
		for _, st := range []domain.RSVPStatus{domain.RSVPWaitlisted, domain.RSVPCancelled} {
			if strings.Contains(de.Message, "they are "+string(st)+".") {
				return l.T("door.refused.not_going." + string(st)) // door.refused.not_going.waitlisted, .cancelled
			}
		}
	}
	return conflictText(l, de, doorRefusals)
}

func (s *Server) renderDoor(c echo.Context, status int, t string, a doorAnswer) error {
	dl, err := s.store.DoorListAtDoor(c.Request().Context(), t)
	if err != nil {
		return err
	}
	l := s.pageLang(c, dl.Event.Language(dl.Group))
	a.did, a.about = c.QueryParam("did"), c.QueryParam("p")
	d := s.doorView(dl, l, a)
	d.Base, d.CSRF = "/door/"+url.PathEscape(t), httpkit.CSRFToken(c)
	d.Meta.Languages = languageLinksAt(d.Base, l)
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, status, "door", d)
}

// doorView is the door list in l, with what the last action did (a.did
// about the person a.about) or a form's answer.
func (s *Server) doorView(dl domain.DoorList, l *i18n.Lang, a doorAnswer) doorPageData {
	loc := present.Zone(dl.Event.TimeZone)
	d := doorPageData{Meta: s.meta(l.T("door.title", "Event", dl.Event.Title)), Event: s.eventSummary(dl.Event, dl.Group, l),
		Count:    l.HTML("door.count", "In", template.HTML("<strong>"+strconv.Itoa(dl.In)+"</strong>"), "Expected", dl.Expected),
		Expected: dl.Expected, Form: a.form, Code: a.code}
	d.Meta.NoIndex = true
	d.Meta.Brand = dl.Group.Name
	if a.codeErr != "" {
		// door.code.empty, door.code.unknown
		d.CodeErr = l.T(a.codeErr, "Code", domain.FormatCode(domain.NormalizeCode(a.code)))
	}
	if a.refused != nil {
		d.Notice = &notice{Kind: "error", Text: doorRefusal(l, a.refused)}
	}
	if len(a.fields) > 0 {
		d.Form.setFieldErrors(l, a.fields, "", "")
	}
	for _, r := range dl.Items {
		p := doorPerson{ID: r.ID, Name: r.Name, In: r.AttendedAt != nil, WalkIn: r.WalkIn, Online: r.AttendedHow == domain.AttendedOnline,
			Highlite: r.ID == a.about}
		if p.Name == "" {
			p.Name = l.T("door.erased")
		}
		if len(r.CheckinCode) == 8 {
			p.Code = r.CheckinCode[4:]
		}
		if r.AttendedAt != nil {
			p.At = l.Time(r.AttendedAt.In(loc))
		}
		if p.Highlite && a.refused == nil {
			switch a.did {
			case "in":
				d.Notice = &notice{Kind: "ok", Text: l.T("door.did.in", "Name", r.Name)}
			case "already":
				d.Notice = &notice{Kind: "info", Text: l.T("door.did.already", "Name", r.Name, "Time", p.At)}
			case "walkin":
				d.Notice = &notice{Kind: "ok", Text: l.T("door.did.walkin", "Name", r.Name)}
			}
		}
		d.People = append(d.People, p)
	}
	if a.did == "undone" && d.Notice == nil {
		d.Notice = &notice{Kind: "info", Text: l.T("door.did.undone")}
	}
	return d
}

// doorCheckinPost checks in by the list's button (rsvp_id) or by a typed
// or scanned code.
func (s *Server) doorCheckinPost(c echo.Context) error {
	t, err := doorTokenParam(c)
	if err != nil {
		return err
	}
	req := domain.CheckinRequest{RSVPID: c.FormValue("rsvp_id"), Code: c.FormValue("code")}
	if req.RSVPID == "" && req.Code == "" {
		return s.renderDoor(c, http.StatusUnprocessableEntity, t, doorAnswer{codeErr: "door.code.empty"})
	}
	if req.RSVPID != "" {
		req.Code = ""
	}
	res, err := s.store.CheckInAtDoor(c.Request().Context(), t, req)
	var de *domain.Error
	switch {
	case err == nil:
	case errors.As(err, &de) && (de.Reason == domain.ReasonCodeNotFound || de.Code == domain.EINVALID):
		httpkit.WrongCode(c)
		return s.renderDoor(c, http.StatusUnprocessableEntity, t, doorAnswer{code: req.Code, codeErr: "door.code.unknown"})
	case errors.As(err, &de) && de.Code == domain.ECONFLICT:
		return s.renderDoor(c, http.StatusConflict, t, doorAnswer{refused: de})
	default:
		return err
	}
	did := "in"
	if res.Already {
		did = "already"
	}
	return c.Redirect(http.StatusSeeOther, "/door/"+url.PathEscape(t)+"?did="+did+"&p="+url.QueryEscape(res.RSVP.ID)+"#p-"+res.RSVP.ID)
}

// doorUndoPost takes a check-in back.
func (s *Server) doorUndoPost(c echo.Context) error {
	t, err := doorTokenParam(c)
	if err != nil {
		return err
	}
	r, err := s.store.UndoCheckInAtDoor(c.Request().Context(), t, c.FormValue("rsvp_id"))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/door/"+url.PathEscape(t)+"?did=undone&p="+url.QueryEscape(r.ID))
}

// doorWalkInPost registers someone at the door.
func (s *Server) doorWalkInPost(c echo.Context) error {
	t, err := doorTokenParam(c)
	if err != nil {
		return err
	}
	form := rsvpForm{Name: c.FormValue("name"), Email: c.FormValue("email")}
	var check domain.Validation
	domain.CheckPersonName(&check, "name", form.Name, true)
	domain.CheckEmail(&check, "email", form.Email, true)
	if err := check.Err(); err != nil {
		var de *domain.Error
		errors.As(err, &de)
		return s.renderDoor(c, http.StatusUnprocessableEntity, t, doorAnswer{form: form, fields: de.Fields})
	}
	res, err := s.store.CheckInAtDoor(c.Request().Context(), t, domain.CheckinRequest{Name: form.Name, Email: form.Email})
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.ECONFLICT {
		return s.renderDoor(c, http.StatusConflict, t, doorAnswer{refused: de, form: form})
	}
	if err != nil {
		return err
	}
	did := "walkin"
	if res.Already {
		did = "already"
	} else if !res.Created {
		did = "in"
	}
	return c.Redirect(http.StatusSeeOther, "/door/"+url.PathEscape(t)+"?did="+did+"&p="+url.QueryEscape(res.RSVP.ID)+"#p-"+res.RSVP.ID)
}

// selfCheckinPost is the attendee's check-in with the room's code, from
// their RSVP page.
func (s *Server) selfCheckinPost(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	_, err = s.store.SelfCheckIn(c.Request().Context(), t, c.FormValue("code"))
	var de *domain.Error
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, "/r/"+url.PathEscape(t)+"?checkedin=1")
	case errors.As(err, &de) && de.Code == domain.EINVALID:
		httpkit.WrongCode(c)
		return s.renderRSVP(c, http.StatusUnprocessableEntity, t, de)
	case errors.As(err, &de) && de.Code == domain.ECONFLICT:
		return s.renderRSVP(c, http.StatusConflict, t, de)
	}
	return err
}

type joinPageData struct {
	Meta    pageMeta
	Event   eventSummary
	Heading string
	Text    []string
	Opens   string
}

// joinPage is the personal join link of a live session: during the
// check-in window it records the attendance and sends the person on to
// the meeting; outside it, it says when to come back and records nothing.
func (s *Server) joinPage(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	slug := c.QueryParam("event") // a personal feed's link to another of the person's events
	v, recorded, err := s.store.JoinOnline(c.Request().Context(), t, slug)
	if err != nil {
		return err
	}
	if v.Event.OnlineURL == "" {
		return &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonNotOnline, Message: "This event has no online session."}
	}
	if recorded || (v.RSVP.Status == domain.RSVPGoing && v.Event.CheckinOpen(s.now())) {
		// The meeting's own link; it is never shown to people without a
		// place.
		return c.Redirect(http.StatusSeeOther, v.Event.OnlineURL)
	}
	l := s.pageLang(c, v.Event.Language(v.Group))
	status, d := s.joinView(v, s.now(), l)
	d.Meta.Languages = languageLinks(c, l)
	return s.render(c, status, "join", d)
}

// joinView is the join link's page at now, outside the check-in window
// or for someone without a place, in l, and its status.
func (s *Server) joinView(v domain.RSVPView, now time.Time, l *i18n.Lang) (int, joinPageData) {
	sum := s.eventSummary(v.Event, v.Group, l)
	d := joinPageData{Meta: s.meta(l.T("join.title", "Event", v.Event.Title)), Event: sum}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	from, _ := v.Event.CheckinWindow()
	status := http.StatusOK
	switch {
	case v.RSVP.Status == domain.RSVPCancelled:
		status, d.Heading, d.Text = http.StatusGone, l.T("join.cancelled"), []string{l.T("join.cancelled.text")}
	case v.RSVP.Status != domain.RSVPGoing:
		status, d.Heading, d.Text = http.StatusForbidden, l.T("join.waitlist"), []string{l.T("join.waitlist.text")}
	case v.Event.Status == domain.EventCancelled:
		status, d.Heading, d.Text = http.StatusGone, l.T("join.event.cancelled"), nil
	case now.Before(from):
		loc := present.Zone(v.Event.TimeZone)
		d.Heading = l.T("join.early")
		d.Opens = present.SpanIn(from, time.Time{}, loc, format(l)) + " " + isolate(l, present.ZoneLabel(loc, from))
		d.Text = []string{l.T("join.early.text", "When", d.Opens)}
	default:
		d.Heading, d.Text = l.T("join.ended"), []string{l.T("join.ended.text")}
	}
	return status, d
}

// checkinPanel is what the RSVP page says about checking in.
type checkinPanel struct {
	Open      bool   // the self check-in form is shown
	Action    string // its form action
	In        bool
	At        string
	Error     string
	JustIn    bool
	RoomOnly  bool // the event is in person only: the code is in the room
	WindowMsg string
}

func (s *Server) checkinPanel(v domain.RSVPView, t string, now time.Time, errText string, justIn bool) *checkinPanel {
	if v.RSVP.Status != domain.RSVPGoing || v.Event.Status != domain.EventPublished {
		return nil
	}
	p := &checkinPanel{Action: "/r/" + url.PathEscape(t) + "/checkin", Error: errText, JustIn: justIn, RoomOnly: v.Event.OnlineURL == ""}
	if v.RSVP.AttendedAt != nil {
		p.In, p.At = true, present.Instant(*v.RSVP.AttendedAt, present.Zone(v.Event.TimeZone))
		return p
	}
	if v.Event.CheckinOpen(now) {
		p.Open = true
		return p
	}
	return nil
}
