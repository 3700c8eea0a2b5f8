package web

import (
	"net/url"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// Words shared by the group, series, follow, feedback, door and join
// pages: the language of a group's pages, the short days of their lists,
// the language switch of a form's answer, and the errors of their forms.

// groupLanguage is the language a group's pages speak when the visitor
// asks for none: the group's own, else English.
func groupLanguage(g domain.Group) string {
	if tag := domain.LanguageTag(g.Locale); tag != "" {
		return tag
	}
	return domain.DefaultLanguage
}

// listFormat is how the lists of events and sessions write their days:
// English keeps its short days ("Tue 15 Dec 2026, 18:00"), the other
// languages write the day in full, in their own order (the catalogue has
// no shorter CLDR form).
func listFormat(l *i18n.Lang) present.Format {
	if l.Tag() == domain.DefaultLanguage || l.Tag() == i18n.Pseudo {
		return present.LayoutFormat(present.ShortDate)
	}
	return format(l)
}

// languageLinksAt is the language switch of a page drawn at path, a page
// address for GET: a form's answer is drawn at the form's address, which
// has no page of its own to switch.
func languageLinksAt(path string, current *i18n.Lang) []langLink {
	out := make([]langLink, 0, len(domain.Languages))
	for _, l := range i18n.All() {
		q := url.Values{langParam: {l.Tag()}}
		out = append(out, langLink{Tag: l.Tag(), Name: l.Name(), URL: path + "?" + q.Encode(), Current: l == current})
	}
	return out
}

// nameEmailLabels are the catalogue's names of a name-and-address form's
// fields, for i18n.Lang.Field.
var nameEmailLabels = map[string]string{"name": "label.name", "email": "label.email"}

// setFieldErrors places the domain's field errors of a name-and-address
// form next to its fields, in l; another field (the series' mode) is
// named by the catalogue's message other and listed last in the summary,
// linking to the id anchor.
func (f *rsvpForm) setFieldErrors(l *i18n.Lang, fields []domain.FieldError, other, anchor string) {
	f.Errors, f.Summary = map[string]string{}, nil
	var extra []fieldMessage
	for _, fe := range fields {
		if _, dup := f.Errors[fe.Field]; dup {
			continue
		}
		label, ok := nameEmailLabels[fe.Field]
		switch {
		case ok:
			label = l.T(label)
		case other != "":
			label = l.T(other)
		default:
			label = fe.Field
		}
		f.Errors[fe.Field] = l.Field(fe, label)
		if !ok {
			extra = append(extra, fieldMessage{ID: anchor, Text: f.Errors[fe.Field]})
		}
	}
	for _, name := range []string{"name", "email"} {
		if t, ok := f.Errors[name]; ok {
			f.Summary = append(f.Summary, fieldMessage{ID: name, Text: t})
		}
	}
	f.Summary = append(f.Summary, extra...)
}

// conflictText is a refusal (ECONFLICT) in l: the catalogue's message for
// its reason (ids maps reasons to them), else the domain's English.
func conflictText(l *i18n.Lang, de *domain.Error, ids map[string]string) string {
	if id, ok := ids[de.Reason]; ok {
		return l.T(id)
	}
	return de.Message
}
