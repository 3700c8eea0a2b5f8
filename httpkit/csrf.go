package httpkit

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// CSRFField is the name of the hidden form field that carries the CSRF
// token (and the context key Echo's middleware stores it under).
const CSRFField = "_csrf"

// CSRF is the double-submit check of HTML forms: a random token in a
// SameSite=Strict, HttpOnly cookie that the form must send back in its
// _csrf field. Browsers that send Sec-Fetch-Site are checked by that
// header instead (Echo's middleware), so a same-origin post is let
// through. When the service is reached over https (baseURL) the cookie is
// __Host- prefixed and Secure.
func CSRF(baseURL string) echo.MiddlewareFunc {
	secure := strings.HasPrefix(baseURL, "https://")
	name := "convene_csrf"
	if secure {
		name = "__Host-convene_csrf" // Secure, Path=/ and no Domain, enforced by browsers
	}
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:" + CSRFField,
		ContextKey:     CSRFField,
		CookieName:     name,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   secure,
		CookieSameSite: http.SameSiteStrictMode,
	})
}

// CSRFToken is the token the forms of this response must send back.
func CSRFToken(c echo.Context) string {
	t, _ := c.Get(CSRFField).(string)
	return t
}
