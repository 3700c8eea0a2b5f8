package web

import (
	"context"
	"database/sql"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications"
	"github.com/convene/convene/notifications/mail"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// askForSignIn asks for a sign-in link for addr from a browser whose
// Accept-Language is accept, as a person does: the sign-in page, then its
// form. It returns the sign-in page's <html lang>.
func askForSignIn(t *testing.T, ce *consoleEnv, accept, addr string) string {
	t.Helper()
	b := ce.browser()
	req, err := http.NewRequest(http.MethodGet, ce.base+"/manage/sign-in", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", accept)
	form := b.do(req)
	m := htmlLangRE.FindStringSubmatch(form.Body)
	if m == nil {
		t.Fatalf("the sign-in page has no <html lang>:\n%s", form.Body)
	}
	req, err = http.NewRequest(http.MethodPost, ce.base+"/manage/sign-in",
		strings.NewReader(url.Values{"email": {addr}, "_csrf": {b.csrf}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", accept)
	if p := b.do(req); p.Status != http.StatusOK {
		t.Fatalf("asking for a link: %d\n%s", p.Status, p.text())
	}
	return m[1]
}

// signInJobLocales are the "locale" arguments of the sign-in e-mails
// queued for the organiser, as stored; an invalid one is a job without
// that argument.
func signInJobLocales(t *testing.T, db *store.DB, o domain.Organiser) []sql.NullString {
	t.Helper()
	rows, err := db.SQL().QueryContext(ctx, `SELECT j.args->>'locale' FROM river_job j JOIN sign_in_links l ON l.id = j.args->>'link_id'
		WHERE j.kind = 'send_sign_in' AND l.organiser_id = $1`, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sql.NullString
	for rows.Next() {
		var locale sql.NullString
		if err := rows.Scan(&locale); err != nil {
			t.Fatal(err)
		}
		out = append(out, locale)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSignInJobCarriesLanguage: a sign-in link asked for from a browser
// that reads German is queued with the language the sign-in page spoke
// ("de"); one asked for in English, or in a language Convene does not
// speak, is queued as before, without a language.
func TestSignInJobCarriesLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ce := newConsoleEnv(t, db)
		for _, c := range []struct{ accept, page, locale string }{
			{"de-DE,de;q=0.9,en;q=0.8", "de", "de"},
			{"pt-br", "pt-BR", "pt-BR"},
			{"en-GB,en;q=0.9", "en", ""},
			{"ko", "en", ""},
		} {
			o := ce.organiser("Ada")
			if page := askForSignIn(t, ce, c.accept, strings.ToUpper(o.Email)); page != c.page {
				t.Errorf("%s: the sign-in page speaks %s, want %s", c.accept, page, c.page)
			}
			locales := signInJobLocales(t, db, o)
			if len(locales) != 1 {
				t.Fatalf("%s: %d sign-in e-mails queued, want 1", c.accept, len(locales))
			}
			switch l := locales[0]; {
			case c.locale == "" && l.Valid:
				t.Errorf("%s: the job has a language, %q (English jobs are as they were)", c.accept, l.String)
			case c.locale != "" && l.String != c.locale:
				t.Errorf("%s: the job's language is %q, want %s", c.accept, l.String, c.locale)
			}
		}
	})
}

// sentMails is a mail.Sender that keeps what it is given.
type sentMails struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (s *sentMails) Send(_ context.Context, msgs []mail.Message) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, msgs...)
	return make([]error, len(msgs))
}

// to waits for the message to addr.
func (s *sentMails) to(t *testing.T, addr string) mail.Message {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		s.mu.Lock()
		for _, m := range s.msgs {
			if m.To.Address == addr {
				s.mu.Unlock()
				return m
			}
		}
		s.mu.Unlock()
	}
	t.Fatalf("no e-mail to %s", addr)
	return mail.Message{}
}

// TestSignInEmailInBrowserLanguage: the sign-in e-mail speaks the
// language of the browser that asked for it, through the job queue and
// its worker: German for a German browser, Arabic right to left for an
// Arabic one, and English, as it always was, for an English one. (SQLite:
// the workers take every job of the database they run on.)
func TestSignInEmailInBrowserLanguage(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ce := newConsoleEnv(t, db)
	sent := &sentMails{}
	workers := river.NewWorkers()
	notifications.Register(workers, db, sent, notifications.Config{BaseURL: "https://convene.example",
		From: netmail.Address{Address: "events@convene.example"}, Clock: db.Clock()})
	rc, err := river.NewClient(db.JobDriver(), &river.Config{
		Workers: workers, Queues: map[string]river.QueueConfig{domain.QueueEmail: {MaxWorkers: 2}},
		FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond,
		Test: river.TestConfig{Time: db.JobTime()},
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	if err := rc.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = rc.Stop(stop)
		cancel()
	})

	for _, c := range []struct {
		accept string
		want   []string
	}{
		{"de-DE,de;q=0.9", []string{"Bei Convene anmelden", `<html lang="de" dir="ltr">`, "Hallo Ada,",
			"Melde dich mit diesem Link bei der Convene-Konsole auf convene.example an:", "in den nächsten 15 Minuten", ">Anmelden</a>"}},
		{"ar", []string{"تسجيل الدخول إلى Convene", `<html lang="ar" dir="rtl">`, "مرحبًا Ada،", "لمدة 15 دقيقة",
			`<body style="margin:0;padding:0;background-color:#f4f4f5;" dir="rtl">`}},
		{"en-GB", []string{"Sign in to Convene", `<html lang="en">`, "Hi Ada,",
			"Sign in to the Convene console at convene.example with this link:", "It works once, for the next 15 minutes.", ">Sign in</a>"}},
	} {
		o := ce.organiser("Ada")
		askForSignIn(t, ce, c.accept, o.Email)
		m := sent.to(t, o.Email)
		all := m.Subject + "\n" + m.Text + "\n" + m.HTML
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: %q is not in the sign-in e-mail:\n%s", c.accept, w, all)
			}
		}
		if !strings.Contains(m.Text, "https://convene.example/manage/sign-in/") {
			t.Errorf("%s: the e-mail has no sign-in link:\n%s", c.accept, m.Text)
		}
	}
}
