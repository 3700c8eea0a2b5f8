package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// module is Convene's module path.
const module = "github.com/convene/convene"

// layout is which of Convene's own packages each package may import
// (outside its tests), the rule the house is built on: data flows
// downward, handlers → domain ← store, and the rooms that speak HTTP (api
// for scripts, web for people, ops for operators) share their plumbing
// through httpkit and never import each other or the store; they are
// given small store interfaces by cmd/convene, which alone wires them
// together. notifications/calendar, mail and present are libraries
// without state (no database, no jobs): the store uses calendar for a
// series' rule.
var layout = map[string][]string{
	"domain":     {},
	"migrations": {},
	"httpkit":    {"domain"},
	"api":        {"domain", "httpkit", "i18n", "notifications", "notifications/calendar"},
	"web":        {"domain", "httpkit", "i18n", "notifications/calendar", "notifications/present"},
	// i18n holds the catalogues and each language's dates: words, no
	// state.
	"i18n":            {"domain"},
	"ops":             {"domain", "httpkit"},
	"store":           {"domain", "migrations", "notifications/calendar"},
	"store/storetest": {"domain", "store"},
	"notifications":   {"domain", "notifications/calendar", "notifications/mail"},
	// calendar writes the words of feeds, downloads and add-to-calendar
	// links (an entry's labels, "Online") in each event's language: i18n's
	// words, as mail's.
	"notifications/calendar": {"domain", "i18n", "notifications/present"},
	// mail writes each attendee's e-mail in their language: i18n's words.
	"notifications/mail":     {"domain", "i18n", "notifications/calendar", "notifications/present"},
	"notifications/present":  {"domain"},
	"notifications/smtptest": {},
	// inbound reads calendar replies from mail and hands them to a store
	// interface; inboundtest makes such mail for tests.
	"notifications/inbound":             {"domain", "notifications/calendar"},
	"notifications/inbound/inboundtest": {},
	"cmd/convene":                       {"api", "domain", "httpkit", "notifications", "notifications/inbound", "notifications/mail", "ops", "store", "web"},
	// The benchmark's SQLite baseline makes an RSVP's rows as the store
	// does (domain's ids, tokens and job arguments) and inserts its job
	// with River's own client.
	"cmd/convene-bench": {"store", "domain"},
}

// owners is which packages alone may import a library, so that each
// concern has one home: SQL in the store, HTTP in the rooms, mail in
// notifications/mail, recurrence rules in notifications/calendar.
var owners = map[string][]string{
	"gorm.io/gorm":                     {"store"},
	"github.com/pressly/goose/v3":      {"store"},
	"modernc.org/sqlite":               {"store"},
	"github.com/teambition/rrule-go":   {"notifications/calendar"},
	"github.com/nicksnyder/go-i18n/v2": {"i18n"},
	"github.com/go-playground/locales": {"i18n"},
	"github.com/wneessen/go-mail":      {"notifications/mail", "cmd/convene-bench"},
	"github.com/labstack/echo/v4":      {"httpkit", "api", "web", "ops"},
	"github.com/riverqueue/river":      {"store", "notifications", "cmd/convene", "cmd/convene-bench"},
	// WebAuthn's ceremonies are the console's; the store keeps their
	// results as opaque JSON.
	"github.com/go-webauthn/webauthn": {"web"},
	// Reading iCalendar (calendar replies) is inbound's; writing it is
	// notifications/calendar's own code.
	"github.com/arran4/golang-ical": {"notifications/inbound"},
	// An SMTP server: inbound's listener, and the sinks of tests and the
	// benchmark.
	"github.com/emersion/go-smtp": {"notifications/inbound", "notifications/smtptest", "cmd/convene-bench"},
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Name       string
	Doc        string
}

// listPackages is `go list` of every package in the module.
func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		p.ImportPath = strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestLayout checks every package imports only what the house allows: a
// new import across rooms, an upward one, or a library used outside its
// home fails here with the rule it breaks.
func TestLayout(t *testing.T) {
	pkgs := listPackages(t)
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[p.ImportPath] = true
		allowed, ok := layout[p.ImportPath]
		if !ok {
			t.Errorf("package %s is not in the layout: say in layout_test.go what it may import", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if own, ok := strings.CutPrefix(imp, module+"/"); ok {
				if !slices.Contains(allowed, own) {
					t.Errorf("%s imports %s; it may import only %v of Convene's packages", p.ImportPath, own, allowed)
				}
				continue
			}
			if p.ImportPath == "domain" && strings.Contains(strings.Split(imp, "/")[0], ".") {
				t.Errorf("domain imports %s; it holds Convene's rules in the standard library alone", imp)
			}
			for lib, homes := range owners {
				if (imp == lib || strings.HasPrefix(imp, lib+"/")) && !slices.Contains(homes, p.ImportPath) {
					t.Errorf("%s imports %s, which belongs to %v", p.ImportPath, imp, homes)
				}
			}
		}
	}
	for p := range layout {
		if !seen[p] {
			t.Errorf("layout names %s, which no longer exists", p)
		}
	}
}

// TestPackagesSayWhatTheyHold checks every package has a doc comment of
// substance, as `go doc` shows it, for the engineer who opens it first.
func TestPackagesSayWhatTheyHold(t *testing.T) {
	for _, p := range listPackages(t) {
		if len(p.Doc) < 40 {
			t.Errorf("package %s has doc %q: say what it holds", p.ImportPath, p.Doc)
		}
		if want := "Package " + p.Name + " "; p.Name != "main" && !strings.HasPrefix(p.Doc, want) {
			t.Errorf("package %s's doc begins %q, not %q: it names another package", p.ImportPath, p.Doc[:min(len(p.Doc), 30)], want)
		}
	}
}
