package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// Signing in and out of the console (the rules are in domain/signin.go).

// signInData is the sign-in page: the form that asks for a link, or the
// page that says one is on its way.
type signInData struct {
	Meta   consoleMeta
	Email  string
	Error  string
	Sent   bool
	Next   string
	Minute int
	// Passkeys says the page offers signing in with a passkey
	// (console_passkeys.go).
	Passkeys bool
}

// safeNext is where to go after signing in: a console address, or the
// home page. Anything else (another site, a scheme) is ignored.
func safeNext(next string) string {
	if !strings.HasPrefix(next, consolePrefix+"/") && next != consolePrefix {
		return consolePrefix + "/"
	}
	if strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return consolePrefix + "/"
	}
	return next
}

// signInPage asks for an organiser's address. A browser that is signed in
// goes on to the console.
func (s *Server) signInPage(c echo.Context) error {
	if _, _, err := s.session(c); err == nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	d := signInData{Meta: s.consoleMeta(c, langOf(c).T("console.signin.title")), Next: c.QueryParam("next")}
	s.offerPasskeys(&d)
	return s.renderConsole(c, http.StatusOK, "signin", d)
}

// signInPost e-mails a sign-in link when the address is an organiser's,
// and answers the same whether it is or not. The e-mail speaks the
// language this page speaks (the browser's).
func (s *Server) signInPost(c echo.Context) error {
	email := strings.TrimSpace(c.FormValue("email"))
	l := langOf(c)
	err := s.store.RequestSignIn(c.Request().Context(), email, l.Tag())
	d := signInData{Meta: s.consoleMeta(c, l.T("console.signin.title")), Email: email}
	if fields, ferr := formErrors(l, err); ferr != nil {
		return ferr
	} else if fields != nil {
		d.Error = fields["email"]
		s.offerPasskeys(&d)
		return s.renderConsole(c, http.StatusUnprocessableEntity, "signin", d)
	}
	d.Meta.Title, d.Sent, d.Minute = l.T("console.signin.sent.title"), true, int(domain.SignInLinkLifetime.Minutes())
	return s.renderConsole(c, http.StatusOK, "signin", d)
}

// signInLinkData is the page a sign-in link opens: one button.
type signInLinkData struct {
	Meta   consoleMeta
	Email  string
	Action string
}

// signInLinkPage shows the button that signs in. Following the link
// changes nothing: mail scanners follow links.
func (s *Server) signInLinkPage(c echo.Context) error {
	t, err := signInTokenParam(c)
	if err != nil {
		return err
	}
	_, o, err := s.store.FindSignInLink(c.Request().Context(), t)
	if err != nil {
		return err
	}
	d := signInLinkData{Meta: s.consoleMeta(c, langOf(c).T("console.signin.link.title")), Email: o.Email,
		Action: consolePrefix + "/sign-in/" + url.PathEscape(t)}
	return s.renderConsole(c, http.StatusOK, "signin_link", d)
}

// signInLinkPost uses the link: it starts a session and goes to the
// console.
func (s *Server) signInLinkPost(c echo.Context) error {
	t, err := signInTokenParam(c)
	if err != nil {
		return err
	}
	_, raw, err := s.store.SignIn(c.Request().Context(), t, domain.BrowserOf(c.Request().UserAgent()))
	if err != nil {
		return err
	}
	s.setSession(c, raw)
	return c.Redirect(http.StatusSeeOther, consolePrefix+"/")
}

func signInTokenParam(c echo.Context) (string, error) {
	t := c.Param("token")
	if len(t) < 20 || len(t) > 100 {
		return "", &domain.Error{Code: domain.EGONE, Reason: domain.ReasonSignInLinkInvalid,
			Message: "This sign-in link has been used or has expired. Ask for a new one."}
	}
	return t, nil
}

// signOutPost ends this browser's session.
func (s *Server) signOutPost(c echo.Context) error {
	err := s.store.EndSession(c.Request().Context(), organiser(c).ID, currentSession(c).ID)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	s.clearSession(c)
	return c.Redirect(http.StatusSeeOther, consolePrefix+"/sign-in?done=signed-out")
}

// signOutEverywherePost ends every session of the organiser, this one
// included.
func (s *Server) signOutEverywherePost(c echo.Context) error {
	if _, err := s.store.EndAllSessions(c.Request().Context(), organiser(c).ID); err != nil {
		return err
	}
	s.clearSession(c)
	return c.Redirect(http.StatusSeeOther, consolePrefix+"/sign-in?done=signed-out-all")
}

// endSessionPost signs another browser out (the account page's list).
func (s *Server) endSessionPost(c echo.Context) error {
	id, err := consoleID(c, "session_id", "session")
	if err != nil {
		return err
	}
	if err := s.store.EndSession(c.Request().Context(), organiser(c).ID, id); err != nil {
		return err
	}
	if id == currentSession(c).ID {
		s.clearSession(c)
		return c.Redirect(http.StatusSeeOther, consolePrefix+"/sign-in?done=signed-out")
	}
	return c.Redirect(http.StatusSeeOther, consolePrefix+"/account?done=session-ended#sessions")
}
