// Package i18n holds the languages Convene speaks: one message catalogue
// per language (messages/<tag>.json, embedded; English is the source),
// the choice of a language from a browser's Accept-Language, and dates and
// times in each language's own form from CLDR's data (through
// github.com/go-playground/locales, generated from CLDR).
//
// A Lang is one language, made once at start: its messages go through
// github.com/nicksnyder/go-i18n's localizer, with CLDR plural rules, so
// "1 seat left" and "5 seats left" are one message with the forms its
// language has (Polish four, Arabic six). Machine-readable codes, logs and
// the organiser API stay English.
//
// The pseudo-locale "en-XA" marks every translated string (⟦Ťĥîš⟧), so a
// test can tell English that never went through a catalogue from English
// that did.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-playground/locales"
	"github.com/go-playground/locales/ar"
	"github.com/go-playground/locales/de"
	"github.com/go-playground/locales/en_GB"
	"github.com/go-playground/locales/es"
	"github.com/go-playground/locales/fr"
	"github.com/go-playground/locales/it"
	"github.com/go-playground/locales/ja"
	"github.com/go-playground/locales/nl"
	"github.com/go-playground/locales/pl"
	"github.com/go-playground/locales/pt_BR"
	"github.com/go-playground/locales/zh_Hans"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/convene/convene/domain"
)

//go:embed messages/*.json
var files embed.FS

// Pseudo is the pseudo-locale's tag: English with every translated string
// marked, for tests.
const Pseudo = "en-XA"

// Lang is one of Convene's languages.
type Lang struct {
	tag  string
	name string // the language's own name, for the switch: "Deutsch"
	rtl  bool
	loc  *goi18n.Localizer
	cldr locales.Translator
}

// recorder, when set, is told of every message asked for (tests: Record).
var recorder atomic.Pointer[func(tag, id string)]

// Record calls f with the language and id of every message asked for
// until stop is called, so that a test can tell which messages its pages
// used. One recorder at a time.
func Record(f func(tag, id string)) (stop func()) {
	recorder.Store(&f)
	return func() { recorder.Store(nil) }
}

// IDs returns the ids of the English catalogue, the source of the others.
func IDs() []string { return slices.Clone(ids) }

// Has reports whether the catalogues have a message with the id.
func Has(id string) bool {
	_, ok := slices.BinarySearch(ids, id)
	return ok
}

// endonyms name each language in itself, as a language switch shows it.
var endonyms = map[string]string{
	"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "pt-BR": "Português (Brasil)",
	"it": "Italiano", "nl": "Nederlands", "pl": "Polski", "ja": "日本語", "zh-Hans": "简体中文", "ar": "العربية",
	Pseudo: "Ƥšéúðö",
}

// cldr is each language's CLDR data (English's is British English, for
// its plural rules; its days and times keep Convene's forms: see Date).
var cldr = map[string]func() locales.Translator{
	"en": en_GB.New, "de": de.New, "fr": fr.New, "es": es.New, "pt-BR": pt_BR.New, "it": it.New,
	"nl": nl.New, "pl": pl.New, "ja": ja.New, "zh-Hans": zh_Hans.New, "ar": ar.New, Pseudo: en_GB.New,
}

var (
	langs   = map[string]*Lang{}
	ids     []string // English's message ids, sorted
	matcher language.Matcher
)

func init() {
	bundle := goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	var english []*goi18n.Message
	for _, tag := range domain.Languages {
		mf, err := bundle.LoadMessageFileFS(files, "messages/"+tag+".json")
		if err != nil {
			panic(fmt.Sprintf("i18n: catalogue of %s: %v", tag, err))
		}
		if tag == "en" {
			english = mf.Messages
		}
		add(bundle, tag)
	}
	pseudo := make([]*goi18n.Message, len(english))
	for i, m := range english {
		pseudo[i] = pseudoMessage(m)
		ids = append(ids, m.ID)
	}
	slices.Sort(ids)
	bundle.MustAddMessages(language.MustParse(Pseudo), pseudo...)
	add(bundle, Pseudo)
	tags := make([]language.Tag, len(domain.Languages))
	for i, l := range domain.Languages {
		tags[i] = language.MustParse(l)
	}
	matcher = language.NewMatcher(tags)
}

func add(bundle *goi18n.Bundle, tag string) {
	langs[tag] = &Lang{tag: tag, name: endonyms[tag], rtl: tag == "ar", cldr: cldr[tag](), loc: goi18n.NewLocalizer(bundle, tag)}
}

// Get returns the language with Convene's tag (domain.LanguageTag's
// spelling, or Pseudo); any other tag gives English.
func Get(tag string) *Lang {
	if l, ok := langs[tag]; ok {
		return l
	}
	return langs[domain.DefaultLanguage]
}

// All returns Convene's languages in domain.Languages' order.
func All() []*Lang {
	out := make([]*Lang, len(domain.Languages))
	for i, t := range domain.Languages {
		out[i] = langs[t]
	}
	return out
}

// Negotiate picks the language for a browser's Accept-Language header:
// the best of Convene's languages the browser asks for, or fallback when
// it asks for none of them (a German browser on a Japanese event's page
// sees German; a Korean one sees Japanese).
func Negotiate(acceptLanguage, fallback string) string {
	if acceptLanguage == "" {
		return fallback
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return fallback
	}
	_, i, conf := matcher.Match(prefs...)
	if conf < language.High {
		// Low: the matcher only fell back to English, which nobody asked
		// for (an "en" in the list matches Exact or High).
		return fallback
	}
	return domain.Languages[i]
}

// Isolate sets a left-to-right name apart in a right-to-left language's
// text, between the isolates LRI and PDI: "(Europe/Oslo, CET)" in an
// Arabic sentence otherwise has its parentheses turned and its parts
// swapped. Left-to-right languages get s as it is.
func (l *Lang) Isolate(s string) string {
	if !l.rtl {
		return s
	}
	return "\u2066" + s + "\u2069"
}

// Tag is the language's BCP 47 tag, for <html lang>.
func (l *Lang) Tag() string { return l.tag }

// Name is the language's name in itself.
func (l *Lang) Name() string { return l.name }

// Dir is the direction its text runs: "rtl" for Arabic, else "ltr".
func (l *Lang) Dir() string {
	if l.rtl {
		return "rtl"
	}
	return "ltr"
}

// T returns the message id in the language, filled in from args: pairs of
// a name and a value ("Name", "Ada"), which the message names as
// {{.Name}}. A message the catalogue lacks is a programming error caught
// by the catalogue test; here it gives the id in brackets rather than
// breaking a page.
func (l *Lang) T(id string, args ...any) string {
	return l.localize(id, nil, args)
}

// N is T for a message with plural forms, chosen by n ({{.Count}} in the
// message).
func (l *Lang) N(id string, n int, args ...any) string {
	return l.localize(id, n, args)
}

func (l *Lang) localize(id string, count any, args []any) string {
	if f := recorder.Load(); f != nil {
		(*f)(l.tag, id)
	}
	var data map[string]any
	if len(args) > 0 || count != nil {
		data = make(map[string]any, len(args)/2+1)
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
		if count != nil {
			data["Count"] = count
		}
	}
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return "[" + id + "]"
	}
	return s
}

// markHTML stands in for an HTML argument while the message is escaped:
// private-use characters, which escaping keeps (it turns NUL into U+FFFD)
// and no message holds.
const markHTML = "\ue000%d\ue000"

// HTML is T for a message into which links or other markup go: the
// message's text is escaped and args of type template.HTML are put in as
// they are (string args are escaped).
func (l *Lang) HTML(id string, args ...any) template.HTML {
	marks := make([]string, 0, len(args)/2)
	plain := slices.Clone(args)
	for i := 1; i < len(plain); i += 2 {
		if h, ok := plain[i].(template.HTML); ok {
			plain[i] = fmt.Sprintf(markHTML, len(marks))
			marks = append(marks, string(h))
		}
	}
	s := template.HTMLEscapeString(l.localize(id, nil, plain))
	for i, m := range marks {
		s = strings.Replace(s, fmt.Sprintf(markHTML, i), m, 1)
	}
	return template.HTML(s)
}

// Date is the day in the language's full form: "Tuesday 15 December
// 2026", "Dienstag, 15. Dezember 2026", "2026年12月15日火曜日".
func (l *Lang) Date(t time.Time) string {
	if l.english() {
		return t.Format(englishDate)
	}
	return l.cldr.FmtDateFull(t)
}

// Time is the time of day in the language's clock: "17:00", "下午5:00",
// "5:00 م".
func (l *Lang) Time(t time.Time) string {
	if l.english() {
		return t.Format(englishClock)
	}
	return l.cldr.FmtTimeShort(t)
}

// DateTime puts a day and a time of day together as the language does:
// "Tuesday 15 December 2026, 17:00", "Dienstag, 15. Dezember 2026, 17:00".
func (l *Lang) DateTime(date, clock string) string {
	return l.T("datetime", "Date", date, "Time", clock)
}

// Convene's English keeps the forms it has always had, in Go's own
// English names: a day without a comma after its weekday, a 24-hour clock.
const (
	englishDate  = "Monday 2 January 2006"
	englishClock = "15:04"
)

func (l *Lang) english() bool { return l.tag == "en" || l.tag == Pseudo }

// Field is a form field's error in the language: the catalogue's message
// "field:"+f.Format (the domain's English format, gettext's way), with
// label naming the field as {{.Field}} and the format's arguments as
// {{.V1}}, {{.V2}}. An error the catalogues do not know (Format empty)
// is the label and the English message.
func (l *Lang) Field(f domain.FieldError, label string) string {
	if f.Format == "" {
		return label + " " + strings.TrimSuffix(f.Message, ".") + "."
	}
	args := []any{"Field", label}
	for i, a := range f.Args {
		args = append(args, fmt.Sprintf("V%d", i+1), a)
	}
	s := l.localize(FieldID(f.Format), nil, args)
	if strings.HasPrefix(s, "[field:") {
		return label + " " + strings.TrimSuffix(f.Message, ".") + "."
	}
	return s
}

// FieldID is the catalogue's id of a field error's format.
func FieldID(format string) string { return "field:" + format }
