package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

func slugParam(c echo.Context) (string, error) {
	slug := c.Param("slug")
	var v domain.Validation
	if domain.CheckSlug(&v, "slug", slug); v.Err() != nil {
		return "", &domain.Error{Code: domain.ENOTFOUND, Reason: "event_not_found", Message: "No such event."}
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
}

// decodeRSVP reads and validates a public RSVP body (the fuzz target).
func decodeRSVP(body []byte) (domain.RSVPInput, error) {
	var req createRSVPRequest
	if err := decodeBytes(body, &req); err != nil {
		return domain.RSVPInput{}, err
	}
	in := domain.RSVPInput{Name: req.Name, Email: req.Email}
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
	res, err := s.store.CreateRSVP(c.Request().Context(), slug, domain.RSVPInput{Name: req.Name, Email: req.Email})
	if err != nil {
		return err
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
func tokenParam(c echo.Context) (string, error) {
	t := c.Param("token")
	if len(t) < 20 || len(t) > 100 {
		return "", &domain.Error{Code: domain.ENOTFOUND, Reason: "rsvp_not_found", Message: "No such RSVP."}
	}
	return t, nil
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
	return c.JSON(http.StatusOK, s.attendeeRSVPView(v))
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
	return c.JSON(http.StatusOK, s.attendeeRSVPView(v))
}
