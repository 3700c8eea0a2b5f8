package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var ctx = context.Background()

// consoleEnv is the website over a real database on loopback, for the
// console's tests. Its browsers are http.Clients with their own cookies
// that do not follow redirects, so that a test sees each answer.
type consoleEnv struct {
	t    testing.TB
	db   *store.DB
	srv  *httptest.Server
	base string
	web  *Server
}

func newConsoleEnv(t testing.TB, db *store.DB, baseURL ...string) *consoleEnv {
	t.Helper()
	ce := &consoleEnv{t: t, db: db}
	ce.srv = httptest.NewUnstartedServer(nil)
	ce.base = "http://" + ce.srv.Listener.Addr().String()
	cfgBase := ce.base
	if len(baseURL) > 0 {
		cfgBase = baseURL[0]
	}
	w, err := New(db, Config{BaseURL: cfgBase, Clock: db.Clock()})
	if err != nil {
		t.Fatal(err)
	}
	ce.web = w
	ce.srv.Config.Handler = w.Handler()
	ce.srv.Start()
	t.Cleanup(ce.srv.Close)
	return ce
}

// browser is one browser: its cookies, and the CSRF token its forms send.
type browser struct {
	ce   *consoleEnv
	c    *http.Client
	csrf string
}

func (ce *consoleEnv) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		ce.t.Fatal(err)
	}
	return &browser{ce: ce, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is an answer, read.
type page struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.ce.t.Helper()
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/140.0")
	res, err := b.c.Do(req)
	if err != nil {
		b.ce.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.ce.t.Fatal(err)
	}
	p := page{Status: res.StatusCode, Header: res.Header, Body: string(body), Location: res.Header.Get("Location")}
	if m := csrfRE.FindStringSubmatch(p.Body); m != nil {
		b.csrf = m[1]
	}
	return p
}

// get opens a page.
func (b *browser) get(path string) page {
	b.ce.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.ce.base+path, nil)
	if err != nil {
		b.ce.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form with the browser's CSRF token (getting one first).
func (b *browser) post(path string, form url.Values) page {
	b.ce.t.Helper()
	if b.csrf == "" {
		b.get("/manage/sign-in")
	}
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", b.csrf)
	return b.postRaw(path, f)
}

// postRaw sends a form as it is.
func (b *browser) postRaw(path string, form url.Values) page {
	b.ce.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.ce.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.ce.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs the browser in as the organiser with a printed link, the
// way a person who followed an e-mailed one does.
func (b *browser) signIn(o domain.Organiser) {
	b.ce.t.Helper()
	raw, err := b.ce.db.CreateSignInLink(ctx, o.ID)
	if err != nil {
		b.ce.t.Fatal(err)
	}
	link := "/manage/sign-in/" + raw
	if p := b.get(link); p.Status != http.StatusOK {
		b.ce.t.Fatalf("sign-in link page: %d", p.Status)
	}
	if p := b.post(link, nil); p.Status != http.StatusSeeOther || p.Location != "/manage/" {
		b.ce.t.Fatalf("signing in: %d to %q", p.Status, p.Location)
	}
}

// organiser makes an organiser with a unique address.
func (ce *consoleEnv) organiser(name string) domain.Organiser {
	ce.t.Helper()
	o, err := ce.db.CreateOrganiser(ctx, strings.ToLower(name)+"-"+storetest.Unique()+"@example.org", name)
	if err != nil {
		ce.t.Fatal(err)
	}
	return o
}

// group makes a group owned by the organiser.
func (ce *consoleEnv) group(owner domain.Organiser, name string) domain.Group {
	ce.t.Helper()
	g, err := ce.db.CreateGroup(ctx, owner.ID, domain.Group{Slug: "g-" + storetest.Unique(), Name: name, TimeZone: "Europe/Oslo"})
	if err != nil {
		ce.t.Fatal(err)
	}
	return g
}

// text is the page's text without tags and with spaces collapsed, as a
// person reads it.
func (p page) text() string {
	s := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(p.Body, " ")
	return strings.Join(strings.Fields(s), " ")
}
