package api

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/store/storetest"
)

// The HTML pages are not part of the JSON API, so their tests do not go
// through te.do (which checks every answer against openapi.yaml): a
// pageClient is a browser without JavaScript, keeping cookies and not
// following redirects, so that each step can be checked.
type pageClient struct {
	t  testing.TB
	te *testEnv
	c  *http.Client
}

func newPageClient(t testing.TB, te *testEnv) *pageClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &pageClient{t: t, te: te, c: &http.Client{
		Jar:           jar,
		Transport:     te.srv.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

// page is an answer, read.
type page struct {
	Status int
	Header http.Header
	Body   string // as sent: escaped HTML
}

// text is the body with HTML entities decoded, for checking what a reader
// sees ("You're going" is sent as "You&#39;re going").
// pageCSP is the Content-Security-Policy every page must carry: no
// scripts but the site's own files, no inline styles, forms posted only
// here, never framed.
const pageCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (p page) text() string { return html.UnescapeString(p.Body) }

// get fetches a path; extra headers come as name, value pairs.
func (pc *pageClient) get(path string, header ...string) page {
	pc.t.Helper()
	return pc.send("GET", path, nil, header...)
}

// post sends a form.
func (pc *pageClient) post(path string, form url.Values, header ...string) page {
	pc.t.Helper()
	return pc.send("POST", path, form, header...)
}

func (pc *pageClient) send(method, path string, form url.Values, header ...string) page {
	pc.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, pc.te.srv.URL+path, body)
	if err != nil {
		pc.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := pc.c.Do(req)
	if err != nil {
		pc.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		pc.t.Fatal(err)
	}
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

var csrfInputRE = regexp.MustCompile(`<input type="hidden" name="_csrf" value="([^"]+)">`)

// csrf returns the token of the page's form.
func (p page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfInputRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF field in the page:\n%s", p.Body)
	}
	return m[1]
}

var manageLocationRE = regexp.MustCompile(`^/r/([A-Za-z0-9_-]{20,100})\?new=1$`)

// rsvp fills and sends the RSVP form of the event page as a person would,
// and returns the manage token from the redirect.
func (pc *pageClient) rsvp(slug, name, email string) string {
	pc.t.Helper()
	p := pc.get("/e/" + slug)
	wantPage(pc.t, p, http.StatusOK)
	r := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {p.csrf(pc.t)}, "name": {name}, "email": {email}})
	if r.Status != http.StatusSeeOther {
		pc.t.Fatalf("RSVP form: status %d, want 303; body:\n%s", r.Status, r.Body)
	}
	m := manageLocationRE.FindStringSubmatch(r.Header.Get("Location"))
	if m == nil {
		pc.t.Fatalf("RSVP form redirected to %q, want /r/{token}?new=1", r.Header.Get("Location"))
	}
	return m[1]
}

// wantPage checks the status and what every HTML page must be: HTML with
// the strict CSP and the hardening headers, no scripts and no inline
// styles (the CSP would block them).
func wantPage(t testing.TB, p page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d; body:\n%s", p.Status, status, p.Body)
	}
	if ct := p.Header.Get("Content-Type"); ct != "text/html; charset=UTF-8" {
		t.Fatalf("Content-Type %q, want text/html; charset=UTF-8", ct)
	}
	if csp := p.Header.Get("Content-Security-Policy"); csp != pageCSP {
		t.Errorf("Content-Security-Policy %q, want %q", csp, pageCSP)
	}
	for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if got := p.Header.Get(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	if !strings.HasPrefix(p.Body, "<!doctype html>\n<html lang=\"en\" dir=\"ltr\">") {
		t.Errorf("the page does not start as an HTML document with a language:\n%.200s", p.Body)
	}
	if strings.Contains(strings.ToLower(p.Body), "<script") {
		t.Errorf("the page has a script element")
	}
	for _, tag := range tagRE.FindAllString(p.Body, -1) {
		bare := strings.ToLower(quotedRE.ReplaceAllString(tag, `=""`))
		if onAttrRE.MatchString(bare) || strings.Contains(bare, " style=") || strings.HasPrefix(bare, "<style") {
			t.Errorf("the page has inline script or style, which the CSP forbids: %s", tag)
		}
		if jsURLRE.MatchString(strings.ToLower(tag)) {
			t.Errorf("the page has a javascript: link: %s", tag)
		}
	}
}

var (
	tagRE    = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	quotedRE = regexp.MustCompile(`="[^"]*"|='[^']*'`)
	onAttrRE = regexp.MustCompile(`\son[a-z]+=`)
	jsURLRE  = regexp.MustCompile(`(?:href|src|action|formaction)="\s*javascript:`)
)

// wantText checks that the page shows each string (entities decoded).
func wantText(t testing.TB, p page, want ...string) {
	t.Helper()
	text := p.text()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the page does not show %q; body:\n%s", w, p.Body)
		}
	}
}

// wantNoText checks that the page shows none of the strings, in its text or
// its markup.
func wantNoText(t testing.TB, p page, unwanted ...string) {
	t.Helper()
	text := p.text()
	for _, u := range unwanted {
		if u != "" && (strings.Contains(text, u) || strings.Contains(p.Body, u)) {
			t.Errorf("the page contains %q; body:\n%s", u, p.Body)
		}
	}
}

// pageGroup creates a group in Europe/Oslo and returns its id and slug.
func pageGroup(te *testEnv, token, name, description string) (id, slug string) {
	te.t.Helper()
	slug = "g-" + storetest.Unique()
	r := te.do("POST", "/api/v1/groups", token, map[string]any{
		"slug": slug, "name": name, "description": description, "time_zone": "Europe/Oslo",
	})
	wantStatus(te.t, r, http.StatusCreated)
	return r.m(te.t)["id"].(string), slug
}

// pageStart is when page-test events start unless told otherwise: a
// Tuesday evening in Oslo in winter time — the second Tuesday of the first
// December at least a month after the tests' clock says now, so that the
// pages show the same weekday and zone whatever day the tests run.
var pageStart = func() time.Time {
	now := storetest.NewClock().Now().UTC()
	year := now.Year()
	if now.Month() >= time.November {
		year++
	}
	d := time.Date(year, time.December, 8, 17, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Tuesday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}()

// osloDay is how pages write t's day: "Tuesday 10 December 2030".
func osloDay(t time.Time) string {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	return t.In(oslo).Format("Monday 2 January 2006")
}

// pageWhen is how pages write the default page event's time.
var pageWhen = osloDay(pageStart) + ", 18:00–20:00"

// omit, as a field's value for pageEvent, leaves the field out.
var omit = struct{ omit bool }{true}

// pageEvent creates an event (a two-hour meetup at pageStart, without a
// capacity, unless fields say otherwise) and publishes it if asked.
func pageEvent(te *testEnv, token, groupID string, publish bool, fields map[string]any) (id, slug string) {
	te.t.Helper()
	body := map[string]any{
		"title": "Essentials: what you need to know", "kind": "meetup",
		"starts_at": pageStart.Format(time.RFC3339), "ends_at": pageStart.Add(2 * time.Hour).Format(time.RFC3339),
		"venue":    map[string]any{"name": "Community Hall", "address": "Storgata 1, Oslo"},
		"capacity": nil, "slug": "ev-" + storetest.Unique(),
	}
	for k, v := range fields {
		switch v := v.(type) {
		case time.Time:
			body[k] = v.UTC().Format(time.RFC3339)
		default:
			if v == any(omit) {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
	}
	r := te.do("POST", "/api/v1/groups/"+groupID+"/events", token, body)
	wantStatus(te.t, r, http.StatusCreated)
	m := r.m(te.t)
	id, slug = m["id"].(string), m["slug"].(string)
	if publish {
		wantStatus(te.t, te.do("POST", "/api/v1/events/"+id+"/publish", token, nil), http.StatusOK)
	}
	return id, slug
}

// counts returns an event's going and waitlist counts from the organiser
// API.
func counts(te *testEnv, token, eventID string) (going, waitlisted int) {
	te.t.Helper()
	r := te.do("GET", "/api/v1/events/"+eventID, token, nil)
	wantStatus(te.t, r, http.StatusOK)
	m := r.m(te.t)
	return int(m["going_count"].(float64)), int(m["waitlist_count"].(float64))
}
