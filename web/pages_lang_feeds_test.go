package web

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
)

// TestEventPageCalendarLinksSpeakThePage: the event page's Google Calendar
// and Outlook links fill in the details and the place in the page's
// language, not the event's, in every language and the pseudo-locale.
func TestEventPageCalendarLinksSpeakThePage(t *testing.T) {
	start := time.Date(2026, 12, 15, 17, 0, 0, 0, time.UTC)
	e := domain.Event{Title: "Συνάντηση", Slug: "synantisi", Kind: domain.KindLiveSession, Status: domain.EventPublished,
		Description: "Περιγραφή", StartsAt: start, EndsAt: start.Add(time.Hour), TimeZone: "Europe/Oslo",
		OnlineURL: "https://meet.example/x"}
	g := domain.Group{Name: "Ομάδα", Slug: "omada"}
	s := &Server{cfg: Config{BaseURL: "https://convene.example", Clock: fixedClock(start.Add(-24 * time.Hour))}}
	for _, l := range append(i18n.All(), i18n.Get(i18n.Pseudo)) {
		e.Locale = "ja"
		if l.Tag() == "ja" {
			e.Locale = "de"
		}
		links := s.eventSummary(e, g, l).Calendar
		wantDetails := "Περιγραφή\n\n" + l.T("ics.event_page", "URL", "https://convene.example/e/synantisi")
		for name, c := range map[string]struct{ link, param string }{"Google": {links.Google, "details"}, "Outlook": {links.Outlook, "body"}} {
			u, err := url.Parse(c.link)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get(c.param) != wantDetails || q.Get("location") != l.T("mail.online") {
				t.Errorf("%s, %s: details %q, location %q; want %q, %q", l.Tag(), name, q.Get(c.param), q.Get("location"),
					wantDetails, l.T("mail.online"))
			}
			if l.Tag() != "en" && strings.Contains(q.Get(c.param), "Event page") {
				t.Errorf("%s, %s: English in %q", l.Tag(), name, q.Get(c.param))
			}
		}
	}
}
