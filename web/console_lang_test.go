package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/i18n"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestConsoleGroupLanguage: an organiser gives a group its language in
// the console, and the group's page then speaks it to visitors whose
// browser asks for none of Convene's; an event's form offers the group's
// language by name, or another of its own.
func TestConsoleGroupLanguage(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	owner := ce.organiser("Ada")
	b := ce.browser()
	b.signIn(owner)
	slug := "berlin-" + storetest.Unique()
	p := b.post("/manage/groups", url.Values{"name": {"Berlin Gophers"}, "slug": {slug}, "time_zone": {"Europe/Berlin"}, "locale": {"de"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", p.Status, p.text())
	}
	groupURL, _, _ := strings.Cut(p.Location, "?")
	visitor := func() string {
		req, err := http.NewRequest(http.MethodGet, ce.base+"/g/"+slug, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Language", "ko")
		m := htmlLangRE.FindStringSubmatch(ce.browser().do(req).Body)
		if m == nil {
			t.Fatal("the group page has no <html lang>")
		}
		return m[1]
	}
	if got := visitor(); got != "de" {
		t.Errorf("a Korean browser on a German group's page got %s", got)
	}
	if s := b.get(groupURL + "/settings"); !strings.Contains(s.Body, `<option value="de" lang="de" selected>Deutsch</option>`) {
		t.Errorf("the settings do not show the group's language:\n%s", s.text())
	}
	p = b.post(groupURL+"/settings", url.Values{"name": {"Berlin Gophers"}, "slug": {slug}, "time_zone": {"Europe/Berlin"}, "locale": {"ja"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("settings: %d\n%s", p.Status, p.text())
	}
	if got := visitor(); got != "ja" {
		t.Errorf("after choosing Japanese the group's page speaks %s", got)
	}
	g, _, err := db.FindGroup(t.Context(), owner.ID, strings.TrimPrefix(groupURL, "/manage/groups/"))
	if err != nil {
		t.Fatal(err)
	}
	e := ce.publishedEvent(owner, g, "Treffen", time.Now().Add(storetest.Offset()+7*24*time.Hour))
	form := b.get("/manage/events/" + e.ID + "/edit")
	for _, want := range []string{`<option value="" selected>The group&#39;s (日本語)</option>`, `<option value="pt-BR" lang="pt-BR">Português (Brasil)</option>`} {
		if !strings.Contains(form.Body, want) {
			t.Errorf("the event's form lacks %s", want)
		}
	}
}

// TestZoneNamesStayWholeRightToLeft: in Arabic a zone's names are set
// apart (LRI … PDI), or the parentheses of "(Europe/Oslo, CET)" turn and
// its parts change places on the page; other languages' text is as it was.
func TestZoneNamesStayWholeRightToLeft(t *testing.T) {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	start := time.Date(2026, 12, 15, 18, 0, 0, 0, oslo)
	if got := consoleWhen(i18n.Get("ar"), start, start.Add(time.Hour), oslo); !strings.HasSuffix(got, " \u2066(Europe/Oslo, CET)\u2069") {
		t.Errorf("Arabic: %q", got)
	}
	if got := consoleWhen(i18n.Get("de"), start, start.Add(time.Hour), oslo); !strings.HasSuffix(got, " (Europe/Oslo, CET)") {
		t.Errorf("German: %q", got)
	}
}
