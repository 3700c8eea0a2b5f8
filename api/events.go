package api

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

type venueRequest struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

type createEventRequest struct {
	Title        string           `json:"title"`
	Description  string           `json:"description"`
	Kind         domain.EventKind `json:"kind"`
	StartsAt     string           `json:"starts_at"`
	EndsAt       string           `json:"ends_at"`
	TimeZone     string           `json:"time_zone"`
	Locale       string           `json:"locale"`
	Venue        *venueRequest    `json:"venue"`
	OnlineURL    string           `json:"online_url"`
	RecordingURL string           `json:"recording_url"`
	Capacity     *int             `json:"capacity"`
	Waitlist     *bool            `json:"waitlist"`
	Slug         string           `json:"slug"`
	RSVPOpensAt  *string          `json:"rsvp_opens_at"`
	RSVPClosesAt *string          `json:"rsvp_closes_at"`
	// RSVPConfirmation is "none" (the default) or "email".
	RSVPConfirmation domain.RSVPConfirmation `json:"rsvp_confirmation"`
	// Reminders are ISO 8601 durations before the start ("PT24H"); absent
	// means the default (24 hours and 1 hour), [] none.
	Reminders *[]string `json:"reminders"`
	// Reconfirm asks the people going to confirm 48 hours before.
	Reconfirm bool `json:"reconfirm"`
}

// parseReminders reads a list of ISO 8601 durations, reporting each that
// is not one as reminders[i]. The rules (how many, how long) are checked
// by domain.CheckReminders.
func parseReminders(v *domain.Validation, list []string) []time.Duration {
	out := make([]time.Duration, 0, len(list))
	for i, s := range list {
		d, err := domain.ParseISODuration(s)
		if errors.Is(err, domain.ErrDurationTooLong) {
			v.Add(fmt.Sprintf("reminders[%d]", i), "must be between PT5M and P30D")
			continue
		}
		if err != nil {
			v.Add(fmt.Sprintf("reminders[%d]", i), "must be an ISO 8601 duration like \"PT1H\" or \"P2D\"")
			continue
		}
		out = append(out, d)
	}
	return out
}

// event turns the request into a domain event, reporting unparsable times.
// The rules themselves are checked by domain.Event.Validate.
func (r createEventRequest) event() (domain.Event, error) {
	var v domain.Validation
	e := domain.Event{Title: r.Title, Description: r.Description, Kind: r.Kind, TimeZone: r.TimeZone, Locale: domain.NormalizeLanguage(r.Locale),
		OnlineURL: r.OnlineURL, RecordingURL: r.RecordingURL, Capacity: r.Capacity, Waitlist: true, Slug: r.Slug,
		RSVPConfirmation: cmp.Or(r.RSVPConfirmation, domain.ConfirmNone)}
	if r.StartsAt != "" {
		e.StartsAt = parseTime(&v, "starts_at", r.StartsAt)
	}
	if r.EndsAt != "" {
		e.EndsAt = parseTime(&v, "ends_at", r.EndsAt)
	}
	if r.Venue != nil {
		e.Venue = &domain.Venue{Name: r.Venue.Name, Address: r.Venue.Address}
	}
	if r.Waitlist != nil {
		e.Waitlist = *r.Waitlist
	}
	e.RSVPOpensAt = parseTimePtr(&v, "rsvp_opens_at", r.RSVPOpensAt)
	e.RSVPClosesAt = parseTimePtr(&v, "rsvp_closes_at", r.RSVPClosesAt)
	if r.Reminders != nil {
		e.Reminders = parseReminders(&v, *r.Reminders)
	}
	e.Reconfirm = r.Reconfirm
	return e, v.Err()
}

// decodeCreateEvent reads and validates a create-event body (the fuzz
// target). TimeZone "" is allowed here: the group's zone fills it.
func decodeCreateEvent(body []byte) (domain.Event, error) {
	var req createEventRequest
	if err := decodeBytes(body, &req); err != nil {
		return domain.Event{}, err
	}
	e, err := req.event()
	if err != nil {
		return e, err
	}
	check := e
	if check.TimeZone == "" {
		check.TimeZone = "UTC"
	}
	return e, check.Validate()
}

func (s *Server) createEvent(c echo.Context) error {
	gid, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	var req createEventRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	e, err := req.event()
	if err != nil {
		return err
	}
	e, err = s.store.CreateEvent(c.Request().Context(), me(c).ID, gid, e)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.eventView(e))
}

type updateEventRequest struct {
	Title        Optional[string]           `json:"title"`
	Description  Optional[string]           `json:"description"`
	Kind         Optional[domain.EventKind] `json:"kind"`
	StartsAt     Optional[string]           `json:"starts_at"`
	EndsAt       Optional[string]           `json:"ends_at"`
	TimeZone     Optional[string]           `json:"time_zone"`
	Locale       Optional[string]           `json:"locale"`
	Venue        Optional[venueRequest]     `json:"venue"`
	OnlineURL    Optional[string]           `json:"online_url"`
	RecordingURL Optional[string]           `json:"recording_url"`
	Capacity     Optional[int]              `json:"capacity"`
	Waitlist     Optional[bool]             `json:"waitlist"`
	Slug         Optional[string]           `json:"slug"`
	RSVPOpensAt  Optional[string]           `json:"rsvp_opens_at"`
	RSVPClosesAt Optional[string]           `json:"rsvp_closes_at"`
	// RSVPConfirmation applies to RSVPs made after the change; pending
	// ones keep waiting for their confirmation.
	RSVPConfirmation Optional[domain.RSVPConfirmation] `json:"rsvp_confirmation"`
	// Reminders replaces the reminders ([] turns them off); scheduled
	// reminders are replaced in the same transaction.
	Reminders Optional[[]string] `json:"reminders"`
	Reconfirm Optional[bool]     `json:"reconfirm"`
}

// update turns the request into a domain update. Fields that cannot be
// null (title, times, …) refuse null; venue, capacity and the RSVP window
// are cleared by null; online_url, recording_url and description are
// cleared by "" or null.
func (r updateEventRequest) update() (domain.EventUpdate, error) {
	var (
		v domain.Validation
		u domain.EventUpdate
	)
	tm := func(field string, o Optional[string]) Optional[string] {
		if o.Set && o.Null {
			v.Add(field, "cannot be null")
			return Optional[string]{}
		}
		return o
	}
	u.Title = optString(&v, "title", r.Title, false)
	u.Description = optString(&v, "description", r.Description, true)
	u.TimeZone = optString(&v, "time_zone", r.TimeZone, false)
	u.Locale = optString(&v, "locale", r.Locale, true)
	u.OnlineURL = optString(&v, "online_url", r.OnlineURL, true)
	u.RecordingURL = optString(&v, "recording_url", r.RecordingURL, true)
	u.Slug = optString(&v, "slug", r.Slug, false)
	if r.Kind.Set {
		if r.Kind.Null {
			v.Add("kind", "cannot be null")
		} else {
			k := r.Kind.Value
			u.Kind = &k
		}
	}
	if o := tm("starts_at", r.StartsAt); o.Set {
		t := parseTime(&v, "starts_at", o.Value)
		u.StartsAt = &t
	}
	if o := tm("ends_at", r.EndsAt); o.Set {
		t := parseTime(&v, "ends_at", o.Value)
		u.EndsAt = &t
	}
	if r.RSVPConfirmation.Set {
		if r.RSVPConfirmation.Null {
			v.Add("rsvp_confirmation", "cannot be null")
		} else {
			c := r.RSVPConfirmation.Value
			u.RSVPConfirmation = &c
		}
	}
	u.Waitlist = optBool(&v, "waitlist", r.Waitlist)
	if r.Reminders.Set {
		if r.Reminders.Null {
			v.Add("reminders", "cannot be null: [] turns reminders off")
		} else {
			rs := parseReminders(&v, r.Reminders.Value)
			u.Reminders = &rs
		}
	}
	u.Reconfirm = optBool(&v, "reconfirm", r.Reconfirm)
	u.Venue, u.Capacity = optVenue(r.Venue), optNullable(r.Capacity)
	for _, w := range []struct {
		field string
		in    Optional[string]
		out   *domain.Nullable[time.Time]
	}{{"rsvp_opens_at", r.RSVPOpensAt, &u.RSVPOpensAt}, {"rsvp_closes_at", r.RSVPClosesAt, &u.RSVPClosesAt}} {
		if w.in.Set {
			w.out.Set = true
			if !w.in.Null {
				t := parseTime(&v, w.field, w.in.Value)
				w.out.Value = &t
			}
		}
	}
	return u, v.Err()
}

// optVenue reads a PATCH venue: unset, null (clear) or a venue.
func optVenue(o Optional[venueRequest]) domain.Nullable[domain.Venue] {
	n := domain.Nullable[domain.Venue]{Set: o.Set}
	if o.Set && !o.Null {
		n.Value = &domain.Venue{Name: o.Value.Name, Address: o.Value.Address}
	}
	return n
}

// optNullable reads a PATCH field that null clears.
func optNullable[T any](o Optional[T]) domain.Nullable[T] {
	n := domain.Nullable[T]{Set: o.Set}
	if o.Set && !o.Null {
		x := o.Value
		n.Value = &x
	}
	return n
}

// optBool reads a PATCH boolean: nil when absent; null is refused.
func optBool(v *domain.Validation, field string, o Optional[bool]) *bool {
	switch {
	case !o.Set:
		return nil
	case o.Null:
		v.Add(field, "cannot be null")
		return nil
	}
	b := o.Value
	return &b
}

// decodeUpdateEvent reads a PATCH body (the fuzz target).
func decodeUpdateEvent(body []byte) (domain.EventUpdate, error) {
	var req updateEventRequest
	if err := decodeBytes(body, &req); err != nil {
		return domain.EventUpdate{}, err
	}
	return req.update()
}

func (s *Server) getEvent(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	e, err := s.store.FindEvent(c.Request().Context(), me(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.eventView(e))
}

func (s *Server) updateEvent(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	var req updateEventRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	u, err := req.update()
	if err != nil {
		return err
	}
	ch, err := s.store.UpdateEvent(c.Request().Context(), me(c).ID, id, u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.eventView(ch.Event))
}

func (s *Server) deleteEvent(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	if err := s.store.DeleteEvent(c.Request().Context(), me(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) publishEvent(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	e, err := s.store.PublishEvent(c.Request().Context(), me(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.eventView(e))
}

type cancelEventRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) cancelEvent(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	var req cancelEventRequest
	if err := decodeOptional(c, &req); err != nil { // no body: no reason
		return err
	}
	e, err := s.store.CancelEvent(c.Request().Context(), me(c).ID, id, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.eventView(e))
}

func (s *Server) listEvents(c echo.Context) error {
	gid, err := idParam(c, "id", "group")
	if err != nil {
		return err
	}
	opts, err := listOptions(c)
	if err != nil {
		return err
	}
	f := domain.EventFilter{ListOptions: opts, Status: domain.EventStatus(c.QueryParam("status"))}
	var v domain.Validation
	switch f.Status {
	case "", domain.EventDraft, domain.EventPublished, domain.EventCancelled:
	default:
		v.Add("status", "must be draft, published or cancelled")
	}
	if from := c.QueryParam("from"); from != "" {
		t := parseTime(&v, "from", from)
		f.From = &t
	}
	if to := c.QueryParam("to"); to != "" {
		t := parseTime(&v, "to", to)
		f.To = &t
	}
	if err := v.Err(); err != nil {
		return err
	}
	p, err := s.store.ListEvents(c.Request().Context(), me(c).ID, gid, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(p, s.eventView))
}

func (s *Server) listRSVPs(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	opts, err := listOptions(c)
	if err != nil {
		return err
	}
	f := domain.RosterFilter{Query: c.QueryParam("q"), Status: domain.RSVPStatus(c.QueryParam("status")),
		Cursor: opts.Cursor, Limit: opts.Limit}
	if f.Status != "" && !f.Status.Valid() {
		return fieldError("status", "must be going, waitlisted or cancelled")
	}
	switch c.QueryParam("checked_in") {
	case "", "false":
	case "true":
		f.CheckedIn = true
	default:
		return fieldError("checked_in", "must be true or false")
	}
	p, err := s.store.SearchRSVPs(c.Request().Context(), me(c).ID, id, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(domain.Page[domain.RSVP]{Items: p.Items, NextCursor: p.NextCursor}, rsvpView))
}

type seatRequest struct {
	AddSeat bool `json:"add_seat"`
}

// seatRSVP moves a waitlisted person to going by hand.
func (s *Server) seatRSVP(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	rid, err := idParam(c, "rsvp_id", "rsvp")
	if err != nil {
		return err
	}
	var req seatRequest
	if err := decodeOptional(c, &req); err != nil {
		return err
	}
	v, err := s.store.SeatRSVP(c.Request().Context(), me(c).ID, id, rid, domain.Seating{AddSeat: req.AddSeat})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rsvpView(v.RSVP))
}

// removeRSVP cancels a person's RSVP for the organisers.
func (s *Server) removeRSVP(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	rid, err := idParam(c, "rsvp_id", "rsvp")
	if err != nil {
		return err
	}
	v, err := s.store.RemoveRSVP(c.Request().Context(), me(c).ID, id, rid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rsvpView(v.RSVP))
}

func (s *Server) listDeliveries(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	opts, err := listOptions(c)
	if err != nil {
		return err
	}
	p, err := s.store.ListDeliveries(c.Request().Context(), me(c).ID, id, opts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list(p, deliveryView))
}

// retryDelivery queues a failed e-mail again.
func (s *Server) retryDelivery(c echo.Context) error {
	id, err := idParam(c, "id", "event")
	if err != nil {
		return err
	}
	did, err := idParam(c, "delivery_id", "delivery")
	if err != nil {
		return err
	}
	d, err := s.store.RetryDelivery(c.Request().Context(), me(c).ID, id, did)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, deliveryView(d))
}
