package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"golang.org/x/text/width"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// Every e-mail to an attendee speaks their language: the one they saw
// when they replied, else the event's, else its group's, else English
// (domain.RSVP.Language). Its words come from the catalogues (ids
// "mail." for the e-mail, "ics." for the calendar's text), its days and
// times from the language's own forms (i18n.Lang's Date and Time);
// Convene's English keeps the forms it always had. Each template is
// parsed once and cloned per language with that language's functions.

// english is the language of e-mails to people whose language is not
// known, and the one the golden files hold.
var english = i18n.Get(domain.DefaultLanguage)

// langOf is the language of an attendee's e-mail.
func langOf(in Invite) *i18n.Lang {
	return i18n.Get(in.RSVP.Language(in.Event, in.Group))
}

// englishDates reports whether l writes days in Convene's own English
// layouts (English, and the pseudo-locale made from it): short days in
// subjects, days without their year where the year goes without saying.
// The other languages write CLDR's full day.
func englishDates(l *i18n.Lang) bool {
	return l.Tag() == domain.DefaultLanguage || l.Tag() == i18n.Pseudo
}

// formatOf is how l writes days and times, for present.SpanIn.
func formatOf(l *i18n.Lang) present.Format {
	return present.Format{Date: l.Date, Time: l.Time, DateTime: l.DateTime}
}

// whenIn is the full local time of an event with its zone named, in l:
// "Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)".
func whenIn(l *i18n.Lang, e domain.Event, loc *time.Location) string {
	return present.SpanIn(e.StartsAt, e.EndsAt, loc, formatOf(l)) + " " + l.Isolate(present.SpanZoneLabel(loc, e.StartsAt, e.EndsAt))
}

// subjectDateIn is the day of the start in a subject: "Thu 10 Dec 2026"
// in English, the full day in the other languages.
func subjectDateIn(l *i18n.Lang, e domain.Event, loc *time.Location) string {
	if englishDates(l) {
		return e.StartsAt.In(loc).Format(shortDate)
	}
	return l.Date(e.StartsAt.In(loc))
}

// deadlineIn is a deadline with its zone named. English writes it in
// layout ("Monday 2 January, 15:04"); the other languages write the full
// day and the time as they join them.
func deadlineIn(l *i18n.Lang, t time.Time, loc *time.Location, layout string) string {
	local := t.In(loc)
	s := local.Format(layout)
	if !englishDates(l) {
		s = l.DateTime(l.Date(local), l.Time(local))
	}
	return s + " " + l.Isolate(present.ZoneLabel(loc, t))
}

// placeIn is where an event happens, in l: its venue, or "Online".
func placeIn(l *i18n.Lang, e domain.Event) string {
	return present.PlaceIn(e, l.T("mail.online"))
}

// humanDurationIn says how long a reminder's offset is, in l: "2 days",
// "24 hours", "1 hour 30 minutes", "30 minutes".
func humanDurationIn(l *i18n.Lang, d time.Duration) string {
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return l.N("mail.duration.days", int(d/(24*time.Hour)))
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return l.N("mail.duration.minutes", m)
	case m == 0:
		return l.N("mail.duration.hours", h)
	}
	return l.T("mail.duration.hours_minutes", "Hours", l.N("mail.duration.hours", h), "Minutes", l.N("mail.duration.minutes", m))
}

// The templates of each language, by tag (i18n.Pseudo's too).
var (
	textTemplates = map[string]*texttemplate.Template{}
	htmlTemplates = map[string]*htmltemplate.Template{}
)

func init() {
	text := texttemplate.Must(texttemplate.New("").Funcs(textFuncs(english)).ParseFS(templateFS, "templates/*.txt"))
	html := htmltemplate.Must(htmltemplate.New("").Funcs(htmlFuncs(english)).ParseFS(templateFS, "templates/*.html"))
	for _, l := range append(i18n.All(), i18n.Get(i18n.Pseudo)) {
		textTemplates[l.Tag()] = texttemplate.Must(text.Clone()).Funcs(textFuncs(l))
		htmlTemplates[l.Tag()] = htmltemplate.Must(html.Clone()).Funcs(htmlFuncs(l))
	}
}

// render runs the text and HTML templates name+".txt" and name+".html"
// in l over v; the text is tidied (tidyText).
func render(l *i18n.Lang, name string, v any) (text, html string, err error) {
	var tb, hb bytes.Buffer
	if err := textTemplates[l.Tag()].ExecuteTemplate(&tb, name+".txt", v); err != nil {
		return "", "", err
	}
	if err := htmlTemplates[l.Tag()].ExecuteTemplate(&hb, name+".html", v); err != nil {
		return "", "", err
	}
	return tidyText(tb.String()), hb.String(), nil
}

// textFuncs are the plain-text templates' words in l: t (a message), tn
// (a message with plural forms), label (a label of the facts, padded so
// that their values line up) and lang.
func textFuncs(l *i18n.Lang) texttemplate.FuncMap {
	return texttemplate.FuncMap{
		"t":     l.T,
		"tn":    l.N,
		"label": func(id string) string { return paddedLabel(l, id) },
		"lang":  func() *i18n.Lang { return l },
	}
}

// factLabels are the labels of the facts in the plain-text bodies, which
// paddedLabel lines up.
var factLabels = []string{"mail.text.when", "mail.text.where", "mail.text.join"}

// paddedLabel is the label id in l followed by spaces up to one more
// than the widest label of the facts: "When:  ", "Where: ", "Join:  ".
func paddedLabel(l *i18n.Lang, id string) string {
	widest := 0
	for _, f := range factLabels {
		widest = max(widest, textWidth(l.T(f)))
	}
	s := l.T(id)
	return s + strings.Repeat(" ", widest+1-textWidth(s))
}

// textWidth is how many columns s takes in a fixed-width font: two for a
// wide East Asian character, one for any other.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// htmlFuncs are the HTML templates' words in l. t and tn give a message
// as HTML: its text escaped, its string arguments escaped as
// html/template escapes text, its template.HTML arguments (strong, auto,
// b, link) put in as they are. The message's apostrophes and quotes stay
// as they are in text, where they need no escaping, so that the English
// bodies keep their bytes. rtl reports a right-to-left language, for the
// styles that must mirror.
func htmlFuncs(l *i18n.Lang) htmltemplate.FuncMap {
	return htmltemplate.FuncMap{
		"t":  func(id string, args ...any) htmltemplate.HTML { return htmlMessage(l, id, nil, args) },
		"tn": func(id string, n int, args ...any) htmltemplate.HTML { return htmlMessage(l, id, n, args) },
		// strong and auto hold the organisers' or the attendee's words,
		// which may run either way.
		"strong": func(s string) htmltemplate.HTML {
			return htmltemplate.HTML(`<strong dir="auto">` + htmltemplate.HTMLEscaper(s) + `</strong>`)
		},
		"auto": func(s string) htmltemplate.HTML {
			return htmltemplate.HTML(`<span dir="auto">` + htmltemplate.HTMLEscaper(s) + `</span>`)
		},
		"b":          func(v any) htmltemplate.HTML { return htmltemplate.HTML("<strong>" + escapeArg(v) + "</strong>") },
		"link":       link,
		"codeHTML":   codeHTML,
		"lang":       func() *i18n.Lang { return l },
		"rtl":        func() bool { return l.Dir() == "rtl" },
		"paragraphs": paragraphs,
	}
}

// link is a link for a message's argument: href escaped as html/template
// escapes an href's value (so that a Composer's placeholder is found and
// filled in as in a template's own href), style one of the templates'
// constant styles (or none), text an escaped message.
func link(href, style string, text htmltemplate.HTML) htmltemplate.HTML {
	var b strings.Builder
	_ = inURL.Execute(&b, href)
	a := strings.TrimSuffix(b.String(), `">`) + `"`
	if style != "" {
		a += ` style="` + style + `"`
	}
	return htmltemplate.HTML(a + ">" + string(text) + "</a>")
}

// codeHTML is a check-in code in a sentence, in a fixed-width font.
func codeHTML(code string) htmltemplate.HTML {
	return htmltemplate.HTML(`<strong style="font-family:'Courier New',Courier,monospace;letter-spacing:2px;">` + htmltemplate.HTMLEscaper(code) + `</strong>`)
}

// markArg stands for an argument of a message while the message's text
// is escaped: private-use characters, which no message holds.
const markArg = "\ue001%d\ue001"

// htmlMessage is the message id in l (with plural forms when count is an
// int) as HTML.
func htmlMessage(l *i18n.Lang, id string, count any, args []any) htmltemplate.HTML {
	marked := make([]any, len(args))
	copy(marked, args)
	var values []string
	for i := 1; i < len(marked); i += 2 {
		values = append(values, escapeArg(marked[i]))
		marked[i] = fmt.Sprintf(markArg, len(values)-1)
	}
	var s string
	if n, ok := count.(int); ok {
		s = l.N(id, n, marked...)
	} else {
		s = l.T(id, marked...)
	}
	s = textEscaper.Replace(s)
	for i, v := range values {
		s = strings.Replace(s, fmt.Sprintf(markArg, i), v, 1)
	}
	return htmltemplate.HTML(s)
}

// textEscaper escapes a message's own text for an element's content.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapeArg is an argument of a message as HTML: template.HTML as it is,
// anything else as html/template escapes text.
func escapeArg(v any) string {
	if h, ok := v.(htmltemplate.HTML); ok {
		return string(h)
	}
	return htmltemplate.HTMLEscaper(v)
}
