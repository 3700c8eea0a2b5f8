package i18n

import (
	"encoding/json"
	"html/template"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
)

// catalogue reads one language's file as its translator wrote it: each
// id's forms (a plain string is the form "other").
func catalogue(t *testing.T, tag string) map[string]map[string]string {
	t.Helper()
	b, err := files.ReadFile("messages/" + tag + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s.json: %v", tag, err)
	}
	out := map[string]map[string]string{}
	for id, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[id] = map[string]string{"other": s}
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			t.Fatalf("%s.json: %s: %v", tag, id, err)
		}
		delete(forms, "description")
		out[id] = forms
	}
	return out
}

var placeholderRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestCataloguesComplete: every language has exactly English's messages
// (none missing, none left over from a message since removed), each
// plural message with exactly the forms its language's CLDR rules use
// (Polish one/few/many/other, Arabic all six, Japanese and Chinese
// other alone), and no placeholder English's message lacks.
func TestCataloguesComplete(t *testing.T) {
	en := catalogue(t, "en")
	for _, tag := range domain.Languages {
		cat := catalogue(t, tag)
		for _, id := range slices.Sorted(maps.Keys(en)) {
			forms, ok := cat[id]
			if !ok {
				t.Errorf("%s lacks %q", tag, id)
				continue
			}
			want := map[string]bool{}
			for f := range en[id] {
				want[f] = true
			}
			for f, text := range forms {
				if strings.TrimSpace(text) == "" && id != "list.separator" {
					t.Errorf("%s %q: form %s is empty", tag, id, f)
				}
				for _, p := range placeholders(text) {
					if !slices.Contains(placeholders(en[id]["other"]), p) {
						t.Errorf("%s %q: {{.%s}} is not in the English message", tag, id, p)
					}
				}
			}
			if len(en[id]) > 1 { // a plural message
				var wantForms []string
				for _, f := range pluralForms(tag) {
					wantForms = append(wantForms, f)
				}
				got := slices.Sorted(maps.Keys(forms))
				slices.Sort(wantForms)
				if !slices.Equal(got, wantForms) {
					t.Errorf("%s %q has plural forms %v, want %v", tag, id, got, wantForms)
				}
			}
		}
		for id := range cat {
			if _, ok := en[id]; !ok {
				t.Errorf("%s has %q, which English does not", tag, id)
			}
		}
	}
}

// pluralForms are the CLDR cardinal categories of a language, as
// go-i18n names them.
// They come from go-playground/locales' CLDR data, a source apart from
// go-i18n's own rules, which choose the form.
func pluralForms(tag string) []string {
	var out []string
	for _, r := range Get(tag).cldr.PluralsCardinal() {
		out = append(out, strings.ToLower(r.String()))
	}
	return out
}

// TestPluralsPolishAndArabic: the seats left take the right form for
// counts that fall in each of Polish's four and Arabic's six categories.
func TestPluralsPolishAndArabic(t *testing.T) {
	cases := map[string]map[int]string{
		"pl": {1: "one", 2: "few", 3: "few", 4: "few", 22: "few", 5: "many", 11: "many", 12: "many", 25: "many", 112: "many"},
		"ar": {0: "zero", 1: "one", 2: "two", 3: "few", 10: "few", 103: "few", 11: "many", 99: "many", 100: "other", 101: "other", 102: "other"},
	}
	for tag, counts := range cases {
		cat := catalogue(t, tag)["places.left"]
		l := Get(tag)
		for _, n := range slices.Sorted(maps.Keys(counts)) {
			want := strings.ReplaceAll(cat[counts[n]], "{{.Count}}", strconv.Itoa(n))
			if got := l.N("places.left", n); got != want {
				t.Errorf("%s, %d seats: %q, want the %s form %q", tag, n, got, counts[n], want)
			}
		}
		// The forms differ from each other, or the test proves nothing.
		seen := map[string]bool{}
		for _, text := range cat {
			seen[text] = true
		}
		if len(seen) < len(cat) {
			t.Errorf("%s places.left has forms that are the same text: %v", tag, cat)
		}
	}
}

// TestNegotiate: the browser's languages in order, Convene's nearest
// (Swiss German is German, Brazilian Portuguese is pt-BR), else the
// event's.
func TestNegotiate(t *testing.T) {
	for _, c := range []struct{ accept, fallback, want string }{
		{"de-CH,de;q=0.9,en;q=0.5", "ja", "de"},
		{"pt-BR,pt;q=0.9", "en", "pt-BR"},
		{"ko-KR,ko;q=0.9", "ja", "ja"},
		{"", "fr", "fr"},
		{"zh-CN,zh;q=0.9", "en", "zh-Hans"},
		{"ar-EG", "en", "ar"},
		{"en-US,en;q=0.9", "de", "en"},
		{"fr;q=0.2,nl;q=0.8", "en", "nl"},
		{"not a header;;;", "it", "it"},
	} {
		if got := Negotiate(c.accept, c.fallback); got != c.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", c.accept, c.fallback, got, c.want)
		}
	}
}

// TestDatesInEachLanguage: days and times come from CLDR in each
// language's own order, names and clock; English keeps Convene's forms.
func TestDatesInEachLanguage(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 15, 17, 0, 0, 0, berlin)
	for _, c := range []struct{ tag, date, clock string }{
		{"en", "Tuesday 15 December 2026", "17:00"},
		{"de", "Dienstag, 15. Dezember 2026", "17:00"},
		{"fr", "mardi 15 décembre 2026", "17:00"},
		{"pl", "wtorek, 15 grudnia 2026", "17:00"},
		{"ja", "2026年12月15日火曜日", "17:00"},
		{"zh-Hans", "2026年12月15日星期二", "下午5:00"},
		{"ar", "الثلاثاء، 15 ديسمبر 2026", "5:00 م"},
	} {
		l := Get(c.tag)
		if got := l.Date(at); got != c.date {
			t.Errorf("%s Date = %q, want %q", c.tag, got, c.date)
		}
		if got := l.Time(at); got != c.clock {
			t.Errorf("%s Time = %q, want %q", c.tag, got, c.clock)
		}
	}
}

// TestPseudo: the pseudo-locale marks every message and keeps what goes
// into it.
func TestPseudo(t *testing.T) {
	p := Get(Pseudo)
	got := p.T("event.hosts", "Names", "Ada")
	if !strings.HasPrefix(got, MarkOpen) || !strings.HasSuffix(got, MarkClose) || !strings.Contains(got, "Ada") || strings.Contains(got, "Hosted") {
		t.Errorf("pseudo event.hosts = %q", got)
	}
	for _, id := range IDs() {
		if s := p.T(id); !strings.HasPrefix(s, MarkOpen) {
			t.Errorf("pseudo %s = %q, not marked", id, s)
		}
	}
	if Get("xx").Tag() != "en" || Get(Pseudo).Dir() != "ltr" || Get("ar").Dir() != "rtl" {
		t.Error("Get or Dir is wrong")
	}
}

// TestHTML: a message with a link in it escapes its own text and the
// string arguments, and puts the link in as it is, in every language.
func TestHTML(t *testing.T) {
	link := template.HTML(`<a href="/g/x">Ada &amp; co</a>`)
	for _, l := range append(All(), Get(Pseudo)) {
		got := string(l.HTML("event.by", "Kind", "<b>", "Group", link))
		if !strings.Contains(got, string(link)) || !strings.Contains(got, "&lt;b&gt;") || strings.Contains(got, "\ue000") {
			t.Errorf("%s: %q", l.Tag(), got)
		}
	}
}

// TestIsolate: Arabic sets left-to-right names apart; the others leave
// them as they are.
func TestIsolate(t *testing.T) {
	if got := Get("ar").Isolate("(Europe/Oslo, CET)"); got != "\u2066(Europe/Oslo, CET)\u2069" {
		t.Errorf("Arabic: %q", got)
	}
	for _, l := range All() {
		if l.Tag() != "ar" && l.Isolate("(UTC)") != "(UTC)" {
			t.Errorf("%s isolates", l.Tag())
		}
	}
}
