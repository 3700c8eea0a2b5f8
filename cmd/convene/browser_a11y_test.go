package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/convene/convene/notifications/smtptest"
)

// keys types text (kb.Tab, kb.Enter and the like included) into whatever
// has the focus, as a keyboard does.
func (b *browserTab) keys(text string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(text)); err != nil {
		b.t.Fatalf("typing %q: %v", text, err)
	}
}

// overflow returns how many CSS pixels the page is wider than the screen
// (0 when nothing needs a sideways scroll). It compares with the screen's
// width as setViewport made it, not with the window's: on a phone, a page
// too wide for the screen is zoomed out, and its window (innerWidth) grows
// with it.
func (b *browserTab) overflow() int {
	b.t.Helper()
	n, err := strconv.Atoi(b.eval(fmt.Sprintf(`String(Math.max(0, document.documentElement.scrollWidth - (%d || window.innerWidth)))`, b.width)))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// TestBrowserNarrowAndKeyboard: on the narrowest phones (320 CSS pixels)
// no page needs a sideways scroll, every form field has a label, and the
// RSVP form can be filled and sent with the keyboard alone.
func TestBrowserNarrowAndKeyboard(t *testing.T) {
	browser := newBrowser(t)
	sink := smtptest.Start(t)
	in := startServe(t, mailEnv(t, "sqlite", sink))
	f := newFlow(t, in)
	id, slug := f.event(3, "Oslo Gophers and the Extraordinarily Long-Named Community of Practice")
	if st, _ := call(t, "POST", in.base+"/api/v1/events/"+id+"/invitations", f.token, map[string]any{
		"recipients": []map[string]any{{"email": "ada@example.org", "name": "Ada"}}}); st != 201 {
		t.Fatalf("invite: %d", st)
	}
	b := browser.newTab(t)
	b.setViewport(320, 640, true)

	// The keyboard: the skip link first, then on to the form.
	if st := b.open(in.base + "/e/" + slug); st != 200 {
		t.Fatalf("event page: HTTP %d", st)
	}
	b.keys(kb.Tab)
	if got := b.eval(`document.activeElement.textContent.trim()`); got != "Skip to main content" {
		t.Errorf("the first Tab reaches %q, want the skip link", got)
	}
	// Focus the name field the way a keyboard user would: Tab until there.
	for i := 0; i < 20 && b.eval(`document.activeElement.id`) != "name"; i++ {
		b.keys(kb.Tab)
	}
	if b.eval(`document.activeElement.id`) != "name" {
		t.Fatal("Tab never reached the name field")
	}
	b.keys("Grace Hopper" + kb.Tab + "grace@example.org")
	ctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	res, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
	cancel()
	if err != nil {
		t.Fatalf("Enter in the form: %v", err)
	}
	if st := b.answer(res); st != 200 || !strings.HasPrefix(b.path(), "/r/") {
		t.Fatalf("Enter in the form led to HTTP %d on %s", st, b.location())
	}
	b.screenshot("rsvp-320")
	if got := b.text(".status"); got != "You're going" {
		t.Errorf("after a keyboard-only reply: %q", got)
	}
	rsvpPath := b.path()

	// Two e-mails: the invitation to Ada, the invite to Grace.
	var inv received
	for _, m := range sink.WaitFor(t, 2, 20*time.Second) {
		if p := parseMail(t, m); strings.HasPrefix(p.Subject, "Invitation:") {
			inv = p
		}
	}
	pages := []string{"/e/" + slug, rsvpPath, rsvpPath + "/cancel", rsvpPath + "/erase", mailLink(t, inv.Text, "/i/"),
		"/g/" + strings.TrimPrefix(b.eval(`document.querySelector("a.brand").getAttribute("href")`), "/g/"), "/e/no-such-event"}
	for _, p := range pages {
		st := b.open(in.base + p)
		if st != 200 && st != 404 {
			t.Errorf("%s: HTTP %d", p, st)
			continue
		}
		if over := b.overflow(); over > 0 {
			b.screenshot("overflow")
			t.Errorf("%s is %d px wider than a 320 px screen", p, over)
		}
		if unlabelled := b.unlabelled(); unlabelled != "" {
			t.Errorf("%s has fields without a label: %s", p, unlabelled)
		}
	}
}
