package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/convene/convene/notifications/present"
	"github.com/convene/convene/notifications/smtptest"
)

// The organiser's second journey through the console in Chromium: a
// passkey added on the account page and used to sign in without an
// address, then a series made, previewed and changed from the console,
// as the attendees' page shows it.

// addVirtualAuthenticator gives the tab's browser a platform authenticator
// (DevTools' WebAuthn domain) that holds discoverable passkeys, verifies
// the user and answers at once, as a laptop's fingerprint reader would
// when touched.
func (b *browserTab) addVirtualAuthenticator() {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
				Transport:      webauthn.AuthenticatorTransportInternal,
				HasResidentKey: true, HasUserVerification: true, IsUserVerified: true,
				AutomaticPresenceSimulation: true,
			}})
		return err
	}))
	if err != nil {
		b.t.Fatalf("virtual authenticator: %v", err)
	}
}

// pressCSS clicks the element that the CSS selector names and waits for the
// page it leads to, however late (a script's fetches first); it returns
// that page's HTTP status.
func (b *browserTab) pressCSS(css string) int {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css)))
	if err != nil {
		// What a script said on the page (a refused passkey), if anything.
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		defer cancel()
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".passkey-status, .error"), e => e.textContent.trim()).join(" | ")`))
		b.t.Fatalf("press %s on %s: %v (the page says: %q)", css, b.path(), err, status)
	}
	return b.answer(res)
}

// setValue sets a form field (a select, a date and time) by its id, as
// choosing from the browser's own picker does.
func (b *browserTab) setValue(id, value string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#"+id), value)); err != nil {
		b.t.Fatalf("set %s to %q: %v", id, value, err)
	}
}

// nthWeekday is the n-th weekday wd of the month of t, at hour:00 in loc.
func nthWeekday(year int, month time.Month, n int, wd time.Weekday, hour int, loc *time.Location) time.Time {
	first := time.Date(year, month, 1, hour, 0, 0, 0, loc)
	return first.AddDate(0, 0, (int(wd)-int(first.Weekday())+7)%7+7*(n-1))
}

// TestBrowserConsolePasskeyAndSeries: an organiser signs in with the link
// serve prints, adds a passkey on the account page with the browser's
// authenticator, signs out and back in with the passkey alone (no address
// typed), then makes a group and a series "every 3 months on the third
// Tuesday" in Berlin from the console: the preview says the rule in words
// and lists its next dates before anything is saved; once saved, one date
// is cancelled and another moved, and the series' public page shows both.
func TestBrowserConsolePasskeyAndSeries(t *testing.T) {
	began := time.Now()
	browser := newBrowser(t)
	sink := smtptest.Start(t)
	// Passkeys need a host name (the relying party's id), and the page's
	// host must be it: localhost, which Chromium takes as a secure context.
	port := freePort(t)
	env := mailEnv(t, "sqlite", sink)
	env["CONVENE_LISTEN"] = "127.0.0.1:" + port
	env["CONVENE_BASE_URL"] = "http://localhost:" + port
	in := startServe(t, env)
	base := "http://localhost:" + port
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(base) + `(/manage/sign-in/[A-Za-z0-9_-]+)$`).FindStringSubmatch(in.stdout.String())
	if m == nil {
		t.Fatalf("serve printed no sign-in link for %s:\n%s", base, in.stdout)
	}

	b := browser.newTab(t)
	b.addVirtualAuthenticator()

	// 1. In with the printed link.
	if st := b.open(base + m[1]); st != 200 {
		t.Fatalf("the sign-in link: HTTP %d", st)
	}
	if st := b.click("Sign in"); st != 200 || b.path() != "/manage/" {
		t.Fatalf("signing in led to HTTP %d on %s", st, b.location())
	}
	b.screenshot("signed-in-by-link")

	// 2. A passkey, made by the browser's authenticator.
	if st := b.open(base + "/manage/account"); st != 200 {
		t.Fatalf("account page: HTTP %d", st)
	}
	if got := b.eval(`document.querySelector("form[data-passkey=register]").hidden ? "hidden" : "shown"`); got != "shown" {
		t.Fatalf("the account page's passkey form is %s in Chromium (WebAuthn: %s)", got, b.eval(`String(!!window.PublicKeyCredential)`))
	}
	if txt := b.pageText(); !strings.Contains(txt, "You have no passkeys.") {
		t.Errorf("before adding one, the account page does not say there is no passkey:\n%s", txt)
	}
	b.fill("passkey-name", "Work laptop")
	if st := b.pressCSS("#passkey-register"); st != 200 {
		t.Fatalf("adding the passkey led to HTTP %d on %s", st, b.location())
	}
	if got := b.eval(`location.pathname + location.search`); got != "/manage/account?done=passkey-added" {
		t.Errorf("after adding the passkey the page is %s", got)
	}
	passkeys := b.text("#passkeys table tbody")
	if !strings.HasPrefix(passkeys, "Work laptop") || !strings.Contains(passkeys, "never") {
		t.Errorf("the account page does not list the new passkey, never used:\n%s", passkeys)
	}
	b.screenshot("passkey-added")

	// 3. Out, and in again with the passkey alone.
	if st := b.pressCSS(`form.sign-out button`); st != 200 || b.path() != "/manage/sign-in" {
		t.Fatalf("signing out led to HTTP %d on %s", st, b.location())
	}
	if got := b.eval(`String(document.querySelector("#email").value)`); got != "" {
		t.Fatalf("the sign-in page has an address filled in: %q", got)
	}
	b.screenshot("signed-out")
	if st := b.pressCSS("#passkey-sign-in"); st != 200 || b.path() != "/manage/" {
		t.Fatalf("signing in with the passkey led to HTTP %d on %s", st, b.location())
	}
	if got := b.text("h1"); got == "" || strings.Contains(b.pageText(), "E-mail me a sign-in link") {
		t.Fatalf("after the passkey, the console home is not shown:\n%s", b.pageText())
	}
	b.screenshot("signed-in-by-passkey")
	if st := b.open(base + "/manage/account"); st != 200 {
		t.Fatalf("account page: HTTP %d", st)
	}
	sessions := b.text("#sessions table tbody")
	if !regexp.MustCompile(`this browser\s+with a passkey`).MatchString(sessions) {
		t.Errorf("the account page does not show this browser's session as made with a passkey:\n%s", sessions)
	}
	if passkeys := b.text("#passkeys table tbody"); strings.Contains(passkeys, "never") {
		t.Errorf("the passkey just used is listed as never used:\n%s", passkeys)
	}
	b.screenshot("session-with-passkey")

	// 4. A group and a series, from the console.
	if st := b.open(base + "/manage/groups/new"); st != 200 {
		t.Fatalf("new group: HTTP %d", st)
	}
	b.fill("name", "MVP Program Berlin")
	b.fill("time_zone", "Europe/Berlin")
	if st := b.click("Create the group"); st != 200 || !strings.HasPrefix(b.path(), "/manage/groups/") {
		t.Fatalf("creating the group led to HTTP %d on %s:\n%s", st, b.location(), b.pageText())
	}
	groupPath := b.path()
	if st := b.click("Series"); st != 200 || b.path() != groupPath+"/series" {
		t.Fatalf("the group's series link led to HTTP %d on %s", st, b.location())
	}
	if txt := b.pageText(); !strings.Contains(txt, "This group has no series yet.") {
		t.Fatalf("the new group's series list:\n%s", txt)
	}
	if st := b.click("New series"); st != 200 {
		t.Fatalf("new series: HTTP %d", st)
	}

	// The first date: the first third Tuesday of a month at least a day
	// from now (the service's clock), at 17:00 in Berlin; the rule's next
	// dates are the third Tuesdays three, six and nine months on.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now().In(berlin)
	var dates []time.Time
	for k := 0; len(dates) == 0; k++ {
		if d := nthWeekday(now.Year(), now.Month()+time.Month(k), 3, time.Tuesday, 17, berlin); d.After(now.Add(24 * time.Hour)) {
			dates = append(dates, d)
		}
	}
	for k := 1; k < 4; k++ {
		dates = append(dates, nthWeekday(dates[0].Year(), dates[0].Month()+time.Month(3*k), 3, time.Tuesday, 17, berlin))
	}
	long := func(d time.Time) string {
		return present.Span(d, d.Add(90*time.Minute), berlin, present.LongDate) + " " + present.ZoneLabel(berlin, d)
	}

	b.fill("title", "Essentials: what you need to know")
	b.fill("interval", "3")
	b.setValue("freq", "MONTHLY")
	b.setValue("nth", "3")
	b.setValue("weekday", "TU")
	b.setValue("starts", dates[0].Format("2006-01-02T15:04"))
	b.fill("length", "90")
	b.fill("venue_name", "Kulturbrauerei")
	b.fill("venue_address", "Schönhauser Allee 36, Berlin")
	b.fill("capacity", "40")
	b.fill("ahead", "4")
	if st := b.click("Preview"); st != 200 {
		t.Fatalf("preview: HTTP %d:\n%s", st, b.pageText())
	}
	if got := b.text("#preview-rule"); !strings.HasPrefix(got, "Every 3 months on the third Tuesday, 17:00–18:30 ") {
		t.Errorf("the preview says the rule as %q", got)
	}
	previewDates := b.text("ol.preview-dates")
	for _, d := range dates {
		if !strings.Contains(previewDates, long(d)) {
			t.Errorf("the preview does not list %s:\n%s", long(d), previewDates)
		}
	}
	if got := b.eval(`document.getElementById("title").value + " | " + document.getElementById("starts").value`); got != "Essentials: what you need to know | "+dates[0].Format("2006-01-02T15:04") {
		t.Errorf("the previewed form does not keep what was typed: %s", got)
	}
	b.screenshot("series-preview")
	// Nothing is saved by a preview: the group's list is still empty.
	lists, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%s).then(r => r.text())`, jsString(groupPath+"/series")), chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(lists, "This group has no series yet.") {
		t.Errorf("after the preview the group's series list is not empty (%v)", err)
	}

	if st := b.click("Create the series"); st != 200 || !strings.HasPrefix(b.path(), "/manage/series/") {
		t.Fatalf("saving the series led to HTTP %d on %s:\n%s", st, b.location(), b.pageText())
	}
	seriesPath := b.path()
	rows := func() []string {
		t.Helper()
		return strings.Split(b.eval(`Array.from(document.querySelectorAll("#dates tbody tr"), r => r.id + "\t" + r.querySelector("th").innerText.trim()).join("\n")`), "\n")
	}
	got := rows()
	if len(got) != len(dates) {
		t.Fatalf("the series page lists %d dates, want %d:\n%s", len(got), len(dates), strings.Join(got, "\n"))
	}
	ids := make([]string, len(got))
	for i, r := range got {
		id, when, _ := strings.Cut(r, "\t")
		ids[i] = id
		if when != long(dates[i]) {
			t.Errorf("date %d on the series page is %q, want %q", i+1, when, long(dates[i]))
		}
	}
	b.screenshot("series-saved")

	// The first date cancelled, the second moved to the Wednesday after
	// at 18:00.
	if st := b.pressCSS("#" + ids[0] + ` form[action$="/cancel"] button`); st != 200 || b.path() != seriesPath {
		t.Fatalf("cancelling a date led to HTTP %d on %s", st, b.location())
	}
	moved := time.Date(dates[1].Year(), dates[1].Month(), dates[1].Day()+1, 18, 0, 0, 0, berlin)
	b.setValue("move-"+strings.TrimPrefix(ids[1], "d-"), moved.Format("2006-01-02T15:04"))
	if st := b.pressCSS("#" + ids[1] + ` form[action$="/move"] button`); st != 200 || b.path() != seriesPath {
		t.Fatalf("moving a date led to HTTP %d on %s:\n%s", st, b.location(), b.pageText())
	}
	got = rows()
	want := []string{long(dates[0]) + " cancelled", long(moved) + " moved", long(dates[2]), long(dates[3])}
	if len(got) != len(want) {
		t.Fatalf("after cancelling and moving, the series page lists:\n%s", strings.Join(got, "\n"))
	}
	for i, r := range got {
		if _, when, _ := strings.Cut(r, "\t"); when != want[i] {
			t.Errorf("date %d on the series page is %q, want %q", i+1, when, want[i])
		}
	}
	b.screenshot("series-cancelled-and-moved")

	// What attendees see.
	public := b.eval(`document.querySelector('a[href^="/s/"]').getAttribute("href")`)
	if st := b.open(base + public); st != 200 {
		t.Fatalf("the series' public page %s: HTTP %d", public, st)
	}
	if got := b.text("header .meta"); !strings.HasPrefix(got, "Every 3 months on the third Tuesday, 17:00–18:30 ") {
		t.Errorf("the public page says the rule as %q", got)
	}
	sessions = b.eval(`Array.from(document.querySelectorAll("li.event-item"), li => li.innerText.replace(/\s+/g, " ").trim()).join("\n")`)
	short := func(d time.Time) string {
		return present.Span(d, d.Add(90*time.Minute), berlin, present.ShortDate) + " " + present.ZoneLabel(berlin, d)
	}
	lines := strings.Split(sessions, "\n")
	wantPublic := []string{short(dates[0]) + " Cancelled", short(moved) + " 40 seats left", short(dates[2]) + " 40 seats left", short(dates[3]) + " 40 seats left"}
	if len(lines) != len(wantPublic) {
		t.Fatalf("the public page lists these sessions, want %d:\n%s", len(wantPublic), sessions)
	}
	for i := range lines {
		if !strings.EqualFold(lines[i], wantPublic[i]) {
			t.Errorf("session %d on the public page reads %q, want %q", i+1, lines[i], wantPublic[i])
		}
	}
	b.screenshot("series-public")
	t.Logf("passkey added and used, series made, previewed, changed and seen in %v", time.Since(began).Round(time.Millisecond))
}
