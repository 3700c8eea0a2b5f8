package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

var feedbackLinkRE = regexp.MustCompile(`https://convene\.example/f/([A-Za-z0-9_-]{20,100})`)

// thankYous returns the thank-you e-mails received so far, by recipient.
func thankYous(t *testing.T, sink *smtptest.Server) map[string][]received {
	t.Helper()
	out := map[string][]received{}
	for _, m := range sink.Messages() {
		r := parseMail(t, m)
		if strings.HasPrefix(r.Subject, "Thank you for coming: ") {
			out[r.To] = append(out[r.To], r)
		}
	}
	return out
}

// waitThankYous waits until n people have their thank-you.
func waitThankYous(t *testing.T, in *instance, sink *smtptest.Server, n int) map[string][]received {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := thankYous(t, sink)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d people thanked after 30 s, want %d\nstderr: %s", len(got), n, in.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestThankYouMail: through the real server and SMTP, an event that ended
// while the service was down is thanked when it starts: every attendee —
// and nobody else — gets one e-mail with the recording, the slides and a
// personal feedback link, however often the periodic job runs; the link
// takes their feedback, and someone checked in late is thanked at the
// next pass.
func TestThankYouMail(t *testing.T) {
	prev := thankYouInterval
	thankYouInterval = time.Second
	t.Cleanup(func() { thankYouInterval = prev })
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			sink := smtptest.Start(t)
			env := mailEnv(t, dialect, sink)
			db, err := store.OpenAndMigrate(ctx, store.Options{DataDir: env["CONVENE_DATA_DIR"], DatabaseURL: env["CONVENE_DATABASE_URL"], Clock: storetest.NewClock()})
			if err != nil {
				t.Fatal(err)
			}
			s := storetest.ScriptedEvent(t, db, clock.Now().UTC().Add(-5*time.Hour).Truncate(time.Minute))
			rec := "https://video.example.org/watch?v=gophers"
			if _, err := db.UpdateEvent(ctx, s.Owner.ID, s.Event.ID, domain.EventUpdate{RecordingURL: &rec}); err != nil {
				t.Fatal(err)
			}
			speakers := []domain.PersonInput{s.Speakers[0], s.Speakers[1]}
			speakers[0].SlidesURL = "https://slides.example.org/go-at-scale.pdf"
			if _, _, err := db.SetEventPeople(ctx, s.Owner.ID, s.Event.ID, domain.EventPeopleInput{HostIDs: []string{s.Host.ID}, Speakers: speakers}); err != nil {
				t.Fatal(err)
			}
			_, token, err := db.CreateAPIToken(ctx, s.Owner.ID, "test", nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()

			in := startServe(t, env)
			attended := storetest.ScriptedDoor + storetest.ScriptedOnline + storetest.ScriptedWalkIns
			waitThankYous(t, in, sink, attended)
			// The job runs every second here: give it several more passes.
			time.Sleep(3500 * time.Millisecond)
			got := thankYous(t, sink)
			if len(got) != attended {
				t.Fatalf("%d people thanked, want the %d who came", len(got), attended)
			}
			for to, msgs := range got {
				if len(msgs) != 1 {
					t.Fatalf("%s got %d thank-yous", to, len(msgs))
				}
			}
			for _, i := range s.NoShows {
				if _, ok := got[s.Registered[i].Email]; ok {
					t.Fatalf("no-show %s was thanked", s.Registered[i].Email)
				}
			}
			for _, w := range s.WalkIns {
				if _, ok := got[w.Email]; !ok {
					t.Fatalf("walk-in %s was not thanked", w.Email)
				}
			}

			ann := got[s.Registered[s.Door[0]].Email][0]
			for _, want := range []string{"Watch the recording:\r\n" + rec, "- Sam Speaker — Go at scale:\r\n  https://slides.example.org/go-at-scale.pdf"} {
				if !strings.Contains(ann.Text, want) {
					t.Errorf("the thank-you lacks %q:\n%s", want, ann.Text)
				}
			}
			if strings.Contains(ann.Text, "Tia Talker") || ann.ICS != "" || ann.Attachment != "" {
				t.Errorf("a speaker without slides is listed, or a calendar is attached:\n%s", ann.Text)
			}
			link := feedbackLinkRE.FindStringSubmatch(ann.Text)
			if link == nil {
				t.Fatalf("no feedback link in:\n%s", ann.Text)
			}

			// The link takes the attendee's feedback; organisers see it.
			fb := in.base + "/api/v1/rsvps/" + link[1] + "/feedback"
			if st, m := call(t, "POST", fb, "", map[string]any{"rating": 5, "comment": "Loved the live demo"}); st != 200 || m["rating"] != 5.0 {
				t.Fatalf("feedback: %d %v", st, m)
			}
			st, stats := call(t, "GET", in.base+"/api/v1/events/"+s.Event.ID+"/stats", token, nil)
			if f, _ := stats["feedback"].(map[string]any); st != 200 || f["count"] != 1.0 || f["average_rating"] != 5.0 {
				t.Fatalf("stats: %d %v", st, stats)
			}

			// A late check-in is thanked at the next pass, and only they.
			late := s.Registered[s.NoShows[0]]
			if st, m := call(t, "POST", in.base+"/api/v1/events/"+s.Event.ID+"/checkins", token, map[string]any{"rsvp_id": late.ID}); st != 200 && st != 201 {
				t.Fatalf("late check-in: %d %v", st, m)
			}
			waitThankYous(t, in, sink, attended+1)
			time.Sleep(2500 * time.Millisecond)
			got = thankYous(t, sink)
			if len(got) != attended+1 || len(got[late.Email]) != 1 {
				t.Fatalf("after the late check-in: %d people thanked (want %d), the late one %d times", len(got), attended+1, len(got[late.Email]))
			}
			for to, msgs := range got {
				if len(msgs) != 1 {
					t.Fatalf("%s got %d thank-yous", to, len(msgs))
				}
			}
			if logs := in.stderr.String() + in.stdout.String(); strings.Contains(logs, late.Email) || strings.Contains(logs, link[1]) {
				t.Errorf("an address or a feedback token reached the logs")
			}
		})
	}
}

// TestThankYouDelayConfig: attendees are thanked two hours after the end
// unless CONVENE_THANK_YOU_DELAY says otherwise (0s: right after the end);
// nonsense is a usage error.
func TestThankYouDelayConfig(t *testing.T) {
	cfg, err := loadConfig(envFrom(nil))
	if err != nil || cfg.ThankYouDelay != 2*time.Hour {
		t.Fatalf("default: %v, %v", cfg.ThankYouDelay, err)
	}
	cfg, err = loadConfig(envFrom(map[string]string{"CONVENE_THANK_YOU_DELAY": "30m"}))
	if err != nil || cfg.ThankYouDelay != 30*time.Minute {
		t.Fatalf("30m: %v, %v", cfg.ThankYouDelay, err)
	}
	for _, zero := range []string{"0s", "0"} {
		cfg, err = loadConfig(envFrom(map[string]string{"CONVENE_THANK_YOU_DELAY": zero}))
		if err != nil || cfg.ThankYouDelay != 0 {
			t.Fatalf("%s: %v, %v", zero, cfg.ThankYouDelay, err)
		}
	}
	for _, bad := range []string{"soon", "-1h"} {
		if _, err := loadConfig(envFrom(map[string]string{"CONVENE_THANK_YOU_DELAY": bad})); exitCode(err) != 2 {
			t.Errorf("%q: exit code %d, want 2", bad, exitCode(err))
		}
	}
}

// TestThankYouDelayZero: with CONVENE_THANK_YOU_DELAY=0s the service
// thanks the attendees of an event that ended ten minutes ago at the next
// pass of the job, not two hours after the end as a zero used to mean.
func TestThankYouDelayZero(t *testing.T) {
	prev := thankYouInterval
	thankYouInterval = time.Second
	t.Cleanup(func() { thankYouInterval = prev })
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			sink := smtptest.Start(t)
			env := mailEnv(t, dialect, sink)
			env["CONVENE_THANK_YOU_DELAY"] = "0s"
			db, err := store.OpenAndMigrate(ctx, store.Options{DataDir: env["CONVENE_DATA_DIR"], DatabaseURL: env["CONVENE_DATABASE_URL"], Clock: storetest.NewClock()})
			if err != nil {
				t.Fatal(err)
			}
			storetest.ScriptedEvent(t, db, clock.Now().UTC().Add(-2*time.Hour-10*time.Minute).Truncate(time.Minute))
			db.Close()
			in := startServe(t, env)
			waitThankYous(t, in, sink, storetest.ScriptedDoor+storetest.ScriptedOnline+storetest.ScriptedWalkIns)
		})
	}
}

// TestBrowserFeedbackKeyboard: the feedback page reads on a 320 px phone
// without a sideways scroll, every field has a label, and it is answered
// with the keyboard alone: Tab to the rating, arrows to choose, Tab to the
// comment, Enter on the button.
func TestBrowserFeedbackKeyboard(t *testing.T) {
	browser := newBrowser(t)
	ctx := context.Background()
	env := mailEnv(t, "sqlite", smtptest.Start(t))
	db, err := store.OpenAndMigrate(ctx, store.Options{DataDir: env["CONVENE_DATA_DIR"], Clock: storetest.NewClock()})
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.ScriptedEvent(t, db, clock.Now().UTC().Add(-5*time.Hour).Truncate(time.Minute))
	tok, err := db.MintManageToken(ctx, s.Registered[s.Door[0]].ID)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	in := startServe(t, env)

	b := browser.newTab(t)
	b.setViewport(320, 640, true)
	if st := b.open(in.base + "/f/" + tok); st != 200 {
		t.Fatalf("feedback page: HTTP %d", st)
	}
	b.screenshot("feedback-320")
	if over := b.overflow(); over > 0 {
		t.Errorf("the feedback page is %d px wider than a 320 px screen", over)
	}
	unlabelled := b.eval(`Array.from(document.querySelectorAll("input:not([type=hidden]), textarea")).
		filter(e => !(e.labels && e.labels.length)).map(e => e.id).join(",")`)
	if unlabelled != "" {
		t.Errorf("fields without a label: %s", unlabelled)
	}
	if got := b.eval(`document.querySelector("fieldset legend").textContent`); got != "How would you rate the event?" {
		t.Errorf("the ratings' legend is %q", got)
	}
	for i := 0; i < 20 && b.eval(`String(document.activeElement.name || "")`) != "rating"; i++ {
		b.keys(kb.Tab)
	}
	if b.eval(`String(document.activeElement.name || "")`) != "rating" {
		t.Fatal("Tab never reached the rating")
	}
	// In a group of radio buttons nothing checked, the arrow keys move
	// and check: down from 1 three times is 4.
	b.keys(kb.ArrowDown + kb.ArrowDown + kb.ArrowDown)
	if got := b.eval(`document.querySelector("input[name=rating]:checked") ? document.querySelector("input[name=rating]:checked").value : ""`); got != "4" {
		t.Fatalf("after three arrow keys the rating is %q, want 4", got)
	}
	b.keys(kb.Tab + "Loved the live demo")
	if b.eval(`document.activeElement.id`) != "comment" {
		t.Fatalf("Tab from the rating reaches %q, want the comment", b.eval(`document.activeElement.id`))
	}
	b.keys(kb.Tab)
	tctx, cancel := context.WithTimeout(b.ctx, browserTimeout)
	res, err := chromedp.RunResponse(tctx, chromedp.KeyEvent(kb.Enter))
	cancel()
	if err != nil {
		t.Fatalf("Enter on the button: %v", err)
	}
	if st := b.answer(res); st != 200 || !strings.Contains(b.pageText(), "Thank you! Your feedback was sent to the organisers.") {
		t.Fatalf("after sending: HTTP %d on %s:\n%s", st, b.location(), b.pageText())
	}
	if got := b.eval(`document.querySelector("input[name=rating]:checked").value + "|" + document.getElementById("comment").value`); got != "4|Loved the live demo" {
		t.Errorf("the page shows %q, want the answer just sent", got)
	}
}
