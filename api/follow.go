package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// FollowStore is what following a series needs from persistence.
type FollowStore interface {
	// FollowSeries returns EINVALID, ENOTFOUND ("series_not_found") or
	// ECONFLICT ("series_ended"); success says nothing about the address.
	FollowSeries(ctx context.Context, slug string, in domain.FollowInput) error
	// The token methods return ENOTFOUND for an unknown link and EGONE
	// for an expired confirmation link.
	FindFollowerByToken(ctx context.Context, rawToken string) (domain.FollowerView, error)
	ConfirmFollow(ctx context.Context, rawToken string) (domain.FollowerView, error)
	Unfollow(ctx context.Context, rawToken string) (domain.FollowerView, error)
}

type followRequest struct {
	Name  string            `json:"name"`
	Email string            `json:"email"`
	Mode  domain.FollowMode `json:"mode"`
	// Locale is the language of the follower's e-mails (optional).
	Locale string `json:"locale"`
}

func followTokenParam(c echo.Context) (string, error) {
	return linkToken(c, "follower_not_found", "follow link")
}

// followPendingJSON answers a follow request: the same whatever the
// address did before.
type followPendingJSON struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func (s *Server) followSeries(c echo.Context) error {
	slug, err := seriesSlugParam(c)
	if err != nil {
		return err
	}
	var req followRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Mode == "" {
		req.Mode = domain.FollowInvite
	}
	if err := s.store.FollowSeries(c.Request().Context(), slug, domain.FollowInput{Name: req.Name, Email: req.Email, Mode: req.Mode,
		Locale: domain.NormalizeLanguage(req.Locale)}); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, followPendingJSON{Status: string(domain.FollowPending),
		Message: "Check your e-mail: open the link we sent to confirm that you follow this series."})
}

// followerJSON is what the holder of a follow or unfollow link sees.
type followerJSON struct {
	Name   string              `json:"name"`
	Mode   domain.FollowMode   `json:"mode"`
	Status domain.FollowStatus `json:"status"`
	Series struct {
		Slug  string `json:"slug"`
		Title string `json:"title"`
		URL   string `json:"url"`
	} `json:"series"`
}

func (s *Server) followerView(v domain.FollowerView) followerJSON {
	out := followerJSON{Name: v.Follower.Name, Mode: v.Follower.Mode, Status: v.Follower.Status}
	out.Series.Slug, out.Series.Title, out.Series.URL = v.Series.Slug, v.Series.Title, s.cfg.BaseURL+"/s/"+v.Series.Slug
	return out
}

func (s *Server) confirmFollow(c echo.Context) error {
	t, err := followTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.ConfirmFollow(c.Request().Context(), t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.followerView(v))
}

func (s *Server) unfollow(c echo.Context) error {
	t, err := followTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.Unfollow(c.Request().Context(), t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.followerView(v))
}
