package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store/storetest"
)

// acceptLanguage makes the tab's requests ask for the languages, as a
// browser set to them does.
func (b *browserTab) acceptLanguage(langs string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": langs}})
		return err
	}))
	if err != nil {
		b.t.Fatalf("Accept-Language %s: %v", langs, err)
	}
}

// TestBrowserLanguages: the attendee's pages and the organiser's console
// in German (long words), Japanese and Arabic (right to left) on a 320 px
// phone: each page says its language and direction, needs no sideways
// scroll, passes axe-core (no serious or critical violation) and is
// photographed; the language chosen with the switch holds from page to
// page, through the RSVP, and the console speaks the browser's.
func TestBrowserLanguages(t *testing.T) {
	src := needAxe(t)
	browser := newBrowser(t)
	sink := smtptest.Start(t)
	in := startServe(t, mailEnv(t, "sqlite", sink))
	f := newFlow(t, in)
	eventID, slug := f.event(3, "Arbeitsgemeinschaft Softwareentwicklungsmethodenverbesserungsvorschläge")
	st, ev := call(t, "GET", in.base+"/api/v1/events/"+eventID, f.token, nil)
	if st != 200 {
		t.Fatalf("event: %d", st)
	}
	groupID := ev["group_id"].(string)
	st, dl := call(t, "POST", in.base+"/api/v1/events/"+eventID+"/door-links", f.token, nil)
	if st != 201 {
		t.Fatalf("door link: %d %v", st, dl)
	}
	door := strings.TrimPrefix(dl["url"].(string), "https://convene.example")
	seriesSlug := "s-" + storetest.Unique()
	if st, x := call(t, "POST", in.base+"/api/v1/groups/"+groupID+"/series", f.token, map[string]any{
		"slug": seriesSlug, "title": "Essentials", "kind": "live_session", "rrule": "FREQ=WEEKLY",
		"starts_at": clock.Now().Add(96 * time.Hour).UTC().Truncate(time.Hour).Format(time.RFC3339), "duration": "PT1H",
		"time_zone": "Europe/Berlin", "online_url": "https://meet.example.org/essentials",
	}); st != 201 {
		t.Fatalf("series: %d %v", st, x)
	}
	m := regexp.MustCompile(`(?m)^https://convene\.example(/manage/sign-in/[A-Za-z0-9_-]+)$`).FindStringSubmatch(in.stdout.String())
	if m == nil {
		t.Fatalf("serve printed no sign-in link:\n%s", in.stdout)
	}
	// The organiser signs in once; the tabs below share the browser's
	// cookies.
	if st := browser.open(in.base + m[1]); st != 200 {
		t.Fatalf("sign-in link: HTTP %d", st)
	}
	if st := browser.click("Sign in"); st != 200 || browser.path() != "/manage/" {
		t.Fatalf("signing in led to HTTP %d on %s", st, browser.location())
	}
	htmlRE := regexp.MustCompile(`^([a-zA-Z-]+) (ltr|rtl)$`)
	for _, tag := range []string{"de", "ja", "ar"} {
		t.Run(tag, func(t *testing.T) {
			l := i18n.Get(tag)
			b := browser.newTab(t)
			b.setViewport(320, 640, true)
			check := func(name string) {
				t.Helper()
				got := b.eval(`document.documentElement.lang + " " + document.documentElement.dir`)
				if m := htmlRE.FindStringSubmatch(got); m == nil || m[1] != tag || m[2] != l.Dir() {
					t.Errorf("%s (%s): <html> says %q, want %s %s", name, b.path(), got, tag, l.Dir())
				}
				if over := b.overflow(); over > 0 {
					t.Errorf("%s (%s) is %d px wider than a 320 px screen", name, b.path(), over)
				}
				b.axe(src, axeAll, tag+" "+name+" ("+b.path()+")")
				b.screenshot(tag + "-" + name)
			}
			if st := b.open(in.base + "/e/" + slug + "?lang=" + tag); st != 200 {
				t.Fatalf("event page: HTTP %d", st)
			}
			check("event")
			b.fill("name", "Grace Hopper")
			b.fill("email", "grace-"+tag+"@example.org")
			if st := b.click(l.T("event.rsvp.button")); st != 200 || !strings.HasPrefix(b.path(), "/r/") {
				t.Fatalf("RSVP in %s: HTTP %d on %s", tag, st, b.path())
			}
			check("rsvp")
			rsvp := b.path()
			group := b.eval(`document.querySelector("a.brand").getAttribute("href")`)
			for _, p := range []struct{ name, path string }{
				{"cancel", rsvp + "/cancel"}, {"erase", rsvp + "/erase"}, {"group", group}, {"door", door}, {"series", "/s/" + seriesSlug}, {"not-found", "/e/no-such-event"},
			} {
				if st := b.open(in.base + p.path); st != 200 && st != 404 {
					t.Errorf("%s: HTTP %d", p.path, st)
					continue
				}
				check(p.name)
			}
			b.acceptLanguage(tag + ",en;q=0.5")
			for _, p := range []struct{ name, path string }{
				{"console-home", "/manage/"}, {"console-account", "/manage/account"}, {"console-group", "/manage/groups/" + groupID},
				{"console-group-settings", "/manage/groups/" + groupID + "/settings"}, {"console-members", "/manage/groups/" + groupID + "/members"},
				{"console-event", "/manage/events/" + eventID}, {"console-event-form", "/manage/events/" + eventID + "/edit"},
				{"console-people", "/manage/events/" + eventID + "/people"}, {"console-invitations", "/manage/events/" + eventID + "/invitations"},
				{"console-door", "/manage/events/" + eventID + "/door"}, {"console-series-form", "/manage/groups/" + groupID + "/series/new"},
				{"console-evidence", "/manage/groups/" + groupID + "/evidence"}, {"console-series-list", "/manage/groups/" + groupID + "/series"},
				{"console-email", "/manage/events/" + eventID + "/email"}, {"console-cancel", "/manage/events/" + eventID + "/cancel"},
			} {
				if st := b.open(in.base + p.path); st != 200 {
					t.Errorf("%s: HTTP %d", p.path, st)
					continue
				}
				check(p.name)
			}
		})
	}
}
