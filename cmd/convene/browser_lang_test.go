package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/smtptest"
)

// TestBrowserLanguages: the attendee's pages in German (long words),
// Japanese and Arabic (right to left) on a 320 px phone: each page says
// its language and direction, needs no sideways scroll, passes axe-core
// (no serious or critical violation) and is photographed; the language
// chosen with the switch holds from page to page, through the RSVP.
func TestBrowserLanguages(t *testing.T) {
	src := needAxe(t)
	browser := newBrowser(t)
	sink := smtptest.Start(t)
	in := startServe(t, mailEnv(t, "sqlite", sink))
	f := newFlow(t, in)
	_, slug := f.event(3, "Arbeitsgemeinschaft Softwareentwicklungsmethodenverbesserungsvorschläge")
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
				{"cancel", rsvp + "/cancel"}, {"erase", rsvp + "/erase"}, {"group", group}, {"not-found", "/e/no-such-event"},
			} {
				if st := b.open(in.base + p.path); st != 200 && st != 404 {
					t.Errorf("%s: HTTP %d", p.path, st)
					continue
				}
				check(p.name)
			}
		})
	}
}
