package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

func slugParam(c echo.Context) (string, error) {
	slug := c.Param("slug")
	var v domain.Validation
	if domain.CheckSlug(&v, "slug", slug); v.Err() != nil {
		return "", &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonEventNotFound, Message: "No such event."}
	}
	return slug, nil
}

func (s *Server) getPublicEvent(c echo.Context) error {
	slug, err := slugParam(c)
	if err != nil {
		return err
	}
	e, g, err := s.store.FindPublicEvent(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.publicEventView(e, g))
}

type createRSVPRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	// Locale is the language the attendee's e-mails and invites speak
	// (optional; the event's when empty).
	Locale string `json:"locale"`
}

// decodeRSVP reads and validates a public RSVP body (the fuzz target).
func decodeRSVP(body []byte) (domain.RSVPInput, error) {
	var req createRSVPRequest
	if err := decodeBytes(body, &req); err != nil {
		return domain.RSVPInput{}, err
	}
	in := domain.RSVPInput{Name: req.Name, Email: req.Email, Locale: domain.NormalizeLanguage(req.Locale)}
	return in, in.Validate()
}

func (s *Server) createRSVP(c echo.Context) error {
	slug, err := slugParam(c)
	if err != nil {
		return err
	}
	var req createRSVPRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	res, err := s.store.CreateRSVP(c.Request().Context(), slug, domain.RSVPInput{Name: req.Name, Email: req.Email, Locale: domain.NormalizeLanguage(req.Locale)})
	s.cfg.Metrics.CountRSVP(res, err)
	if err != nil {
		return err
	}
	if p := res.Pending; p != nil {
		// The same answer whether or not the address had replied before.
		return c.JSON(http.StatusAccepted, pendingJSON{Status: "pending", ExpiresAt: p.ExpiresAt,
			Message: "Check your e-mail: follow the link we sent to confirm your RSVP. Until then no place is held."})
	}
	out := rsvpCreatedJSON{ID: res.RSVP.ID, Status: res.RSVP.Status, WaitlistPosition: position(res.RSVP)}
	if !res.Created {
		return c.JSON(http.StatusOK, out)
	}
	out.ManageToken = res.ManageToken
	out.ManageURL = s.cfg.BaseURL + "/r/" + res.ManageToken
	return c.JSON(http.StatusCreated, out)
}

// tokenParam returns a manage token from the path; strings that cannot be
// tokens are 404 without a database lookup.
func tokenParam(c echo.Context) (string, error) { return linkToken(c, "rsvp_not_found", "RSVP") }

// linkToken returns the secret token of a personal link from the path.
// Strings that cannot be tokens are ENOTFOUND with the reason and noun of
// the kind of link, without a database lookup.
func linkToken(c echo.Context, reason, noun string) (string, error) {
	t := c.Param("token")
	if len(t) < 20 || len(t) > 100 {
		return "", &domain.Error{Code: domain.ENOTFOUND, Reason: reason, Message: "No such " + noun + "."}
	}
	return t, nil
}

// pendingJSON answers a public RSVP to an event that asks for e-mail
// confirmation.
type pendingJSON struct {
	Status    string    `json:"status"`
	ExpiresAt time.Time `json:"expires_at"`
	Message   string    `json:"message"`
}

func (s *Server) getRSVP(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.FindRSVPByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	if v.RSVP.ErasedAt != nil {
		return domain.ErrRSVPErased
	}
	return c.JSON(http.StatusOK, s.attendeeRSVPView(v, t))
}

// rsvpExportJSON is an attendee's "download my data": everything Convene
// holds about their RSVP.
type rsvpExportJSON struct {
	ExportedAt time.Time             `json:"exported_at"`
	RSVP       exportRSVPJSON        `json:"rsvp"`
	Event      exportEventJSON       `json:"event"`
	Emails     []exportEmailJSON     `json:"emails"`
	Invitation *exportInvitationJSON `json:"invitation"`
}

type exportRSVPJSON struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Email            string            `json:"email"`
	Status           domain.RSVPStatus `json:"status"`
	WaitlistPosition *int              `json:"waitlist_position"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	CancelledAt      *time.Time        `json:"cancelled_at"`
}

type exportEventJSON struct {
	Title    string    `json:"title"`
	Group    string    `json:"group"`
	URL      string    `json:"url"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	TimeZone string    `json:"time_zone"`
}

type exportEmailJSON struct {
	Kind      domain.MessageKind    `json:"kind"`
	Status    domain.DeliveryStatus `json:"status"`
	CreatedAt time.Time             `json:"created_at"`
	SentAt    *time.Time            `json:"sent_at"`
}

type exportInvitationJSON struct {
	Status      domain.InvitationStatus `json:"status"`
	Message     string                  `json:"message"`
	CreatedAt   time.Time               `json:"created_at"`
	RespondedAt *time.Time              `json:"responded_at"`
}

// exportRSVP is the attendee's "download my data": a JSON file.
func (s *Server) exportRSVP(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	x, err := s.store.ExportRSVPByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	if x.View.RSVP.ErasedAt != nil {
		return domain.ErrRSVPErased
	}
	r, e := x.View.RSVP, x.View.Event
	out := rsvpExportJSON{ExportedAt: s.now().UTC(),
		RSVP: exportRSVPJSON{ID: r.ID, Name: r.Name, Email: r.Email, Status: r.Status, WaitlistPosition: position(r),
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, CancelledAt: r.CancelledAt},
		Event: exportEventJSON{Title: e.Title, Group: x.View.Group.Name, URL: s.cfg.BaseURL + "/e/" + e.Slug,
			StartsAt: e.StartsAt, EndsAt: e.EndsAt, TimeZone: e.TimeZone},
		Emails: make([]exportEmailJSON, 0, len(x.Deliveries)),
	}
	for _, d := range x.Deliveries {
		out.Emails = append(out.Emails, exportEmailJSON{Kind: d.Kind, Status: d.Status, CreatedAt: d.CreatedAt, SentAt: d.SentAt})
	}
	if i := x.Invitation; i != nil {
		out.Invitation = &exportInvitationJSON{Status: i.Status, Message: i.Message, CreatedAt: i.CreatedAt, RespondedAt: i.RespondedAt}
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="convene-rsvp-`+r.ID+`.json"`)
	return c.JSON(http.StatusOK, out)
}

// eraseRSVP erases the attendee's name and address (see the store's
// EraseRSVPByToken). It answers 204; erasing twice is harmless.
func (s *Server) eraseRSVP(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	if _, err := s.store.EraseRSVPByToken(c.Request().Context(), t); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// reconfirmRSVP records that the person still comes (events that ask for
// reconfirmation), so that their seat is kept.
func (s *Server) reconfirmRSVP(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.ReconfirmRSVPByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.attendeeRSVPView(v, t))
}

func (s *Server) cancelRSVP(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.CancelRSVPByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.attendeeRSVPView(v, t))
}
