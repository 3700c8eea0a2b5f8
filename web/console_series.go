package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/notifications/present"
)

// A group's series in the console: the list, a new series, a series'
// page (its rule in words, its next dates, who follows it) and its
// settings. The form shows the rule in words and the dates it gives
// before anything is saved: its "Preview" button draws the form again
// with them, without JavaScript. One date is cancelled or moved on the
// series' page; the store then detaches it from the rule.

// ConsoleSeries is what the series pages need.
type ConsoleSeries interface {
	ListSeries(ctx context.Context, organiserID, groupID string) ([]domain.Series, error)
	CreateSeries(ctx context.Context, organiserID, groupID string, s domain.Series) (domain.SeriesView, error)
	FindSeries(ctx context.Context, organiserID, seriesID string) (domain.SeriesView, error)
	UpdateSeries(ctx context.Context, organiserID, seriesID string, u domain.SeriesUpdate) (domain.SeriesView, error)
	ListFollowers(ctx context.Context, organiserID, seriesID string, opts domain.ListOptions) (domain.Page[domain.Follower], int, error)
	// CancelEvent and UpdateEvent cancel and move one date of a series.
	CancelEvent(ctx context.Context, organiserID, eventID, reason string) (domain.Event, error)
	UpdateEvent(ctx context.Context, organiserID, eventID string, u domain.EventUpdate) (domain.EventChange, error)
}

func seriesConsoleURL(id string) string { return consolePrefix + "/series/" + url.PathEscape(id) }

// parseLocal reads a local date and time typed in loc (localLayout), as
// domain.LocalInstant reads it.
func parseLocal(s string, loc *time.Location) (time.Time, bool) {
	t, err := time.Parse(localLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	at, _ := domain.LocalInstant(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), loc)
	return at, true
}

// seriesForm is the series form's values, as typed, and its errors. The
// rule is chosen from a few fields (every Interval Freq, on the Nth
// Weekday) or typed as an RRULE.
type seriesForm struct {
	Title, Slug, Description, Kind  string
	Freq, Interval, Weekday, Nth    string
	RRule                           string
	Starts, Length, TimeZone        string
	VenueName, VenueAddress, Online string
	Capacity, Ahead                 string
	Errors                          map[string]string
}

// rule is the RRULE the form's fields say.
func (f seriesForm) rule() string {
	if strings.TrimSpace(f.RRule) != "" {
		return domain.NormalizeRRule(f.RRule)
	}
	r := "FREQ=" + f.Freq
	if n, err := strconv.Atoi(strings.TrimSpace(f.Interval)); err == nil && n > 1 {
		r += ";INTERVAL=" + strconv.Itoa(n)
	}
	if f.Weekday != "" {
		nth := ""
		if f.Freq == "MONTHLY" || f.Freq == "YEARLY" {
			nth = f.Nth
		}
		r += ";BYDAY=" + nth + f.Weekday
	}
	return r
}

func readSeriesForm(c echo.Context) seriesForm {
	v := func(name string) string { return strings.TrimSpace(c.FormValue(name)) }
	return seriesForm{Title: v("title"), Slug: v("slug"), Description: c.FormValue("description"), Kind: v("kind"),
		Freq: v("freq"), Interval: v("interval"), Weekday: v("weekday"), Nth: v("nth"), RRule: v("rrule"),
		Starts: v("starts"), Length: v("length"), TimeZone: v("time_zone"), VenueName: v("venue_name"),
		VenueAddress: v("venue_address"), Online: v("online_url"), Capacity: v("capacity"), Ahead: v("ahead")}
}

// seriesFormOf fills the form from a series; a rule the fields cannot say
// goes in the RRULE field.
func seriesFormOf(x domain.Series) seriesForm {
	loc := present.Zone(x.TimeZone)
	f := seriesForm{Title: x.Title, Slug: x.Slug, Description: x.Description, Kind: string(x.Kind), TimeZone: x.TimeZone,
		Starts: x.StartsAt.In(loc).Format(localLayout), Length: strconv.Itoa(int(x.Duration / time.Minute)),
		Online: x.OnlineURL, Ahead: strconv.Itoa(x.Ahead), Interval: "1"}
	if x.Venue != nil {
		f.VenueName, f.VenueAddress = x.Venue.Name, x.Venue.Address
	}
	if x.Capacity != nil {
		f.Capacity = strconv.Itoa(*x.Capacity)
	}
	simple := true
	for _, p := range strings.Split(x.RRule, ";") {
		k, val, _ := strings.Cut(p, "=")
		switch k {
		case "FREQ":
			f.Freq = val
		case "INTERVAL":
			f.Interval = val
		case "BYDAY":
			if len(val) < 2 || strings.Contains(val, ",") {
				simple = false
				continue
			}
			f.Weekday, f.Nth = val[len(val)-2:], strings.TrimPrefix(val[:len(val)-2], "+")
		default:
			simple = false
		}
	}
	if !simple || f.rule() != x.RRule {
		f.RRule = x.RRule
	}
	return f
}

// series reads the form into a series in the group's zone when none is
// given, with the problems of what cannot be read (a date, a number).
func (f seriesForm) series(defaultZone string) (domain.Series, map[string]string) {
	errs := map[string]string{}
	x := domain.Series{Title: f.Title, Slug: f.Slug, Description: f.Description, Kind: domain.EventKind(f.Kind),
		RRule: f.rule(), TimeZone: f.TimeZone, OnlineURL: f.Online, Waitlist: true, Ahead: domain.DefaultSeriesAhead}
	if x.TimeZone == "" {
		x.TimeZone = defaultZone
	}
	if x.Slug == "" {
		x.Slug = domain.SlugBase(f.Title)
	}
	loc, err := present.LoadZone(x.TimeZone)
	if err != nil {
		errs["time_zone"] = "The time zone is not one we know: give an IANA name such as Europe/Berlin."
		loc = time.UTC
	}
	if f.Starts == "" {
		errs["starts"] = "The first date is required."
	} else if t, ok := parseLocal(f.Starts, loc); ok {
		x.StartsAt = t
	} else {
		errs["starts"] = "Give the first date and time, such as 2027-01-19T17:00."
	}
	if n, err := strconv.Atoi(f.Length); err == nil && n > 0 {
		x.Duration = time.Duration(n) * time.Minute
	} else {
		errs["length"] = "Give the length in minutes, such as 90."
	}
	if f.RRule == "" {
		if n, err := strconv.Atoi(f.Interval); f.Interval != "" && (err != nil || n < 1 || n > 99) {
			errs["interval"] = "Give a number from 1 to 99."
		}
	}
	if f.VenueName != "" || f.VenueAddress != "" {
		x.Venue = &domain.Venue{Name: f.VenueName, Address: f.VenueAddress}
	}
	if f.Capacity != "" {
		if n, err := strconv.Atoi(f.Capacity); err == nil {
			x.Capacity = &n
		} else {
			errs["capacity"] = "Give a number of seats, or leave it empty for no limit."
		}
	}
	if f.Ahead != "" {
		if n, err := strconv.Atoi(f.Ahead); err == nil {
			x.Ahead = n
		} else {
			errs["ahead"] = "Give a number of dates, such as 4."
		}
	}
	return x, errs
}

// seriesFieldOf is the form field a series error belongs to.
var seriesFieldOf = map[string]string{"starts_at": "starts", "duration": "length", "venue": "venue_name",
	"venue.name": "venue_name", "venue.address": "venue_address", "rrule": "rule"}

// seriesErrors merges the domain's errors on a series into the form's.
func seriesErrors(l *i18n.Lang, errs map[string]string, err error) (map[string]string, error) {
	fields, ferr := formErrors(l, consoleConflict(err, "slug"))
	if ferr != nil {
		return nil, ferr
	}
	for k, v := range fields {
		if to, ok := seriesFieldOf[k]; ok {
			k = to
		}
		if _, ok := errs[k]; !ok {
			errs[k] = v
		}
	}
	return errs, nil
}

// seriesPreview is the rule in words and the dates it gives.
type seriesPreview struct {
	Rule  string
	RRule string
	Dates []string
}

// previewDates is how many dates a preview lists at most.
const previewDates = 6

// preview checks a series as saving would and says its rule in words and
// its next dates after now; nil with the errors when it cannot.
func (s *Server) preview(l *i18n.Lang, x domain.Series, errs map[string]string) (*seriesPreview, map[string]string, error) {
	if len(errs) > 0 {
		return nil, errs, nil
	}
	err := x.Validate()
	var rule *calendar.SeriesRule
	if err == nil {
		rule, err = calendar.CheckSeries(x)
	}
	if err != nil {
		errs, err = seriesErrors(l, errs, err)
		return nil, errs, err
	}
	loc := rule.Location()
	p := &seriesPreview{Rule: present.Schedule(x, loc), RRule: x.RRule}
	n := min(max(x.Ahead, 1), previewDates)
	for t := s.now(); len(p.Dates) < n; {
		if t = rule.After(t, false); t.IsZero() {
			break
		}
		p.Dates = append(p.Dates, present.When(t, t.Add(x.Duration), loc, present.LongDate))
	}
	return p, errs, nil
}

type seriesItem struct {
	Title string
	URL   string
	Rule  string
	Ended bool
}

type seriesListData struct {
	Meta   consoleMeta
	Group  domain.Group
	Series []seriesItem
	NewURL string
}

// seriesListPage lists a group's series.
func (s *Server) seriesListPage(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.consoleGroup(c)
	if err != nil {
		return err
	}
	list, err := s.store.ListSeries(ctx, organiser(c).ID, g.ID)
	if err != nil {
		return err
	}
	d := seriesListData{Meta: s.consoleMeta(c, "Series of "+g.Name), Group: g, NewURL: groupConsoleURL(g.ID) + "/series/new"}
	d.Meta.Section = "home"
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}}
	for _, x := range list {
		d.Series = append(d.Series, seriesItem{Title: x.Title, URL: seriesConsoleURL(x.ID), Rule: present.Schedule(x, present.Zone(x.TimeZone)),
			Ended: x.EndedAt != nil})
	}
	return s.renderConsole(c, http.StatusOK, "series_list", d)
}

type seriesFormData struct {
	Meta    consoleMeta
	Form    seriesForm
	Action  string
	Submit  string
	New     bool
	Zones   []string
	Preview *seriesPreview
	Back    string
}

func (s *Server) renderSeriesForm(c echo.Context, status int, d seriesFormData) error {
	d.Zones = commonZones
	d.Meta.Section = "home"
	return s.renderConsole(c, status, "series_form", d)
}

func (s *Server) newSeriesPage(c echo.Context) error {
	g, err := s.consoleGroup(c)
	if err != nil {
		return err
	}
	d := seriesFormData{Meta: s.consoleMeta(c, "New series"), New: true, Action: groupConsoleURL(g.ID) + "/series/new",
		Submit: "Create the series", Back: groupConsoleURL(g.ID) + "/series",
		Form: seriesForm{Kind: string(domain.KindMeetup), Freq: "MONTHLY", Interval: "1", Length: "90", TimeZone: g.TimeZone,
			Ahead: strconv.Itoa(domain.DefaultSeriesAhead)}}
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}, {URL: d.Back, Label: "Series"}}
	return s.renderSeriesForm(c, http.StatusOK, d)
}

// newSeriesPost previews the series (the "Preview" button: nothing is
// saved) or creates it.
func (s *Server) newSeriesPost(c echo.Context) error {
	g, err := s.consoleGroup(c)
	if err != nil {
		return err
	}
	form := readSeriesForm(c)
	d := seriesFormData{Meta: s.consoleMeta(c, "New series"), New: true, Action: groupConsoleURL(g.ID) + "/series/new",
		Submit: "Create the series", Back: groupConsoleURL(g.ID) + "/series"}
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}, {URL: d.Back, Label: "Series"}}
	x, errs := form.series(g.TimeZone)
	p, errs, err := s.preview(langOf(c), x, errs)
	if err != nil {
		return err
	}
	if len(errs) == 0 && c.FormValue("action") == "save" {
		v, err := s.store.CreateSeries(c.Request().Context(), organiser(c).ID, g.ID, x)
		if errs, err = seriesErrors(langOf(c), errs, err); err != nil {
			return err
		}
		if len(errs) == 0 {
			return c.Redirect(http.StatusSeeOther, seriesConsoleURL(v.Series.ID)+"?done=series-created")
		}
		p = nil
	}
	form.Errors = errs
	d.Form, d.Preview = form, p
	if len(errs) > 0 {
		return s.renderSeriesForm(c, http.StatusUnprocessableEntity, d)
	}
	return s.renderSeriesForm(c, http.StatusOK, d)
}

type occurrenceItem struct {
	ID        string
	When      string
	Start     string // datetime-local value
	Status    string
	Detached  bool
	Going     int
	Waitlist  int
	URL       string
	MoveError string
	Past      bool
}

type followerItem struct {
	Name  string
	Mode  string
	Since string
}

type seriesConsoleData struct {
	Meta         consoleMeta
	Series       domain.Series
	Rule         string
	RRule        string
	PublicURL    string
	EditURL      string
	Base         string
	Ended        bool
	Upcoming     []occurrenceItem
	Followers    []followerItem
	FollowerN    int
	MoreFollower bool
	Zone         string
}

var followModeLabel = map[domain.FollowMode]string{
	domain.FollowInvite: "an invitation to each date", domain.FollowRSVP: "a place at each date",
}

func (s *Server) seriesConsolePage(c echo.Context) error {
	return s.renderSeriesPage(c, http.StatusOK, "", "")
}

// renderSeriesPage draws a series' page; moveErr is the error of moving
// the date moveID.
func (s *Server) renderSeriesPage(c echo.Context, status int, moveID, moveErr string) error {
	ctx := c.Request().Context()
	id, err := consoleID(c, "series_id", "series")
	if err != nil {
		return err
	}
	o := organiser(c)
	v, err := s.store.FindSeries(ctx, o.ID, id)
	if err != nil {
		return err
	}
	x, g := v.Series, v.Group
	loc := present.Zone(x.TimeZone)
	base := seriesConsoleURL(x.ID)
	d := seriesConsoleData{Meta: s.consoleMeta(c, x.Title), Series: x, Rule: present.Schedule(x, loc), RRule: x.RRule,
		PublicURL: "/s/" + url.PathEscape(x.Slug), EditURL: base + "/edit", Base: base, Ended: x.EndedAt != nil,
		Zone: loc.String()}
	d.Meta.Section = "home"
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}, {URL: groupConsoleURL(g.ID) + "/series", Label: "Series"}}
	now := s.now()
	for _, oc := range v.Occurrences {
		if !oc.EndsAt.After(now) {
			continue
		}
		it := occurrenceItem{ID: oc.EventID, When: present.When(oc.StartsAt, oc.EndsAt, loc, present.LongDate),
			Start: oc.StartsAt.In(loc).Format(localLayout), Status: string(oc.Status), Detached: oc.Detached, Going: oc.Going,
			Waitlist: oc.Waitlist, URL: eventConsoleURL(oc.EventID), Past: !oc.StartsAt.After(now)}
		if oc.EventID == moveID {
			it.MoveError = moveErr
			if v := strings.TrimSpace(c.FormValue("starts")); v != "" {
				it.Start = v
			}
		}
		d.Upcoming = append(d.Upcoming, it)
	}
	followers, n, err := s.store.ListFollowers(ctx, o.ID, x.ID, domain.ListOptions{Limit: domain.DefaultPageSize})
	if err != nil {
		return err
	}
	d.FollowerN, d.MoreFollower = n, followers.NextCursor != ""
	for _, f := range followers.Items {
		d.Followers = append(d.Followers, followerItem{Name: f.Name, Mode: followModeLabel[f.Mode], Since: consoleTime(langOf(c), f.CreatedAt)})
	}
	return s.renderConsole(c, status, "series", d)
}

func (s *Server) editSeriesPage(c echo.Context) error {
	id, err := consoleID(c, "series_id", "series")
	if err != nil {
		return err
	}
	v, err := s.store.FindSeries(c.Request().Context(), organiser(c).ID, id)
	if err != nil {
		return err
	}
	d := s.editSeriesData(c, v)
	d.Form = seriesFormOf(v.Series)
	return s.renderSeriesForm(c, http.StatusOK, d)
}

func (s *Server) editSeriesData(c echo.Context, v domain.SeriesView) seriesFormData {
	base := seriesConsoleURL(v.Series.ID)
	d := seriesFormData{Meta: s.consoleMeta(c, "Change "+v.Series.Title), Action: base + "/edit", Submit: "Save", Back: base}
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(v.Group.ID), Label: v.Group.Name}, {URL: base, Label: v.Series.Title}}
	return d
}

// editSeriesPost previews a change (nothing saved) or saves it; the
// series' upcoming dates follow (store.UpdateSeries).
func (s *Server) editSeriesPost(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := consoleID(c, "series_id", "series")
	if err != nil {
		return err
	}
	o := organiser(c)
	v, err := s.store.FindSeries(ctx, o.ID, id)
	if err != nil {
		return err
	}
	d := s.editSeriesData(c, v)
	form := readSeriesForm(c)
	// The address, kind and zone of a series stay as they are.
	form.Slug, form.Kind, form.TimeZone = v.Series.Slug, string(v.Series.Kind), v.Series.TimeZone
	x, errs := form.series(v.Series.TimeZone)
	x.EndedAt = v.Series.EndedAt
	p, errs, err := s.preview(langOf(c), x, errs)
	if err != nil {
		return err
	}
	if len(errs) == 0 && c.FormValue("action") == "save" {
		u := domain.SeriesUpdate{Title: &x.Title, Description: &x.Description, RRule: &x.RRule, StartsAt: &x.StartsAt,
			Duration: &x.Duration, OnlineURL: &x.OnlineURL, Venue: domain.Nullable[domain.Venue]{Set: true, Value: x.Venue},
			Capacity: domain.Nullable[int]{Set: true, Value: x.Capacity}, Ahead: &x.Ahead}
		_, err := s.store.UpdateSeries(ctx, o.ID, id, u)
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.ECONFLICT {
			errs["form"] = de.Message
		} else if errs, err = seriesErrors(langOf(c), errs, err); err != nil {
			return err
		}
		if len(errs) == 0 {
			return c.Redirect(http.StatusSeeOther, seriesConsoleURL(id)+"?done=series-saved")
		}
		p = nil
	}
	form.Errors = errs
	d.Form, d.Preview = form, p
	if len(errs) > 0 {
		return s.renderSeriesForm(c, http.StatusUnprocessableEntity, d)
	}
	return s.renderSeriesForm(c, http.StatusOK, d)
}

// seriesOccurrence checks that the path's date is one of the path's
// series (ENOTFOUND otherwise, as for another group's).
func (s *Server) seriesOccurrence(c echo.Context) (domain.SeriesView, domain.Occurrence, error) {
	id, err := consoleID(c, "series_id", "series")
	if err != nil {
		return domain.SeriesView{}, domain.Occurrence{}, err
	}
	oid, err := consoleID(c, "occurrence_id", "date")
	if err != nil {
		return domain.SeriesView{}, domain.Occurrence{}, err
	}
	v, err := s.store.FindSeries(c.Request().Context(), organiser(c).ID, id)
	if err != nil {
		return v, domain.Occurrence{}, err
	}
	for _, o := range v.Occurrences {
		if o.EventID == oid {
			return v, o, nil
		}
	}
	return v, domain.Occurrence{}, &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonEventNotFound, Message: "This series has no such date."}
}

// cancelOccurrencePost cancels one date of a series; the people going are
// told, the other dates stay.
func (s *Server) cancelOccurrencePost(c echo.Context) error {
	v, oc, err := s.seriesOccurrence(c)
	if err != nil {
		return err
	}
	_, err = s.store.CancelEvent(c.Request().Context(), organiser(c).ID, oc.EventID, strings.TrimSpace(c.FormValue("reason")))
	var de *domain.Error
	if errors.As(err, &de) && (de.Code == domain.ECONFLICT || de.Code == domain.EINVALID) {
		return s.renderSeriesPage(c, http.StatusConflict, oc.EventID, de.Message)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, seriesConsoleURL(v.Series.ID)+"?done=date-cancelled")
}

// moveOccurrencePost moves one date of a series to another local time,
// keeping its length; people going get the updated invite.
func (s *Server) moveOccurrencePost(c echo.Context) error {
	v, oc, err := s.seriesOccurrence(c)
	if err != nil {
		return err
	}
	start, ok := parseLocal(c.FormValue("starts"), present.Zone(v.Series.TimeZone))
	if !ok {
		return s.renderSeriesPage(c, http.StatusUnprocessableEntity, oc.EventID, "Give the new date and time, such as 2027-01-19T17:00.")
	}
	end := start.Add(oc.EndsAt.Sub(oc.StartsAt))
	_, err = s.store.UpdateEvent(c.Request().Context(), organiser(c).ID, oc.EventID, domain.EventUpdate{StartsAt: &start, EndsAt: &end})
	var de *domain.Error
	if errors.As(err, &de) && (de.Code == domain.ECONFLICT || de.Code == domain.EINVALID) {
		msg := de.Message
		for _, f := range de.Fields {
			if f.Field == "starts_at" || f.Field == "ends_at" {
				msg = "The new date " + strings.TrimSuffix(f.Message, ".") + "."
				break
			}
		}
		return s.renderSeriesPage(c, http.StatusUnprocessableEntity, oc.EventID, msg)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, seriesConsoleURL(v.Series.ID)+"?done=date-moved#d-"+oc.EventID)
}
