package api

import (
	"cmp"
	"net/url"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/calendar"
)

// Response shapes. They differ from the domain types on purpose: they are
// the public contract, written down in openapi.yaml.

type organiserJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

type tokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Token      string     `json:"token,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func tokenView(t domain.APIToken) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt}
}

type groupJSON struct {
	ID           string    `json:"id"`
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	TimeZone     string    `json:"time_zone"`
	ContactEmail string    `json:"contact_email"`
	Locale       string    `json:"locale"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func groupView(g domain.Group) groupJSON {
	return groupJSON{ID: g.ID, Slug: g.Slug, Name: g.Name, Description: g.Description, TimeZone: g.TimeZone,
		ContactEmail: g.ContactEmail, Locale: cmp.Or(g.Locale, domain.DefaultLanguage), CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

type memberJSON struct {
	OrganiserID string      `json:"organiser_id"`
	Email       string      `json:"email"`
	Name        string      `json:"name"`
	Role        domain.Role `json:"role"`
	JoinedAt    time.Time   `json:"joined_at"`
}

func memberView(m domain.Member) memberJSON {
	return memberJSON{OrganiserID: m.OrganiserID, Email: m.Email, Name: m.Name, Role: m.Role, JoinedAt: m.JoinedAt}
}

type venueJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

func venueView(v *domain.Venue) *venueJSON {
	if v == nil {
		return nil
	}
	return &venueJSON{Name: v.Name, Address: v.Address}
}

// eventJSON is the organiser's view of an event.
type eventJSON struct {
	ID           string             `json:"id"`
	GroupID      string             `json:"group_id"`
	Slug         string             `json:"slug"`
	Title        string             `json:"title"`
	Description  string             `json:"description"`
	Kind         domain.EventKind   `json:"kind"`
	Status       domain.EventStatus `json:"status"`
	StartsAt     time.Time          `json:"starts_at"`
	EndsAt       time.Time          `json:"ends_at"`
	TimeZone     string             `json:"time_zone"`
	Locale       string             `json:"locale"`
	Local        localTimesJSON     `json:"local"`
	Venue        *venueJSON         `json:"venue"`
	OnlineURL    string             `json:"online_url"`
	RecordingURL string             `json:"recording_url"`
	Capacity     *int               `json:"capacity"`
	Waitlist     bool               `json:"waitlist"`
	RSVPOpensAt  *time.Time         `json:"rsvp_opens_at"`
	RSVPClosesAt *time.Time         `json:"rsvp_closes_at"`
	RSVPOpen     bool               `json:"rsvp_open"`
	// RSVPConfirmation is "none" or "email" (double opt-in).
	RSVPConfirmation domain.RSVPConfirmation `json:"rsvp_confirmation"`
	// Reminders are ISO 8601 durations before the start, earliest first.
	Reminders     []string   `json:"reminders"`
	Reconfirm     bool       `json:"reconfirm"`
	GoingCount    int        `json:"going_count"`
	WaitlistCount int        `json:"waitlist_count"`
	SeatsLeft     *int       `json:"seats_left"`
	CancelReason  string     `json:"cancel_reason"`
	PublicURL     string     `json:"public_url"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	PublishedAt   *time.Time `json:"published_at"`
	CancelledAt   *time.Time `json:"cancelled_at"`
	// SeriesID names the recurring series of an occurrence.
	SeriesID *string `json:"series_id"`
}

// localTimesJSON gives start and end as RFC 3339 times with the offset of
// the event's zone, so clients can show local times without a zone database.
type localTimesJSON struct {
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
}

func localTimes(e domain.Event) localTimesJSON {
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return localTimesJSON{StartsAt: e.StartsAt.In(loc).Format(time.RFC3339), EndsAt: e.EndsAt.In(loc).Format(time.RFC3339)}
}

func (s *Server) eventView(e domain.Event) eventJSON {
	return eventJSON{
		ID: e.ID, GroupID: e.GroupID, Slug: e.Slug, Title: e.Title, Description: e.Description,
		Kind: e.Kind, Status: e.Status, StartsAt: e.StartsAt, EndsAt: e.EndsAt, TimeZone: e.TimeZone, Locale: e.Locale,
		Local: localTimes(e), Venue: venueView(e.Venue), OnlineURL: e.OnlineURL, RecordingURL: e.RecordingURL, Capacity: e.Capacity,
		Waitlist: e.Waitlist, RSVPOpensAt: e.RSVPOpensAt, RSVPClosesAt: e.RSVPClosesAt, RSVPOpen: e.RSVPOpen(s.now()),
		RSVPConfirmation: e.RSVPConfirmation,
		GoingCount:       e.GoingCount, WaitlistCount: e.WaitlistCount, SeatsLeft: e.SeatsLeft(), CancelReason: e.CancelReason,
		PublicURL: s.cfg.BaseURL + "/e/" + e.Slug, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
		PublishedAt: e.PublishedAt, CancelledAt: e.CancelledAt, SeriesID: optional(e.SeriesID),
		Reminders: reminderStrings(e.Reminders), Reconfirm: e.Reconfirm,
	}
}

// optional is nil for "", so that JSON says null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func reminderStrings(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = domain.FormatISODuration(d)
	}
	return out
}

type groupRefJSON struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// publicEventJSON is what anyone may see: never attendees, never the
// online_url.
type publicEventJSON struct {
	Slug        string             `json:"slug"`
	Title       string             `json:"title"`
	Description string             `json:"description"`
	Kind        domain.EventKind   `json:"kind"`
	Status      domain.EventStatus `json:"status"`
	StartsAt    time.Time          `json:"starts_at"`
	EndsAt      time.Time          `json:"ends_at"`
	TimeZone    string             `json:"time_zone"`
	// Locale is the language the event speaks: its own, else its group's.
	Locale        string         `json:"locale"`
	Local         localTimesJSON `json:"local"`
	Venue         *venueJSON     `json:"venue"`
	Online        bool           `json:"online"`
	Group         groupRefJSON   `json:"group"`
	Capacity      *int           `json:"capacity"`
	GoingCount    int            `json:"going_count"`
	SeatsLeft     *int           `json:"seats_left"`
	WaitlistCount int            `json:"waitlist_count"`
	Waitlist      bool           `json:"waitlist"`
	RSVPOpen      bool           `json:"rsvp_open"`
	// RSVPConfirmation "email" means an RSVP is confirmed by e-mail
	// before it holds a place.
	RSVPConfirmation domain.RSVPConfirmation `json:"rsvp_confirmation"`
	CancelReason     string                  `json:"cancel_reason,omitempty"`
	URL              string                  `json:"url"`
	CalendarLinks    calendarLinksJSON       `json:"calendar_links"`
}

// calendarLinksJSON are add-to-calendar links: Google Calendar and Outlook
// on the web make a copy; the .ics link downloads the event.
type calendarLinksJSON struct {
	Google  string `json:"google"`
	Outlook string `json:"outlook"`
	ICS     string `json:"ics"`
}

func (s *Server) publicEventView(e domain.Event, g domain.Group) publicEventJSON {
	return publicEventJSON{
		Slug: e.Slug, Title: e.Title, Description: e.Description, Kind: e.Kind, Status: e.Status,
		StartsAt: e.StartsAt, EndsAt: e.EndsAt, TimeZone: e.TimeZone, Locale: e.Language(g), Local: localTimes(e), Venue: venueView(e.Venue),
		Online: e.OnlineURL != "", Group: groupRefJSON{Slug: g.Slug, Name: g.Name}, Capacity: e.Capacity,
		GoingCount: e.GoingCount, SeatsLeft: e.SeatsLeft(), WaitlistCount: e.WaitlistCount, Waitlist: e.Waitlist,
		RSVPOpen: e.RSVPOpen(s.now()), RSVPConfirmation: e.RSVPConfirmation, CancelReason: e.CancelReason, URL: s.cfg.BaseURL + "/e/" + e.Slug,
		CalendarLinks: calendarLinksJSON(calendar.PublicCalendarLinks(s.cfg.BaseURL, e, i18n.Get(e.Language(g)))),
	}
}

// rsvpJSON is the organiser's view of an RSVP.
type rsvpJSON struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Email            string            `json:"email"`
	Status           domain.RSVPStatus `json:"status"`
	WaitlistPosition *int              `json:"waitlist_position"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	CancelledAt      *time.Time        `json:"cancelled_at"`
	// ReconfirmRequestedAt and ReconfirmedAt: when the person was asked
	// to confirm they still come, and when they did.
	ReconfirmRequestedAt *time.Time `json:"reconfirm_requested_at"`
	ReconfirmedAt        *time.Time `json:"reconfirmed_at"`
	// CalendarReply is the last answer of the person's calendar to the
	// invite (null: none came).
	CalendarReply *calendarReplyJSON `json:"calendar_reply"`
}

// calendarReplyJSON is the last answer an attendee's calendar sent.
type calendarReplyJSON struct {
	Answer     domain.ReplyStatus `json:"answer"`
	Client     string             `json:"client"`
	Via        domain.ReplyVia    `json:"via"`
	ReceivedAt time.Time          `json:"received_at"`
}

func calendarReplyView(r *domain.LastReply) *calendarReplyJSON {
	if r == nil {
		return nil
	}
	return &calendarReplyJSON{Answer: r.Status, Client: r.Client, Via: r.Via, ReceivedAt: r.ReceivedAt}
}

func position(r domain.RSVP) *int {
	if r.Status != domain.RSVPWaitlisted {
		return nil
	}
	p := r.WaitlistPosition
	return &p
}

func rsvpView(r domain.RSVP) rsvpJSON {
	return rsvpJSON{ID: r.ID, Name: r.Name, Email: r.Email, Status: r.Status, WaitlistPosition: position(r),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, CancelledAt: r.CancelledAt,
		ReconfirmRequestedAt: r.ReconfirmAskedAt, ReconfirmedAt: r.ReconfirmedAt, CalendarReply: calendarReplyView(r.LastReply)}
}

// rsvpCreatedJSON answers a public RSVP. ManageToken and ManageURL are only
// present when the RSVP is new.
type rsvpCreatedJSON struct {
	ID               string            `json:"id"`
	Status           domain.RSVPStatus `json:"status"`
	WaitlistPosition *int              `json:"waitlist_position"`
	ManageToken      string            `json:"manage_token,omitempty"`
	ManageURL        string            `json:"manage_url,omitempty"`
}

// attendeeEventJSON is the public event plus, for people going, the join
// link.
type attendeeEventJSON struct {
	publicEventJSON
	OnlineURL string `json:"online_url,omitempty"`
}

// attendeeRSVPJSON is what the holder of a manage token sees.
type attendeeRSVPJSON struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Email            string            `json:"email"`
	Status           domain.RSVPStatus `json:"status"`
	WaitlistPosition *int              `json:"waitlist_position"`
	CreatedAt        time.Time         `json:"created_at"`
	CancelledAt      *time.Time        `json:"cancelled_at"`
	// ReconfirmRequestedAt is when the person was asked to confirm they
	// still come (events with reconfirm); ReconfirmedAt is when they did.
	ReconfirmRequestedAt *time.Time         `json:"reconfirm_requested_at"`
	ReconfirmedAt        *time.Time         `json:"reconfirmed_at"`
	CalendarReply        *calendarReplyJSON `json:"calendar_reply"`
	// Locale is the language of the person's e-mails and invites: the
	// one they replied in, else the event's.
	Locale string            `json:"locale"`
	Event  attendeeEventJSON `json:"event"`
}

func (s *Server) attendeeRSVPView(v domain.RSVPView, token string) attendeeRSVPJSON {
	ev := attendeeEventJSON{publicEventJSON: s.publicEventView(v.Event, v.Group)}
	if v.RSVP.Status == domain.RSVPGoing && v.Event.Status == domain.EventPublished && v.Event.OnlineURL != "" {
		// The personal join link: it records online attendance.
		ev.OnlineURL = s.cfg.BaseURL + "/j/" + url.PathEscape(domain.JoinTokenOf(token))
	}
	return attendeeRSVPJSON{ID: v.RSVP.ID, Name: v.RSVP.Name, Email: v.RSVP.Email, Status: v.RSVP.Status,
		WaitlistPosition: position(v.RSVP), CreatedAt: v.RSVP.CreatedAt, CancelledAt: v.RSVP.CancelledAt,
		ReconfirmRequestedAt: v.RSVP.ReconfirmAskedAt, ReconfirmedAt: v.RSVP.ReconfirmedAt,
		CalendarReply: calendarReplyView(v.RSVP.LastReply), Locale: v.RSVP.Language(v.Event, v.Group), Event: ev}
}

type deliveryJSON struct {
	ID        string                `json:"id"`
	RSVPID    string                `json:"rsvp_id"`
	Name      string                `json:"name"`
	Email     string                `json:"email"`
	Kind      domain.MessageKind    `json:"kind"`
	Sequence  int                   `json:"sequence"`
	Status    domain.DeliveryStatus `json:"status"`
	Attempts  int                   `json:"attempts"`
	LastError string                `json:"last_error"`
	CreatedAt time.Time             `json:"created_at"`
	UpdatedAt time.Time             `json:"updated_at"`
	SentAt    *time.Time            `json:"sent_at"`
}

func deliveryView(d domain.Delivery) deliveryJSON {
	return deliveryJSON{ID: d.ID, RSVPID: d.RSVPID, Name: d.Name, Email: d.Email, Kind: d.Kind, Sequence: d.Sequence,
		Status: d.Status, Attempts: d.Attempts, LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, SentAt: d.SentAt}
}
