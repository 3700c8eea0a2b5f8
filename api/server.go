// Package api is Convene's JSON API: the REST API for organisers' scripts
// and for attendees' links, its OpenAPI document (openapi.yaml), and the
// calendar downloads and feeds under /api/v1. It speaks to storage through
// the small interfaces it declares, answers errors as problem+json through
// httpkit, and must not import web or ops: they are separate parts of the
// service, put together in cmd/convene.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
)

// The API reads and changes data through these small interfaces, one per
// aggregate; Store is all of them, and store.DB implements it. Methods
// return *domain.Error values for expected failures (ENOTFOUND, ECONFLICT,
// EINVALID, EFORBIDDEN, EUNAUTHORIZED, EGONE, EUNAVAILABLE).

// AccountStore is organisers' API tokens.
type AccountStore interface {
	// AuthenticateToken returns who holds a token, and the token
	// (EUNAUTHORIZED when unknown, revoked or expired).
	AuthenticateToken(ctx context.Context, rawToken string) (domain.Organiser, domain.APIToken, error)
	// CreateAPITokenWith makes a token that never outlives maker (EINVALID
	// for an expires_at after the maker's).
	CreateAPITokenWith(ctx context.Context, maker domain.APIToken, name string, expiresAt *time.Time) (domain.APIToken, string, error)
	ListAPITokens(ctx context.Context, organiserID string, opts domain.ListOptions) (domain.Page[domain.APIToken], error)
	RevokeAPIToken(ctx context.Context, organiserID, tokenID string) error
}

// GroupStore is groups and their members.
type GroupStore interface {
	CreateGroup(ctx context.Context, organiserID string, g domain.Group) (domain.Group, error)
	FindGroup(ctx context.Context, organiserID, groupID string) (domain.Group, domain.Role, error)
	ListGroups(ctx context.Context, organiserID string, opts domain.ListOptions) (domain.Page[domain.Group], error)
	UpdateGroup(ctx context.Context, organiserID, groupID string, u domain.GroupUpdate) (domain.Group, error)
	ListMembers(ctx context.Context, organiserID, groupID string, opts domain.ListOptions) (domain.Page[domain.Member], error)
	AddMember(ctx context.Context, actorID, groupID, email, name string, role domain.Role) (domain.Member, bool, error)
	RemoveMember(ctx context.Context, actorID, groupID, organiserID string) error
}

// EventStore is events, as their organisers and the public see them.
type EventStore interface {
	CreateEvent(ctx context.Context, organiserID, groupID string, e domain.Event) (domain.Event, error)
	FindEvent(ctx context.Context, organiserID, eventID string) (domain.Event, error)
	ListEvents(ctx context.Context, organiserID, groupID string, f domain.EventFilter) (domain.Page[domain.Event], error)
	UpdateEvent(ctx context.Context, organiserID, eventID string, u domain.EventUpdate) (domain.EventChange, error)
	DeleteEvent(ctx context.Context, organiserID, eventID string) error
	PublishEvent(ctx context.Context, organiserID, eventID string) (domain.Event, error)
	CancelEvent(ctx context.Context, organiserID, eventID, reason string) (domain.Event, error)
	ListDeliveries(ctx context.Context, organiserID, eventID string, opts domain.ListOptions) (domain.Page[domain.Delivery], error)
	// RetryDelivery queues a failed e-mail again: ENOTFOUND, ECONFLICT
	// "delivery_not_failed", EGONE (erased).
	RetryDelivery(ctx context.Context, organiserID, eventID, deliveryID string) (domain.Delivery, error)
	FindPublicEvent(ctx context.Context, slug string) (domain.Event, domain.Group, error)
	FindPublicGroup(ctx context.Context, slug string, since time.Time) (domain.Group, []domain.Event, error)
	// GroupFeedVersion changes whenever FindPublicGroup's answer does
	// (ENOTFOUND for an unknown group).
	GroupFeedVersion(ctx context.Context, slug string, since time.Time) (string, error)
	PublicEventPeople(ctx context.Context, eventID string) (domain.EventPeople, error)
}

// RSVPStore is people's replies: public RSVPs, their manage links and
// feeds, confirmation links, and the organisers' lists.
type RSVPStore interface {
	CreateRSVP(ctx context.Context, slug string, in domain.RSVPInput) (domain.RSVPResult, error)
	// SearchRSVPs is a page of an event's RSVPs found by name or address,
	// status and attendance: ENOTFOUND, EINVALID.
	SearchRSVPs(ctx context.Context, organiserID, eventID string, f domain.RosterFilter) (domain.RosterPage, error)
	// SeatRSVP moves a waitlisted RSVP to going by hand (a seat added on
	// a full event with AddSeat): ENOTFOUND, ECONFLICT "not_waitlisted",
	// "event_full", "event_not_published", "event_cancelled", "event_over".
	SeatRSVP(ctx context.Context, organiserID, eventID, rsvpID string, s domain.Seating) (domain.RSVPView, error)
	// RemoveRSVP cancels an RSVP for the organisers: ENOTFOUND, ECONFLICT
	// "already_attended", EGONE (erased).
	RemoveRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVPView, error)
	FindRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	CancelRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	// ReconfirmRSVPByToken records that the person still comes: ENOTFOUND,
	// EGONE (erased), ECONFLICT "not_going" or "event_cancelled".
	ReconfirmRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	// EraseRSVPByToken erases the person's name and address from the RSVP
	// and the rest of the erasure's scope: the event, or every occurrence
	// of its series, whose following ends too.
	EraseRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	ExportRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPExport, error)
	EraseRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVPView, error)
	// PersonalEvents takes a feed token (or, from before feed tokens, a
	// manage token) and returns the feed token too.
	PersonalEvents(ctx context.Context, rawToken string, since time.Time) (domain.RSVPView, []domain.RSVPView, string, error)
	ConfirmRSVP(ctx context.Context, rawToken string) (domain.RSVPResult, error)
}

// InvitationStore is organisers' personal invitations.
type InvitationStore interface {
	CreateInvitations(ctx context.Context, organiserID, eventID string, req domain.InvitationRequest) (domain.InvitationBatch, error)
	ListInvitations(ctx context.Context, organiserID, eventID string, f domain.InvitationFilter) (domain.Page[domain.Invitation], error)
	FindInvitationByToken(ctx context.Context, rawToken string) (domain.InvitationView, error)
	AcceptInvitation(ctx context.Context, rawToken, name, locale string) (domain.InvitationAnswer, error)
	DeclineInvitation(ctx context.Context, rawToken string) (domain.InvitationView, error)
}

// AttendanceStore is who came: check-ins, door links, self check-in and
// the join link, bulk attendance.
type AttendanceStore interface {
	CheckIn(ctx context.Context, organiserID, eventID string, req domain.CheckinRequest) (domain.CheckinResult, error)
	UndoCheckIn(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVP, error)
	DoorList(ctx context.Context, organiserID, eventID string) (domain.DoorList, error)
	CreateDoorLink(ctx context.Context, organiserID, eventID, label string) (domain.DoorLink, string, error)
	// ListDoorLinks lists an event's door links for a member of its group
	// (ENOTFOUND otherwise).
	ListDoorLinks(ctx context.Context, organiserID, eventID string, opts domain.ListOptions) (domain.Page[domain.DoorLink], error)
	RevokeDoorLink(ctx context.Context, organiserID, eventID, linkID string) error
	SelfCheckIn(ctx context.Context, rawToken, code string) (domain.CheckinResult, error)
	RotateRoomCode(ctx context.Context, organiserID, eventID string) (domain.Event, error)
	RecordAttendance(ctx context.Context, organiserID, eventID string, emails []string) (domain.BulkAttendanceResult, error)
}

// RecordStore is feedback, the people of an event, statistics and
// contribution records with the key that signs them.
type RecordStore interface {
	// SigningKey returns the key that signs contribution records
	// (EUNAVAILABLE when the database cannot be reached).
	SigningKey(ctx context.Context) (domain.SigningKey, error)
	FindFeedbackByToken(ctx context.Context, rawToken string) (domain.FeedbackView, error)
	SaveFeedbackByToken(ctx context.Context, rawToken string, in domain.FeedbackInput) (domain.FeedbackView, error)
	SetEventPeople(ctx context.Context, organiserID, eventID string, in domain.EventPeopleInput) (domain.EventPeople, bool, error)
	FindEventPeople(ctx context.Context, organiserID, eventID string) (domain.EventPeople, bool, error)
	EventStats(ctx context.Context, organiserID, eventID string) (domain.EventStats, error)
	EventFeedback(ctx context.Context, organiserID, eventID string) (domain.FeedbackStats, error)
	GroupStats(ctx context.Context, organiserID, groupID string) (domain.EventStats, int, error)
	GroupContributions(ctx context.Context, organiserID, groupID string, f domain.ContributionFilter) (domain.Page[domain.Contribution], domain.ContributionTotals, error)
	MyContributions(ctx context.Context, organiserID string, f domain.ContributionFilter) (domain.Page[domain.Contribution], domain.ContributionTotals, error)
	AttendeeContributions(ctx context.Context, rawToken string, opts domain.ListOptions) (domain.RSVPView, domain.Page[domain.Contribution], domain.ContributionTotals, error)
	FindContribution(ctx context.Context, id string) (domain.Contribution, error)
}

// HealthStore says whether the database is ready (EUNAVAILABLE when it
// does not answer or migrations are pending).
type HealthStore interface {
	Ready(ctx context.Context) error
}

// Store is everything the JSON API reads and changes.
type Store interface {
	HealthStore
	AccountStore
	GroupStore
	EventStore
	RSVPStore
	InvitationStore
	AttendanceStore
	RecordStore
	SeriesStore
	JobStore
}

// Config configures the HTTP server.
type Config struct {
	// BaseURL is the public address of the service, used to build links.
	BaseURL string
	// TrustedProxies lists the IPs or CIDR ranges of reverse proxies whose
	// X-Forwarded-For header is believed. Empty: the peer address is used.
	TrustedProxies []string
	// RSVPRatePerMinute bounds public RSVP requests per client IP (0: no
	// limit). Bursts of up to the same number are allowed.
	RSVPRatePerMinute int
	// Version is reported by /healthz.
	Version string
	// Logger receives one line per request and internal errors.
	Logger *slog.Logger
	// Clock is the service's one clock, the one the store was opened
	// with (required).
	Clock domain.Clock
	// AdminEmail is the instance administrator's e-mail (the first
	// organiser); only they may see /api/v1/admin/*. Empty: nobody.
	AdminEmail string
	// Metrics counts requests and replies (nil: none).
	Metrics *httpkit.Metrics
	// Codes limits wrong check-in codes per client address; share the
	// website's (nil: a guard of the API's own).
	Codes *httpkit.CodeGuard
	// HTTP is the shared plumbing's configuration (the foreground); its
	// Logger, Metrics, TrustedProxies and body limits are set from the
	// fields above.
	HTTP httpkit.Config
	// FeedCacheTTL is how long a group feed is served from memory without
	// asking the database whether it changed; zero asks on every request
	// (one small query) and still reuses the encoded feed while nothing
	// changed.
	FeedCacheTTL time.Duration
	// Inbound and InboundSecret enable the inbound-mail webhook
	// (InboundPath) for calendar replies; without both it answers 404.
	Inbound       Inbound
	InboundSecret string
}

// MaxBodyBytes is the largest request body accepted (64 KiB).
const MaxBodyBytes = httpkit.MaxBodyBytes

// Server holds the API's dependencies.
type Server struct {
	store Store
	cfg   Config
	log   *slog.Logger
	echo  *echo.Echo
	codes *httpkit.CodeGuard // wrong check-in codes per address
	feeds *feedCache         // encoded group feeds
}

// New builds the Echo instance with every route and middleware.
func New(st Store, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		return nil, errors.New("api: Config.Clock is required (the store's clock)")
	}
	if cfg.Codes == nil {
		cfg.Codes = httpkit.NewCodeGuard()
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Server{store: st, cfg: cfg, log: cfg.Logger, codes: cfg.Codes, feeds: newFeedCache()}
	hc := cfg.HTTP
	hc.Logger, hc.Metrics, hc.TrustedProxies, hc.BodyLimit = cfg.Logger, cfg.Metrics, cfg.TrustedProxies, bodyLimit
	e, err := httpkit.New(hc, problemHandler(cfg.Logger))
	if err != nil {
		return nil, err
	}
	s.echo = e
	s.routes()
	return s, nil
}

// Paths are the paths the JSON API answers, for httpkit.Join.
func (s *Server) Paths() []string { return []string{"/api/", "/healthz", "/readyz", SigningKeyPath} }

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// now is the time by the service's clock.
func (s *Server) now() time.Time { return s.cfg.Clock.Now() }

// Handler returns the JSON API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo returns the Echo instance (for listing routes in tests).
func (s *Server) Echo() *echo.Echo { return s.echo }

func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET(SigningKeyPath, s.getSigningKey)

	v1 := e.Group("/api/v1")
	v1.GET("/openapi.yaml", serveOpenAPI)

	pub := v1.Group("/public")
	pub.GET("/events/:slug", s.getPublicEvent)
	pub.POST("/events/:slug/rsvps", s.createRSVP, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	pub.GET("/events/:slug/calendar.ics", s.getEventCalendar)
	pub.GET("/groups/:slug/calendar.ics", s.getGroupCalendar)
	v1.GET("/rsvps/:token/calendar.ics", s.getPersonalCalendar)
	v1.GET("/rsvps/:token", s.getRSVP)
	v1.DELETE("/rsvps/:token", s.cancelRSVP, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	v1.POST("/rsvps/:token/reconfirm", s.reconfirmRSVP, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	v1.POST("/rsvps/:token/checkin", s.selfCheckIn, s.codes.Middleware)
	v1.GET("/rsvps/:token/data", s.exportRSVP)
	v1.DELETE("/rsvps/:token/data", s.eraseRSVP, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	v1.GET("/rsvps/:token/feedback", s.getFeedback)
	v1.POST("/rsvps/:token/feedback", s.postFeedback, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	pub.POST("/confirmations/:token", s.confirmRSVP, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	pub.GET("/invitations/:token", s.getInvitation)
	pub.POST("/invitations/:token/accept", s.acceptInvitation, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	pub.POST("/invitations/:token/decline", s.declineInvitation, httpkit.RateLimit(s.cfg.RSVPRatePerMinute))
	v1.POST("/inbound/mail", s.postInboundMail)

	// Authentication is route middleware, not group middleware: Echo adds
	// catch-all routes for a group with middleware, which would turn 404
	// and 405 under /api/v1 into 401.
	auth := authed{v1, s.authenticate}
	auth.GET("/me", s.getMe)
	auth.POST("/tokens", s.createToken)
	auth.GET("/tokens", s.listTokens)
	auth.DELETE("/tokens/:id", s.revokeToken)

	auth.POST("/groups", s.createGroup)
	auth.GET("/groups", s.listGroups)
	auth.GET("/groups/:id", s.getGroup)
	auth.PATCH("/groups/:id", s.updateGroup)
	auth.GET("/groups/:id/members", s.listMembers)
	auth.POST("/groups/:id/members", s.addMember)
	auth.DELETE("/groups/:id/members/:organiser_id", s.removeMember)

	auth.POST("/groups/:id/events", s.createEvent)
	auth.GET("/groups/:id/events", s.listEvents)
	auth.GET("/events/:id", s.getEvent)
	auth.PATCH("/events/:id", s.updateEvent)
	auth.DELETE("/events/:id", s.deleteEvent)
	auth.POST("/events/:id/publish", s.publishEvent)
	auth.POST("/events/:id/cancel", s.cancelEvent)
	auth.GET("/events/:id/rsvps", s.listRSVPs)
	auth.GET("/events/:id/deliveries", s.listDeliveries)
	auth.POST("/events/:id/deliveries/:delivery_id/retry", s.retryDelivery)
	auth.POST("/events/:id/rsvps/:rsvp_id/seat", s.seatRSVP)
	auth.DELETE("/events/:id/rsvps/:rsvp_id", s.removeRSVP)
	auth.POST("/events/:id/invitations", s.createInvitations)
	auth.GET("/events/:id/invitations", s.listInvitations)
	auth.g.POST("/events/:id/checkins", s.checkIn, auth.auth, s.codes.Middleware)
	auth.GET("/events/:id/checkins", s.listCheckins)
	auth.DELETE("/events/:id/checkins/:rsvp_id", s.undoCheckIn)
	auth.POST("/events/:id/door-links", s.createDoorLink)
	auth.GET("/events/:id/door-links", s.listDoorLinks)
	auth.DELETE("/events/:id/door-links/:link_id", s.revokeDoorLink)
	auth.GET("/events/:id/checkin-code", s.getRoomCode)
	auth.POST("/events/:id/checkin-code", s.rotateRoomCode)
	auth.POST("/events/:id/attendance", s.recordAttendance)
	auth.DELETE("/events/:id/rsvps/:rsvp_id/data", s.eraseAttendee)
	s.contributionRoutes(v1, auth)
	s.seriesRoutes(pub, auth)
	v1.GET("/admin/jobs", s.getJobsSummary, s.authenticate, s.requireAdmin)
}

// authed registers routes that require an organiser's token.
type authed struct {
	g    *echo.Group
	auth echo.MiddlewareFunc
}

func (a authed) GET(p string, h echo.HandlerFunc)    { a.g.GET(p, h, a.auth) }
func (a authed) POST(p string, h echo.HandlerFunc)   { a.g.POST(p, h, a.auth) }
func (a authed) PATCH(p string, h echo.HandlerFunc)  { a.g.PATCH(p, h, a.auth) }
func (a authed) DELETE(p string, h echo.HandlerFunc) { a.g.DELETE(p, h, a.auth) }

// bodyLimit is the largest body a route takes: MaxBodyBytes, but more for
// the invitation list (1,000 recipients).
func bodyLimit(route string) int64 {
	if route == "/api/v1/events/:id/invitations" || route == "/api/v1/events/:id/attendance" {
		return MaxInvitationBodyBytes
	}
	if route == InboundPath {
		return MaxInboundBodyBytes
	}
	return MaxBodyBytes
}
