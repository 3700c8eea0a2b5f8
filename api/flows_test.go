package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// The invitation and confirmation links reach people by e-mail. These
// tests take them where the e-mail job takes them: from the store's Load
// methods, which mint the token the e-mail carries (the full path through
// SMTP is tested in cmd/convene).

// invitationLink returns the token of the invitation e-mail to addr.
func (te *testEnv) invitationLink(t testing.TB, token, eventID, addr string) string {
	t.Helper()
	for _, inv := range listAll(t, te, token, "/api/v1/events/"+eventID+"/invitations?limit=200") {
		if strings.EqualFold(inv["email"].(string), addr) {
			_, raw, err := te.db.LoadInvitation(context.Background(), inv["id"].(string))
			if err != nil || raw == "" {
				t.Fatalf("LoadInvitation: token %q, %v", raw, err)
			}
			return raw
		}
	}
	t.Fatalf("no invitation to %s", addr)
	return ""
}

// confirmLink returns the token of the confirmation e-mail to addr.
func (te *testEnv) confirmLink(t testing.TB, addr string) string {
	t.Helper()
	q := `SELECT id FROM pending_rsvps WHERE email_norm = ?`
	if te.db.Dialect() == store.Postgres {
		q = `SELECT id FROM pending_rsvps WHERE email_norm = $1`
	}
	var id string
	if err := te.db.SQL().QueryRow(q, domain.NormalizeEmail(addr)).Scan(&id); err != nil {
		t.Fatalf("pending RSVP of %s: %v", addr, err)
	}
	_, raw, err := te.db.LoadConfirmation(context.Background(), id)
	if err != nil || raw == "" {
		t.Fatalf("LoadConfirmation: token %q, %v", raw, err)
	}
	return raw
}

func TestInvitationsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, _ := pageEvent(te, tok, gid, true, map[string]any{"capacity": 1})
		u := storetest.Unique()
		grace, linus := "grace-"+u+"@example.org", "linus-"+u+"@example.org"
		path := "/api/v1/events/" + id + "/invitations"

		r := te.do("POST", path, tok, map[string]any{
			"recipients": []map[string]any{{"email": grace, "name": "Grace"}, {"email": linus}, {"email": strings.ToUpper(grace)}},
			"message":    "We'd love to have you.\nBring a friend.",
		})
		wantStatus(t, r, http.StatusCreated)
		m := r.m(t)
		items := m["items"].([]any)
		if m["invited"] != 2.0 || m["already_invited"] != 1.0 || len(items) != 2 {
			t.Fatalf("first invitation: %s", r.Body)
		}
		if first := items[0].(map[string]any); first["email"] != grace || first["name"] != "Grace" || first["status"] != "queued" {
			t.Fatalf("first item %v", first)
		}
		// The same people again: nothing new is sent.
		r = te.do("POST", path, tok, map[string]any{"recipients": []map[string]any{{"email": linus}}})
		wantStatus(t, r, http.StatusOK)
		if m := r.m(t); m["invited"] != 0.0 || m["already_invited"] != 1.0 {
			t.Fatalf("repeat invitation: %s", r.Body)
		}

		t.Run("BadInput", func(t *testing.T) {
			p := wantProblem(t, te.do("POST", path, tok, map[string]any{"recipients": []map[string]any{{"email": "ok-" + u + "@example.org"}, {"email": "not an address"}}}),
				http.StatusUnprocessableEntity, "")
			if !strings.Contains(fmt.Sprint(p["errors"]), "recipients[1].email") {
				t.Fatalf("field errors %v do not name recipients[1].email", p["errors"])
			}
			wantProblem(t, te.do("POST", path, tok, map[string]any{"recipients": []any{}}), http.StatusUnprocessableEntity, "")
			wantProblem(t, te.do("POST", path, tok, map[string]any{"recipients": []map[string]any{{"email": grace, "role": "x"}}}), http.StatusUnprocessableEntity, "")
			many := make([]map[string]any, domain.MaxInvitationsPerRequest+1)
			for i := range many {
				many[i] = map[string]any{"email": fmt.Sprintf("p%d-%s@example.org", i, u)}
			}
			wantProblem(t, te.do("POST", path, tok, map[string]any{"recipients": many}), http.StatusUnprocessableEntity, "")
			wantProblem(t, te.do("GET", path+"?status=maybe", tok, nil), http.StatusUnprocessableEntity, "")
			// Nothing of that was stored.
			if n := len(listAll(t, te, tok, path+"?limit=200")); n != 2 {
				t.Fatalf("%d invitations after bad requests, want 2", n)
			}
		})

		t.Run("Thousand", func(t *testing.T) {
			// 1,000 recipients make a body well over the 64 KiB of other
			// routes.
			_, slug2 := pageEvent(te, tok, gid, true, nil)
			e2 := te.do("GET", "/api/v1/public/events/"+slug2, "", nil)
			wantStatus(t, e2, http.StatusOK)
			var id2 string
			for _, ev := range listAll(t, te, tok, "/api/v1/groups/"+gid+"/events?limit=200") {
				if ev["slug"] == slug2 {
					id2 = ev["id"].(string)
				}
			}
			many := make([]map[string]any, domain.MaxInvitationsPerRequest)
			for i := range many {
				many[i] = map[string]any{"email": fmt.Sprintf("member%04d-%s@example.org", i, u), "name": fmt.Sprintf("Member number %d of the group", i)}
			}
			r := te.do("POST", "/api/v1/events/"+id2+"/invitations", tok, map[string]any{"recipients": many})
			wantStatus(t, r, http.StatusCreated)
			if m := r.m(t); m["invited"] != 1000.0 {
				t.Fatalf("invited %v of 1000", m["invited"])
			}
			if n := len(listAll(t, te, tok, "/api/v1/events/"+id2+"/invitations?limit=200")); n != 1000 {
				t.Fatalf("listed %d invitations, want 1000", n)
			}
		})

		t.Run("Refused", func(t *testing.T) {
			draft, _ := pageEvent(te, tok, gid, false, nil)
			wantProblem(t, te.do("POST", "/api/v1/events/"+draft+"/invitations", tok, map[string]any{"recipients": []map[string]any{{"email": grace}}}),
				http.StatusConflict, "event_not_published")
			_, other := te.organiser("Mallory")
			wantProblem(t, te.do("POST", path, other, map[string]any{"recipients": []map[string]any{{"email": "m@example.org"}}}), http.StatusNotFound, "")
			wantProblem(t, te.do("GET", path, other, nil), http.StatusNotFound, "")
			wantProblem(t, te.do("GET", path, "", nil), http.StatusUnauthorized, "")
		})

		gTok, lTok := te.invitationLink(t, tok, id, grace), te.invitationLink(t, tok, id, linus)
		t.Run("AnswerByJSON", func(t *testing.T) {
			r := te.do("GET", "/api/v1/public/invitations/"+gTok, "", nil)
			wantStatus(t, r, http.StatusOK)
			if m := r.m(t); m["name"] != "Grace" || m["status"] != "queued" || m["rsvp"] != nil ||
				m["message"] != "We'd love to have you.\nBring a friend." || m["event"].(map[string]any)["seats_left"] != 1.0 {
				t.Fatalf("invitation view %s", r.Body)
			}
			if strings.Contains(string(r.Body), "@") {
				t.Fatalf("the invitation view shows an address: %s", r.Body)
			}
			// Linus has no name on the invitation: he must give one.
			wantProblem(t, te.do("POST", "/api/v1/public/invitations/"+lTok+"/accept", "", nil), http.StatusUnprocessableEntity, "")
			a := te.do("POST", "/api/v1/public/invitations/"+gTok+"/accept", "", nil)
			wantStatus(t, a, http.StatusCreated)
			if m := a.m(t); m["status"] != "going" || m["manage_token"] == "" {
				t.Fatalf("accept: %s", a.Body)
			}
			l := te.do("POST", "/api/v1/public/invitations/"+lTok+"/accept", "", map[string]any{"name": "Linus"})
			wantStatus(t, l, http.StatusCreated)
			if m := l.m(t); m["status"] != "waitlisted" || m["waitlist_position"] != 1.0 {
				t.Fatalf("second accept on a full event: %s", l.Body)
			}
			// Saying yes twice: the same RSVP, the same link.
			again := te.do("POST", "/api/v1/public/invitations/"+gTok+"/accept", "", nil)
			wantStatus(t, again, http.StatusOK)
			am := again.m(t)
			if am["id"] != a.m(t)["id"] || am["manage_token"] != a.m(t)["manage_token"] {
				t.Fatalf("accepting twice: %s then %s", a.Body, again.Body)
			}
			wantStatus(t, te.do("GET", "/api/v1/rsvps/"+am["manage_token"].(string), "", nil), http.StatusOK)
			// Grace declines after all: her seat goes to Linus.
			d := te.do("POST", "/api/v1/public/invitations/"+gTok+"/decline", "", nil)
			wantStatus(t, d, http.StatusOK)
			if m := d.m(t); m["status"] != "declined" || m["rsvp"] != nil {
				t.Fatalf("decline: %s", d.Body)
			}
			if going, waiting := counts(te, tok, id); going != 1 || waiting != 0 {
				t.Fatalf("counts %d/%d after the decline, want 1/0", going, waiting)
			}
			lm := te.do("GET", "/api/v1/rsvps/"+l.m(t)["manage_token"].(string), "", nil)
			if lm.m(t)["status"] != "going" {
				t.Fatalf("Linus after Grace declined: %s", lm.Body)
			}
			// The organiser sees each answer.
			byEmail := map[string]map[string]any{}
			for _, inv := range listAll(t, te, tok, path+"?limit=200") {
				byEmail[inv["email"].(string)] = inv
			}
			if byEmail[grace]["status"] != "declined" || byEmail[linus]["status"] != "accepted" || byEmail[linus]["rsvp_id"] == nil {
				t.Fatalf("organiser's list: %v", byEmail)
			}
			if n := len(listAll(t, te, tok, path+"?status=declined")); n != 1 {
				t.Fatalf("status=declined lists %d", n)
			}
			wantProblem(t, te.do("GET", "/api/v1/public/invitations/"+strings.Repeat("x", 43), "", nil), http.StatusNotFound, "invitation_not_found")
		})
	})
}

var rsvpLocationRE = regexp.MustCompile(`^/r/([A-Za-z0-9_-]{20,100})(\?new=1)?$`)

func TestInvitationPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 5, "kind": "live_session", "venue": nil,
			"online_url": "https://meet.example.org/j/essentials"})
		u := storetest.Unique()
		grace, linus := "grace-"+u+"@example.org", "linus-"+u+"@example.org"
		wantStatus(t, te.do("POST", "/api/v1/events/"+id+"/invitations", tok, map[string]any{
			"recipients": []map[string]any{{"email": grace, "name": "Grace <b>Hopper</b>"}, {"email": linus, "name": "Linus"}},
			"message":    "Join us for the quarterly essentials session.",
		}), http.StatusCreated)
		gTok := te.invitationLink(t, tok, id, grace)
		pc := newPageClient(t, te)

		p := pc.get("/i/" + gTok)
		wantPage(t, p, http.StatusOK)
		wantText(t, p, "Invitation from", "Essentials: what you need to know", "Hi Grace <b>Hopper</b>, you are invited.",
			"Join us for the quarterly essentials session.", pageWhen,
			"Yes, I'll come</button>", "No, thanks</button>",
			`action="/i/`+gTok+`/accept#answer"`, `action="/i/`+gTok+`/decline"`)
		// The organiser's text is escaped, in the text and in the form.
		if !strings.Contains(p.Body, `value="Grace &lt;b&gt;Hopper&lt;/b&gt;"`) || strings.Contains(p.Body, "<b>Hopper") {
			t.Errorf("the invitee's name is not escaped:\n%s", p.Body)
		}
		wantNoText(t, p, grace, linus, "Linus", "meet.example.org")
		// The e-mail's "I'll come" and "Not this time" links open the page
		// with that one answer offered (a link never answers by itself).
		picked := pc.get("/i/" + gTok + "?answer=yes")
		wantText(t, picked, "Yes, I'll come</button>", "Can't come this time?")
		wantNoText(t, picked, "No, thanks</button>")
		picked = pc.get("/i/" + gTok + "?answer=no")
		wantText(t, picked, "No, thanks</button>", "Changed your mind? Say yes instead")
		wantNoText(t, picked, "Yes, I'll come</button>")
		for name, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
			if got := p.Header.Get(name); got != want {
				t.Errorf("%s %q on the invitation page", name, got)
			}
		}

		// A post without the form's token changes nothing.
		wantPage(t, pc.post("/i/"+gTok+"/accept", url.Values{"name": {"Grace"}}), http.StatusForbidden)
		if going, _ := counts(te, tok, id); going != 0 {
			t.Fatalf("a refused form made an RSVP")
		}
		// A name is required.
		bad := pc.post("/i/"+gTok+"/accept", url.Values{"_csrf": {p.csrf(t)}, "name": {"  "}})
		wantPage(t, bad, http.StatusUnprocessableEntity)
		wantText(t, bad, "Please check the form")

		r := pc.post("/i/"+gTok+"/accept", url.Values{"_csrf": {p.csrf(t)}, "name": {"Grace Hopper"}})
		loc := rsvpLocationRE.FindStringSubmatch(r.Header.Get("Location"))
		if r.Status != http.StatusSeeOther || loc == nil || loc[2] == "" {
			t.Fatalf("accept: %d to %q", r.Status, r.Header.Get("Location"))
		}
		rp := pc.get("/r/" + loc[1] + "?new=1")
		wantPage(t, rp, http.StatusOK)
		// The join link is the personal /j/ link, never the meeting's own.
		wantText(t, rp, "You're going.", "Replied as Grace Hopper ("+grace+")", `href="/j/`+domain.JoinTokenOf(loc[1])+`"`)
		wantNoText(t, rp, "meet.example.org")

		// The invitation now says so, with the way to the RSVP.
		again := pc.get("/i/" + gTok)
		wantPage(t, again, http.StatusOK)
		wantText(t, again, "You said yes. You're going.", `action="/i/`+gTok+`/rsvp"`, "See your RSVP</button>", "No, I can't come</button>")
		wantNoText(t, again, "Yes, I'll come")
		back := pc.post("/i/"+gTok+"/rsvp", url.Values{"_csrf": {again.csrf(t)}})
		if back.Status != http.StatusSeeOther || back.Header.Get("Location") != "/r/"+loc[1] {
			t.Fatalf("POST /i/{token}/rsvp: %d to %q, want /r/%s", back.Status, back.Header.Get("Location"), loc[1])
		}
		// Saying yes again while going sends no e-mail, so the RSVP page
		// it leads to does not say one is on its way.
		yes := pc.post("/i/"+gTok+"/accept", url.Values{"_csrf": {again.csrf(t)}, "name": {"Grace Hopper"}})
		if yes.Status != http.StatusSeeOther || yes.Header.Get("Location") != "/r/"+loc[1] {
			t.Fatalf("yes again: %d to %q, want /r/%s without ?new=1", yes.Status, yes.Header.Get("Location"), loc[1])
		}
		wantNoText(t, pc.get(yes.Header.Get("Location")), "We are sending you an e-mail")
		// Following the old link only shows the invitation.
		if old := pc.get("/i/" + gTok + "/rsvp"); old.Status != http.StatusSeeOther || old.Header.Get("Location") != "/i/"+gTok {
			t.Fatalf("GET /i/{token}/rsvp: %d to %q", old.Status, old.Header.Get("Location"))
		}

		// Linus says no.
		lTok := te.invitationLink(t, tok, id, linus)
		lp := pc.get("/i/" + lTok)
		no := pc.post("/i/"+lTok+"/decline", url.Values{"_csrf": {lp.csrf(t)}})
		wantPage(t, no, http.StatusOK)
		wantText(t, no, "Thanks for letting us know", "We told the organisers")
		wantText(t, pc.get("/i/"+lTok), "You said no, thanks.", "Yes, I'll come</button>")
		if going, _ := counts(te, tok, id); going != 1 {
			t.Fatalf("going %d, want 1 (Grace)", going)
		}

		nf := pc.get("/i/" + strings.Repeat("A", 43))
		wantPage(t, nf, http.StatusNotFound)
		wantText(t, nf, "We can't find that invitation")
		_ = slug
	})
}

func TestEmailConfirmation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 1, "rsvp_confirmation": "email"})
		u := storetest.Unique()
		grace, linus, mary := "grace-"+u+"@example.org", "linus-"+u+"@example.org", "mary-"+u+"@example.org"

		ev := te.do("GET", "/api/v1/public/events/"+slug, "", nil)
		if ev.m(t)["rsvp_confirmation"] != "email" {
			t.Fatalf("public event: %s", ev.Body)
		}
		// By JSON: pending, and no seat taken.
		r := te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Linus", "email": linus})
		wantStatus(t, r, http.StatusAccepted)
		if m := r.m(t); m["status"] != "pending" || m["manage_token"] != nil {
			t.Fatalf("pending RSVP: %s", r.Body)
		}
		// By the form: the page says to check the mail, and nothing else.
		pc := newPageClient(t, te)
		e := pc.get("/e/" + slug)
		wantText(t, e, "We will e-mail you a link to confirm your reply")
		f := pc.post("/e/"+slug+"/rsvp", url.Values{"_csrf": {e.csrf(t)}, "name": {"Grace"}, "email": {grace}})
		wantPage(t, f, http.StatusOK)
		wantText(t, f, "Almost done: we sent a link to "+grace, "no place is held for you", "1 seat left")
		if going, waiting := counts(te, tok, id); going != 0 || waiting != 0 {
			t.Fatalf("counts %d/%d with two pending RSVPs, want 0/0", going, waiting)
		}
		if n := len(listAll(t, te, tok, "/api/v1/events/"+id+"/rsvps")); n != 0 {
			t.Fatalf("%d RSVPs listed before any confirmation", n)
		}

		// Grace opens her link: a page with one button; opening it changes nothing.
		gTok := te.confirmLink(t, grace)
		c := pc.get("/c/" + gTok)
		wantPage(t, c, http.StatusOK)
		wantText(t, c, "Confirm your RSVP", "Grace, one more step", "Confirm my RSVP</button>", "This link works until ")
		if c.Header.Get("Cache-Control") != "no-store" || c.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("confirm page headers: %v", c.Header)
		}
		if going, _ := counts(te, tok, id); going != 0 {
			t.Fatal("opening the link took a seat")
		}
		done := pc.post("/c/"+gTok, url.Values{"_csrf": {c.csrf(t)}})
		loc := rsvpLocationRE.FindStringSubmatch(done.Header.Get("Location"))
		if done.Status != http.StatusSeeOther || loc == nil || loc[2] == "" {
			t.Fatalf("confirm: %d to %q", done.Status, done.Header.Get("Location"))
		}
		wantText(t, pc.get("/r/"+loc[1]+"?new=1"), "You're going.", "Replied as Grace ("+grace+")")
		// Clicking again opens the same RSVP.
		twice := pc.post("/c/"+gTok, url.Values{"_csrf": {c.csrf(t)}})
		loc2 := rsvpLocationRE.FindStringSubmatch(twice.Header.Get("Location"))
		if twice.Status != http.StatusSeeOther || loc2 == nil || loc2[2] != "" {
			t.Fatalf("second confirm: %d to %q", twice.Status, twice.Header.Get("Location"))
		}
		if going, _ := counts(te, tok, id); going != 1 {
			t.Fatalf("going %d after confirming twice, want 1", going)
		}

		// Linus confirms by JSON: the only seat is gone, so the waitlist.
		l := te.do("POST", "/api/v1/public/confirmations/"+te.confirmLink(t, linus), "", nil)
		wantStatus(t, l, http.StatusCreated)
		if m := l.m(t); m["status"] != "waitlisted" || m["waitlist_position"] != 1.0 {
			t.Fatalf("Linus confirmed: %s", l.Body)
		}

		// Mary never confirms in time.
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Mary", "email": mary}), http.StatusAccepted)
		mTok := te.confirmLink(t, mary)
		storetest.ClockOf(t, db).Advance(domain.PendingTTL + time.Minute)
		ex := pc.get("/c/" + mTok)
		wantPage(t, ex, http.StatusGone)
		wantText(t, ex, "This confirmation link has expired", "RSVP again")
		wantProblem(t, te.do("POST", "/api/v1/public/confirmations/"+mTok, "", nil), http.StatusGone, "confirmation_expired")
		if going, waiting := counts(te, tok, id); going != 1 || waiting != 1 {
			t.Fatalf("counts %d/%d after an expired confirmation, want 1/1", going, waiting)
		}
		// Mary's request goes, and so do the two confirmed ones: their
		// RSVPs have links of their own.
		if n, err := db.PurgeExpired(context.Background()); err != nil || n != 3 {
			t.Fatalf("purge: %d, %v; want 3", n, err)
		}
		wantText(t, pc.get("/r/"+loc[1]), "You're going")
		nf := pc.get("/c/" + mTok)
		wantPage(t, nf, http.StatusNotFound)
		wantText(t, nf, "We can't find that confirmation link")
	})
}

func TestDataExportAndErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, tok := te.organiser("Ada")
		gid, _ := pageGroup(te, tok, "Oslo .NET User Group", "")
		id, slug := pageEvent(te, tok, gid, true, map[string]any{"capacity": 1})
		u := storetest.Unique()
		grace := "grace-" + u + "@example.org"
		pc := newPageClient(t, te)
		g := pc.rsvp(slug, "Grace Hopper", grace)
		l := pc.rsvp(slug, "Linus", "linus-"+u+"@example.org")

		rp := pc.get("/r/" + g)
		wantText(t, rp, "Your data", `href="/api/v1/rsvps/`+g+`/data"`, "Download my data (JSON)", `href="/r/`+g+`/erase"`)

		x := te.do("GET", "/api/v1/rsvps/"+g+"/data", "", nil)
		wantStatus(t, x, http.StatusOK)
		if cd := x.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Errorf("Content-Disposition %q", cd)
		}
		xm := x.m(t)
		if r := xm["rsvp"].(map[string]any); r["email"] != grace || r["name"] != "Grace Hopper" || r["status"] != "going" {
			t.Fatalf("export: %s", x.Body)
		}
		if em := xm["emails"].([]any); len(em) != 1 || em[0].(map[string]any)["kind"] != "going" {
			t.Fatalf("export lists e-mails %v, want the one invite", xm["emails"])
		}
		if strings.Contains(string(x.Body), "linus") {
			t.Fatalf("Grace's export shows another attendee: %s", x.Body)
		}

		confirm := pc.get("/r/" + g + "/erase")
		wantPage(t, confirm, http.StatusOK)
		wantText(t, confirm, "Erase your data?", "Grace Hopper", grace, "This also gives up your place", "Yes, erase my data</button>")
		wantPage(t, pc.post("/r/"+g+"/erase", url.Values{}), http.StatusForbidden) // no CSRF token
		done := pc.post("/r/"+g+"/erase", url.Values{"_csrf": {confirm.csrf(t)}})
		wantPage(t, done, http.StatusOK) // the erasure happened; the links now say 410
		wantText(t, done, "Your data has been erased")
		wantNoText(t, done, grace, "Grace Hopper")

		gone := pc.get("/r/" + g)
		wantPage(t, gone, http.StatusGone)
		wantNoText(t, gone, grace, "Grace Hopper")
		wantProblem(t, te.do("GET", "/api/v1/rsvps/"+g, "", nil), http.StatusGone, "rsvp_erased")
		wantProblem(t, te.do("GET", "/api/v1/rsvps/"+g+"/data", "", nil), http.StatusGone, "rsvp_erased")
		wantProblem(t, te.do("DELETE", "/api/v1/rsvps/"+g, "", nil), http.StatusGone, "rsvp_erased")
		wantStatus(t, te.do("DELETE", "/api/v1/rsvps/"+g+"/data", "", nil), http.StatusNoContent) // twice is harmless

		// The organiser still counts the reply, but cannot see who; the seat
		// went to Linus.
		var erased map[string]any
		for _, r := range listAll(t, te, tok, "/api/v1/events/"+id+"/rsvps") {
			if r["name"] == "" {
				erased = r
			}
			if strings.Contains(fmt.Sprint(r), grace) {
				t.Fatalf("the organiser still sees Grace's address: %v", r)
			}
		}
		if erased == nil || erased["status"] != "cancelled" {
			t.Fatalf("erased RSVP in the organiser's list: %v", erased)
		}
		wantText(t, pc.get("/r/"+l), "You're going")
		for _, d := range listAll(t, te, tok, "/api/v1/events/"+id+"/deliveries") {
			if d["rsvp_id"] == erased["id"] && d["status"] == "queued" {
				t.Fatalf("an e-mail to the erased attendee is still queued: %v", d)
			}
		}
		// The address may reply again, as anyone.
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Grace", "email": grace}), http.StatusCreated)
	})
}
