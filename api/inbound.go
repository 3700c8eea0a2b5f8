package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// InboundPath is the webhook that takes one raw e-mail (RFC 5322) for a
// reply address: the way in for mail providers' inbound webhooks and
// `curl --data-binary @msg.eml`.
const InboundPath = "/api/v1/inbound/mail"

// MaxInboundBodyBytes is the largest message the webhook takes (as the
// SMTP listener: the processor's limit).
const MaxInboundBodyBytes = 4 << 20

// Inbound applies calendar replies from a raw message (the processor of
// notifications/inbound). Process fails only when the database cannot be
// reached.
type Inbound interface {
	Process(ctx context.Context, raw []byte, rcpts []string, via domain.ReplyVia) error
}

// InboundFunc adapts a function to Inbound.
type InboundFunc func(ctx context.Context, raw []byte, rcpts []string, via domain.ReplyVia) error

// Process calls f.
func (f InboundFunc) Process(ctx context.Context, raw []byte, rcpts []string, via domain.ReplyVia) error {
	return f(ctx, raw, rcpts, via)
}

// postInboundMail takes one message: 202 whatever it contained, once the
// bearer secret (CONVENE_INBOUND_SECRET) is right; 404 when inbound mail is
// not configured, so the route says nothing of itself then.
func (s *Server) postInboundMail(c echo.Context) error {
	if s.cfg.Inbound == nil || s.cfg.InboundSecret == "" {
		return domain.Errorf(domain.ENOTFOUND, "Not found.")
	}
	got, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.cfg.InboundSecret)) != 1 {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="convene-inbound"`)
		return domain.Errorf(domain.EUNAUTHORIZED, "Send the inbound secret (CONVENE_INBOUND_SECRET) as a bearer token.")
	}
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "The message is larger than 4 MiB.")
		}
		return err
	}
	rcpts := c.QueryParams()["to"] // the envelope recipients, for providers that pass them apart
	if err := s.cfg.Inbound.Process(c.Request().Context(), raw, rcpts, domain.ViaWebhook); err != nil {
		return domain.Errorf(domain.EUNAVAILABLE, "The message could not be taken now; send it again later.")
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "accepted"})
}
