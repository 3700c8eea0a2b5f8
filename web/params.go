package web

import (
	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
)

// The path parameters of the pages. A value that cannot be what it names
// is a "not found" page at once, without a database lookup.

func slugParam(c echo.Context) (string, error) {
	return httpkit.Slug(c, domain.ReasonEventNotFound, "event")
}

func seriesSlugParam(c echo.Context) (string, error) {
	return httpkit.Slug(c, domain.ReasonSeriesNotFound, "series")
}

func tokenParam(c echo.Context) (string, error) {
	return httpkit.Token(c, domain.ReasonRSVPNotFound, "RSVP")
}

func invitationTokenParam(c echo.Context) (string, error) {
	return httpkit.Token(c, domain.ReasonInvitationNotFound, "invitation")
}

func confirmTokenParam(c echo.Context) (string, error) {
	return httpkit.Token(c, domain.ReasonConfirmationNotFound, "confirmation link")
}

func doorTokenParam(c echo.Context) (string, error) {
	return httpkit.Token(c, domain.ReasonDoorLinkNotFound, "door link")
}

func followTokenParam(c echo.Context) (string, error) {
	return httpkit.Token(c, domain.ReasonFollowerNotFound, "follow link")
}
