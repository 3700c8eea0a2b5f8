package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

const (
	organiserKey = "convene.organiser"
	tokenKey     = "convene.token"
)

// authenticate requires "Authorization: Bearer <token>" and puts the
// organiser and the token in the context.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, ok := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || len(token) > 200 {
			return &domain.Error{Code: domain.EUNAUTHORIZED, Reason: domain.ReasonMissingToken, Message: "Send an API token as \"Authorization: Bearer <token>\"."}
		}
		o, t, err := s.store.AuthenticateToken(c.Request().Context(), token)
		if err != nil {
			return err
		}
		c.Set(organiserKey, o)
		c.Set(tokenKey, t)
		return next(c)
	}
}

func me(c echo.Context) domain.Organiser { return c.Get(organiserKey).(domain.Organiser) }

// myToken is the API token that authenticated the request.
func myToken(c echo.Context) domain.APIToken { return c.Get(tokenKey).(domain.APIToken) }

// idParam returns a path id, answering 404 for strings that cannot be ids
// without asking the database. What names the thing for the message.
func idParam(c echo.Context, name, what string) (string, error) {
	id := c.Param(name)
	if !domain.ValidID(id) {
		return "", &domain.Error{Code: domain.ENOTFOUND, Reason: strings.ReplaceAll(what, " ", "_") + "_not_found", Message: "No such " + what + "."}
	}
	return id, nil
}

func (s *Server) getMe(c echo.Context) error {
	o := me(c)
	return c.JSON(http.StatusOK, organiserJSON{ID: o.ID, Email: o.Email, Name: o.Name})
}

type createTokenRequest struct {
	Name      string  `json:"name"`
	ExpiresAt *string `json:"expires_at"`
}

func (s *Server) createToken(c echo.Context) error {
	var req createTokenRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var v domain.Validation
	exp := parseTimePtr(&v, "expires_at", req.ExpiresAt)
	if err := v.Err(); err != nil {
		return err
	}
	// The new token expires no later than the one making it.
	t, raw, err := s.store.CreateAPITokenWith(c.Request().Context(), myToken(c), req.Name, exp)
	if err != nil {
		return err
	}
	out := tokenView(t)
	out.Token = raw
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) listTokens(c echo.Context) error {
	opts, err := listOptions(c)
	if err != nil {
		return err
	}
	p, err := s.store.ListAPITokens(c.Request().Context(), me(c).ID, opts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(p, tokenView))
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := idParam(c, "id", "token")
	if err != nil {
		return err
	}
	if err := s.store.RevokeAPIToken(c.Request().Context(), me(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// Groups

type createGroupRequest struct {
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	TimeZone     string `json:"time_zone"`
	ContactEmail string `json:"contact_email"`
	Locale       string `json:"locale"`
}

func (s *Server) createGroup(c echo.Context) error {
	var req createGroupRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	g, err := s.store.CreateGroup(c.Request().Context(), me(c).ID, domain.Group{
		Slug: req.Slug, Name: req.Name, Description: req.Description, TimeZone: req.TimeZone, ContactEmail: req.ContactEmail,
		Locale: domain.NormalizeLanguage(req.Locale),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, groupView(g))
}

func (s *Server) listGroups(c echo.Context) error {
	opts, err := listOptions(c)
	if err != nil {
		return err
	}
	p, err := s.store.ListGroups(c.Request().Context(), me(c).ID, opts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(p, groupView))
}

func (s *Server) getGroup(c echo.Context) error {
	id, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	g, _, err := s.store.FindGroup(c.Request().Context(), me(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, groupView(g))
}

type updateGroupRequest struct {
	Slug         Optional[string] `json:"slug"`
	Name         Optional[string] `json:"name"`
	Description  Optional[string] `json:"description"`
	TimeZone     Optional[string] `json:"time_zone"`
	ContactEmail Optional[string] `json:"contact_email"`
	Locale       Optional[string] `json:"locale"`
}

// update turns the request into a domain update: slug, name and time_zone
// cannot be null; description and contact_email are cleared by null or "".
func (r updateGroupRequest) update() (domain.GroupUpdate, error) {
	var v domain.Validation
	u := domain.GroupUpdate{
		Slug:         optString(&v, "slug", r.Slug, false),
		Name:         optString(&v, "name", r.Name, false),
		Description:  optString(&v, "description", r.Description, true),
		TimeZone:     optString(&v, "time_zone", r.TimeZone, false),
		ContactEmail: optString(&v, "contact_email", r.ContactEmail, true),
		Locale:       optString(&v, "locale", r.Locale, true),
	}
	return u, v.Err()
}

func (s *Server) updateGroup(c echo.Context) error {
	id, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	var req updateGroupRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := req.update()
	if err != nil {
		return err
	}
	g, err := s.store.UpdateGroup(c.Request().Context(), me(c).ID, id, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, groupView(g))
}

func (s *Server) listMembers(c echo.Context) error {
	id, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	opts, err := listOptions(c)
	if err != nil {
		return err
	}
	p, err := s.store.ListMembers(c.Request().Context(), me(c).ID, id, opts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(p, memberView))
}

type addMemberRequest struct {
	Email string      `json:"email"`
	Name  string      `json:"name"`
	Role  domain.Role `json:"role"`
}

func (s *Server) addMember(c echo.Context) error {
	id, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	var req addMemberRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	m, created, err := s.store.AddMember(c.Request().Context(), me(c).ID, id, req.Email, req.Name, req.Role)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, memberView(m))
}

func (s *Server) removeMember(c echo.Context) error {
	id, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	oid, err := idParam(c, "organiser_id", "member")
	if err != nil {
		return err
	}
	if err := s.store.RemoveMember(c.Request().Context(), me(c).ID, id, oid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
