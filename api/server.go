// Package api is Convene's HTTP surface: the JSON REST API for organisers
// and attendees, its OpenAPI document, and health checks. It speaks to
// storage through the Store interface it declares.
package api

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications"
)

// Store is what the API needs from persistence. Methods return
// *domain.Error values for expected failures (ENOTFOUND, ECONFLICT,
// EINVALID, EFORBIDDEN, EUNAUTHORIZED, EUNAVAILABLE).
type Store interface {
	Ready(ctx context.Context) error
	// SigningKey returns the key that signs contribution records
	// (EUNAVAILABLE when the database cannot be reached).
	SigningKey(ctx context.Context) (domain.SigningKey, error)

	// AuthenticateToken returns who holds a token, and the token
	// (EUNAUTHORIZED when unknown, revoked or expired).
	AuthenticateToken(ctx context.Context, rawToken string) (domain.Organiser, domain.APIToken, error)
	// CreateAPITokenWith makes a token that never outlives maker (EINVALID
	// for an expires_at after the maker's).
	CreateAPITokenWith(ctx context.Context, maker domain.APIToken, name string, expiresAt *time.Time) (domain.APIToken, string, error)
	ListAPITokens(ctx context.Context, organiserID string, opts domain.ListOptions) (domain.Page[domain.APIToken], error)
	RevokeAPIToken(ctx context.Context, organiserID, tokenID string) error

	CreateGroup(ctx context.Context, organiserID string, g domain.Group) (domain.Group, error)
	FindGroup(ctx context.Context, organiserID, groupID string) (domain.Group, domain.Role, error)
	ListGroups(ctx context.Context, organiserID string, opts domain.ListOptions) (domain.Page[domain.Group], error)
	UpdateGroup(ctx context.Context, organiserID, groupID string, u domain.GroupUpdate) (domain.Group, error)
	ListMembers(ctx context.Context, organiserID, groupID string, opts domain.ListOptions) (domain.Page[domain.Member], error)
	AddMember(ctx context.Context, actorID, groupID, email, name string, role domain.Role) (domain.Member, bool, error)
	RemoveMember(ctx context.Context, actorID, groupID, organiserID string) error

	CreateEvent(ctx context.Context, organiserID, groupID string, e domain.Event) (domain.Event, error)
	FindEvent(ctx context.Context, organiserID, eventID string) (domain.Event, error)
	ListEvents(ctx context.Context, organiserID, groupID string, f domain.EventFilter) (domain.Page[domain.Event], error)
	UpdateEvent(ctx context.Context, organiserID, eventID string, u domain.EventUpdate) (domain.EventChange, error)
	DeleteEvent(ctx context.Context, organiserID, eventID string) error
	PublishEvent(ctx context.Context, organiserID, eventID string) (domain.Event, error)
	CancelEvent(ctx context.Context, organiserID, eventID, reason string) (domain.Event, error)
	ListRSVPs(ctx context.Context, organiserID, eventID string, f domain.RSVPFilter) (domain.Page[domain.RSVP], error)
	ListDeliveries(ctx context.Context, organiserID, eventID string, opts domain.ListOptions) (domain.Page[domain.Delivery], error)

	FindPublicEvent(ctx context.Context, slug string) (domain.Event, domain.Group, error)
	FindPublicGroup(ctx context.Context, slug string, since time.Time) (domain.Group, []domain.Event, error)
	// GroupFeedVersion changes whenever FindPublicGroup's answer does
	// (ENOTFOUND for an unknown group).
	GroupFeedVersion(ctx context.Context, slug string, since time.Time) (string, error)
	// PersonalEvents takes a feed token (or, from before feed tokens, a
	// manage token) and returns the feed token too.
	PersonalEvents(ctx context.Context, rawToken string, since time.Time) (domain.RSVPView, []domain.RSVPView, string, error)
	CreateRSVP(ctx context.Context, slug string, in domain.RSVPInput) (domain.RSVPResult, error)
	FindRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	CancelRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	// ReconfirmRSVPByToken records that the person still comes: ENOTFOUND,
	// EGONE (erased), ECONFLICT "not_going" or "event_cancelled".
	ReconfirmRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	// EraseRSVPByToken erases the person's name and address from the RSVP
	// and the rest of the erasure's scope: the event, or every occurrence
	// of its series, whose following ends too.
	EraseRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPView, error)
	// FindErasure says what erasing would reach (ENOTFOUND).
	FindErasure(ctx context.Context, rawToken string) (domain.Erasure, error)
	ExportRSVPByToken(ctx context.Context, rawToken string) (domain.RSVPExport, error)

	ConfirmRSVP(ctx context.Context, rawToken string) (domain.RSVPResult, error)
	FindPendingByToken(ctx context.Context, rawToken string) (domain.PendingView, error)

	CreateInvitations(ctx context.Context, organiserID, eventID string, req domain.InvitationRequest) (domain.InvitationBatch, error)
	ListInvitations(ctx context.Context, organiserID, eventID string, f domain.InvitationFilter) (domain.Page[domain.Invitation], error)
	FindInvitationByToken(ctx context.Context, rawToken string) (domain.InvitationView, error)
	AcceptInvitation(ctx context.Context, rawToken, name string) (domain.InvitationAnswer, error)
	// OpenInvitationRSVP returns the manage token an accepted invitation
	// leads to (ECONFLICT "no_rsvp" when it holds no RSVP).
	OpenInvitationRSVP(ctx context.Context, rawToken string) (string, error)
	DeclineInvitation(ctx context.Context, rawToken string) (domain.InvitationView, error)

	CheckIn(ctx context.Context, organiserID, eventID string, req domain.CheckinRequest) (domain.CheckinResult, error)
	CheckInAtDoor(ctx context.Context, rawLink string, req domain.CheckinRequest) (domain.CheckinResult, error)
	UndoCheckIn(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVP, error)
	UndoCheckInAtDoor(ctx context.Context, rawLink, rsvpID string) (domain.RSVP, error)
	DoorList(ctx context.Context, organiserID, eventID string) (domain.DoorList, error)
	DoorListAtDoor(ctx context.Context, rawLink string) (domain.DoorList, error)
	CreateDoorLink(ctx context.Context, organiserID, eventID string) (domain.DoorLink, string, error)
	// ListDoorLinks lists an event's door links for a member of its group
	// (ENOTFOUND otherwise).
	ListDoorLinks(ctx context.Context, organiserID, eventID string, opts domain.ListOptions) (domain.Page[domain.DoorLink], error)
	RevokeDoorLink(ctx context.Context, organiserID, eventID, linkID string) error
	SelfCheckIn(ctx context.Context, rawToken, code string) (domain.CheckinResult, error)
	JoinOnline(ctx context.Context, rawToken, slug string) (domain.RSVPView, bool, error)
	RotateRoomCode(ctx context.Context, organiserID, eventID string) (domain.Event, error)
	RecordAttendance(ctx context.Context, organiserID, eventID string, emails []string) (domain.BulkAttendanceResult, error)
	PublicEventPeople(ctx context.Context, eventID string) (domain.EventPeople, error)
	EraseRSVP(ctx context.Context, organiserID, eventID, rsvpID string) (domain.RSVPView, error)

	// Feedback after an event (feedback.go).
	FindFeedbackByToken(ctx context.Context, rawToken string) (domain.FeedbackView, error)
	SaveFeedbackByToken(ctx context.Context, rawToken string, in domain.FeedbackInput) (domain.FeedbackView, error)

	// People, statistics and contribution records (contributions.go).
	SetEventPeople(ctx context.Context, organiserID, eventID string, in domain.EventPeopleInput) (domain.EventPeople, bool, error)
	FindEventPeople(ctx context.Context, organiserID, eventID string) (domain.EventPeople, bool, error)
	EventStats(ctx context.Context, organiserID, eventID string) (domain.EventStats, error)
	EventFeedback(ctx context.Context, organiserID, eventID string) (domain.FeedbackStats, error)
	GroupStats(ctx context.Context, organiserID, groupID string) (domain.EventStats, int, error)
	GroupContributions(ctx context.Context, organiserID, groupID string, f domain.ContributionFilter) (domain.Page[domain.Contribution], domain.ContributionTotals, error)
	MyContributions(ctx context.Context, organiserID string, f domain.ContributionFilter) (domain.Page[domain.Contribution], domain.ContributionTotals, error)
	AttendeeContributions(ctx context.Context, rawToken string, opts domain.ListOptions) (domain.RSVPView, domain.Page[domain.Contribution], domain.ContributionTotals, error)
	FindContribution(ctx context.Context, id string) (domain.Contribution, error)

	// The job queue, for metrics and the administrator (metrics.go).
	JobStore
	// Recurring series and their followers (series.go).
	SeriesStore
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
	// Metrics receives the server's metrics; nil makes a registry of its own.
	Metrics *Metrics
	// MetricsToken, when set, is required as a Bearer token by /metrics
	// (and pprof).
	MetricsToken string
	// Pprof mounts net/http/pprof under /debug/pprof.
	Pprof bool
	// Foreground learns of every request in flight, so that e-mail work
	// gives way to them (notifications.Foreground); nil: it does not.
	Foreground *notifications.Foreground
	// BenchStatic mounts BenchStaticPath, the static baseline of
	// convene-bench's feeds scenario. Off in production.
	BenchStatic bool
	// FeedCacheTTL is how long a group feed is served from memory without
	// asking the database whether it changed; zero asks on every request
	// (one small query) and still reuses the encoded feed while nothing
	// changed.
	FeedCacheTTL time.Duration
}

// MaxBodyBytes is the largest request body accepted (64 KiB).
const MaxBodyBytes = 64 << 10

// Server holds the API's dependencies.
type Server struct {
	store   Store
	cfg     Config
	log     *slog.Logger
	echo    *echo.Echo
	handler http.Handler // echo, answering HEAD as GET
	codes   *codeGuard   // wrong check-in codes per address
	feeds   *feedCache   // encoded group feeds

	metrics *Metrics
}

// New builds the Echo instance with every route and middleware.
func New(st Store, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		return nil, errors.New("api: Config.Clock is required (the store's clock)")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Server{store: st, cfg: cfg, log: cfg.Logger, codes: newCodeGuard(), feeds: newFeedCache(), metrics: cfg.Metrics}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	s.metrics.register(st)
	if fg := cfg.Foreground; fg != nil {
		// A second server on one registry (tests) keeps the first gauge.
		_ = s.metrics.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "convene_http_requests_in_flight",
			Help: "Requests being answered; e-mails give way to them (scrapes and profiles do not count)."},
			func() float64 { return float64(fg.InFlight()) }))
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	ipx, err := ipExtractor(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	e.IPExtractor = ipx
	e.Pre(middleware.RemoveTrailingSlash())
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: domain.NewID}))
	e.Use(s.countRequests)
	e.Use(s.inForeground)
	e.Use(s.logRequests)
	e.Use(middleware.Recover())
	e.Use(s.limitBody)
	e.Use(securityHeaders)
	s.echo = e
	s.handler = headAsGet(e)
	s.routes()
	return s, nil
}

// now is the time by the service's clock.
func (s *Server) now() time.Time { return s.cfg.Clock.Now() }

// Handler returns the server as an http.Handler. It answers HEAD on every
// GET route (see headAsGet).
func (s *Server) Handler() http.Handler { return s.handler }

// headKey marks, in a request's context, a HEAD request routed as GET.
type headKey struct{}

// headAsGet answers HEAD on every GET route — API and pages — as the GET
// would, with the same status and headers and no body (RFC 9110 §9.3.2):
// monitors and link checkers ask with HEAD, and Echo routes HEAD only
// where it is registered, which would mean registering every GET route
// twice. The request is routed as a GET; the response stays the HEAD
// request's, and net/http sends no body for a HEAD request (it counts the
// bytes for Content-Length as it would for the GET). Only the method the
// log line shows is told apart (isHead).
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		get := r.Clone(context.WithValue(r.Context(), headKey{}, true))
		get.Method = http.MethodGet
		hw := &headResponse{ResponseWriter: w}
		next.ServeHTTP(hw, get)
		hw.finish()
	})
}

// headResponse holds back the status of a HEAD response until the first
// byte of the body or the handler's end. net/http works out Content-Length
// from the bytes written, and sends none for a HEAD that wrote nothing,
// where the GET says Content-Length: 0 (a redirect, say); finish says it.
type headResponse struct {
	http.ResponseWriter
	status int  // held back until sent
	sent   bool // the status went out
}

func (w *headResponse) WriteHeader(code int) {
	if code < 200 {
		w.ResponseWriter.WriteHeader(code) // informational: not the final status
		return
	}
	if !w.sent && w.status == 0 {
		w.status = code
	}
}

func (w *headResponse) send() {
	if !w.sent {
		w.sent = true
		if w.status != 0 {
			w.ResponseWriter.WriteHeader(w.status)
		}
	}
}

func (w *headResponse) Write(p []byte) (int, error) {
	w.send()
	return w.ResponseWriter.Write(p)
}

// Flush sends the status and headers now.
func (w *headResponse) Flush() {
	w.send()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *headResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish sends a status still held back, with the Content-Length: 0 an
// empty GET body gets (none for 204 and 304, which have no body).
func (w *headResponse) finish() {
	if w.sent {
		return
	}
	code := cmp.Or(w.status, http.StatusOK)
	if code != http.StatusNoContent && code != http.StatusNotModified && w.Header().Get("Content-Length") == "" {
		w.Header().Set("Content-Length", "0")
	}
	w.send()
}

// isHead reports whether r is a HEAD request that headAsGet routed as GET.
func isHead(r *http.Request) bool { return r.Context().Value(headKey{}) != nil }

// Echo returns the Echo instance (for listing routes in tests).
func (s *Server) Echo() *echo.Echo { return s.echo }

func (s *Server) routes() {
	e := s.echo
	s.pageRoutes(e)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET(SigningKeyPath, s.getSigningKey)
	s.metricsRoutes(e)
	s.benchRoutes(e)

	v1 := e.Group("/api/v1")
	v1.GET("/openapi.yaml", serveOpenAPI)

	pub := v1.Group("/public")
	pub.GET("/events/:slug", s.getPublicEvent)
	pub.POST("/events/:slug/rsvps", s.createRSVP, s.rateLimit())
	pub.GET("/events/:slug/calendar.ics", s.getEventCalendar)
	pub.GET("/groups/:slug/calendar.ics", s.getGroupCalendar)
	v1.GET("/rsvps/:token/calendar.ics", s.getPersonalCalendar)
	v1.GET("/rsvps/:token", s.getRSVP)
	v1.DELETE("/rsvps/:token", s.cancelRSVP, s.rateLimit())
	v1.POST("/rsvps/:token/reconfirm", s.reconfirmRSVP, s.rateLimit())
	v1.POST("/rsvps/:token/checkin", s.selfCheckIn, s.codes.middleware)
	v1.GET("/rsvps/:token/data", s.exportRSVP)
	v1.DELETE("/rsvps/:token/data", s.eraseRSVP, s.rateLimit())
	v1.GET("/rsvps/:token/feedback", s.getFeedback)
	v1.POST("/rsvps/:token/feedback", s.postFeedback, s.rateLimit())
	pub.POST("/confirmations/:token", s.confirmRSVP, s.rateLimit())
	pub.GET("/invitations/:token", s.getInvitation)
	pub.POST("/invitations/:token/accept", s.acceptInvitation, s.rateLimit())
	pub.POST("/invitations/:token/decline", s.declineInvitation, s.rateLimit())

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
	auth.POST("/events/:id/invitations", s.createInvitations)
	auth.GET("/events/:id/invitations", s.listInvitations)
	auth.g.POST("/events/:id/checkins", s.checkIn, auth.auth, s.codes.middleware)
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

// ipExtractor returns how the client IP is found: the TCP peer, unless
// trusted proxies are configured, in which case X-Forwarded-For is read
// from right to left and the first untrusted address is the client.
func ipExtractor(trusted []string) (echo.IPExtractor, error) {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, t := range trusted {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !strings.Contains(t, "/") {
			if ip := net.ParseIP(t); ip != nil && ip.To4() != nil {
				t += "/32"
			} else {
				t += "/128"
			}
		}
		_, n, err := net.ParseCIDR(t)
		if err != nil {
			return nil, &domain.Error{Code: domain.EINVALID, Message: "CONVENE_TRUSTED_PROXIES: " + t + " is not an IP address or CIDR range"}
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

// rateLimit limits requests per client IP with a token bucket
// (x/time/rate, through Echo's limiter). Limited requests get 429 with
// Retry-After.
func (s *Server) rateLimit() echo.MiddlewareFunc {
	perMin := s.cfg.RSVPRatePerMinute
	if perMin <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	retryAfter := max(1, (60+perMin-1)/perMin)
	limited := func(c echo.Context) error {
		c.Response().Header().Set("Retry-After", itoa(retryAfter))
		return &domain.Error{Code: domain.ERATELIMITED, Reason: "rate_limited", Message: "Too many requests from your address; please wait a moment and try again."}
	}
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(perMin) / 60), Burst: perMin, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		ErrorHandler:        func(c echo.Context, err error) error { return limited(c) },
		DenyHandler:         func(c echo.Context, _ string, _ error) error { return limited(c) },
	})
}

// limitBody refuses bodies over MaxBodyBytes before they are read.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		limit := bodyLimit(c.Path())
		if r.ContentLength > limit {
			return errTooLarge(limit)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
		return next(c)
	}
}

// bodyLimit is the largest body a route takes: MaxBodyBytes, but more for
// the invitation list (1,000 recipients).
func bodyLimit(route string) int64 {
	if route == "/api/v1/events/:id/invitations" || route == "/api/v1/events/:id/attendance" {
		return MaxInvitationBodyBytes
	}
	return MaxBodyBytes
}

func errTooLarge(limit int64) error {
	return &domain.Error{Code: domain.ETOOLARGE, Reason: "body_too_large",
		Message: "The request body is larger than " + strconv.FormatInt(limit>>10, 10) + " KiB."}
}

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

// logRequests writes one structured line per request. It logs the route
// pattern, never the raw path: paths can hold manage tokens.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "(no route)"
		}
		method := c.Request().Method
		if isHead(c.Request()) {
			method = http.MethodHead
		}
		s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes", c.Response().Size),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		)
		return nil
	}
}
