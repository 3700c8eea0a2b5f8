package web

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// eventPageStates are the event page in each of its states, with
// organisers' words in Greek, so that any Latin letter left on a page is
// Convene's own.
func eventPageStates(l *i18n.Lang) map[string]eventPageData {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	start := time.Date(2026, 12, 15, 18, 0, 0, 0, oslo)
	capacity := 20
	e := domain.Event{Title: "Συνάντηση", Slug: "synantisi", Kind: domain.KindMeetup, Status: domain.EventPublished,
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), TimeZone: "Europe/Oslo", Capacity: &capacity, GoingCount: 17,
		Venue: &domain.Venue{Name: "Αίθουσα", Address: "Οδός 1"}, OnlineURL: "https://meet.example/x", Waitlist: true}
	g := domain.Group{Name: "Ομάδα", Slug: "omada"}
	// A clock of its own, a day before the event: with the computer's,
	// every state would be "over" once the date has passed.
	s := &Server{cfg: Config{BaseURL: "https://convene.example", Clock: fixedClock(start.Add(-24 * time.Hour))}}
	base := func(e domain.Event) eventPageData {
		sum := s.eventSummary(e, g, l)
		d := eventPageData{Meta: s.meta(e.Title), Event: sum, Description: paragraphs("Περιγραφή\n\nΔεύτερη"), CSRF: "x"}
		d.Meta.Brand, d.Meta.BrandURL = g.Name, sum.GroupURL
		d.Meta.Description = ogDescription(sum, e.Description, l)
		d.Meta.Languages = []langLink{{Tag: l.Tag(), Name: l.Name(), URL: "/e/synantisi?lang=" + l.Tag(), Current: true}}
		return d
	}
	// refused is the page of an event that takes no RSVP at now.
	refused := func(e domain.Event, now time.Time) eventPageData {
		d := base(e)
		d.Places = placesText(e, l)
		d.Open, d.Waitlist, d.Closed = admissionView(e, now, l)
		return d
	}
	states := map[string]eventPageData{}

	open := base(e)
	open.Places, open.Open = placesText(e, l), true
	open.Hosts = []string{"Άννα", "Νίκος"}
	open.Speakers = []speakerItem{{Name: "Ελένη", Talk: "Ομιλία", Slides: "https://slides.example/x"}}
	open.ConfirmByEmail = true
	open.Form.Summary = []fieldMessage{{ID: "name", Text: "Όνομα"}}
	states["open"] = open

	full := e
	full.GoingCount = capacity
	wl := base(full)
	wl.Places, wl.Open, wl.Waitlist = placesText(full, l), true, true
	states["waitlist"] = wl

	opens := start.Add(-24 * time.Hour)
	notYet := e
	notYet.RSVPOpensAt = &opens
	states["not open"] = refused(notYet, opens.Add(-time.Hour))

	noWait := full
	noWait.Waitlist = false
	states["full"] = refused(noWait, start.Add(-time.Hour))

	closes := start.Add(-2 * time.Hour)
	closed := e
	closed.RSVPClosesAt = &closes
	states["closed"] = refused(closed, start.Add(-time.Hour))

	unlimited := e
	unlimited.Capacity, unlimited.Venue = nil, nil
	un := base(unlimited)
	un.Places, un.Open = placesText(unlimited, l), true
	states["online, unlimited"] = un

	inPerson := e
	inPerson.OnlineURL, inPerson.Venue = "", nil
	states["in person, no venue"] = base(inPerson)

	cancelled := e
	cancelled.Status, cancelled.CancelReason = domain.EventCancelled, "Ασθένεια"
	states["cancelled"] = base(cancelled)

	over := e
	over.StartsAt, over.EndsAt = start.Add(-48*time.Hour), start.Add(-46*time.Hour)
	states["over"] = base(over)

	// What the form's answers say (rsvpFormPost).
	pending := base(e)
	pending.Places, pending.Open = placesText(e, l), true
	pending.Notice = pendingNotice(l, "άννα@παράδειγμα.ελ", &domain.PendingRSVP{ExpiresAt: start.Add(-20 * time.Hour)}, e)
	states["pending"] = pending
	replied := pending
	_, replied.Notice = rsvpAnswer(l, rsvpForm{}, nil)
	states["replied"] = replied
	refusedForm := refused(noWait, start.Add(-time.Hour))
	refusedForm.Form, refusedForm.Notice = rsvpAnswer(l, rsvpForm{Name: "Άννα"}, domain.ErrEventFull)
	states["full, refused"] = refusedForm
	mistakes := pending
	mistakes.Notice = nil
	mistakes.Form, _ = rsvpAnswer(l, rsvpForm{Name: "Ά", Email: "χ"}, &domain.Error{Code: domain.EINVALID, Fields: []domain.FieldError{
		{Field: "name", Message: "is required", Format: "is required"}, {Field: "email", Message: "must be a valid e-mail address like name@example.org", Format: "must be a valid e-mail address like name@example.org"}}})
	states["mistakes"] = mistakes
	for name, d := range states {
		if d.Event.Over != (name == "over") {
			panic("the clock puts " + name + " on the wrong side of the event's end")
		}
	}
	return states
}

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// pageState is one state of a translated page: its data, and text that
// must be on it in every language.
type pageState struct {
	data any
	want []string
}

// pageStates are the translated pages' states, each made in a language:
// "event" for templates/event.html, "console/home" for
// templates/console/home.html. Each page's test file registers its own
// (in an init), and TestPagesEveryLanguage renders them all.
var pageStates = map[string]func(l *i18n.Lang) map[string]pageState{}

func init() {
	pageStates["event"] = func(l *i18n.Lang) map[string]pageState {
		out := map[string]pageState{}
		for name, d := range eventPageStates(l) {
			out[name] = pageState{data: d, want: []string{`<a href="/g/omada">Ομάδα</a>`}}
		}
		return out
	}
}

func renderPage(t *testing.T, page string, l *i18n.Lang, d any) string {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if name, ok := strings.CutPrefix(page, "console/"); ok {
		err = consoleTemplate[name][l.Tag()].ExecuteTemplate(&buf, "console", d)
	} else {
		err = pageTemplate[page][l.Tag()].ExecuteTemplate(&buf, "layout", d)
	}
	if err != nil {
		t.Fatalf("%s in %s: %v", page, l.Tag(), err)
	}
	return buf.String()
}

var (
	tagRE      = regexp.MustCompile(`(?s)<[^>]*>`)
	skipRE     = regexp.MustCompile(`(?s)<time[^>]*>.*?</time>|<span class="zone">.*?</span>|<nav class="languages".*?</nav>|<title>.*?</title>|<head>.*?</head>|<code[^>]*>.*?</code>|<span class="brand">Convene</span>|<script.*?</script>`)
	markedRE   = regexp.MustCompile(`⟦[^⟧]*⟧`)
	zoneRE     = regexp.MustCompile(`\([A-Za-z_]+/[A-Za-z_/]+(, [A-Z0-9+−-]+)?\)`) // "(Europe/Oslo, CET)": a zone's names are names
	latinRE    = regexp.MustCompile(`[A-Za-z]{2,}`)
	htmlLangRE = regexp.MustCompile(`<html lang="([^"]+)" dir="(ltr|rtl)">`)
	missingRE  = regexp.MustCompile(`\[[a-z]+\.[a-z0-9._-]+\]|\[field:[^\]]*\]`)
)

// webOwnsID tells the messages of the pages (and the console) from those
// of e-mails, calendar text, field errors and the API's problems, which
// their own packages' tests account for.
func webOwnsID(id string) bool {
	for _, p := range []string{"field:", "mail.", "ics.", "problem.", "feed."} {
		if strings.HasPrefix(id, p) {
			return false
		}
	}
	return true
}

// TestPagesEveryLanguage renders every translated page (pageStates) in
// each of its states in every language and in the pseudo-locale, and
// fails on:
//   - a message a language lacks (it shows as [id]);
//   - English left on a page: in the pseudo-locale every word of
//     Convene's must be marked; in each other language, no English
//     message may appear unless that language's translation is the same;
//   - a message of the pages' part of the catalogue that no state of any
//     page uses;
//   - <html> without the language's tag and direction;
//   - a page of translatedPages or translatedConsole without states, or
//     the other way round.
func TestPagesEveryLanguage(t *testing.T) {
	for page := range translatedPages {
		if pageStates[page] == nil {
			t.Errorf("%s is translated but no test renders it", page)
		}
	}
	for page := range translatedConsole {
		if pageStates["console/"+page] == nil {
			t.Errorf("console/%s is translated but no test renders it", page)
		}
	}
	for page := range pageStates {
		name, console := strings.CutPrefix(page, "console/")
		if console && !translatedConsole[name] || !console && !translatedPages[name] {
			t.Errorf("%s has states but is not in translatedPages or translatedConsole", page)
		}
	}
	// Each language's messages, read before the recording starts (reading
	// them all would count every message as used).
	texts := map[string]map[string]string{}
	for _, l := range i18n.All() {
		texts[l.Tag()] = catalogueTexts(l)
	}
	enTexts := texts["en"]
	used := map[string]bool{}
	stop := i18n.Record(func(_, id string) { used[id] = true })
	defer stop()
	for _, l := range append(i18n.All(), i18n.Get(i18n.Pseudo)) {
		english := newEnglishIndex(enTexts, texts[l.Tag()])
		for page, states := range pageStates {
			for name, st := range states(l) {
				html := renderPage(t, page, l, st.data)
				if m := htmlLangRE.FindStringSubmatch(html); m == nil || m[1] != l.Tag() || m[2] != l.Dir() {
					t.Errorf("%s, %s, %s: <html> is %v, want lang %s dir %s", page, l.Tag(), name, m, l.Tag(), l.Dir())
				}
				if m := missingRE.FindString(html); m != "" {
					t.Errorf("%s, %s, %s: a message is missing: %s", page, l.Tag(), name, m)
				}
				for _, w := range st.want {
					if !strings.Contains(html, w) {
						t.Errorf("%s, %s, %s: %s is not on the page", page, l.Tag(), name, w)
					}
				}
				text := tagRE.ReplaceAllString(skipRE.ReplaceAllString(html, " "), " ")
				text += attrTexts(html)
				switch {
				case l.Tag() == i18n.Pseudo:
					if left := latinRE.FindAllString(markedRE.ReplaceAllString(zoneRE.ReplaceAllString(text, " "), " "), -1); len(left) > 0 {
						t.Errorf("%s, pseudo, %s: words not from the catalogue: %v", page, name, slices.Compact(left))
					}
				case l.Tag() != "en":
					for _, m := range english.find(text) {
						t.Errorf("%s, %s, %s: English %q (%s) is on the page", page, l.Tag(), name, m.text, m.id)
					}
				}
			}
		}
	}
	stop()
	var unused []string
	for _, id := range i18n.IDs() {
		if webOwnsID(id) && !used[id] {
			unused = append(unused, id)
		}
	}
	if len(unused) > 0 {
		t.Errorf("messages no page uses: %v", unused)
	}
}

// attrTexts are the words of the attributes people read or hear
// (aria-label, placeholder, title, alt), each after a space, found with
// strings.Index (a regexp took a third of this test's time).
func attrTexts(html string) string {
	var b strings.Builder
	for _, name := range []string{`aria-label="`, `placeholder="`, `title="`, `alt="`} {
		for rest := html; ; {
			i := strings.Index(rest, name)
			if i < 0 {
				break
			}
			rest = rest[i+len(name):]
			j := strings.IndexByte(rest, '"')
			if j < 0 {
				break
			}
			b.WriteString(" ")
			b.WriteString(rest[:j])
			rest = rest[j:]
		}
	}
	return b.String()
}

// englishIndex finds, in one pass over a page's text, the English
// messages of 12 characters or more that a language says otherwise: each
// by its first 12 bytes (reading every message against every page made
// this test take a minute under the race detector).
type englishIndex map[string][]idText

type idText struct{ id, text string }

func newEnglishIndex(en, own map[string]string) englishIndex {
	x := englishIndex{}
	for id, text := range en {
		if len([]rune(text)) >= 12 && own[id] != text {
			x[text[:12]] = append(x[text[:12]], idText{id, text})
		}
	}
	return x
}

// find returns the messages on text, each once.
func (x englishIndex) find(text string) []idText {
	var out []idText
	seen := map[string]bool{}
	for i := 0; i+12 <= len(text); i++ {
		for _, m := range x[text[i:i+12]] {
			if !seen[m.id] && strings.HasPrefix(text[i:], m.text) {
				seen[m.id] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// catalogueTexts is each message of a language without placeholders.
func catalogueTexts(l *i18n.Lang) map[string]string {
	out := map[string]string{}
	for _, id := range i18n.IDs() {
		out[id] = l.T(id)
	}
	return out
}

// TestPageLanguageChoice: ?lang= beats the cookie it sets, which beats
// the browser's languages, which beat the event's; Vary says so.
func TestPageLanguageChoice(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	owner := ce.organiser("Ada")
	g := ce.group(owner, "Polyglots")
	e := ce.publishedEvent(owner, g, "Babel", time.Now().Add(storetest.Offset()+7*24*time.Hour))
	b := ce.browser()
	get := func(path, accept string) page {
		req, err := http.NewRequest(http.MethodGet, ce.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		return b.do(req)
	}
	lang := func(p page) string {
		m := htmlLangRE.FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("no <html lang>: %.300s", p.Body)
		}
		return m[1] + " " + m[2]
	}
	path := "/e/" + e.Slug
	if got := lang(get(path, "")); got != "en ltr" {
		t.Errorf("no preference: %s, want the event's, en", got)
	}
	p := get(path, "de-CH,de;q=0.9")
	if got := lang(p); got != "de ltr" || !strings.Contains(p.Body, i18n.Get("de").T("event.rsvp.heading")) {
		t.Errorf("German browser: %s", got)
	}
	if v := strings.Join(p.Header.Values("Vary"), ","); !strings.Contains(v, "Accept-Language") || !strings.Contains(v, "Cookie") {
		t.Errorf("Vary: %q", v)
	}
	if got := lang(get(path+"?lang=ar", "de")); got != "ar rtl" {
		t.Errorf("?lang=ar: %s", got)
	}
	if got := lang(get(path, "de")); got != "ar rtl" {
		t.Errorf("after ?lang=ar, the cookie: %s", got)
	}
	if got := lang(get(path+"?lang=en-XA", "")); got != "ar rtl" {
		t.Errorf("the pseudo-locale is not for visitors: %s", got)
	}
	p = get(path+"?lang=ja", "")
	for _, want := range []string{`hreflang="de"`, `>Deutsch</a>`, `lang="ja" hreflang="ja" aria-current="page">日本語</a>`, `name="lang" value="ja"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("Japanese page lacks %s", want)
		}
	}
	if want := i18n.Get("ja").Date(e.StartsAt.In(oslo)); !strings.Contains(p.Body, want) {
		t.Errorf("Japanese page lacks the day as Japanese write it, %s", want)
	}
	// A form shown in Polish and sent back with a mistake answers in
	// Polish, from a browser with no language cookie that asks for German.
	pl := ce.browser()
	pl.get("/manage/sign-in") // a CSRF token
	req, err := http.NewRequest(http.MethodPost, ce.base+path+"/rsvp", strings.NewReader(url.Values{
		"_csrf": {pl.csrf}, "lang": {"pl"}, "name": {""}, "email": {"not an address"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "de")
	p = pl.do(req)
	if got := lang(p); got != "pl ltr" || p.Status < 400 || !strings.Contains(p.Body, i18n.Get("pl").T("form.summary")) {
		t.Errorf("a Polish form sent back with a mistake: %d, %s", p.Status, got)
	}
	if want := `href="` + path + `?lang=de"`; !strings.Contains(p.Body, want) || strings.Contains(p.Body, path+"/rsvp?lang=") {
		t.Errorf("after the form's post the switch does not lead to the event's page (%s)", want)
	}
	// Sent right, the RSVP keeps the language its form was shown in, for
	// the attendee's e-mails.
	req, err = http.NewRequest(http.MethodPost, ce.base+path+"/rsvp", strings.NewReader(url.Values{
		"_csrf": {pl.csrf}, "lang": {"pl"}, "name": {"Zofia"}, "email": {"zofia@example.org"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p = pl.do(req); p.Status >= 400 {
		t.Fatalf("RSVP: %d", p.Status)
	}
	rsvps, err := db.ListRSVPs(t.Context(), owner.ID, e.ID, domain.RSVPFilter{})
	if err != nil || len(rsvps.Items) != 1 {
		t.Fatalf("RSVPs: %v, %v", rsvps.Items, err)
	}
	if got := rsvps.Items[0].Locale; got != "pl" {
		t.Errorf("the RSVP made on a Polish page speaks %q", got)
	}
}
