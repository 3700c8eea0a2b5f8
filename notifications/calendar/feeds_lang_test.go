package calendar

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
)

const feedBase = "https://convene.example"

// feedWant is what one entry of a published calendar should say.
type feedWant struct{ summary, description, location string }

// feedCase is a published calendar in one language and what it should
// say: its name and each entry.
type feedCase struct {
	name    string
	data    []byte
	calName string
	entries []feedWant
}

// other is a language that is not l's, so that a test can tell which of
// two languages an entry took.
func other(l *i18n.Lang) string {
	if l.Tag() == "ja" {
		return "de"
	}
	return "ja"
}

// feedEvents are an online event, a hybrid one and a cancelled meetup,
// their words in Greek (the organisers' words, kept as written).
func feedEvents() (online, hybrid, meetup domain.Event) {
	at := time.Date(2026, 12, 10, 17, 0, 0, 0, time.UTC)
	base := domain.Event{Status: domain.EventPublished, StartsAt: at, EndsAt: at.Add(2 * time.Hour), TimeZone: "Europe/Athens",
		CreatedAt: at.AddDate(0, -1, 0), UpdatedAt: at.AddDate(0, 0, -7)}
	online, hybrid, meetup = base, base, base
	online.ID, online.Slug, online.Kind, online.Title = "evt_online", "online", domain.KindLiveSession, "Διαδικτυακή συνάντηση"
	online.Description, online.OnlineURL = "Ζωντανή συνεδρία για τους γενικούς τύπους.", "https://meet.example.com/go?pwd=1"
	hybrid.ID, hybrid.Slug, hybrid.Kind, hybrid.Title = "evt_hybrid", "hybrid", domain.KindMeetup, "Υβριδική συνάντηση"
	hybrid.Description, hybrid.OnlineURL = "Ομιλίες και συζήτηση.", "https://meet.example.com/hy"
	hybrid.Venue = &domain.Venue{Name: "Τεχνόπολη", Address: "Πειραιώς 100, Αθήνα"}
	meetup.ID, meetup.Slug, meetup.Kind, meetup.Title = "evt_meetup", "meetup", domain.KindMeetup, "Χριστουγεννιάτικη συνάντηση"
	meetup.Description, meetup.Venue = "Μικρές ομιλίες.", &domain.Venue{Name: "Καφέ Ρομάντσο"}
	meetup.Status, meetup.CancelReason = domain.EventCancelled, "Αρρώστια"
	return online, hybrid, meetup
}

// publicWant is what an event's public entry says in l.
func publicWant(e domain.Event, l *i18n.Lang, online bool) feedWant {
	w := feedWant{e.Title, e.Description + "\n\n" + l.T("ics.event_page", "URL", EventURL(feedBase, e)), ""}
	if e.Venue != nil {
		w.location = strings.TrimSuffix(e.Venue.Name+", "+e.Venue.Address, ", ")
	} else if online {
		w.location = l.T("mail.online")
	}
	return w
}

// feedLanguageCases are every kind of published calendar in l: an
// event's download, a group's feed, a personal feed and a series' feed.
// Each has its language from another place than the one above it, with a
// second language in the place below, so that the wrong choice shows.
func feedLanguageCases(t *testing.T, l *i18n.Lang) []feedCase {
	t.Helper()
	tag := l.Tag()
	online, hybrid, meetup := feedEvents()
	publish := func(name string, items []Item, o FeedOptions) []byte {
		b, err := Publish(items, o)
		if err != nil {
			t.Fatalf("%s, %s: %v", tag, name, err)
		}
		return b
	}
	var cases []feedCase

	// The event's own language, before its group's.
	ev := online
	ev.Locale = tag
	cases = append(cases, feedCase{"event download", publish("event", []Item{{Event: ev, Group: domain.Group{Locale: other(l)}}},
		FeedOptions{BaseURL: feedBase}), "", []feedWant{publicWant(ev, l, true)}})

	// The group's language for events without their own.
	g := domain.Group{Name: "Ομάδα προγραμματιστών Αθήνας", Locale: tag}
	items := []Item{{Event: online, Group: g}, {Event: hybrid, Group: g}, {Event: meetup, Group: g}}
	cases = append(cases, feedCase{"group feed", publish("group", items, FeedOptions{BaseURL: feedBase, Name: g.Name}), g.Name,
		[]feedWant{publicWant(online, l, true), publicWant(hybrid, l, true), publicWant(meetup, l, false)}})

	// The RSVP's language, before the event's: join links in.
	pon, phy := online, hybrid
	pon.Locale, phy.Locale = other(l), other(l)
	join := feedBase + "/j/tok_feed"
	items = []Item{{Event: pon, Group: g, JoinURL: join, Locale: tag}, {Event: phy, Group: g, JoinURL: join + "?event=hybrid", Locale: tag}}
	name := l.T("feed.personal.name")
	hyWant := publicWant(phy, l, true)
	hyWant.description = l.T("ics.join", "URL", join+"?event=hybrid") + "\n\n" + hyWant.description
	cases = append(cases, feedCase{"personal feed", publish("personal", items, FeedOptions{BaseURL: feedBase, Name: name, WithJoinLinks: true}), name,
		[]feedWant{{pon.Title, l.T("ics.join", "URL", join) + "\n\n" + publicWant(pon, l, true).description, join}, hyWant}})

	// A series: its group's language, in the master, a moved occurrence
	// and one kept from an earlier rule.
	start := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
	s := domain.Series{ID: "ser_1", Slug: "go-tuesdays", Title: "Τρίτες του προγραμματισμού", Description: "Κάθε Τρίτη, διαδικτυακά.",
		Kind: domain.KindLiveSession, OnlineURL: "https://meet.example.com/tue", TimeZone: "Europe/Athens", RRule: "FREQ=WEEKLY;BYDAY=TU;COUNT=6",
		StartsAt: start, Duration: time.Hour, CreatedAt: start.AddDate(0, -1, 0), UpdatedAt: start.AddDate(0, 0, -3)}
	moved := start.AddDate(0, 0, 7)
	v := domain.SeriesView{Series: s, Group: g, Occurrences: []domain.Occurrence{
		{EventID: "evt_2", Slug: "go-tuesdays-2", OccurrenceStart: moved, StartsAt: moved.Add(time.Hour), EndsAt: moved.Add(2 * time.Hour), Status: domain.EventPublished, InRule: true, Title: s.Title},
		{EventID: "evt_x", Slug: "go-tuesdays-x", OccurrenceStart: start.AddDate(0, 0, 3), StartsAt: start.AddDate(0, 0, 3), EndsAt: start.AddDate(0, 0, 3).Add(time.Hour), Status: domain.EventPublished, Title: s.Title},
	}}
	b, err := PublishSeries(v, start, FeedOptions{BaseURL: feedBase, Name: s.Title})
	if err != nil {
		t.Fatalf("%s, series: %v", tag, err)
	}
	sw := feedWant{s.Title, s.Description + "\n\n" + l.T("ics.event_page", "URL", SeriesURL(feedBase, s)), l.T("mail.online")}
	cases = append(cases, feedCase{"series feed", b, s.Title, []feedWant{sw, sw, sw}})
	return cases
}

var (
	feedMissingRE = regexp.MustCompile(`\[[a-z]+[.:][^\]]*\]`)
	feedURLRE     = regexp.MustCompile(`https?://[^\s⟧]+`)
	feedMarkedRE  = regexp.MustCompile(`⟦[^⟧]*⟧`)
	feedLatinRE   = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// calendarIDs are the messages a calendar's words come from.
var calendarIDs = []string{"ics.join", "ics.event_page", "mail.online", "feed.personal.name"}

// englishLeft returns the pieces of English messages in text that l's
// own translation of them lacks (in the pseudo-locale, any Latin word
// outside ⟦…⟧ and links).
func englishLeft(l *i18n.Lang, text string) []string {
	switch l.Tag() {
	case "en":
		return nil
	case i18n.Pseudo:
		return slices.Compact(feedLatinRE.FindAllString(feedMarkedRE.ReplaceAllString(feedURLRE.ReplaceAllString(text, " "), " "), -1))
	}
	var left []string
	en := i18n.Get("en")
	for _, id := range calendarIDs {
		for _, p := range strings.Split(en.T(id, "URL", "\x00"), "\x00") {
			if p = strings.TrimSpace(p); len(p) >= 3 && strings.Contains(text, p) && !strings.Contains(l.T(id, "URL", ""), p) {
				left = append(left, p)
			}
		}
	}
	return left
}

// TestFeedsEveryLanguage writes every kind of published calendar in every
// language and the pseudo-locale, and checks that each entry says what it
// should in its language, that no message is missing and no English is
// left, that every feed. message is used, and that golang-ical and
// python-icalendar read every calendar back as written.
func TestFeedsEveryLanguage(t *testing.T) {
	used := map[string]bool{}
	stop := i18n.Record(func(_, id string) { used[id] = true })
	defer stop()
	var all []feedCase
	for _, l := range append(i18n.All(), i18n.Get(i18n.Pseudo)) {
		for _, c := range feedLanguageCases(t, l) {
			c.name = l.Tag() + ", " + c.name
			checkLines(t, c.data)
			if m := feedMissingRE.FindString(strings.Join(unfold(c.data), "\n")); m != "" {
				t.Errorf("%s: a message is missing: %s", c.name, m)
			}
			got, err := parseWithGolangICal(c.data)
			if err != nil {
				t.Fatalf("%s: golang-ical: %v", c.name, err)
			}
			compareFeed(t, c.name+" (golang-ical)", got, c, quirks{})
			text := got.Name + "\n" + got.WRName
			for _, e := range got.Events {
				text += "\n" + e.Summary + "\n" + e.Description + "\n" + e.Location
			}
			if left := englishLeft(l, text); len(left) > 0 {
				t.Errorf("%s: English left: %q\n%s", c.name, left, text)
			}
			all = append(all, c)
		}
	}
	stop()
	for _, id := range i18n.IDs() {
		if (strings.HasPrefix(id, "feed.") || slices.Contains(calendarIDs, id)) && !used[id] {
			t.Errorf("message %s is not used by any calendar", id)
		}
	}
	t.Run("python-icalendar", func(t *testing.T) {
		needPythonICalendar(t)
		objects := make([][]byte, len(all))
		for i, c := range all {
			objects[i] = c.data
		}
		for i, got := range parseWith(t, python(), objects) {
			compareFeed(t, all[i].name, got, all[i], got.quirks)
		}
	})
}

// compareFeed reports where a parser's reading of a published calendar
// differs from what it should say.
func compareFeed(t *testing.T, name string, got parsed, c feedCase, q quirks) {
	t.Helper()
	if got.Error != "" {
		t.Errorf("%s: parser error: %s", name, got.Error)
		return
	}
	wantName := q.readText(c.calName)
	if q.RawCalendarName {
		wantName = wireText(c.calName)
	}
	if c.calName == "" {
		wantName = ""
	}
	if got.Method != "" || got.Name != wantName || got.WRName != wantName {
		t.Errorf("%s: METHOD %q NAME %q X-WR-CALNAME %q, want no METHOD and %q", name, got.Method, got.Name, got.WRName, wantName)
	}
	if len(got.Events) != len(c.entries) {
		t.Errorf("%s: %d entries, want %d", name, len(got.Events), len(c.entries))
		return
	}
	for i, w := range c.entries {
		e := got.Events[i]
		if e.Summary != q.readText(w.summary) || e.Description != q.readText(w.description) || e.Location != q.readText(w.location) {
			t.Errorf("%s: entry %d reads\n%q\n%q\n%q\nwant\n%q\n%q\n%q", name, i, e.Summary, e.Description, e.Location,
				w.summary, w.description, w.location)
		}
	}
}

// TestCalendarLinksEveryLanguage: the add-to-calendar links fill in the
// details and the place in the language they are asked for.
func TestCalendarLinksEveryLanguage(t *testing.T) {
	online, hybrid, _ := feedEvents()
	for _, l := range append(i18n.All(), i18n.Get(i18n.Pseudo)) {
		for _, e := range []domain.Event{online, hybrid} {
			e.Locale = other(l) // the page's language, not the event's
			w := publicWant(e, l, true)
			links := PublicCalendarLinks(feedBase, e, l)
			for _, c := range []struct{ name, link, details string }{{"Google", links.Google, "details"}, {"Outlook", links.Outlook, "body"}} {
				u, err := url.Parse(c.link)
				if err != nil {
					t.Fatalf("%s, %s, %s: %v", l.Tag(), e.Slug, c.name, err)
				}
				q := u.Query()
				where := l.Tag() + ", " + e.Slug + ", " + c.name
				if q.Get(c.details) != w.description || q.Get("location") != w.location {
					t.Errorf("%s: details %q, location %q; want %q, %q", where, q.Get(c.details), q.Get("location"), w.description, w.location)
				}
				text := q.Get(c.details) + "\n" + q.Get("location")
				if m := feedMissingRE.FindString(text); m != "" {
					t.Errorf("%s: a message is missing: %s", where, m)
				}
				if left := englishLeft(l, text); len(left) > 0 {
					t.Errorf("%s: English left: %q", where, left)
				}
			}
		}
	}
}
