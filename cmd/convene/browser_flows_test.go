package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/notifications/smtptest"
)

// mailLink finds the personal link of the given kind (/i/, /c/, /r/) in an
// e-mail's text and returns its path: links name the public address
// (CONVENE_BASE_URL), the browser goes to the test server.
func mailLink(t *testing.T, text, prefix string) string {
	t.Helper()
	m := regexp.MustCompile(`https://convene\.example(` + regexp.QuoteMeta(prefix) + `[A-Za-z0-9_-]{20,100})`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no %s… link in the e-mail:\n%s", prefix, text)
	}
	return m[1]
}

// TestBrowserInvitation: an organiser invites someone by the API; the
// invitation e-mail arrives; its link opens the invitation in Chromium with
// the name filled in; "Yes, I'll come" leads to the person's RSVP page, the
// calendar invite follows, and the organiser sees the invitation accepted.
func TestBrowserInvitation(t *testing.T) {
	browser := newBrowser(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			in := startServe(t, mailEnv(t, dialect, sink))
			f := newFlow(t, in)
			id, _ := f.event(2, "Oslo Gophers")
			st, res := call(t, "POST", in.base+"/api/v1/events/"+id+"/invitations", f.token, map[string]any{
				"recipients": []map[string]any{{"email": "ada@example.org", "name": "Ada Lovelace"}},
				"message":    "We would love to hear your questions at the Q&A.",
			})
			if st != 201 || res["invited"] != 1.0 {
				t.Fatalf("invite: %d %v", st, res)
			}

			inv := parseMail(t, sink.WaitFor(t, 1, 20*time.Second)[0])
			if inv.To != "ada@example.org" || !strings.HasPrefix(inv.Subject, "Invitation: Essentials: Q1 — ") || inv.Method != "" || inv.Attachment != "" {
				t.Errorf("invitation e-mail to %s, subject %q, calendar %q: want an invitation without a calendar", inv.To, inv.Subject, inv.Method)
			}
			if !strings.Contains(inv.Text, "We would love to hear your questions at the Q&A.") {
				t.Errorf("the organiser's note is not in the e-mail:\n%s", inv.Text)
			}
			link := mailLink(t, inv.Text, "/i/")

			b := browser.newTab(t)
			if st := b.open(in.base + link); st != 200 {
				t.Fatalf("invitation page: HTTP %d", st)
			}
			b.screenshot("invitation")
			if got := b.text("h1"); got != "Essentials: Q1" {
				t.Errorf("invitation heading %q", got)
			}
			if got := b.eval(`document.getElementById("name").value`); got != "Ada Lovelace" {
				t.Errorf("the name field holds %q, want the organiser's spelling", got)
			}
			if got := b.pageText(); !strings.Contains(got, "We would love to hear your questions at the Q&A.") {
				t.Errorf("the invitation page does not show the note:\n%s", got)
			}
			b.fill("Your name", "Ada King")
			if st := b.click("Yes, I'll come"); st != 200 {
				t.Fatalf("after saying yes: HTTP %d on %s\n%s", st, b.location(), b.pageText())
			}
			b.screenshot("invitation-accepted")
			if !strings.HasPrefix(b.path(), "/r/") {
				t.Fatalf("saying yes led to %s, want the RSVP page", b.location())
			}
			if got := b.text(".notice-ok"); !strings.HasPrefix(got, "You're going.") {
				t.Errorf("confirmation %q", got)
			}
			if got := b.text(".who"); got != "Replied as Ada King (ada@example.org)" {
				t.Errorf("who %q", got)
			}

			// The calendar invite follows, as for any RSVP.
			going := parseMail(t, sink.WaitFor(t, 2, 20*time.Second)[1])
			if going.To != "ada@example.org" || going.Method != "REQUEST" || !strings.HasPrefix(going.Subject, "You're going: Essentials: Q1") {
				t.Errorf("after yes: mail to %s, method %q, subject %q", going.To, going.Method, going.Subject)
			}

			// The invitation remembers the answer.
			if st := b.open(in.base + link); st != 200 {
				t.Fatalf("invitation page again: HTTP %d", st)
			}
			if got := b.text(".status"); got != "You said yes. You're going." {
				t.Errorf("invitation after yes says %q", got)
			}
			b.screenshot("invitation-again")
			st, list := call(t, "GET", in.base+"/api/v1/events/"+id+"/invitations", f.token, nil)
			items, _ := list["items"].([]any)
			if st != 200 || len(items) != 1 || items[0].(map[string]any)["status"] != "accepted" || items[0].(map[string]any)["name"] != "Ada King" {
				t.Errorf("organiser's invitation list: %d %v", st, list)
			}
		})
	}
}

// TestBrowserConfirmPending: on an event that asks for e-mail
// confirmation, the form's reply holds no place; the confirmation e-mail's
// link opens a page whose button confirms it, and only then is the place
// taken and the calendar invite sent.
func TestBrowserConfirmPending(t *testing.T) {
	browser := newBrowser(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			sink := smtptest.Start(t)
			in := startServe(t, mailEnv(t, dialect, sink))
			f := newFlow(t, in)
			id, slug := f.event(1, "Oslo Gophers")
			if st, ev := call(t, "PATCH", in.base+"/api/v1/events/"+id, f.token, map[string]any{"rsvp_confirmation": "email"}); st != 200 || ev["rsvp_confirmation"] != "email" {
				t.Fatalf("turn on confirmation: %d %v", st, ev)
			}

			b := browser.newTab(t)
			if st := b.open(in.base + "/e/" + slug); st != 200 {
				t.Fatalf("event page: HTTP %d", st)
			}
			b.fill("Your name", "Grace Hopper")
			b.fill("Your e-mail address", "grace@example.org")
			if st := b.click("I'm going"); st != 200 {
				t.Fatalf("after sending the form: HTTP %d", st)
			}
			b.screenshot("pending")
			if got := b.text(".notice-ok"); !strings.HasPrefix(got, "Almost done: we sent a link to grace@example.org.") {
				t.Errorf("after the form: notice %q", got)
			}
			if got := b.text(".places"); !placesRE(1).MatchString(got) {
				t.Errorf("places while pending %q, want 1 seat left (nothing held)", got)
			}

			msg := parseMail(t, sink.WaitFor(t, 1, 20*time.Second)[0])
			if msg.To != "grace@example.org" || !strings.HasPrefix(msg.Subject, "Confirm your RSVP: Essentials: Q1") || msg.Method != "" {
				t.Errorf("confirmation e-mail to %s, subject %q, calendar %q", msg.To, msg.Subject, msg.Method)
			}
			link := mailLink(t, msg.Text, "/c/")
			if st := b.open(in.base + link); st != 200 {
				t.Fatalf("confirmation page: HTTP %d", st)
			}
			b.screenshot("confirm")
			if got := b.text("h1"); got != "Essentials: Q1" {
				t.Errorf("confirmation page heading %q", got)
			}
			if st := b.click("Confirm my RSVP"); st != 200 {
				t.Fatalf("after confirming: HTTP %d on %s\n%s", st, b.location(), b.pageText())
			}
			b.screenshot("confirmed")
			if !strings.HasPrefix(b.path(), "/r/") {
				t.Fatalf("confirming led to %s, want the RSVP page", b.location())
			}
			if got := b.text(".notice-ok"); !strings.HasPrefix(got, "You're going.") {
				t.Errorf("after confirming: %q", got)
			}
			going := parseMail(t, sink.WaitFor(t, 2, 20*time.Second)[1])
			if going.To != "grace@example.org" || going.Method != "REQUEST" {
				t.Errorf("after confirming: mail to %s with method %q, want the calendar invite", going.To, going.Method)
			}
			// The place is taken now.
			if st := b.click("See the event page"); st != 200 {
				t.Fatalf("event page: HTTP %d", st)
			}
			if got := b.text(".places"); !regexp.MustCompile(`(?i)^places:\s+full`).MatchString(got) {
				t.Errorf("places after confirming %q, want full", got)
			}
			b.screenshot("event-full")
			// The link still works, and leads to the same RSVP.
			if st := b.open(in.base + link); st != 200 || !strings.HasPrefix(b.path(), "/r/") {
				t.Errorf("the confirmation link again: HTTP %d on %s", st, b.location())
			}
		})
	}
}
