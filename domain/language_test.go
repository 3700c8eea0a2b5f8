package domain

import "testing"

// TestLanguageRules: an event speaks its own language, else its group's,
// else English; an attendee's e-mails speak the language they replied
// in, else the event's; tags are taken in any case and only if Convene
// speaks them.
func TestLanguageRules(t *testing.T) {
	g := Group{Locale: "de"}
	if got := (&Event{}).Language(g); got != "de" {
		t.Errorf("event without a language in a German group: %q", got)
	}
	if got := (&Event{Locale: "ja"}).Language(g); got != "ja" {
		t.Errorf("Japanese event in a German group: %q", got)
	}
	if got := (&Event{}).Language(Group{}); got != "en" {
		t.Errorf("no language anywhere: %q", got)
	}
	if got := (&RSVP{Locale: "ar"}).Language(Event{Locale: "ja"}, g); got != "ar" {
		t.Errorf("an RSVP made in Arabic: %q", got)
	}
	if got := (&RSVP{}).Language(Event{}, g); got != "de" {
		t.Errorf("an RSVP made without a language: %q", got)
	}
	for in, want := range map[string]string{"PT-br": "pt-BR", "zh-hans": "zh-Hans", "de": "de", "pt": "", "zh-CN": "", "": ""} {
		if got := LanguageTag(in); got != want {
			t.Errorf("LanguageTag(%q) = %q, want %q", in, got, want)
		}
	}
	var v Validation
	CheckLanguage(&v, "locale", "")
	CheckLanguage(&v, "locale", "DE")
	if v.Err() != nil {
		t.Errorf("\"\" and DE refused: %v", v.Err())
	}
	CheckLanguage(&v, "locale", "klingon")
	if v.Err() == nil {
		t.Error("klingon taken")
	}
}
