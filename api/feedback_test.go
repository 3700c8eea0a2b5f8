package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// feedbackFixture is an event that ended three hours ago (the scripted
// event), the tokens of its owner and host, and the feedback links the
// thank-you e-mails carry: a fresh manage token minted for the e-mail, as
// the send worker does.
type feedbackFixture struct {
	s                 storetest.Scripted
	ownerTok, hostTok string
	statsPath         string
	ann, bea, noShow  string // feedback tokens
	annName, annEmail string
	beaName           string
}

func newFeedbackFixture(t *testing.T, te *testEnv) feedbackFixture {
	t.Helper()
	ctx := context.Background()
	f := feedbackFixture{s: storetest.ScriptedEvent(t, te.db, te.now().UTC().Add(-5*time.Hour).Truncate(time.Minute))}
	for _, o := range []struct {
		id  string
		tok *string
	}{{f.s.Owner.ID, &f.ownerTok}, {f.s.Host.ID, &f.hostTok}} {
		_, raw, err := te.db.CreateAPIToken(ctx, o.id, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		*o.tok = raw
	}
	mint := func(i int) string {
		raw, err := te.db.MintManageToken(ctx, f.s.Registered[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	f.ann, f.bea, f.noShow = mint(f.s.Door[0]), mint(f.s.Online[0]), mint(f.s.NoShows[0])
	f.annName, f.annEmail = f.s.Registered[f.s.Door[0]].Name, f.s.Registered[f.s.Door[0]].Email
	f.beaName = f.s.Registered[f.s.Online[0]].Name
	f.statsPath = "/api/v1/events/" + f.s.Event.ID + "/stats"
	return f
}

// feedbackStats reads the feedback part of the event's statistics.
func (f feedbackFixture) feedbackStats(t *testing.T, te *testEnv, token string) map[string]any {
	t.Helper()
	r := te.do("GET", f.statsPath, token, nil)
	wantStatus(t, r, http.StatusOK)
	return r.m(t)["feedback"].(map[string]any)
}

// TestFeedbackPage: following the link shows a form and changes nothing;
// the form saves, a second answer replaces the first, a bad rating shows
// the form again with the error, and someone who did not come gets a page
// that says why rather than a form.
func TestFeedbackPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		f := newFeedbackFixture(t, te)
		pc := newPageClient(t, te)

		p := pc.get("/f/" + f.ann)
		wantPage(t, p, http.StatusOK)
		wantText(t, p, f.s.Event.Title, "How would you rate the event?", "1 — Poor", "5 — Excellent", "Anything to tell the organisers?")
		if n := strings.Count(p.Body, `type="radio" `); n != 5 || !strings.Contains(p.Body, `<legend>`) || strings.Contains(p.Body, "<script") {
			t.Fatalf("%d radio buttons; want 5 in a fieldset with a legend, no script:\n%s", n, p.Body)
		}
		if p.Header.Get("X-Robots-Tag") != "noindex, nofollow" || p.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("a token page without its privacy headers: %v", p.Header)
		}
		if st := f.feedbackStats(t, te, f.ownerTok); st["count"] != 0.0 {
			t.Fatalf("opening the link recorded feedback: %v", st)
		}

		post := func(tok string, form url.Values) page {
			t.Helper()
			form.Set("_csrf", pc.get("/f/"+tok).csrf(t))
			return pc.post("/f/"+tok, form)
		}
		r := post(f.ann, url.Values{"rating": {"2"}, "comment": {"Too loud at the back."}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/f/"+f.ann+"?sent=1" {
			t.Fatalf("post: %d to %q", r.Status, r.Header.Get("Location"))
		}
		p = pc.get(r.Header.Get("Location"))
		wantPage(t, p, http.StatusOK)
		wantText(t, p, "Thank you! Your feedback was sent to the organisers.", "Too loud at the back.")
		if !strings.Contains(p.Body, `value="2" required checked`) {
			t.Errorf("the saved rating is not checked:\n%s", p.Body)
		}

		r = post(f.ann, url.Values{"rating": {"5"}, "comment": {"On reflection: great talks."}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("second post: %d\n%s", r.Status, r.Body)
		}
		st := f.feedbackStats(t, te, f.ownerTok)
		if st["count"] != 1.0 || st["average_rating"] != 5.0 || len(st["comments"].([]any)) != 1 {
			t.Fatalf("after the second answer: %v, want it to replace the first", st)
		}

		for _, bad := range []url.Values{{"rating": {"9"}}, {"comment": {"No rating"}}, {"rating": {"four"}}} {
			p = post(f.ann, bad)
			wantPage(t, p, http.StatusUnprocessableEntity)
			wantText(t, p, "Please check the form", "Rating must be a whole number from 1 to 5.")
			if !strings.Contains(p.Body, `href="#rating-1"`) || !strings.Contains(p.Body, `aria-describedby="rating-error"`) {
				t.Errorf("the error does not lead to the field:\n%s", p.Body)
			}
		}
		if st := f.feedbackStats(t, te, f.ownerTok); st["average_rating"] != 5.0 {
			t.Fatalf("a refused answer changed the feedback: %v", st)
		}

		p = pc.get("/f/" + f.noShow)
		wantPage(t, p, http.StatusConflict)
		wantText(t, p, "Feedback is for people who came")
		if strings.Contains(p.Body, `type="radio"`) {
			t.Error("someone who did not come is shown the form")
		}
		p = pc.post("/f/"+f.noShow, url.Values{"_csrf": {pc.get("/f/" + f.ann).csrf(t)}, "rating": {"1"}})
		wantPage(t, p, http.StatusConflict)
		wantText(t, p, "Feedback is for people who came")
		if st := f.feedbackStats(t, te, f.ownerTok); st["count"] != 1.0 {
			t.Fatalf("a no-show's answer was counted: %v", st)
		}
		wantPage(t, pc.get("/f/"+strings.Repeat("x", 43)), http.StatusNotFound)

		// The attendee's own page leads to the form once the event is
		// over; a no-show's does not.
		if p := pc.get("/r/" + f.ann); !strings.Contains(p.Body, `<a href="/f/`+f.ann+`">tell the organisers how it was</a>`) {
			t.Errorf("the RSVP page of someone who came does not link the feedback form:\n%s", p.Body)
		}
		if p := pc.get("/r/" + f.noShow); strings.Contains(p.Body, "/f/") {
			t.Error("a no-show's RSVP page links the feedback form")
		}
	})
}

// TestFeedbackAPI: the JSON twin of the page, and what organisers see —
// counts, average and comments without names — and that organisers of
// another group see nothing.
func TestFeedbackAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		f := newFeedbackFixture(t, te)
		path := func(tok string) string { return "/api/v1/rsvps/" + tok + "/feedback" }

		r := te.do("GET", path(f.ann), "", nil)
		wantStatus(t, r, http.StatusOK)
		if m := r.m(t); m["rating"] != nil || m["can_answer"] != true || m["event_title"] != f.s.Event.Title {
			t.Fatalf("before answering: %v", m)
		}
		wantStatus(t, te.do("POST", path(f.ann), "", map[string]any{"rating": 4, "comment": "Great talks"}), http.StatusOK)
		r = te.do("POST", path(f.ann), "", map[string]any{"rating": 5, "comment": "Great talks, and the gløgg!"})
		wantStatus(t, r, http.StatusOK)
		if m := r.m(t); m["rating"] != 5.0 || m["comment"] != "Great talks, and the gløgg!" || m["updated_at"] == nil {
			t.Fatalf("second answer: %v", m)
		}
		wantStatus(t, te.do("POST", path(f.bea), "", map[string]any{"rating": 2, "comment": "Sound was bad online."}), http.StatusOK)
		wantStatus(t, te.do("POST", path(f.s.Tokens[f.s.Online[1]]), "", map[string]any{"rating": 3}), http.StatusOK)

		for _, c := range []struct {
			name string
			body any
		}{
			{"out of range", map[string]any{"rating": 6}},
			{"zero", map[string]any{"rating": 0}},
			{"missing", map[string]any{"comment": "no rating"}},
			{"not a number", map[string]any{"rating": "five"}},
			{"fraction", map[string]any{"rating": 4.5}},
		} {
			t.Run(c.name, func(t *testing.T) {
				m := wantProblem(t, te.do("POST", path(f.ann), "", c.body), http.StatusUnprocessableEntity, "validation_failed")
				errs := m["errors"].([]any)
				if len(errs) != 1 || errs[0].(map[string]any)["field"] != "rating" {
					t.Fatalf("field errors %v, want one on rating", errs)
				}
			})
		}
		m := wantProblem(t, te.do("POST", path(f.ann), "", map[string]any{"rating": 3, "comment": strings.Repeat("a", 2001)}),
			http.StatusUnprocessableEntity, "validation_failed")
		if errs := m["errors"].([]any); errs[0].(map[string]any)["field"] != "comment" {
			t.Fatalf("field errors %v, want comment", errs)
		}
		wantProblem(t, te.do("POST", path(f.ann), "", "{rating: 5"), http.StatusBadRequest, "malformed_request")
		wantProblem(t, te.do("POST", path(f.noShow), "", map[string]any{"rating": 5}), http.StatusConflict, "not_attended")
		if m := te.do("GET", path(f.noShow), "", nil).m(t); m["can_answer"] != false {
			t.Fatalf("a no-show may answer: %v", m)
		}
		wantProblem(t, te.do("GET", path(strings.Repeat("x", 43)), "", nil), http.StatusNotFound, "rsvp_not_found")

		r = te.do("GET", f.statsPath, f.hostTok, nil)
		wantStatus(t, r, http.StatusOK)
		st := r.m(t)["feedback"].(map[string]any)
		if st["count"] != 3.0 || st["average_rating"] != 3.33 {
			t.Fatalf("feedback stats %v, want 3 answers averaging 3.33", st)
		}
		if want := map[string]any{"1": 0.0, "2": 1.0, "3": 1.0, "4": 0.0, "5": 1.0}; !cmp.Equal(st["ratings"], any(want)) {
			t.Fatalf("ratings %v, want %v", st["ratings"], want)
		}
		comments := st["comments"].([]any)
		if len(comments) != 2 {
			t.Fatalf("comments %v, want the two that were written", comments)
		}
		for _, text := range []string{f.annName, f.annEmail, f.beaName, f.s.Registered[f.s.Online[1]].Name} {
			if strings.Contains(string(r.Body), text) {
				t.Fatalf("the statistics name %q:\n%s", text, r.Body)
			}
		}

		// Organisers of another group see nothing of it.
		_, other := te.organiser("Mallory")
		wantProblem(t, te.do("GET", f.statsPath, other, nil), http.StatusNotFound, "event_not_found")

		// Erasure deletes the comment and keeps the rating.
		wantStatus(t, te.do("DELETE", "/api/v1/rsvps/"+f.ann+"/data", "", nil), http.StatusNoContent)
		st = f.feedbackStats(t, te, f.ownerTok)
		if st["count"] != 3.0 || len(st["comments"].([]any)) != 1 {
			t.Fatalf("after erasure: %v, want 3 answers and one comment", st)
		}
		wantProblem(t, te.do("GET", path(f.ann), "", nil), http.StatusGone, "rsvp_erased")
	})
}

// TestRecordingAndSlidesAPI: the recording link is set after the event
// ended, speakers get slides, the event page links them, and bad links are
// field errors.
func TestRecordingAndSlidesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		f := newFeedbackFixture(t, te)
		evPath := "/api/v1/events/" + f.s.Event.ID
		r := te.do("PATCH", evPath, f.hostTok, map[string]any{"recording_url": "https://video.example.org/watch?v=42"})
		wantStatus(t, r, http.StatusOK)
		if m := r.m(t); m["recording_url"] != "https://video.example.org/watch?v=42" {
			t.Fatalf("after PATCH: %v", m["recording_url"])
		}
		m := wantProblem(t, te.do("PATCH", evPath, f.hostTok, map[string]any{"recording_url": "ftp://files.example.org/rec"}),
			http.StatusUnprocessableEntity, "validation_failed")
		if errs := m["errors"].([]any); errs[0].(map[string]any)["field"] != "recording_url" {
			t.Fatalf("errors %v", errs)
		}

		people := map[string]any{"hosts": []string{f.s.Host.ID}, "speakers": []map[string]any{
			{"name": "Sam Speaker", "email": f.s.Speakers[0].Email, "talk_title": "Go at scale", "slides_url": "https://slides.example.org/sam"},
			{"name": "Tia Talker", "talk_title": "Testing"},
		}}
		r = te.do("PUT", evPath+"/people", f.ownerTok, people)
		wantStatus(t, r, http.StatusOK)
		sp := r.m(t)["speakers"].([]any)
		if sp[0].(map[string]any)["slides_url"] != "https://slides.example.org/sam" || sp[1].(map[string]any)["slides_url"] != "" {
			t.Fatalf("speakers %v", sp)
		}
		bad := map[string]any{"speakers": []map[string]any{{"name": "Sam", "slides_url": "javascript:alert(1)"}}}
		m = wantProblem(t, te.do("PUT", evPath+"/people", f.ownerTok, bad), http.StatusUnprocessableEntity, "validation_failed")
		if errs := m["errors"].([]any); errs[0].(map[string]any)["field"] != "speakers[0].slides_url" {
			t.Fatalf("errors %v", errs)
		}
		p := newPageClient(t, te).get("/e/" + f.s.Event.Slug)
		wantPage(t, p, http.StatusOK)
		if !strings.Contains(p.Body, `<strong>Sam Speaker</strong> — Go at scale (<a href="https://slides.example.org/sam" rel="noopener noreferrer">slides</a>)`) {
			t.Errorf("the event page does not link the slides:\n%s", p.Body)
		}
		if strings.Contains(p.Body, "video.example.org") {
			t.Error("the public event page shows the recording, which is for attendees")
		}
	})
}

// TestThankYouDeliveriesListed: organisers see the thank-you e-mails with
// the others, and an attendee's data export lists theirs.
func TestThankYouDeliveriesListed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		f := newFeedbackFixture(t, te)
		n, err := db.ThankAttendees(context.Background(), f.s.Event.ID, 2*time.Hour)
		if err != nil || n != 33 {
			t.Fatalf("queued %d thank-yous, %v; want 33", n, err)
		}
		thanked := 0
		for _, d := range listAll(t, te, f.ownerTok, "/api/v1/events/"+f.s.Event.ID+"/deliveries?limit=200") {
			if d["kind"] == "thank_you" {
				thanked++
			}
		}
		if thanked != 33 {
			t.Fatalf("%d thank-you deliveries listed, want 33", thanked)
		}
		r := te.do("GET", "/api/v1/rsvps/"+f.bea+"/data", "", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"kind":"thank_you"`) {
			t.Fatalf("the export does not list the thank-you: %s", r.Body)
		}
	})
}
