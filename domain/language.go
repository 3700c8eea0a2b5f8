package domain

import "strings"

// Languages are the languages Convene speaks, as BCP 47 tags: English
// first (the fallback), then German, French, Spanish, Brazilian
// Portuguese, Italian, Dutch, Polish, Japanese, Simplified Chinese and
// Arabic. Each has a message catalogue (package i18n holds them, and a
// test holds the catalogues to this list).
var Languages = []string{"en", "de", "fr", "es", "pt-BR", "it", "nl", "pl", "ja", "zh-Hans", "ar"}

// DefaultLanguage is a group's language when none is set.
const DefaultLanguage = "en"

// LanguageTag returns Convene's spelling of a language tag given in any
// case ("PT-br" → "pt-BR"), or "" when Convene does not speak it.
func LanguageTag(s string) string {
	for _, l := range Languages {
		if strings.EqualFold(l, s) {
			return l
		}
	}
	return ""
}

// NormalizeLanguage spells a tag of Convene's languages as Languages
// does ("pt-br" is "pt-BR"); anything else is returned as it is, for
// CheckLanguage to refuse.
func NormalizeLanguage(s string) string {
	if t := LanguageTag(s); t != "" {
		return t
	}
	return s
}

// CheckLanguage validates a language tag Convene speaks; "" is allowed
// (the default, or the group's for an event).
func CheckLanguage(v *Validation, field, s string) {
	if s != "" && LanguageTag(s) == "" {
		v.Add(field, "must be one of Convene's languages: %s", strings.Join(Languages, ", "))
	}
}

// Language is the language an event speaks to attendees in: its own when
// it has one, else its group's, else English.
func (e *Event) Language(g Group) string {
	switch {
	case e.Locale != "":
		return e.Locale
	case g.Locale != "":
		return g.Locale
	}
	return DefaultLanguage
}

// Language is the language an attendee's e-mails and calendar text use:
// the one they saw when they replied, else the event's.
func (r *RSVP) Language(e Event, g Group) string {
	if r.Locale != "" {
		return r.Locale
	}
	return e.Language(g)
}
