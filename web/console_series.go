package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
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
// given, with the problems of what cannot be read (a date, a number), in l.
func (f seriesForm) series(defaultZone string, l *i18n.Lang) (domain.Series, map[string]string) {
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
		errs["time_zone"] = l.T("console.series.error.zone")
		loc = time.UTC
	}
	if f.Starts == "" {
		errs["starts"] = l.T("console.series.error.starts.required")
	} else if t, ok := parseLocal(f.Starts, loc); ok {
		x.StartsAt = t
	} else {
		errs["starts"] = l.T("console.series.error.starts")
	}
	if n, err := strconv.Atoi(f.Length); err == nil && n > 0 {
		x.Duration = time.Duration(n) * time.Minute
	} else {
		errs["length"] = l.T("console.series.error.length")
	}
	if f.RRule == "" {
		if n, err := strconv.Atoi(f.Interval); f.Interval != "" && (err != nil || n < 1 || n > 99) {
			errs["interval"] = l.T("console.series.error.interval")
		}
	}
	if f.VenueName != "" || f.VenueAddress != "" {
		x.Venue = &domain.Venue{Name: f.VenueName, Address: f.VenueAddress}
	}
	if f.Capacity != "" {
		if n, err := strconv.Atoi(f.Capacity); err == nil {
			x.Capacity = &n
		} else {
			errs["capacity"] = l.T("console.series.error.capacity")
		}
	}
	if f.Ahead != "" {
		if n, err := strconv.Atoi(f.Ahead); err == nil {
			x.Ahead = n
		} else {
			errs["ahead"] = l.T("console.series.error.ahead")
		}
	}
	return x, errs
}

// seriesFieldOf is the form field a series error belongs to.
var seriesFieldOf = map[string]string{"starts_at": "starts", "duration": "length", "venue": "venue_name",
	"venue.name": "venue_name", "venue.address": "venue_address", "rrule": "rule"}

// seriesLabels name the series' fields in error sentences, by the
// domain's field names.
var seriesLabels = map[string]string{
	"title": "console.series.label.title", "slug": "console.series.label.slug", "description": "console.series.label.description",
	"kind": "console.series.label.kind", "rrule": "console.series.label.rrule", "starts_at": "console.series.label.starts",
	"duration": "console.series.label.duration", "time_zone": "console.series.label.zone", "venue": "console.series.label.venue",
	"venue.name": "console.series.label.venue-name", "venue.address": "console.series.label.venue-address",
	"online_url": "console.series.label.online", "capacity": "console.series.label.capacity", "ahead": "console.series.label.ahead",
}

// seriesErrors merges the domain's errors on a series into the form's, in
// l; a web address in use is said on its field.
func seriesErrors(l *i18n.Lang, errs map[string]string, err error) (map[string]string, error) {
	var de *domain.Error
	if errors.As(err, &de) && de.Reason == domain.ReasonSlugTaken {
		if _, ok := errs["slug"]; !ok {
			errs["slug"] = l.T("console.series.error.slug-taken")
		}
		return errs, nil
	}
	fields, ferr := fieldErrorsIn(l, err, seriesLabels)
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
	Dates []previewDate
}

// previewDate is one date a rule gives: its start, and its span in words.
type previewDate struct {
	ISO, Text string
}

// previewDates is how many dates a preview lists at most.
const previewDates = 6

// preview checks a series as saving would and says its rule in words and
// its next dates after now, in l; nil with the errors when it cannot.
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
	p := &seriesPreview{Rule: scheduleIn(l, x, loc), RRule: x.RRule}
	n := min(max(x.Ahead, 1), previewDates)
	for t := s.now(); len(p.Dates) < n; {
		if t = rule.After(t, false); t.IsZero() {
			break
		}
		p.Dates = append(p.Dates, previewDate{ISO: t.UTC().Format(time.RFC3339), Text: whenIn(l, t, t.Add(x.Duration), loc)})
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
	l := langOf(c)
	d := seriesListData{Meta: s.consoleMeta(c, l.T("console.series.list.title", "Group", g.Name)), Group: g, NewURL: groupConsoleURL(g.ID) + "/series/new"}
	d.Meta.Section = "home"
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}}
	for _, x := range list {
		d.Series = append(d.Series, seriesItem{Title: x.Title, URL: seriesConsoleURL(x.ID), Rule: scheduleIn(l, x, present.Zone(x.TimeZone)),
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
	// ZoneHTML is the series' zone, named as a zone (an edited series
	// keeps its zone: the form says so).
	ZoneHTML template.HTML
}

func (s *Server) renderSeriesForm(c echo.Context, status int, d seriesFormData) error {
	d.Zones = commonZones
	d.ZoneHTML = zoneHTML(d.Form.TimeZone)
	d.Meta.Section = "home"
	return s.renderConsole(c, status, "series_form", d)
}

func (s *Server) newSeriesPage(c echo.Context) error {
	g, err := s.consoleGroup(c)
	if err != nil {
		return err
	}
	d := s.newSeriesData(c, g)
	d.Form = seriesForm{Kind: string(domain.KindMeetup), Freq: "MONTHLY", Interval: "1", Length: "90", TimeZone: g.TimeZone,
		Ahead: strconv.Itoa(domain.DefaultSeriesAhead)}
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
	l := langOf(c)
	d := s.newSeriesData(c, g)
	x, errs := form.series(g.TimeZone, l)
	p, errs, err := s.preview(l, x, errs)
	if err != nil {
		return err
	}
	if len(errs) == 0 && c.FormValue("action") == "save" {
		v, err := s.store.CreateSeries(c.Request().Context(), organiser(c).ID, g.ID, x)
		if errs, err = seriesErrors(l, errs, err); err != nil {
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

// newSeriesData is the frame of the new series form.
func (s *Server) newSeriesData(c echo.Context, g domain.Group) seriesFormData {
	l := langOf(c)
	d := seriesFormData{Meta: s.consoleMeta(c, l.T("console.series.new.title")), New: true, Action: groupConsoleURL(g.ID) + "/series/new",
		Submit: l.T("console.series.new.submit"), Back: groupConsoleURL(g.ID) + "/series"}
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}, {URL: d.Back, Label: l.T("console.series.crumb")}}
	return d
}

type occurrenceItem struct {
	ID        string
	When      string
	WhenHTML  template.HTML // When in a <time>
	Start     string        // datetime-local value
	Status    string
	Detached  bool
	Going     int
	Waitlist  int
	URL       string
	MoveError string
	Past      bool
}

type followerItem struct {
	Name     string
	Mode     string
	Since    string
	SinceISO string
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
	FollowerLine template.HTML // "<strong>3</strong> people follow this series."
	MoreFollower bool
	Zone         string
}

// followModeLabel are the ids of what a follower gets, by mode.
var followModeLabel = map[domain.FollowMode]string{
	domain.FollowInvite: "console.series.followers.invite", domain.FollowRSVP: "console.series.followers.rsvp",
}

// followerLine says how many people follow a series, the number strong.
func followerLine(l *i18n.Lang, n int) template.HTML {
	const mark = "\ue001"
	s := template.HTMLEscapeString(l.N("console.series.followers.count", n, "Number", mark))
	return template.HTML(strings.Replace(s, mark, `<strong id="follower-count">`+strconv.Itoa(n)+`</strong>`, 1))
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
	l := langOf(c)
	d := seriesConsoleData{Meta: s.consoleMeta(c, x.Title), Series: x, Rule: scheduleIn(l, x, loc), RRule: x.RRule,
		PublicURL: "/s/" + url.PathEscape(x.Slug), EditURL: base + "/edit", Base: base, Ended: x.EndedAt != nil,
		Zone: loc.String()}
	d.Meta.Section = "home"
	d.Meta.Crumbs = []pageLink{{URL: groupConsoleURL(g.ID), Label: g.Name}, {URL: groupConsoleURL(g.ID) + "/series", Label: l.T("console.series.crumb")}}
	now := s.now()
	for _, oc := range v.Occurrences {
		if !oc.EndsAt.After(now) {
			continue
		}
		it := occurrenceItem{ID: oc.EventID, When: whenIn(l, oc.StartsAt, oc.EndsAt, loc),
			Start: oc.StartsAt.In(loc).Format(localLayout), Status: string(oc.Status), Detached: oc.Detached, Going: oc.Going,
			Waitlist: oc.Waitlist, URL: eventConsoleURL(oc.EventID), Past: !oc.StartsAt.After(now)}
		if oc.EventID == moveID {
			it.MoveError = moveErr
			if v := strings.TrimSpace(c.FormValue("starts")); v != "" {
				it.Start = v
			}
		}
		it.WhenHTML = timeTag(oc.StartsAt, it.When)
		d.Upcoming = append(d.Upcoming, it)
	}
	followers, n, err := s.store.ListFollowers(ctx, o.ID, x.ID, domain.ListOptions{Limit: domain.DefaultPageSize})
	if err != nil {
		return err
	}
	d.FollowerN, d.MoreFollower, d.FollowerLine = n, followers.NextCursor != "", followerLine(l, n)
	for _, f := range followers.Items {
		d.Followers = append(d.Followers, followerItem{Name: f.Name, Mode: l.T(followModeLabel[f.Mode]), Since: instantIn(l, f.CreatedAt, time.UTC),
			SinceISO: f.CreatedAt.UTC().Format(time.RFC3339)})
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
	l := langOf(c)
	d := seriesFormData{Meta: s.consoleMeta(c, l.T("console.series.edit.title", "Title", v.Series.Title)), Action: base + "/edit",
		Submit: l.T("console.series.edit.submit"), Back: base}
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
	l := langOf(c)
	x, errs := form.series(v.Series.TimeZone, l)
	x.EndedAt = v.Series.EndedAt
	p, errs, err := s.preview(l, x, errs)
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
			errs["form"] = refusal(l, err)
		} else if errs, err = seriesErrors(l, errs, err); err != nil {
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
		return s.renderSeriesPage(c, http.StatusConflict, oc.EventID, dateRefusal(langOf(c), err))
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
	l := langOf(c)
	start, ok := parseLocal(c.FormValue("starts"), present.Zone(v.Series.TimeZone))
	if !ok {
		return s.renderSeriesPage(c, http.StatusUnprocessableEntity, oc.EventID, l.T("console.series.error.move"))
	}
	end := start.Add(oc.EndsAt.Sub(oc.StartsAt))
	_, err = s.store.UpdateEvent(c.Request().Context(), organiser(c).ID, oc.EventID, domain.EventUpdate{StartsAt: &start, EndsAt: &end})
	var de *domain.Error
	if errors.As(err, &de) && (de.Code == domain.ECONFLICT || de.Code == domain.EINVALID) {
		return s.renderSeriesPage(c, http.StatusUnprocessableEntity, oc.EventID, dateRefusal(l, err))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, seriesConsoleURL(v.Series.ID)+"?done=date-moved#d-"+oc.EventID)
}

// dateLabels name the fields of one date's change (moving it, cancelling
// it) in error sentences.
var dateLabels = map[string]string{"starts_at": "console.series.label.new-date", "ends_at": "console.series.label.new-date",
	"reason": "console.series.label.reason"}

// dateRefusal says why a date was not moved or cancelled, in l: the
// error of its new time or reason first, else the store's refusal.
func dateRefusal(l *i18n.Lang, err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		for _, f := range de.Fields {
			if _, ok := dateLabels[f.Field]; ok {
				return fieldIn(l, f, dateLabels)
			}
		}
		if len(de.Fields) > 0 {
			return fieldIn(l, de.Fields[0], seriesLabels)
		}
	}
	return refusal(l, err)
}

// scheduleIn is present.Schedule in l: when a series meets, in words,
// "Every 3 months on the third Tuesday, 17:00–18:30 (Europe/Berlin,
// CET)". A rule it cannot put in words is shown as it is.
func scheduleIn(l *i18n.Lang, x domain.Series, loc *time.Location) string {
	start := x.StartsAt.In(loc)
	times := l.Time(start) + "–" + l.Time(start.Add(x.Duration)) + " " + present.ZoneLabel(loc, x.StartsAt)
	parts := map[string]string{}
	for _, p := range strings.Split(x.RRule, ";") {
		if k, v, ok := strings.Cut(p, "="); ok {
			parts[k] = v
		}
	}
	n, _ := strconv.Atoi(parts["INTERVAL"])
	unit := map[string]string{"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}[parts["FREQ"]]
	if unit == "" {
		return l.T("console.series.rule.raw", "Rule", x.RRule, "Times", times)
	}
	every := l.T("console.series.rule.every." + unit)
	if n > 1 {
		every = l.N("console.series.rule.every."+unit+"s", n)
	}
	if d := parts["BYDAY"]; len(d) >= 2 && !strings.Contains(d, ",") {
		day, ord := d[len(d)-2:], strings.TrimPrefix(d[:len(d)-2], "+")
		if ord == "-1" {
			ord = "last"
		}
		if !slices.Contains(ruleDays, day) {
			return l.T("console.series.rule", "Every", every, "Times", times)
		}
		switch {
		case ord == "":
			return l.T("console.series.rule.day", "Every", every, "Day", l.T("console.series.rule.on."+day), "Times", times)
		case slices.Contains(ruleNths, ord):
			return l.T("console.series.rule.day", "Every", every, "Day", l.T("console.series.rule.nth."+ord+"."+day), "Times", times)
		}
	}
	return l.T("console.series.rule", "Every", every, "Times", times)
}

// ruleDays and ruleNths are the days and the places in a month (RRULE's
// BYDAY) that scheduleIn puts in words.
var (
	ruleDays = []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
	ruleNths = []string{"1", "2", "3", "4", "5", "last"}
)

// zoneHTML names a time zone on a page, as a zone.
func zoneHTML(zone string) template.HTML {
	return template.HTML(`<span class="zone">` + template.HTMLEscapeString(zone) + `</span>`)
}
