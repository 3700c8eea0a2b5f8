package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/convene/convene/notifications/smtptest"
)

// The browser tests drive the attendee pages in a real headless Chromium
// (Debian's package in CI) with chromedp, the way a person on a phone uses
// them: they read the text the page shows and click what a person would
// click. Any console error, log error or uncaught exception on a page fails
// the test.

// browserTimeout bounds one step (a navigation, a click, a query), so that a
// missing element fails the test with a message rather than hanging it.
const browserTimeout = 15 * time.Second

// findChromium returns the browser to run: CONVENE_CHROMIUM when set (a path
// or a name on PATH), else the first of chromium, chromium-browser and
// google-chrome on PATH.
func findChromium() (string, error) {
	if p := os.Getenv("CONVENE_CHROMIUM"); p != "" {
		full, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("CONVENE_CHROMIUM=%s: %w", p, err)
		}
		return full, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if full, err := exec.LookPath(name); err == nil {
			return full, nil
		}
	}
	return "", fmt.Errorf("none of chromium, chromium-browser, google-chrome is on PATH")
}

// browserTab is one tab of a headless Chromium, bound to one test. Its
// helpers fail the test on error, so a test reads as the steps a person
// takes. ctx is the tab's chromedp context, for anything the helpers don't
// cover (use b.step for a bounded context).
type browserTab struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	console  []consoleEntry
	answered map[string][]string // document address -> statuses given to the test

	shotDir string
	shots   int

	width int64 // of the screen, as setViewport made it
}

// newBrowser starts a headless Chromium for the test and returns its first
// tab, which shows pages as a phone does (390×844 CSS pixels). It skips the
// test when no Chromium is installed, and fails it under CI=true, where a
// skip would hide a broken setup. The browser is closed when the test ends.
// Subtests get their own tabs of the same browser with newTab, which is
// much faster than starting a browser each.
func newBrowser(t *testing.T) *browserTab {
	t.Helper()
	exe, err := findChromium()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need Chromium (apt-get install chromium): %v", err)
		}
		t.Skipf("browser tests skipped: %v; install Debian's chromium or set CONVENE_CHROMIUM", err)
	}
	out := &syncBuffer{}
	// The machine has no network but loopback, and tests run as root: no
	// sandbox, no GPU, and nothing that phones home.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(phoneWidth, phoneHeight),
		chromedp.CombinedOutput(out),
	)
	b := &browserTab{t: t}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(b.watch))
	b.ctx = ctx
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		if t.Failed() {
			t.Logf("Chromium's output:\n%s", out)
		}
	})
	// The first run starts the browser; it must not have a timeout, which
	// would end the browser with it.
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", exe, err, out)
	}
	t.Logf("Chromium %s started in %v", exe, time.Since(start).Round(time.Millisecond))
	b.watchUntilCleanup()
	b.setViewport(phoneWidth, phoneHeight, true)
	return b
}

// newTab opens another tab of the same browser for the (sub)test t. It is
// closed, and its console checked, when t ends.
func (b *browserTab) newTab(t *testing.T) *browserTab {
	t.Helper()
	nb := &browserTab{t: t}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(nb.watch))
	nb.ctx = ctx
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab; no timeout, as above
		t.Fatalf("opening a tab: %v", err)
	}
	nb.watchUntilCleanup()
	nb.setViewport(phoneWidth, phoneHeight, true)
	return nb
}

// The phone that tabs show pages on by default, in CSS pixels.
const phoneWidth, phoneHeight = 390, 844

// setViewport sizes the tab's page area; mobile makes the page laid out as
// on a phone (the viewport meta tag applies). Chromium's window cannot be
// narrower than 500 pixels, so a phone width needs this, not only the
// window size.
func (b *browserTab) setViewport(width, height int64, mobile bool) {
	b.t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, opts...)); err != nil {
		b.t.Fatalf("viewport %dx%d: %v", width, height, err)
	}
	b.width = width
}

// consoleEntry is a message that a person would see in the DevTools
// console: an error or a warning.
type consoleEntry struct {
	err  bool   // an error (else a warning)
	text string // what the console shows, with where it came from
	url  string // for a browser log entry: the resource it is about
}

func (e consoleEntry) String() string { return e.text }

// watch records console errors and warnings. It runs in chromedp's read
// loop, so it only appends; the entries are judged when the test ends.
func (b *browserTab) watch(ev any) {
	var e consoleEntry
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		switch ev.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeAssert, runtime.ConsoleAPICalledTypeWarning:
			e = consoleEntry{err: ev.Type != runtime.ConsoleAPICalledTypeWarning,
				text: "console." + string(ev.Type) + ": " + consoleArgs(ev.Args) + stackPlace(ev.StackTrace)}
		default:
			return
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		e = consoleEntry{err: true, text: fmt.Sprintf("exception: %s (%s:%d:%d)", text, d.URL, d.LineNumber+1, d.ColumnNumber+1)}
	case *log.EventEntryAdded:
		// chromedp enables the Log domain on every tab it attaches to.
		l := ev.Entry
		if l.Level != log.EntryLevelError && l.Level != log.EntryLevelWarning {
			return
		}
		e = consoleEntry{err: l.Level == log.EntryLevelError, url: l.URL,
			text: fmt.Sprintf("%s %s: %s (%s)", l.Source, l.Level, l.Text, l.URL)}
	default:
		return
	}
	b.mu.Lock()
	b.console = append(b.console, e)
	b.mu.Unlock()
}

// loadFailedRE is how Chromium logs a document or resource answered with an
// error status.
var loadFailedRE = regexp.MustCompile(`^network error: Failed to load resource: the server responded with a status of (\d+) `)

// knownPageIssues are console errors that come from a known gap in the
// pages, not from what a test does. They are logged each time they show,
// not hidden; remove an entry with the fix, and the test then guards it.
var knownPageIssues []struct {
	re  *regexp.Regexp
	why string
}

// watchUntilCleanup fails the test at its end if any page of the tab wrote
// an error to the console. Warnings are logged. So are two kinds of error
// that are not the pages' fault: a page that open or click was answered
// with an error status (the test was given that status to check: a
// cancelled RSVP's page is 410 on purpose), and the knownPageIssues.
func (b *browserTab) watchUntilCleanup() {
	t := b.t
	t.Cleanup(func() {
		// A round trip makes sure every event sent before it was seen.
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`0`))
		cancel()
		b.mu.Lock()
		defer b.mu.Unlock()
		var errs []string
	entries:
		for _, e := range b.console {
			if !e.err {
				t.Logf("browser console warning: %s", e)
				continue
			}
			if m := loadFailedRE.FindStringSubmatch(e.text); m != nil && slices.Contains(b.answered[withoutFragment(e.url)], m[1]) {
				t.Logf("browser console (the test was given this status): %s", e)
				continue
			}
			for _, k := range knownPageIssues {
				if k.re.MatchString(e.text) {
					t.Logf("browser console, KNOWN PAGE ISSUE (%s): %s", k.why, e)
					continue entries
				}
			}
			errs = append(errs, e.text)
		}
		if len(errs) > 0 {
			t.Errorf("the pages wrote %d error(s) to the browser console:\n  %s", len(errs), strings.Join(errs, "\n  "))
		}
	})
}

// answer records the status a page was answered with, which open and click
// give the test. A move within the page has no response: 0.
func (b *browserTab) answer(res *network.Response) int {
	if res == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.answered == nil {
		b.answered = map[string][]string{}
	}
	st := strconv.Itoa(int(res.Status))
	u := withoutFragment(res.URL)
	b.answered[u] = append(b.answered[u], st)
	return int(res.Status)
}

// withoutFragment drops the #fragment of an address: responses are for
// documents, while the console names the address as it was asked for.
func withoutFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}

func consoleArgs(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		if a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil {
			parts = append(parts, s)
		} else if a.Description != "" {
			parts = append(parts, a.Description)
		} else {
			parts = append(parts, string(a.Value))
		}
	}
	return strings.Join(parts, " ")
}

func stackPlace(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	f := st.CallFrames[0]
	return fmt.Sprintf(" (%s:%d)", f.URL, f.LineNumber+1)
}

// step returns a context for one browser step, bounded by browserTimeout.
func (b *browserTab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, browserTimeout)
}

// open loads the address and waits for the page; it returns the HTTP
// status of the document.
func (b *browserTab) open(addr string) int {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(addr))
	if err != nil {
		b.t.Fatalf("open %s: %v", addr, err)
	}
	return b.answer(res)
}

// fill types value into the form field whose id is field or whose label
// reads field, after clearing it.
func (b *browserTab) fill(field, value string) {
	b.t.Helper()
	sel := chromedp.JSPath(fmt.Sprintf(`(() => {
	const want = %s;
	const byID = document.getElementById(want);
	if (byID && byID.matches("input, textarea, select")) return byID;
	for (const l of document.querySelectorAll("label")) {
		if (l.innerText.trim() === want && l.control) return l.control;
	}
	return null;
})()`, jsString(field)))
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Clear(sel), chromedp.SendKeys(sel, value)); err != nil {
		b.t.Fatalf("fill %q: %v", field, err)
	}
}

// click clicks the link or button that reads label (its visible text) and
// waits for the page it leads to; it returns that page's HTTP status (0 for
// a link within the page). A click that leads nowhere fails the test after
// browserTimeout.
func (b *browserTab) click(label string) int {
	b.t.Helper()
	sel := chromedp.JSPath(fmt.Sprintf(`(() => {
	const want = %s;
	for (const e of document.querySelectorAll("a[href], button, input[type=submit], input[type=button]")) {
		if ((e.matches("input") ? e.value : e.innerText).trim() === want) return e;
	}
	return null;
})()`, jsString(label)))
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
	if err != nil {
		b.t.Fatalf("click %q on %s: %v", label, b.path(), err)
	}
	return b.answer(res)
}

// text returns the visible text (innerText) of the first element that the
// CSS selector matches, waiting for it to appear.
func (b *browserTab) text(css string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %q on %s: %v", css, b.path(), err)
	}
	return strings.TrimSpace(s)
}

// pageText returns all the visible text of the page.
func (b *browserTab) pageText() string {
	b.t.Helper()
	return b.eval(`document.body.innerText`)
}

// path returns the path of the page's address (without query).
func (b *browserTab) path() string {
	b.t.Helper()
	return b.eval(`location.pathname`)
}

// location returns the page's whole address.
func (b *browserTab) location() string {
	b.t.Helper()
	return b.eval(`location.href`)
}

func (b *browserTab) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

var shotName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// screenshot saves a full-page PNG of the tab under the test's temporary
// directory, logs where, and returns the path. When CONVENE_SCREENSHOTS
// names a directory, a copy goes to <dir>/<test name>/ as well, to be
// looked at after the test (the temporary directory is removed).
func (b *browserTab) screenshot(name string) string {
	t := b.t
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if b.shotDir == "" {
		b.shotDir = t.TempDir()
	}
	b.shots++
	file := fmt.Sprintf("%02d-%s.png", b.shots, shotName.ReplaceAllString(name, "-"))
	p := filepath.Join(b.shotDir, file)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
	if dir := os.Getenv("CONVENE_SCREENSHOTS"); dir != "" {
		keep := filepath.Join(dir, shotName.ReplaceAllString(t.Name(), "-"))
		if err := os.MkdirAll(keep, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(keep, file), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// placesRE matches the event page's places line as shown: its label is
// set in capitals by the stylesheet, and innerText shows it so.
func placesRE(n int) *regexp.Regexp {
	seats := "seats"
	if n == 1 {
		seats = "seat"
	}
	return regexp.MustCompile(fmt.Sprintf(`^(?i:places):\s+%d %s left$`, n, seats))
}

// TestBrowserRSVPAndCancel: on a phone-sized Chromium, an attendee opens
// the event page, replies with the form, lands on their RSVP page, finds
// the same page from the invite e-mail's link, cancels through the confirm
// page and sees the place back on the event page.
func TestBrowserRSVPAndCancel(t *testing.T) {
	browser := newBrowser(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			in := startServe(t, mailEnv(t, dialect, sink))
			f := newFlow(t, in)
			_, slug := f.event(2, "Oslo Gophers")
			b := browser.newTab(t)

			if st := b.open(in.base + "/e/" + slug); st != 200 {
				t.Fatalf("event page: HTTP %d", st)
			}
			b.screenshot("event")
			if got := b.text("h1"); got != "Essentials: Q1" {
				t.Errorf("event page heading %q", got)
			}
			if got := b.text(".places"); !placesRE(2).MatchString(got) {
				t.Errorf("event page places %q, want 2 seats left", got)
			}
			if got := b.text("#rsvp-heading"); got != "Are you coming?" {
				t.Errorf("form heading %q", got)
			}

			b.fill("Your name", "Grace Hopper")
			b.fill("Your e-mail address", "grace@example.org")
			b.screenshot("event-filled")
			if st := b.click("I'm going"); st != 200 {
				t.Fatalf("after sending the form: HTTP %d on %s\n%s", st, b.location(), b.pageText())
			}
			b.screenshot("rsvp-new")
			rsvpPath := b.path()
			if !strings.HasPrefix(rsvpPath, "/r/") {
				t.Fatalf("the form led to %s, want the RSVP page /r/…", b.location())
			}
			if got := b.text(".notice-ok"); !strings.HasPrefix(got, "You're going.") {
				t.Errorf("confirmation %q", got)
			}
			if got := b.text(".status"); got != "You're going" {
				t.Errorf("status %q", got)
			}
			if got := b.text(".who"); got != "Replied as Grace Hopper (grace@example.org)" {
				t.Errorf("who %q", got)
			}

			// The invite's link (a token of its own) leads to the same RSVP.
			msgs := sink.WaitFor(t, 1, 20*time.Second)
			inv := parseMail(t, msgs[0])
			if inv.To != "grace@example.org" || !strings.HasPrefix(inv.Subject, "You're going: Essentials: Q1") {
				t.Errorf("invite to %s, subject %q", inv.To, inv.Subject)
			}
			link := regexp.MustCompile(`https://convene\.example(/r/[A-Za-z0-9_-]+)`).FindStringSubmatch(inv.Text)
			if link == nil {
				t.Fatalf("no manage link in the invite:\n%s", inv.Text)
			}
			mailPath := link[1]

			// One seat is taken.
			if st := b.click("See the event page"); st != 200 {
				t.Fatalf("event page: HTTP %d", st)
			}
			if got := b.text(".places"); !placesRE(1).MatchString(got) {
				t.Errorf("places after RSVP %q, want 1 seat left", got)
			}
			b.screenshot("event-one-left")

			// Back through the e-mail's link: the same RSVP, without the
			// just-replied confirmation.
			if st := b.open(in.base + mailPath); st != 200 {
				t.Fatalf("the invite's link: HTTP %d", st)
			}
			b.screenshot("rsvp-from-mail")
			if got := b.text(".who"); got != "Replied as Grace Hopper (grace@example.org)" {
				t.Errorf("the invite's link shows %q", got)
			}
			if got := b.text(".status"); got != "You're going" {
				t.Errorf("status from the invite's link %q", got)
			}
			if strings.Contains(b.pageText(), "We are sending you an e-mail") {
				t.Errorf("the invite's link shows the just-replied confirmation again")
			}
			if st := b.click("Cancel my RSVP"); st != 200 {
				t.Fatalf("cancel page: HTTP %d", st)
			}
			b.screenshot("cancel-confirm")
			if b.path() != mailPath+"/cancel" {
				t.Errorf("the cancel link led to %s", b.path())
			}
			if got := b.text("h1"); got != "Cancel your RSVP?" {
				t.Errorf("cancel page heading %q", got)
			}
			if got := b.pageText(); !strings.Contains(got, "You're going to Essentials: Q1.") {
				t.Errorf("the cancel page does not say what is cancelled:\n%s", got)
			}
			// Cancelling leads back to the RSVP's address, which is gone (410)
			// and says so.
			if st := b.click("Yes, cancel"); st != 410 {
				t.Errorf("after cancelling: HTTP %d, want 410", st)
			}
			b.screenshot("cancelled")
			if b.path() != mailPath {
				t.Errorf("after cancelling: on %s, want %s", b.path(), mailPath)
			}
			if got := b.text("h1"); got != "You cancelled this RSVP" {
				t.Errorf("cancelled page heading %q", got)
			}
			if got := b.pageText(); !strings.Contains(got, "You no longer have a place at “Essentials: Q1”.") {
				t.Errorf("cancelled page:\n%s", got)
			}
			// The page the form led to says so too.
			if st := b.open(in.base + rsvpPath); st != 410 {
				t.Errorf("the form's RSVP page after cancelling: HTTP %d, want 410", st)
			}
			if got := b.text("h1"); got != "You cancelled this RSVP" {
				t.Errorf("the form's RSVP page after cancelling: heading %q", got)
			}

			// The seat is back.
			if st := b.click("Reply again on the event page"); st != 200 {
				t.Fatalf("event page: HTTP %d", st)
			}
			b.screenshot("event-after-cancel")
			if got := b.text(".places"); !placesRE(2).MatchString(got) {
				t.Errorf("places after cancelling %q, want 2 seats left", got)
			}
			if got := b.text("#rsvp-heading"); got != "Are you coming?" {
				t.Errorf("form heading after cancelling %q", got)
			}

			// The calendar gets the cancellation.
			msgs = sink.WaitFor(t, 2, 20*time.Second)
			if c := parseMail(t, msgs[1]); c.To != "grace@example.org" || c.Method != "CANCEL" {
				t.Errorf("after cancelling: mail to %s with method %q, want a CANCEL to grace@example.org", c.To, c.Method)
			}
		})
	}
}
