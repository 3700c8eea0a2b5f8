// Package web is Convene's website: the pages attendees reach from links
// — an event, their RSVP, an invitation, a confirmation, the door list, a
// series, the verification of a contribution record — with their
// templates and static files. Pages are rendered on the server, work
// without JavaScript, and post forms with a CSRF token.
//
// It reads and changes data through the small store interfaces below
// (store.DB implements them), answers errors as pages with the statuses
// httpkit gives them, and must not import api or ops: they are separate
// parts of the service, put together in cmd/convene.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
)

// EventPages is what the event and group pages need.
type EventPages interface {
	FindPublicEvent(ctx context.Context, slug string) (domain.Event, domain.Group, error)
	FindPublicGroup(ctx context.Context, slug string, since time.Time) (domain.Group, []domain.Event, error)
	PublicEventPeople(ctx context.Context, eventID string) (domain.EventPeople, error)
}

// ReplyPages is what the pages of a person's reply need: the RSVP form,
// the RSVP page with its cancel and erase steps, confirmation links.
type ReplyPages interface {
	CreateRSVP(ctx context.Context, slug string, in domain.RSVPInput) (domain.RSVPResult, error)
	FindRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	CancelRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	ReconfirmRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	FindErasure(ctx context.Context, rawToken string) (domain.Erasure, error)
	EraseRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	FindPendingByToken(ctx context.Context, rawToken string) (domain.PendingView, error)
	ConfirmRSVP(ctx context.Context, rawToken string) (domain.RSVPResult, error)
}

// InvitationPages is what the invitation page needs.
type InvitationPages interface {
	FindInvitationByToken(ctx context.Context, rawToken string) (domain.InvitationView, error)
	AcceptInvitation(ctx context.Context, rawToken, name, locale string) (domain.InvitationAnswer, error)
	DeclineInvitation(ctx context.Context, rawToken string) (domain.InvitationView, error)
	OpenInvitationRSVP(ctx context.Context, rawToken string) (string, error)
}

// AttendancePages is what the door page, self check-in and the join link
// need.
type AttendancePages interface {
	DoorListAtDoor(ctx context.Context, rawLink string) (domain.DoorList, error)
	CheckInAtDoor(ctx context.Context, rawLink string, req domain.CheckinRequest) (domain.CheckinResult, error)
	UndoCheckInAtDoor(ctx context.Context, rawLink, rsvpID string) (domain.RSVP, error)
	SelfCheckIn(ctx context.Context, rawToken, code string) (domain.CheckinResult, error)
	JoinOnline(ctx context.Context, rawToken, slug string) (domain.RSVPView, bool, error)
}

// FeedbackPages is what the feedback form needs.
type FeedbackPages interface {
	FindFeedbackByToken(ctx context.Context, rawToken string) (domain.FeedbackView, error)
	SaveFeedbackByToken(ctx context.Context, rawToken string, in domain.FeedbackInput) (domain.FeedbackView, error)
}

// SeriesPages is what the series page and following need.
type SeriesPages interface {
	FindPublicSeries(ctx context.Context, slug string) (domain.SeriesView, error)
	FollowSeries(ctx context.Context, slug string, in domain.FollowInput) error
	FindFollowerByToken(ctx context.Context, rawToken string) (domain.FollowerView, error)
	ConfirmFollow(ctx context.Context, rawToken string) (domain.FollowerView, error)
	Unfollow(ctx context.Context, rawToken string) (domain.FollowerView, error)
}

// RecordPages is what the verification page of a contribution record
// needs.
type RecordPages interface {
	FindContribution(ctx context.Context, id string) (domain.Contribution, error)
	SigningKey(ctx context.Context) (domain.SigningKey, error)
}

// Store is everything the website reads and changes. Methods return
// *domain.Error values for expected failures, which become error pages.
type Store interface {
	EventPages
	ReplyPages
	InvitationPages
	AttendancePages
	FeedbackPages
	SeriesPages
	RecordPages
	ConsoleStore
}

// Config configures the website.
type Config struct {
	// BaseURL is the public address of the service, for links.
	BaseURL string
	// Clock is the service's one clock (required).
	Clock domain.Clock
	// Logger receives one line per request and internal errors.
	Logger *slog.Logger
	// RSVPRatePerMinute bounds form posts per client IP (0: no limit).
	RSVPRatePerMinute int
	// Codes limits wrong check-in codes per client address; share the
	// JSON API's (nil: a guard of the website's own).
	Codes *httpkit.CodeGuard
	// Metrics counts requests and replies (nil: none).
	Metrics *httpkit.Metrics
	// HTTP is the shared plumbing's configuration (trusted proxies, the
	// foreground); its Logger and Metrics are the ones above.
	HTTP httpkit.Config
	// PseudoLocale lets ?lang=en-XA choose the pseudo-locale, which marks
	// every translated string (tests).
	PseudoLocale bool
}

// Server is the website.
type Server struct {
	store Store
	cfg   Config
	log   *slog.Logger
	echo  *echo.Echo
	codes *httpkit.CodeGuard
	// passkeys is the WebAuthn relying party, nil when the base URL
	// cannot have passkeys (console_passkeys.go).
	passkeys *webauthn.WebAuthn
}

// New builds the website's routes and middleware.
func New(st Store, cfg Config) (*Server, error) {
	if cfg.Clock == nil {
		return nil, errors.New("web: Config.Clock is required (the store's clock)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Codes == nil {
		cfg.Codes = httpkit.NewCodeGuard()
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Server{store: st, cfg: cfg, log: cfg.Logger, codes: cfg.Codes}
	hc := cfg.HTTP
	hc.Logger, hc.Metrics = cfg.Logger, cfg.Metrics
	e, err := httpkit.New(hc, s.handleError)
	if err != nil {
		return nil, err
	}
	s.echo = e
	s.pageRoutes(e)
	return s, nil
}

// Handler returns the website as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo returns the Echo instance (for listing routes in tests).
func (s *Server) Echo() *echo.Echo { return s.echo }

// now is the time by the service's clock.
func (s *Server) now() time.Time { return s.cfg.Clock.Now() }

// rateLimit limits a form's posts per client IP.
func (s *Server) rateLimit() echo.MiddlewareFunc { return httpkit.RateLimit(s.cfg.RSVPRatePerMinute) }

// countRSVP counts the outcome of a reply made through a page.
func (s *Server) countRSVP(res domain.RSVPResult, err error) { s.cfg.Metrics.CountRSVP(res, err) }

// handleError answers the errors of the pages and of their middleware as
// pages. A request that reached no page — an address nothing answers, a
// method a page does not take — is answered with a problem document, as
// the JSON API answers it: it comes from programs more than from people
// following links.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if page, _ := c.Get(pageKey).(bool); !page {
		httpkit.ProblemHandler(s.log)(err, c)
		return
	}
	if rerr := s.renderError(c, err); rerr != nil {
		s.log.ErrorContext(c.Request().Context(), "error page", "err", rerr.Error(), "route", c.Path())
	}
}
