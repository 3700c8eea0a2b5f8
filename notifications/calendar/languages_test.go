package calendar

import (
	"strings"
	"testing"

	"github.com/convene/convene/i18n"
)

// languageCases are an invite and a cancellation in each of Convene's
// languages and the pseudo-locale, as package mail writes them: the
// DESCRIPTION with the language's words for the join link and the event
// page (ics.join, ics.event_page) around the organisers' description, and
// titles, places and names in scripts of both directions and of wide
// characters, long enough to be folded.
func languageCases(t *testing.T) []parserCase {
	t.Helper()
	people := map[string][2]string{ // a title and a name in the language's script
		"ar":      {"لقاء مطوّري Go الشهري: الأدوات، الاختبارات، والأداء", "ليلى عبد الله"},
		"ja":      {"Go 月例ミートアップ：ツール、テスト、パフォーマンス", "山田 花子"},
		"zh-Hans": {"Go 月度聚会：工具、测试与性能", "王小明"},
	}
	var cases []parserCase
	for _, l := range append(i18n.All(), i18n.Get(i18n.Pseudo)) {
		title, name := "Μηνιαία συνάντηση Go: εργαλεία, δοκιμές; επιδόσεις", "Ελένη Παππά"
		if p, ok := people[l.Tag()]; ok {
			title, name = p[0], p[1]
		}
		join, page := "https://convene.example/j/tok_join?a=1,2;b=3", "https://convene.example/e/"+strings.ToLower(l.Tag())
		description := l.T("ics.join", "URL", join) + "\n\n" + title + ",\n" + name + "; \\ " + strings.Repeat("é🌱", 20) +
			"\n\n" + l.T("ics.event_page", "URL", page)
		for _, m := range []Method{MethodRequest, MethodCancel} {
			c := minimal(m)
			e := &c.Events[0]
			e.Summary, e.Description, e.Location, e.URL, e.Conference = title, description, join, join, join
			e.Organizer = &Person{Name: name + ", " + title, Email: "org@example.org"}
			e.Attendees[0].Person.Name = name
			if m == MethodCancel {
				e.Status = StatusCancelled
				e.Sequence = 2
			}
			data, err := c.Encode()
			if err != nil {
				t.Fatalf("%s %s: %v", l.Tag(), m, err)
			}
			cases = append(cases, parserCase{l.Tag() + " " + string(m), c, data})
		}
	}
	return cases
}

// TestLanguagesParse: the invites of every language keep the rules of
// their lines (75 octets, folds that split no character nor escape) and
// read back as written with golang-ical, python-icalendar and, when it is
// available, ical.js — as the golden and hostile cases do.
func TestLanguagesParse(t *testing.T) {
	cases := languageCases(t)
	objects := make([][]byte, len(cases))
	for i, c := range cases {
		checkLines(t, c.data)
		got, err := parseWithGolangICal(c.data)
		if err != nil {
			t.Fatalf("%s: golang-ical: %v", c.name, err)
		}
		comparePartial(t, c.name+" (golang-ical)", got, expect(c.cal, quirks{}))
		objects[i] = c.data
	}
	t.Run("python-icalendar", func(t *testing.T) {
		needPythonICalendar(t)
		for i, got := range parseWith(t, python(), objects) {
			comparePartial(t, cases[i].name, got, expect(cases[i].cal, got.quirks))
		}
	})
	t.Run("ical.js", func(t *testing.T) {
		cmd := icalJS(t)
		for i, got := range parseWith(t, cmd, objects) {
			comparePartial(t, cases[i].name, got, expect(cases[i].cal, got.quirks))
		}
	})
}
