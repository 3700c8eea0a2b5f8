package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// signInJobs counts the sign-in e-mails queued.
func signInJobs(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE kind = 'send_sign_in'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSignInRequest: asking for a sign-in link answers the same page
// whether or not the address is an organiser's, e-mails a link only to an
// organiser, and at most domain.SignInLinksPerHour an hour to one address.
func TestSignInRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		o := ce.organiser("Ada")
		b := ce.browser()
		before := signInJobs(t, db)
		known := b.post("/manage/sign-in", url.Values{"email": {strings.ToUpper(o.Email)}})
		unknown := b.post("/manage/sign-in", url.Values{"email": {"nobody-" + storetest.Unique() + "@example.org"}})
		if known.Status != 200 || unknown.Status != 200 {
			t.Fatalf("answers %d and %d, want 200", known.Status, unknown.Status)
		}
		norm := func(p page, addr string) string { return strings.ReplaceAll(p.text(), addr, "ADDRESS") }
		if norm(known, strings.ToUpper(o.Email)) != norm(unknown, strings.Fields(strings.SplitN(unknown.text(), "If ", 2)[1])[0]) {
			t.Errorf("the answers differ:\n%s\n%s", known.text(), unknown.text())
		}
		if !strings.Contains(known.text(), "If "+strings.ToUpper(o.Email)+" belongs to an organiser, we have e-mailed a sign-in link") {
			t.Errorf("the answer does not say what happens: %s", known.text())
		}
		if n := signInJobs(t, db) - before; n != 1 {
			t.Fatalf("%d sign-in e-mails queued, want 1 (for the organiser only)", n)
		}
		for range domain.SignInLinksPerHour + 2 {
			if p := b.post("/manage/sign-in", url.Values{"email": {o.Email}}); p.Status != 200 {
				t.Fatalf("asking again: %d", p.Status)
			}
		}
		if n := signInJobs(t, db) - before; n != domain.SignInLinksPerHour {
			t.Errorf("%d sign-in e-mails queued after many requests, want %d", n, domain.SignInLinksPerHour)
		}
		storetest.ClockOf(t, db).Advance(time.Hour + time.Minute)
		b.post("/manage/sign-in", url.Values{"email": {o.Email}})
		if n := signInJobs(t, db) - before; n != domain.SignInLinksPerHour+1 {
			t.Errorf("an hour later: %d e-mails queued in all, want %d", n, domain.SignInLinksPerHour+1)
		}
		bad := b.post("/manage/sign-in", url.Values{"email": {"not an address"}})
		if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.text(), "The e-mail address") {
			t.Errorf("a malformed address: %d %s", bad.Status, bad.text())
		}
	})
}

// TestSignInLink: following the link changes nothing (mail scanners follow
// links); the button signs in once; the link stops working after
// domain.SignInLinkLifetime.
func TestSignInLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		o := ce.organiser("Ada")
		raw, err := db.CreateSignInLink(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		link := "/manage/sign-in/" + raw
		scanner, b := ce.browser(), ce.browser()
		for range 3 {
			if p := scanner.get(link); p.Status != 200 || !strings.Contains(p.text(), "You are signing in as "+o.Email) {
				t.Fatalf("following the link: %d %s", p.Status, p.text())
			}
		}
		if p := scanner.get("/manage/"); p.Status != http.StatusSeeOther {
			t.Fatalf("following the link signed in: %d", p.Status)
		}
		b.get(link)
		if p := b.post(link, nil); p.Status != http.StatusSeeOther || p.Location != "/manage/" {
			t.Fatalf("the button: %d to %q", p.Status, p.Location)
		}
		if p := b.get("/manage/"); p.Status != 200 || !strings.Contains(p.text(), "Sign out Ada") {
			t.Fatalf("signed in, the console: %d %s", p.Status, p.text())
		}
		again := ce.browser()
		if p := again.post(link, nil); p.Status != http.StatusGone || !strings.Contains(p.text(), "This sign-in link no longer works") {
			t.Errorf("the link a second time: %d %s", p.Status, p.text())
		}
		if p := again.get(link); p.Status != http.StatusGone {
			t.Errorf("the used link's page: %d", p.Status)
		}

		raw, err = db.CreateSignInLink(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		late := ce.browser()
		late.get("/manage/sign-in/" + raw)
		storetest.ClockOf(t, db).Advance(domain.SignInLinkLifetime + time.Second)
		if p := late.post("/manage/sign-in/"+raw, nil); p.Status != http.StatusGone {
			t.Errorf("an expired link: %d", p.Status)
		}
	})
}

// TestSessionEnds: a session ends after domain.SessionIdleTimeout unused
// and after domain.SessionLifetime however much it is used; the next page
// asks to sign in again.
func TestSessionEnds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		clock := storetest.ClockOf(t, db)
		o := ce.organiser("Ada")

		idle := ce.browser()
		idle.signIn(o)
		clock.Advance(domain.SessionIdleTimeout - time.Minute)
		if p := idle.get("/manage/"); p.Status != 200 {
			t.Fatalf("used within the idle time: %d", p.Status)
		}
		clock.Advance(domain.SessionIdleTimeout - time.Minute)
		if p := idle.get("/manage/"); p.Status != 200 {
			t.Fatalf("used again within the idle time: %d", p.Status)
		}
		clock.Advance(domain.SessionIdleTimeout + time.Minute)
		if p := idle.get("/manage/account"); p.Status != http.StatusSeeOther || p.Location != "/manage/sign-in?next=%2Fmanage%2Faccount" {
			t.Errorf("after the idle time: %d to %q", p.Status, p.Location)
		}

		busy := ce.browser()
		busy.signIn(o)
		for used := time.Duration(0); used < domain.SessionLifetime-12*time.Hour; used += 12 * time.Hour {
			clock.Advance(12 * time.Hour)
			if p := busy.get("/manage/"); p.Status != 200 {
				t.Fatalf("used every 12 hours, %v in: %d", used, p.Status)
			}
		}
		clock.Advance(12*time.Hour + time.Minute)
		if p := busy.get("/manage/"); p.Status != http.StatusSeeOther {
			t.Errorf("after the session's lifetime: %d", p.Status)
		}
	})
}

// TestSignOut: signing out ends this browser's session only; the account
// page lists where one is signed in and signs another browser out; "sign
// out everywhere" ends every session.
func TestSignOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		o := ce.organiser("Ada")
		laptop, phone, tablet := ce.browser(), ce.browser(), ce.browser()
		laptop.signIn(o)
		phone.signIn(o)
		tablet.signIn(o)

		acc := laptop.get("/manage/account")
		if n := strings.Count(acc.text(), "with a sign-in link"); n != 3 {
			t.Fatalf("the account lists %d browsers, want 3: %s", n, acc.text())
		}
		if n := strings.Count(acc.Body, "this browser"); n != 1 {
			t.Errorf("%d sessions marked as this browser", n)
		}
		if p := phone.post("/manage/sign-out", nil); p.Status != http.StatusSeeOther || p.Location != "/manage/sign-in?done=signed-out" {
			t.Fatalf("sign out: %d to %q", p.Status, p.Location)
		}
		if p := phone.get("/manage/"); p.Status != http.StatusSeeOther {
			t.Errorf("signed out, the console: %d", p.Status)
		}
		if p := laptop.get("/manage/"); p.Status != 200 {
			t.Errorf("another browser's sign-out signed this one out: %d", p.Status)
		}

		sessions, err := db.ListSessions(ctx, o.ID)
		if err != nil || len(sessions) != 2 {
			t.Fatalf("sessions after one signed out: %v %v", sessions, err)
		}
		tabletID := sessions[0].ID // the laptop signed in first: the tablet's is the later one
		if sessions[1].CreatedAt.After(sessions[0].CreatedAt) {
			tabletID = sessions[1].ID
		}
		if !strings.Contains(laptop.get("/manage/account").Body, "/manage/account/sessions/"+tabletID+"/end") {
			t.Errorf("the tablet's session is not listed")
		}
		if p := laptop.post("/manage/account/sessions/"+tabletID+"/end", nil); p.Location != "/manage/account?done=session-ended#sessions" {
			t.Errorf("signing the tablet out: %d to %q", p.Status, p.Location)
		}
		if p := tablet.get("/manage/"); p.Status != http.StatusSeeOther {
			t.Errorf("the tablet signed out from the list can still use the console: %d", p.Status)
		}

		phone.signIn(o)
		if p := laptop.post("/manage/account/sign-out-everywhere", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("sign out everywhere: %d", p.Status)
		}
		for name, b := range map[string]*browser{"laptop": laptop, "phone": phone} {
			if p := b.get("/manage/"); p.Status != http.StatusSeeOther {
				t.Errorf("after signing out everywhere, the %s: %d", name, p.Status)
			}
		}
	})
}

// TestSessionCookie: the session cookie is HttpOnly and SameSite=Lax, and
// over https it is __Host- prefixed and Secure; the raw token is not what
// the database keeps.
func TestSessionCookie(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	for _, base := range []string{"", "https://events.example.org"} {
		var ce *consoleEnv
		if base == "" {
			ce = newConsoleEnv(t, db)
		} else {
			ce = newConsoleEnv(t, db, base)
		}
		o := ce.organiser("Ada")
		raw, err := db.CreateSignInLink(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		b := ce.browser()
		b.get("/manage/sign-in/" + raw)
		p := b.post("/manage/sign-in/"+raw, nil)
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: p.Header}).Cookies() {
			if strings.HasSuffix(c.Name, "convene_session") {
				cookie = c
			}
		}
		if cookie == nil {
			t.Fatalf("%s: no session cookie in %v", base, p.Header["Set-Cookie"])
		}
		wantName, wantSecure := "convene_session", false
		if base != "" {
			wantName, wantSecure = "__Host-convene_session", true
		}
		if cookie.Name != wantName || cookie.Secure != wantSecure || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode ||
			cookie.Path != "/" || cookie.Domain != "" {
			t.Errorf("%s: cookie %+v", base, cookie)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE token_hash = ? OR id = ?`, cookie.Value, cookie.Value).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("the database keeps the raw session token")
		}
	}
}
