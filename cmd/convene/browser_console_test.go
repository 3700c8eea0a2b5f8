package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/convene/convene/notifications/inbound/inboundtest"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store/storetest"
)

// The organiser console in Chromium: every page an organiser can reach by
// following links from the home page is checked with axe-core (no serious
// or critical violation), at 320 px in the dark scheme and at desktop width
// in the light one, for sideways scrolling and for unlabelled fields, and
// photographed. The crawl finds the pages itself, so pages added later are
// checked without listing them here.

// axeVersion is the axe-core release the checks run with; .ci/run installs
// the same one.
const axeVersion = "4.14.1"

// axeDefault is where .ci/run installs axe-core, used when CONVENE_AXE is
// not set.
func axeDefault() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".cache", "convene-axe", "node_modules", "axe-core", "axe.min.js")
}

var axeScript = sync.OnceValues(func() (string, error) {
	p := os.Getenv("CONVENE_AXE")
	if p == "" {
		p = axeDefault()
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("axe-core not found (CONVENE_AXE=%q): %w", os.Getenv("CONVENE_AXE"), err)
	}
	return string(b), nil
})

// needAxe returns axe-core's script (axe.min.js). Without it the test
// skips with how to install it, and fails under CI=true, where a skip
// would hide a broken setup.
func needAxe(t *testing.T) string {
	t.Helper()
	src, err := axeScript()
	if err != nil {
		how := fmt.Sprintf(`npm install --prefix "$HOME/.cache/convene-axe" axe-core@%s (or set CONVENE_AXE to an axe.min.js); .ci/run does this`, axeVersion)
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; install it: %s", err, how)
		}
		t.Skipf("accessibility checks skipped: %v; install it: %s", err, how)
	}
	if first, _, _ := strings.Cut(src, "\n"); !strings.Contains(first, "axe v"+axeVersion) {
		t.Logf("axe-core is %q, the checks are written for v%s", strings.TrimSpace(first), axeVersion)
	}
	return src
}

// axeViolation is what axe-core reports of a rule that a page breaks.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// axeRun is the script that runs axe-core on the page with the options
// (%s) and returns its violations, each node's target as one string.
const axeRun = `axe.run(document, %s).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({target: JSON.stringify(n.target), html: n.html, summary: n.failureSummary || ""})),
})))`

// The options of axe.run: every rule, or only those whose answer the
// colour scheme and the width can change (what the page is made of, its
// labels, names, landmarks and headings, is the same in every view).
const (
	axeAll    = `{resultTypes: ["violations"]}`
	axeColour = `{resultTypes: ["violations"], runOnly: {type: "rule", values: ["color-contrast", "link-in-text-block", "target-size"]}}`
)

// axeViolations runs axe-core on the page the tab shows and returns what
// it found. The script is given to the page through the DevTools protocol
// (Runtime.evaluate), which the page's Content-Security-Policy does not
// govern, so the policy stays as it is.
func (b *browserTab) axeViolations(src, opts, where string) []axeViolation {
	t := b.t
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err == nil && !loaded {
		_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src))
	}
	if err != nil {
		t.Fatalf("%s: loading axe-core: %v", where, err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](fmt.Sprintf(axeRun, opts), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", where, err)
	}
	return vs
}

// axe runs axe-core on the page and fails the test for each serious or
// critical violation, naming the rule, what it asks for and the elements
// that break it. It returns the lesser (moderate, minor) violations' rule
// ids.
func (b *browserTab) axe(src, opts, where string) []string {
	t := b.t
	t.Helper()
	var lesser []string
	for _, v := range b.axeViolations(src, opts, where) {
		if v.Impact != "serious" && v.Impact != "critical" {
			lesser = append(lesser, v.ID+" ("+v.Impact+")")
			continue
		}
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprintf("%s %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      ")))
		}
		t.Errorf("%s: axe %s (%s): %s <%s>\n    %s", where, v.ID, v.Impact, v.Help, v.HelpURL, strings.Join(nodes, "\n    "))
	}
	return lesser
}

// colorScheme makes the tab's pages match prefers-color-scheme: scheme
// ("light" or "dark"), as the system setting of a phone or computer does.
func (b *browserTab) colorScheme(scheme string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	}))
	if err != nil {
		b.t.Fatalf("prefers-color-scheme: %s: %v", scheme, err)
	}
	if got := b.eval(`matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light"`); got != scheme {
		b.t.Fatalf("the page sees prefers-color-scheme %s, want %s", got, scheme)
	}
}

// unlabelled returns the names of the page's form fields that have no
// label.
func (b *browserTab) unlabelled() string {
	b.t.Helper()
	return b.eval(`Array.from(document.querySelectorAll("input:not([type=hidden]), textarea, select")).
		filter(e => !(e.labels && e.labels.length)).map(e => e.name || e.id || e.outerHTML).join(",")`)
}

// The two ways each page is looked at: a phone at 320 CSS pixels in the
// dark scheme, and a computer's window in the light one.
const desktopWidth, desktopHeight = 1280, 900

// pageChecks opens addr on a 320 px phone in the dark scheme, then looks
// at the same page at desktop width in the light scheme. On the phone it
// runs all of axe-core's rules and checks for sideways scrolling and
// unlabelled fields; at desktop width, the rules that the scheme and the
// width can change (contrast, links told from text, target sizes). It takes
// a screenshot of each view named after name, and returns the page's
// status and the lesser axe findings.
func (b *browserTab) pageChecks(src, name, addr string) (int, []string) {
	t := b.t
	t.Helper()
	b.colorScheme("dark")
	b.setViewport(320, 640, true)
	st := b.open(addr)
	where := fmt.Sprintf("%s (%s, 320 px, dark)", name, b.path())
	lesser := b.axe(src, axeAll, where)
	if over := b.overflow(); over > 0 {
		t.Errorf("%s is %d px wider than a 320 px screen; what sticks out:\n    %s", where, over, b.tooWide())
	}
	if u := b.unlabelled(); u != "" {
		t.Errorf("%s has fields without a label: %s", where, u)
	}
	b.screenshot(name + "-320-dark")

	b.colorScheme("light")
	b.setViewport(desktopWidth, desktopHeight, false)
	where = fmt.Sprintf("%s (%s, desktop, light)", name, b.path())
	lesser = append(lesser, b.axe(src, axeColour, where)...)
	b.screenshot(name + "-desktop-light")
	return st, lesser
}

// tooWide names the innermost elements that reach past the screen's
// right edge, so that an overflow can be found in the template.
func (b *browserTab) tooWide() string {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`(() => {
	const edge = %d, out = [];
	const past = e => e.getBoundingClientRect().right > edge + 0.5;
	for (const e of document.body.querySelectorAll("*")) {
		if (!past(e) || Array.from(e.children).some(past)) continue;
		const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + Array.from(e.classList, c => "." + c).join("");
		const path = [];
		for (let p = e.parentElement; p && p !== document.body && path.length < 3; p = p.parentElement) {
			path.unshift(p.tagName.toLowerCase() + Array.from(p.classList, c => "." + c).join(""));
		}
		out.push(path.concat(name).join(" > ") + " (right edge " + Math.round(e.getBoundingClientRect().right) + " px): " +
			JSON.stringify((e.innerText || "").trim().slice(0, 60)));
		if (out.length === 5) break;
	}
	return out.join("\n    ");
})()`, b.width))
}

// contentType asks, as the tab's signed-in page, what the address u
// (of the same origin) answers with, and returns its Content-Type. The
// status is recorded as open's is: a broken link is the crawl's to report,
// when it opens the page.
func (b *browserTab) contentType(u *url.URL) (int, string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(
		`fetch(%s, {headers: {Accept: "text/html"}}).then(r => [String(r.status), r.headers.get("Content-Type") || ""])`, jsString(u.RequestURI())), chromedp.EvalAwaitPromise))
	if err != nil || len(res) != 2 {
		b.t.Fatalf("asking what %s is: %v", u, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.answered == nil {
		b.answered = map[string][]string{}
	}
	b.answered[u.String()] = append(b.answered[u.String()], res[0])
	st, _ := strconv.Atoi(res[0])
	return st, res[1]
}

// idSegmentRE matches an id in a path (domain.NewID: 26 characters of
// lower-case base32); tokenSegmentRE a secret token of a personal link.
var (
	idSegmentRE    = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{26}$`)
	tokenSegmentRE = regexp.MustCompile(`^[A-Za-z0-9_-]{32,}$`)
)

// routeShape is a console path with its ids replaced by ":id" and its
// tokens by ":token", without a trailing slash: the crawl visits one page
// of each shape.
func routeShape(p string) string {
	segs := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for i, s := range segs {
		switch {
		case idSegmentRE.MatchString(s):
			segs[i] = ":id"
		case tokenSegmentRE.MatchString(s):
			segs[i] = ":token"
		}
	}
	return strings.Join(segs, "/")
}

// maxConsolePages bounds the crawl.
const maxConsolePages = 60

// TestConsolePagesInBrowser signs in to the console with the link that
// serve prints for the first organiser, follows every console link from
// the home page (one page per route shape, GET only) and checks each page
// with axe-core, at 320 px in the dark scheme and at desktop width in the
// light one. It also checks the ways in, the not-found and invalid-form
// pages, the keyboard path through the console (skip link, a group made
// with the keyboard alone) and the attendee pages of the seeded event.
func TestConsolePagesInBrowser(t *testing.T) {
	src := needAxe(t)
	began := time.Now()
	browser := newBrowser(t)
	sink := smtptest.Start(t)
	env := mailEnv(t, "sqlite", sink)
	secret := "inbound-" + storetest.Unique() + "-secret"
	env["CONVENE_INBOUND_DOMAIN"], env["CONVENE_INBOUND_SECRET"] = replyDomain, secret
	in := startServe(t, env)
	f := newFlow(t, in)
	m := regexp.MustCompile(`(?m)^https://convene\.example(/manage/sign-in/[A-Za-z0-9_-]+)$`).FindStringSubmatch(in.stdout.String())
	if m == nil {
		t.Fatalf("serve printed no sign-in link:\n%s", in.stdout)
	}
	signInLink := m[1]
	seed := seedConsole(t, f)
	// Ada's calendar answers Maybe: the people list and her page show it.
	answerInvite(t, in.base, secret, sink, "ada@example.org", inboundtest.Gmail, "TENTATIVE")

	b := browser.newTab(t)
	var lesser []string
	check := func(name, p string, want int) {
		t.Helper()
		st, l := b.pageChecks(src, name, in.base+p)
		if st != want {
			t.Errorf("%s (%s): HTTP %d, want %d", name, p, st, want)
		}
		lesser = append(lesser, l...)
	}

	// The ways in, before signing in.
	check("sign-in", "/manage/sign-in", 200)
	// The page forbids scripts but its own files, and still axe-core runs
	// (the DevTools protocol is not the page); and axe does find what it
	// looks for: a field without a label, put in the page.
	csp, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(location.href).then(r => r.headers.get("Content-Security-Policy") || "")`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Errorf("the console's Content-Security-Policy is %q (%v), want scripts from the site only", csp, err)
	}
	b.eval(`document.querySelector("main").append(document.createElement("input")), ""`)
	if !slices.ContainsFunc(b.axeViolations(src, axeAll, "planted field"), func(v axeViolation) bool { return v.ID == "label" && v.Impact == "critical" }) {
		t.Errorf("axe-core does not find a field without a label")
	}
	check("sign-in-link", signInLink, 200)
	if got := b.text("h1"); got != "Sign in to Convene" {
		t.Fatalf("the sign-in link's page is %q", got)
	}
	if st := b.click("Sign in"); st != 200 || b.path() != "/manage/" {
		t.Fatalf("signing in led to HTTP %d on %s", st, b.location())
	}
	if home := b.pageText(); !strings.Contains(home, "Essentials: Q1") || !strings.Contains(home, "1 seat\n") {
		t.Errorf("the home page does not list the event of one seat as such:\n%s", home)
	}

	// The crawl: breadth first from the home page. A link that leads to
	// an error is broken, unless it is a known gap.
	broken := func(shape, p string, st int) {
		t.Helper()
		t.Errorf("a console link leads to HTTP %d: %s (%s)", st, shape, p)
	}
	crawlStart := time.Now()
	type visit struct{ shape, path string }
	seen := map[string]bool{"/manage": true}
	queue := []visit{{"/manage", "/manage/"}}
	var visited []string
	var skipped []string
	for len(queue) > 0 && len(visited) < maxConsolePages {
		v := queue[0]
		queue = queue[1:]
		name := strings.TrimPrefix(strings.NewReplacer("/", "-", ":", "").Replace(v.shape), "-")
		st, l := b.pageChecks(src, name, in.base+v.path)
		lesser = append(lesser, l...)
		visited = append(visited, v.shape)
		if st != 200 {
			broken(v.shape, v.path, st)
			continue
		}
		links, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("a[href]"), a => a.href)`))
		if err != nil {
			t.Fatalf("links of %s: %v", v.path, err)
		}
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil || "http://"+u.Host != in.base || (u.Path != "/manage" && !strings.HasPrefix(u.Path, "/manage/")) {
				continue
			}
			shape := routeShape(u.Path)
			if seen[shape] || strings.HasPrefix(shape, "/manage/sign-in") {
				continue
			}
			seen[shape] = true
			if ext := path.Ext(u.Path); ext != "" && ext != ".html" {
				skipped = append(skipped, shape+" ("+ext+")")
				continue
			}
			// A download (a CSV, a calendar) is not a page: ask what it is
			// first, as the signed-in browser.
			switch st, ct := b.contentType(u); {
			case strings.HasPrefix(ct, "text/html"):
			case st/100 == 2:
				skipped = append(skipped, shape+" ("+ct+")")
				continue
			default: // no route at all: not a page
				broken(shape, u.RequestURI(), st)
				continue
			}
			queue = append(queue, visit{shape, u.RequestURI()})
		}
	}
	if len(queue) > 0 {
		t.Errorf("the crawl stopped at %d pages with %d still to visit: raise maxConsolePages", maxConsolePages, len(queue))
	}
	for _, want := range []string{"/manage", "/manage/account", "/manage/groups/new", "/manage/groups/:id",
		"/manage/groups/:id/settings", "/manage/groups/:id/members"} {
		if !slices.Contains(visited, want) {
			t.Errorf("the crawl never reached %s; it visited:\n  %s", want, strings.Join(visited, "\n  "))
		}
	}
	crawled := time.Since(crawlStart)

	// Pages that no link leads to: not found, and a form sent back with
	// its errors.
	check("not-found", "/manage/groups/"+strings.Repeat("0", 26), 404)
	// The crawl saw one event's people (perhaps nobody's); the event with
	// replies has a page of people, and each an erase page that asks first.
	if st := b.open(in.base + "/manage/"); st != 200 {
		t.Fatalf("home: HTTP %d", st)
	}
	event := b.eval(`(Array.from(document.querySelectorAll("a")).find(a => a.textContent.trim() === "Essentials: Q1") || {href: ""}).href`)
	if !strings.HasPrefix(event, in.base+"/manage/events/") {
		t.Fatalf("the home page has no link to the seeded event (%q)", event)
	}
	check("people-with-replies", strings.TrimPrefix(event, in.base)+"/people", 200)
	erase := b.eval(`(document.querySelector('a[href*="/erase"]') || {href: ""}).href`)
	if !strings.Contains(erase, "/people/") {
		t.Fatalf("the people page offers no erasure (%q)", erase)
	}
	check("erase-asks-first", strings.TrimPrefix(erase, in.base), 200)
	if got := b.text("h1"); !strings.Contains(got, "Erase") {
		t.Errorf("the erase page's heading is %q", got)
	}

	// The keyboard alone: the first Tab reaches the skip link, and a group
	// is made from the form without a mouse, once with a field missing.
	b.colorScheme("light")
	b.setViewport(desktopWidth, desktopHeight, false)
	if st := b.open(in.base + "/manage/"); st != 200 {
		t.Fatalf("home: HTTP %d", st)
	}
	b.keys(kb.Tab)
	if got := b.eval(`document.activeElement.textContent.trim()`); got != "Skip to main content" {
		t.Errorf("the first Tab on the console reaches %q, want the skip link", got)
	}
	b.keys(kb.Enter)
	if got := b.eval(`location.hash + " " + (document.querySelector(":target") || {}).id`); got != "#main main" {
		t.Errorf("the skip link led to %q, want #main", got)
	}
	if st := b.open(in.base + "/manage/groups/new"); st != 200 {
		t.Fatalf("new group form: HTTP %d", st)
	}
	submit := func(want int) {
		t.Helper()
		// Tab to the submit button, then Enter, as a keyboard user does.
		for i := 0; i < 20 && b.eval(`document.activeElement.textContent.trim()`) != "Create the group"; i++ {
			b.keys(kb.Tab)
		}
		if got := b.eval(`document.activeElement.textContent.trim()`); got != "Create the group" {
			t.Fatalf("Tab never reached the form's button (focus on %q)", got)
		}
		ctx, cancel := b.step()
		res, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
		cancel()
		if err != nil {
			t.Fatalf("Enter on the button: %v", err)
		}
		if st := b.answer(res); st != want {
			t.Fatalf("the form led to HTTP %d on %s, want %d:\n%s", st, b.location(), want, b.pageText())
		}
	}
	b.eval(`document.activeElement.blur(), ""`)
	submit(422)
	if got := b.text("#name-error"); got == "" {
		t.Errorf("no error next to the empty name")
	}
	if got := b.eval(`document.activeElement === document.body ? "" : document.activeElement.id`); got != "" {
		t.Logf("focus after the invalid form: %s", got)
	}
	where := "group form with errors (desktop, light)"
	lesser = append(lesser, b.axe(src, axeAll, where)...)
	b.screenshot("group-form-errors")
	// Tab to the name field, type, and send.
	b.eval(`document.activeElement.blur(), ""`)
	for i := 0; i < 30 && b.eval(`document.activeElement.id`) != "name"; i++ {
		b.keys(kb.Tab)
	}
	if b.eval(`document.activeElement.id`) != "name" {
		t.Fatal("Tab never reached the name field")
	}
	b.keys("Keyboard Club")
	submit(200)
	if got := b.text("h1"); got != "Keyboard Club" || !strings.HasPrefix(b.path(), "/manage/groups/") {
		t.Errorf("after sending the form by keyboard: %q on %s", got, b.path())
	}
	b.screenshot("group-made-by-keyboard")

	// The attendee pages of the seeded event and series.
	attendee := []struct{ name, path string }{
		{"event", "/e/" + seed.slug}, {"rsvp-going", seed.going}, {"rsvp-waitlisted", seed.waiting},
		{"group-page", "/g/" + seed.groupSlug}, {"series-page", "/s/" + seed.seriesSlug},
	}
	for _, p := range attendee {
		check(p.name, p.path, 200)
	}

	slices.Sort(visited)
	t.Logf("crawled %d console pages in %v; %v in all (Chromium, serve, the ways in, the keyboard, %d attendee pages):\n  %s",
		len(visited), crawled.Round(time.Millisecond), time.Since(began).Round(time.Millisecond), len(attendee), strings.Join(visited, "\n  "))
	if len(skipped) > 0 {
		t.Logf("not pages (downloads), not visited: %s", strings.Join(skipped, ", "))
	}
	if len(lesser) > 0 {
		counts := map[string]int{}
		for _, l := range lesser {
			counts[l]++
		}
		var keys []string
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var lines []string
		for _, k := range keys {
			lines = append(lines, fmt.Sprintf("%s ×%d", k, counts[k]))
		}
		t.Logf("axe's moderate and minor findings (not failures): %s", strings.Join(lines, ", "))
	}
}

// consoleSeed is what seedConsole made.
type consoleSeed struct {
	groupSlug, slug, seriesSlug string
	going, waiting              string // RSVP pages' paths
}

// seedConsole gives the console something to show, through the JSON API:
// a group with a co-organiser, a published event of one seat with one
// person going and one waitlisted, a draft, and a weekly series.
func seedConsole(t *testing.T, f *flow) consoleSeed {
	t.Helper()
	var s consoleSeed
	s.groupSlug = "g-" + storetest.Unique()
	st, g := call(t, "POST", f.base+"/api/v1/groups", f.token, map[string]any{"slug": s.groupSlug, "name": "Oslo Gophers", "time_zone": "Europe/Oslo",
		"description": "Go programmers in Oslo: talks, workshops and a pub quiz."})
	if st != 201 {
		t.Fatalf("group: %d %v", st, g)
	}
	gid := g["id"].(string)
	if st, m := call(t, "POST", f.base+"/api/v1/groups/"+gid+"/members", f.token, map[string]any{"email": "grace@example.org", "name": "Grace Hopper", "role": "organiser"}); st != 201 && st != 200 {
		t.Fatalf("member: %d %v", st, m)
	}
	oslo, _ := time.LoadLocation("Europe/Oslo")
	day := clock.Now().In(oslo).AddDate(0, 0, 3)
	start := time.Date(day.Year(), day.Month(), day.Day(), 19, 0, 0, 0, oslo)
	newEvent := func(title string, capacity int) map[string]any {
		st, ev := call(t, "POST", f.base+"/api/v1/groups/"+gid+"/events", f.token, map[string]any{
			"title": title, "kind": "meetup", "capacity": capacity,
			"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
			"venue": map[string]any{"name": "Kulturhuset", "address": "Youngstorget 3"},
		})
		if st != 201 {
			t.Fatalf("event: %d %v", st, ev)
		}
		return ev
	}
	ev := newEvent("Essentials: Q1", 1)
	if st, _ := call(t, "POST", f.base+"/api/v1/events/"+ev["id"].(string)+"/publish", f.token, nil); st != 200 {
		t.Fatalf("publish: %d", st)
	}
	s.slug = ev["slug"].(string)
	newEvent("Pub quiz (draft)", 30)
	rsvpPath := func(r map[string]any) string {
		u, err := url.Parse(fmt.Sprint(r["manage_url"]))
		if err != nil || !strings.HasPrefix(u.Path, "/r/") {
			t.Fatalf("RSVP without a manage link: %v", r)
		}
		return u.Path
	}
	s.going = rsvpPath(f.rsvp(s.slug, "Ada Lovelace", "ada@example.org"))
	if r := f.rsvp(s.slug, "Linus Torvalds", "linus@example.org"); r["status"] != "waitlisted" {
		t.Fatalf("the second RSVP is %v, want waitlisted", r["status"])
	} else {
		s.waiting = rsvpPath(r)
	}
	s.seriesSlug = "essentials-" + storetest.Unique()
	first := time.Date(day.Year(), day.Month(), day.Day(), 17, 0, 0, 0, oslo)
	st, sv := call(t, "POST", f.base+"/api/v1/groups/"+gid+"/series", f.token, map[string]any{
		"slug": s.seriesSlug, "title": "Go study group", "kind": "live_session",
		"rrule": "FREQ=WEEKLY;BYDAY=" + strings.ToUpper(first.Weekday().String()[:2]), "starts_at": first.Format(time.RFC3339),
		"duration": "PT1H30M", "time_zone": "Europe/Oslo", "online_url": "https://meet.example.org/go", "capacity": 20, "ahead": 2})
	if st != 201 {
		t.Fatalf("series: %d %v", st, sv)
	}
	return s
}
