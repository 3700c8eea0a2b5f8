package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestProblemCodesHaveMessages: every code a problem can carry — the
// domain's classes and reasons (read from its sources) and the HTTP
// statuses the API answers with — has its message in the catalogues, and
// the catalogues hold no problem message for a code that no longer exists.
func TestProblemCodesHaveMessages(t *testing.T) {
	files, err := filepath.Glob("../domain/*.go")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || len(vs.Names) != 1 || len(vs.Values) != 1 {
				return true
			}
			name := vs.Names[0].Name
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING || !(strings.HasPrefix(name, "Reason") || regexp.MustCompile(`^E[A-Z]+$`).MatchString(name)) {
				return true
			}
			v, _ := strconv.Unquote(lit.Value)
			codes["problem."+v] = true
			return true
		})
	}
	if len(codes) < 60 {
		t.Fatalf("found %d codes in the domain's sources", len(codes))
	}
	for _, s := range []int{400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 429, 500, 503} {
		codes["problem.status."+strconv.Itoa(s)] = true
	}
	codes["problem.not_found"] = true // Echo's 404
	for id := range codes {
		if !i18n.Has(id) {
			t.Errorf("no message %s", id)
		}
	}
	for _, id := range i18n.IDs() {
		if strings.HasPrefix(id, "problem.") && !codes[id] {
			t.Errorf("%s: no such code", id)
		}
	}
}

// TestPublicProblemsInTheirLanguage: the problems of attendees' endpoints
// speak the language Accept-Language asks for — title, detail and field
// messages — with the code and field names in English, and English
// answers unchanged; the organisers' API stays English.
func TestPublicProblemsInTheirLanguage(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	te := newTestEnv(t, db)
	_, tok := te.organiser("Ada")
	gid := te.group(tok)
	_, slug := te.event(tok, gid, nil, true)
	ask := func(method, path, lang string, body any) response {
		t.Helper()
		req := te.request(method, path, "", body)
		req.Header.Set("Accept-Language", lang)
		return te.send(req)
	}
	badRSVP := map[string]any{"name": "Grace", "email": "not an address"}
	en := ask("POST", "/api/v1/public/events/"+slug+"/rsvps", "en", badRSVP).m(t)
	if en["title"] != "Unprocessable Entity" || en["detail"] != "email: must be a valid e-mail address like name@example.org" {
		t.Errorf("English problem changed: %v", en)
	}
	for _, l := range i18n.All()[1:] {
		p := ask("POST", "/api/v1/public/events/"+slug+"/rsvps", l.Tag()+",en;q=0.5", badRSVP)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		m := p.m(t)
		if m["code"] != domain.EINVALID && m["code"] != domain.ReasonValidationFailed {
			t.Errorf("%s: code %v", l.Tag(), m["code"])
		}
		if m["title"] != l.T("problem.status.422") || m["title"] == en["title"] || m["detail"] == en["detail"] {
			t.Errorf("%s: title %q, detail %q", l.Tag(), m["title"], m["detail"])
		}
		if got := p.Header.Get("Content-Language"); got != l.Tag() {
			t.Errorf("%s: Content-Language %q", l.Tag(), got)
		}
		errs := m["errors"].([]any)
		fe := errs[0].(map[string]any)
		if fe["field"] != "email" || fe["message"] == en["errors"].([]any)[0].(map[string]any)["message"] || !strings.Contains(fe["message"].(string), "email") {
			t.Errorf("%s: field error %v", l.Tag(), fe)
		}
		nf := ask("GET", "/api/v1/public/events/no-such-event-"+storetest.Unique(), l.Tag(), nil)
		wantStatus(t, nf, http.StatusNotFound)
		if m := nf.m(t); m["code"] != domain.ReasonEventNotFound || m["detail"] != l.T("problem.event_not_found") || m["title"] != l.T("problem.status.404") {
			t.Errorf("%s: not found: %v", l.Tag(), m)
		}
		rsvp := ask("GET", "/api/v1/rsvps/"+strings.Repeat("x", 43), l.Tag(), nil)
		if m := rsvp.m(t); m["code"] != domain.ReasonRSVPNotFound || m["detail"] != l.T("problem.rsvp_not_found") {
			t.Errorf("%s: RSVP not found: %v", l.Tag(), m)
		}
	}
	org := te.request("GET", "/api/v1/groups/"+domain.NewID(), tok, nil)
	org.Header.Set("Accept-Language", "de")
	if m := te.send(org).m(t); m["title"] != "Not Found" {
		t.Errorf("the organisers' API answered in German: %v", m)
	}
}
