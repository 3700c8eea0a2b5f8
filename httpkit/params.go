package httpkit

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// Slug returns the path parameter "slug". A string that cannot be a slug
// is ENOTFOUND with the reason given (event_not_found, group_not_found…),
// without a database lookup.
func Slug(c echo.Context, reason, noun string) (string, error) {
	slug := c.Param("slug")
	var v domain.Validation
	if domain.CheckSlug(&v, "slug", slug); v.Err() != nil {
		return "", &domain.Error{Code: domain.ENOTFOUND, Reason: reason, Message: "No such " + noun + "."}
	}
	return slug, nil
}

// Token returns the secret token of a personal link from the path
// parameter "token". Strings that cannot be tokens are ENOTFOUND with the
// reason and noun of the kind of link, without a database lookup.
func Token(c echo.Context, reason, noun string) (string, error) {
	t := c.Param("token")
	if len(t) < 20 || len(t) > 100 {
		return "", &domain.Error{Code: domain.ENOTFOUND, Reason: reason, Message: "No such " + noun + "."}
	}
	return t, nil
}

// ID returns the id in the path parameter name; one that cannot be an id
// is ENOTFOUND ("<what>_not_found").
func ID(c echo.Context, name, what string) (string, error) {
	id := c.Param(name)
	if !domain.ValidID(id) {
		return "", &domain.Error{Code: domain.ENOTFOUND, Reason: strings.ReplaceAll(what, " ", "_") + "_not_found", Message: "No such " + what + "."}
	}
	return id, nil
}
