package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
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
	Expected int
	In       int
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
	return s.renderDoor(c, http.StatusOK, t, nil, rsvpForm{}, "", "")
}

func (s *Server) renderDoor(c echo.Context, status int, t string, n *notice, form rsvpForm, code, codeErr string) error {
	l, err := s.store.DoorListAtDoor(c.Request().Context(), t)
	if err != nil {
		return err
	}
	loc := present.Zone(l.Event.TimeZone)
	d := doorPageData{Meta: s.meta("Door: " + l.Event.Title), Event: s.eventSummary(l.Event, l.Group, langOf(c)), Expected: l.Expected, In: l.In,
		Base: "/door/" + url.PathEscape(t), CSRF: httpkit.CSRFToken(c), Notice: n, Form: form, Code: code, CodeErr: codeErr}
	d.Meta.NoIndex = true
	d.Meta.Brand = l.Group.Name
	about := c.QueryParam("p")
	for _, r := range l.Items {
		p := doorPerson{ID: r.ID, Name: r.Name, In: r.AttendedAt != nil, WalkIn: r.WalkIn, Online: r.AttendedHow == domain.AttendedOnline,
			Highlite: r.ID == about}
		if p.Name == "" {
			p.Name = "(name erased)"
		}
		if len(r.CheckinCode) == 8 {
			p.Code = r.CheckinCode[4:]
		}
		if r.AttendedAt != nil {
			p.At = r.AttendedAt.In(loc).Format("15:04")
		}
		if p.Highlite && n == nil {
			switch c.QueryParam("did") {
			case "in":
				d.Notice = &notice{Kind: "ok", Text: r.Name + " is checked in."}
			case "already":
				d.Notice = &notice{Kind: "info", Text: r.Name + " was already checked in, at " + p.At + "."}
			case "walkin":
				d.Notice = &notice{Kind: "ok", Text: r.Name + " is registered as a walk-in and checked in."}
			}
		}
		d.People = append(d.People, p)
	}
	if c.QueryParam("did") == "undone" && d.Notice == nil {
		d.Notice = &notice{Kind: "info", Text: "Check-in undone."}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, status, "door", d)
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
		return s.renderDoor(c, http.StatusUnprocessableEntity, t, nil, rsvpForm{}, "", "Type or scan a check-in code.")
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
		return s.renderDoor(c, http.StatusUnprocessableEntity, t, nil, rsvpForm{}, req.Code,
			"No one expected at this event has the code "+domain.FormatCode(domain.NormalizeCode(req.Code))+".")
	case errors.As(err, &de) && de.Code == domain.ECONFLICT:
		return s.renderDoor(c, http.StatusConflict, t, &notice{Kind: "error", Text: de.Message}, rsvpForm{}, "", "")
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
		form.setErrors(langOf(c), de.Fields)
		return s.renderDoor(c, http.StatusUnprocessableEntity, t, nil, form, "", "")
	}
	res, err := s.store.CheckInAtDoor(c.Request().Context(), t, domain.CheckinRequest{Name: form.Name, Email: form.Email})
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.ECONFLICT {
		return s.renderDoor(c, http.StatusConflict, t, &notice{Kind: "error", Text: de.Message}, form, "", "")
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
	sum := s.eventSummary(v.Event, v.Group, langOf(c))
	d := joinPageData{Meta: s.meta("Join: " + v.Event.Title), Event: sum}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	from, _ := v.Event.CheckinWindow()
	now := s.now()
	status := http.StatusOK
	switch {
	case v.RSVP.Status == domain.RSVPCancelled:
		status, d.Heading, d.Text = http.StatusGone, "You cancelled this RSVP", []string{"The join link is for people who have a place."}
	case v.RSVP.Status != domain.RSVPGoing:
		status, d.Heading, d.Text = http.StatusForbidden, "You don't have a place yet", []string{"You're on the waitlist. If a place opens up, this link will let you in."}
	case v.Event.Status == domain.EventCancelled:
		status, d.Heading, d.Text = http.StatusGone, "This session has been cancelled", nil
	case now.Before(from):
		d.Heading = "The session has not started yet"
		d.Opens = present.Instant(from, present.Zone(v.Event.TimeZone))
		d.Text = []string{"Come back from " + d.Opens + ": this link will take you straight in."}
	default:
		d.Heading, d.Text = "This session has ended", []string{"Thank you for your interest."}
	}
	return s.render(c, status, "join", d)
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
