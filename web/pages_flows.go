package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// The pages behind personal links that came by e-mail: an invitation
// (/i/), a confirmation of a pending RSVP (/c/), and a person's own data
// (/r/{token}/erase). Following a link only shows a page; every change is
// a form post, because mail scanners and link previews open links too.

type invitationPageData struct {
	Meta     pageMeta
	Event    eventSummary
	Name     string
	Note     [][]string
	Status   domain.InvitationStatus
	Answer   string // what the person answered, in words; "" before
	Open     bool   // the event takes replies
	Closed   string // why it does not (not cancelled, not over)
	Places   string
	Waitlist bool
	Accept   string // form actions
	Decline  string
	// Accepted says the person said yes and their RSVP stands; SeeRSVP is
	// then the form that opens it (a post: it may register the link).
	Accepted bool
	SeeRSVP  string
	Form     rsvpForm
	CSRF     string
	Notice   *notice
	// Only is the answer picked in the e-mail ("yes" or "no", from
	// ?answer=): the page then offers that one button, with a link to the
	// other. Following a link never answers: mail scanners open links.
	Only      string
	OtherLink string
}

// invitationPage shows a personal invitation with "Yes, I'll come" and
// "No, thanks" — or, from the e-mail's "I'll come" / "Not this time"
// links, the one button picked.
func (s *Server) invitationPage(c echo.Context) error {
	t, err := invitationTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.FindInvitationByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	only := c.QueryParam("answer")
	if only != "yes" && only != "no" {
		only = ""
	}
	c.Set("invitation_only", only)
	return s.renderInvitation(c, http.StatusOK, t, v, rsvpForm{Name: v.Invitation.Name}, nil)
}

// renderInvitation shows the invitation page; form and n are what a form
// just sent gives (n made in the page's language: invitationLang).
func (s *Server) renderInvitation(c echo.Context, status int, t string, v domain.InvitationView, form rsvpForm, n *notice) error {
	l := s.pageLangOnce(c, v.Event.Language(v.Group))
	only, _ := c.Get("invitation_only").(string)
	d := s.invitationData(l, v, t, only, form, n)
	d.CSRF = httpkit.CSRFToken(c)
	d.Meta.Languages = pageLanguages(c, l, "/i/"+url.PathEscape(t))
	return s.render(c, status, "invitation", d)
}

// invitationData is the invitation page of v (token t) in l; only is the
// answer picked in the e-mail ("yes", "no" or "").
func (s *Server) invitationData(l *i18n.Lang, v domain.InvitationView, t, only string, form rsvpForm, n *notice) invitationPageData {
	sum := s.eventSummary(v.Event, v.Group, l)
	base := "/i/" + url.PathEscape(t)
	d := invitationPageData{Meta: s.meta(l.T("invitation.title", "Title", v.Event.Title)), Event: sum, Name: v.Invitation.Name,
		Note: paragraphs(v.Invitation.Message), Status: v.Invitation.Status, Accept: base + "/accept", Decline: base + "/decline",
		Form: form, Notice: n}
	if only != "" {
		d.Only, d.OtherLink = only, base+"?answer="+map[string]string{"yes": "no", "no": "yes"}[only]+"#answer"
	}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	switch v.Invitation.Status {
	case domain.InvitationAccepted:
		if v.RSVP == nil || v.RSVP.Status == domain.RSVPCancelled {
			d.Answer = l.T("invitation.answer.cancelled")
			break
		}
		d.Answer = l.T("invitation.answer.going")
		if v.RSVP.Status == domain.RSVPWaitlisted {
			d.Answer = l.T("invitation.answer.waitlisted", "Position", v.RSVP.WaitlistPosition)
		}
		d.Accepted, d.SeeRSVP = true, base+"/rsvp"
	case domain.InvitationDeclined:
		d.Answer = l.T("invitation.answer.no")
	}
	if !sum.Cancelled && !sum.Over {
		d.Places = placesText(v.Event, l)
		d.Open, d.Waitlist, d.Closed = admissionView(v.Event, s.now(), l)
	}
	return d
}

// acceptFormPost says yes and goes to the person's own RSVP page.
func (s *Server) acceptFormPost(c echo.Context) error {
	t, err := invitationTokenParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	form := rsvpForm{Name: c.FormValue("name")}
	// The form shows the name to use; emptied, it is an error rather than
	// a silent return to the organiser's spelling.
	var check domain.Validation
	domain.CheckPersonName(&check, "name", form.Name, true)
	err = check.Err()
	var ans domain.InvitationAnswer
	if err == nil {
		// The page's language, which its form sends: the person's e-mails
		// speak it.
		ans, err = s.store.AcceptInvitation(ctx, t, form.Name, domain.LanguageTag(c.FormValue(langParam)))
	}
	if err == nil {
		// "?new=1" says a new reply is being confirmed by e-mail; saying
		// yes again while the RSVP stands sends none.
		to := "/r/" + url.PathEscape(ans.Result.ManageToken)
		if ans.Result.Created {
			to += "?new=1"
		}
		return c.Redirect(http.StatusSeeOther, to)
	}
	var (
		de     *domain.Error
		status int
	)
	switch {
	case errors.As(err, &de) && de.Code == domain.EINVALID && len(de.Fields) > 0:
		status = http.StatusUnprocessableEntity
	case errors.As(err, &de) && de.Code == domain.ECONFLICT:
		status = http.StatusConflict
	default:
		return err
	}
	v, ferr := s.store.FindInvitationByToken(ctx, t)
	if ferr != nil {
		return ferr
	}
	l := s.pageLangOnce(c, v.Event.Language(v.Group))
	var n *notice
	if status == http.StatusConflict {
		n = &notice{Kind: "error", Text: domainText(l, err)}
	} else {
		form.setErrors(l, de.Fields)
	}
	return s.renderInvitation(c, status, t, v, form, n)
}

// declineFormPost says no, thanks.
func (s *Server) declineFormPost(c echo.Context) error {
	t, err := invitationTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.DeclineInvitation(c.Request().Context(), t)
	if err != nil {
		return err
	}
	l := s.pageLangOnce(c, v.Event.Language(v.Group))
	d := s.declinedData(l, v, t)
	d.Meta.Languages = pageLanguages(c, l, "/i/"+url.PathEscape(t))
	return s.render(c, http.StatusOK, "message", d)
}

// declinedData is the page after saying no to the invitation v (token
// t), in l.
func (s *Server) declinedData(l *i18n.Lang, v domain.InvitationView, t string) messagePageData {
	sum := s.eventSummary(v.Event, v.Group, l)
	heading := l.T("invitation.declined.heading")
	d := messagePageData{Meta: s.meta(heading), Heading: heading,
		Text: []string{l.T("invitation.declined.text", "Title", v.Event.Title), l.T("invitation.declined.again")}}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	d.Links = []pageLink{{URL: "/i/" + url.PathEscape(t), Label: l.T("invitation.back")},
		{URL: sum.GroupURL, Label: l.T("invitation.others", "Group", v.Group.Name)}}
	return d
}

// invitationRSVPPage answers the address of the former "See your RSVP"
// link with the invitation page: following a link changes nothing, and
// opening the RSVP is the page's button (a post).
func (s *Server) invitationRSVPPage(c echo.Context) error {
	t, err := invitationTokenParam(c)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/i/"+url.PathEscape(t))
}

// invitationRSVPPost opens the RSVP of an accepted invitation, always
// through the same link (the invitation's manage token).
func (s *Server) invitationRSVPPost(c echo.Context) error {
	t, err := invitationTokenParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	tok, err := s.store.OpenInvitationRSVP(ctx, t)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.ECONFLICT {
		v, err := s.store.FindInvitationByToken(ctx, t)
		if err != nil {
			return err
		}
		n := &notice{Kind: "error", Text: domainText(s.pageLangOnce(c, v.Event.Language(v.Group)), de)}
		return s.renderInvitation(c, http.StatusConflict, t, v, rsvpForm{Name: v.Invitation.Name}, n)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/r/"+url.PathEscape(tok))
}

type confirmPageData struct {
	Meta    pageMeta
	Event   eventSummary
	Name    string
	Expires template.HTML
	Action  string
	Places  string
	CSRF    string
}

// confirmPage asks the person to confirm their pending RSVP with one
// button.
func (s *Server) confirmPage(c echo.Context) error {
	t, err := confirmTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.FindPendingByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	if v.Pending.ConfirmedAt != nil {
		// Confirmed already: the form post opens the RSVP again.
		return s.confirmFormPost(c)
	}
	l := s.pageLang(c, v.Event.Language(v.Group))
	d := s.confirmData(l, v, t)
	d.CSRF = httpkit.CSRFToken(c)
	d.Meta.Languages = pageLanguages(c, l, "")
	return s.render(c, http.StatusOK, "confirm", d)
}

// confirmData is the page that confirms the pending RSVP v (token t), in
// l.
func (s *Server) confirmData(l *i18n.Lang, v domain.PendingView, t string) confirmPageData {
	sum := s.eventSummary(v.Event, v.Group, l)
	loc := present.Zone(v.Event.TimeZone)
	d := confirmPageData{Meta: s.meta(l.T("confirm.title", "Title", v.Event.Title)), Event: sum, Name: v.Pending.Name,
		Expires: instantHTML(l, v.Pending.ExpiresAt, loc), Action: "/c/" + url.PathEscape(t)}
	if !sum.Cancelled && !sum.Over {
		d.Places = placesText(v.Event, l)
	}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	return d
}

// confirmFormPost confirms and goes to the person's own RSVP page.
func (s *Server) confirmFormPost(c echo.Context) error {
	t, err := confirmTokenParam(c)
	if err != nil {
		return err
	}
	res, err := s.store.ConfirmRSVP(c.Request().Context(), t)
	if err != nil {
		return err
	}
	to := "/r/" + url.PathEscape(res.ManageToken)
	if res.Created {
		to += "?new=1"
	}
	return c.Redirect(http.StatusSeeOther, to)
}

type erasePageData struct {
	Meta  pageMeta
	Event eventSummary
	Name  string
	Email string
	// Series is the title of the event's series: the erasure reaches
	// every session of it (RSVPs of them), and ends the following
	// (Following).
	Series    string
	RSVPs     int
	Following bool
	Upcoming  int // places given up
	Action    string
	KeepURL   string
	CSRF      string
}

// erasePage asks before erasing the person's data, and says how far the
// erasure reaches.
func (s *Server) erasePage(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	x, err := s.store.FindErasure(c.Request().Context(), t)
	if err != nil {
		return err
	}
	v := x.View
	if v.RSVP.ErasedAt != nil {
		return s.renderErased(c, v)
	}
	l := s.pageLang(c, v.RSVP.Language(v.Event, v.Group))
	d := s.eraseData(l, x, t)
	d.CSRF = httpkit.CSRFToken(c)
	d.Meta.Languages = pageLanguages(c, l, "")
	return s.render(c, http.StatusOK, "erase", d)
}

// eraseData is the page that asks before the erasure x (of the RSVP with
// manage token t), in l.
func (s *Server) eraseData(l *i18n.Lang, x domain.Erasure, t string) erasePageData {
	v := x.View
	base := "/r/" + url.PathEscape(t)
	d := erasePageData{Meta: s.meta(l.T("erase.title")), Event: s.eventSummary(v.Event, v.Group, l), Name: v.RSVP.Name, Email: v.RSVP.Email,
		RSVPs: x.RSVPs, Following: x.Following, Upcoming: x.Upcoming, Action: base + "/erase", KeepURL: base}
	if x.Series != nil {
		d.Series = x.Series.Title
	}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, d.Event.GroupURL
	return d
}

// eraseFormPost erases and shows that it is done.
func (s *Server) eraseFormPost(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.EraseRSVPByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	// The erasure happened: 200. The links then lead to the same words
	// with 410 (renderErased), since what they led to is gone.
	return s.renderErasedAs(c, http.StatusOK, v, "/r/"+url.PathEscape(t))
}

// renderErased is the page of an erased RSVP's links: 410.
func (s *Server) renderErased(c echo.Context, v domain.RSVPView) error {
	return s.renderErasedAs(c, http.StatusGone, v, "")
}

// renderErasedAs says the person's data was erased, with status; the
// language switch leads to back after a form post.
func (s *Server) renderErasedAs(c echo.Context, status int, v domain.RSVPView, back string) error {
	l := s.pageLang(c, v.RSVP.Language(v.Event, v.Group))
	d := s.erasedData(l, v)
	d.Meta.Languages = pageLanguages(c, l, back)
	return s.render(c, status, "message", d)
}

// erasedData is the page of an erased RSVP, in l.
func (s *Server) erasedData(l *i18n.Lang, v domain.RSVPView) messagePageData {
	sum := s.eventSummary(v.Event, v.Group, l)
	heading := l.T("erase.done.heading")
	d := messagePageData{Meta: s.meta(heading), Heading: heading,
		Text: []string{l.T("erase.done.text", "Title", v.Event.Title), l.T("erase.done.mail")}}
	if v.Event.SeriesID != "" {
		d.Text = []string{l.T("erase.done.series", "Title", v.Event.Title), l.T("erase.done.series.mail")}
	}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	d.Links = []pageLink{{URL: sum.URL, Label: l.T("message.event")}}
	return d
}

// pendingNotice is what the event page says after an RSVP that waits for
// its confirmation, in l.
func pendingNotice(l *i18n.Lang, email string, p *domain.PendingRSVP, e domain.Event) *notice {
	return &notice{Kind: "ok", HTML: l.HTML("rsvppage.pending", "Email", strings.TrimSpace(email),
		"When", instantHTML(l, p.ExpiresAt, present.Zone(e.TimeZone)))}
}
