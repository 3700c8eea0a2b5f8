package mail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goics "github.com/arran4/golang-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
)

// The e-mails in every language: each kind of e-mail to an attendee, in
// each of its variants, composed in each of Convene's languages and in the
// pseudo-locale, with the organisers' and the attendee's words in Greek so
// that any Latin word left is Convene's own.

// greekEvent is the Oslo meetup with its organisers' words in Greek.
func greekEvent() domain.Event {
	e := meetup()
	e.Title, e.Description = "Συνάντηση", "Ομιλίες.\nΚαλή διάθεση!\n\nΠόρτες στις 17:45."
	e.Venue = &domain.Venue{Name: "Αίθουσα", Address: "Οδός 3"}
	return e
}

func greekGroup() domain.Group {
	g := group()
	g.Name = "Ομάδα"
	return g
}

// greekInvite is the first invitation to the Greek meetup, in tag.
func greekInvite(tag string) Invite {
	in := invite()
	in.Event, in.Group = greekEvent(), greekGroup()
	in.RSVP.Name, in.RSVP.Locale = "Άννα Παππά", tag
	return in
}

// mailCase is one e-mail of a test in a language.
type mailCase struct {
	name string
	m    Message
}

// everyMail composes every kind of e-mail to an attendee, in each of its
// variants, in tag: what the templates and sentences branch on.
func everyMail(t *testing.T, tag string) []mailCase {
	t.Helper()
	var out []mailCase
	add := func(name string, m Message, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s in %s: %v", name, tag, err)
		}
		out = append(out, mailCase{name, m})
	}
	compose := func(name string, kind domain.MessageKind, f func(in *Invite)) {
		t.Helper()
		in := greekInvite(tag)
		f(&in)
		m, err := Compose(kind, in)
		add(name, m, err)
	}
	online := func(in *Invite) {
		e := session()
		e.Title, e.Description = "Ζωντανά", "Συνεδρία."
		in.Event = e
		in.JoinURL = "https://convene.example/j/tok_join"
	}
	updated := func(in *Invite) {
		prev := in.Event
		prev.Title = "Παλιά"
		in.Previous = &prev
		in.Event.StartsAt, in.Event.EndsAt = in.Event.StartsAt.Add(time.Hour), in.Event.EndsAt.Add(time.Hour)
		in.Sequence, in.Now = 1, in.Now.Add(7*24*time.Hour)
	}
	cancelled := func(in *Invite) {
		in.Event.Status, in.Event.CancelReason = domain.EventCancelled, "Πλημμύρα.\nΣυγγνώμη!"
		in.Sequence = 2
	}

	compose("going", domain.MessageGoing, func(in *Invite) {})
	compose("going, online", domain.MessageGoing, online)
	compose("going, promoted", domain.MessageGoing, func(in *Invite) { in.RSVP.WasWaitlisted = true })
	compose("going, repeated", domain.MessageGoing, func(in *Invite) { in.Repeat = 1 })
	compose("going, refreshed", domain.MessageGoing, func(in *Invite) { in.Repeat, in.Why = 2, domain.RepeatRefresh })
	compose("going, follower", domain.MessageGoing, func(in *Invite) {
		in.SeriesTitle, in.UnfollowURL = "Σειρά", "https://convene.example/u/tok_f"
	})
	compose("going, former follower", domain.MessageGoing, func(in *Invite) { in.SeriesTitle = "Σειρά" })
	compose("going, no manage link, no name, no code", domain.MessageGoing, func(in *Invite) {
		in.ManageURL, in.RSVP.Name, in.RSVP.CheckinCode = "", "", ""
	})
	compose("updated, everything", domain.MessageUpdated, func(in *Invite) {
		updated(in)
		in.Event.Venue, in.Event.Kind, in.Event.OnlineURL = nil, domain.KindLiveSession, "https://meet.example.com/x"
		in.JoinURL = "https://convene.example/j/tok_join"
		in.Changed = []string{"title", "starts_at", "ends_at", "venue", "kind", "online_url", "description"}
	})
	compose("updated, to a venue", domain.MessageUpdated, func(in *Invite) {
		updated(in)
		in.Previous.Venue, in.Previous.Kind, in.Previous.OnlineURL = nil, domain.KindLiveSession, "https://meet.example.com/x"
		in.Changed = []string{"venue", "kind"}
	})
	compose("updated, time without before", domain.MessageUpdated, func(in *Invite) {
		updated(in)
		in.Previous = nil
		in.Changed = []string{"starts_at", "title", "venue"}
	})
	compose("updated, other day and zone", domain.MessageUpdated, func(in *Invite) {
		updated(in)
		in.Previous.TimeZone = "Europe/London"
		in.Event.StartsAt, in.Event.EndsAt = in.Event.StartsAt.Add(24*time.Hour), in.Event.EndsAt.Add(24*time.Hour)
		in.Changed = []string{"starts_at", "time_zone"}
	})
	compose("updated, next year", domain.MessageUpdated, func(in *Invite) {
		updated(in)
		in.Event.StartsAt, in.Event.EndsAt = in.Event.StartsAt.AddDate(1, 0, 0), in.Event.EndsAt.AddDate(1, 0, 0)
		in.Changed = []string{"starts_at"}
	})
	compose("updated, nothing to say", domain.MessageUpdated, func(in *Invite) {
		updated(in)
		in.Changed = []string{"capacity"}
	})
	compose("waitlisted", domain.MessageWaitlisted, func(in *Invite) { in.RSVP = rsvpIn(in, domain.RSVPWaitlisted) })
	compose("waitlisted, no place, no manage link, repeated", domain.MessageWaitlisted, func(in *Invite) {
		in.RSVP = rsvpIn(in, domain.RSVPWaitlisted)
		in.RSVP.WaitlistPosition, in.ManageURL, in.Repeat = 0, "", 1
	})
	compose("event cancelled", domain.MessageEventCancelled, cancelled)
	compose("event cancelled, waitlisted", domain.MessageEventCancelled, func(in *Invite) {
		cancelled(in)
		in.RSVP = rsvpIn(in, domain.RSVPWaitlisted)
	})
	for _, why := range []string{"", domain.CancelNotReconfirmed, domain.CancelByOrganiser} {
		compose("rsvp cancelled "+why, domain.MessageRSVPCancelled, func(in *Invite) {
			in.RSVP = rsvpIn(in, domain.RSVPCancelled)
			in.Sequence, in.Why, in.ManageURL = 1, why, ""
		})
	}
	for _, before := range []time.Duration{48 * time.Hour, 24 * time.Hour, time.Hour, 90 * time.Minute, 150 * time.Minute, 30 * time.Minute, time.Minute} {
		compose(fmt.Sprint("reminder ", before), domain.MessageReminder, func(in *Invite) { in.Before = before })
	}
	compose("reminder, online, no manage link", domain.MessageReminder, func(in *Invite) {
		online(in)
		in.Before, in.ManageURL = 24*time.Hour, ""
	})
	compose("reconfirm", domain.MessageReconfirm, func(in *Invite) { in.ConfirmBy = in.Event.StartsAt.Add(-48 * time.Hour) })

	request := func(name string, kind domain.MessageKind, f func(r *Request)) {
		t.Helper()
		r := reqInvitation()
		if kind != domain.MessageInvitation {
			r = reqConfirmation()
		}
		r.Event, r.Group, r.Name, r.Locale = greekEvent(), greekGroup(), "Άννα", tag
		r.Note, r.InvitedBy = "Γεια!\n\nΈλα.", "Νίκος"
		f(&r)
		m, err := ComposeRequest(kind, r)
		add(name, m, err)
	}
	request("invitation", domain.MessageInvitation, func(r *Request) {})
	request("invitation, follower", domain.MessageInvitation, func(r *Request) {
		r.SeriesTitle, r.UnfollowURL = "Σειρά", "https://convene.example/u/tok_f"
	})
	request("invitation, former follower, from the group", domain.MessageInvitation, func(r *Request) {
		r.SeriesTitle, r.InvitedBy, r.Note, r.Name = "Σειρά", "", "", ""
	})
	request("confirm", domain.MessageConfirm, func(r *Request) {})
	request("confirm follow, rsvp", domain.MessageConfirmFollow, func(r *Request) {
		r.SeriesTitle, r.FollowMode = "Σειρά", domain.FollowRSVP
	})
	request("confirm follow, invite", domain.MessageConfirmFollow, func(r *Request) {
		r.SeriesTitle, r.FollowMode = "Σειρά", domain.FollowInvite
	})

	ty := thankYou()
	ty.Event.Title, ty.Event.Description, ty.Group = "Συνάντηση", "", greekGroup()
	ty.RSVP.Name, ty.RSVP.Locale = "Άννα", tag
	ty.Speakers = []domain.EventPerson{
		{Role: domain.RoleSpeaker, Name: "Ελένη", TalkTitle: "Ομιλία", SlidesURL: "https://slides.example.org/a.pdf"},
		{Role: domain.RoleSpeaker, Name: "Νίκος", SlidesURL: "https://slides.example.org/b.pdf"},
	}
	m, err := ComposeThankYou(ty)
	add("thank you", m, err)
	ty.Event.RecordingURL, ty.Speakers, ty.RSVP.Name = "", nil, ""
	m, err = ComposeThankYou(ty)
	add("thank you, bare", m, err)

	dc := greekInvite(tag)
	m, err = ComposeDeclineCounter(dc, 3)
	add("decline counter", m, err)
	dc.RSVP.Name = ""
	m, err = ComposeDeclineCounter(dc, 3)
	add("decline counter, no name", m, err)

	// The organiser's sign-in link speaks the language of the browser
	// that asked for it: a quarter of an hour left, the last minute, and
	// an organiser without a name.
	for _, c := range []struct {
		name, who string
		left      time.Duration
	}{{"sign in", "Άννα", domain.SignInLinkLifetime}, {"sign in, last minute", "Άννα", time.Minute}, {"sign in, no name", "", 2 * time.Minute}} {
		m, err := ComposeSignIn(signInIn(tag, c.who, c.left))
		add(c.name, m, err)
	}
	return out
}

// signInIn is a sign-in e-mail's input in tag, with left to go.
func signInIn(tag, name string, left time.Duration) SignIn {
	return SignIn{LinkID: "sil_01", Name: name, Email: "anna@example.org", ActionURL: baseURL + "/manage/sign-in/tok_signin",
		ExpiresAt: stamp.Add(left), From: mail.Address{Address: "no-reply@convene.example"}, BaseURL: baseURL, Now: stamp, Locale: tag}
}

// rsvpIn is the invite's RSVP with another status, keeping its name and
// language.
func rsvpIn(in *Invite, status domain.RSVPStatus) domain.RSVP {
	r := rsvp(status)
	r.Name, r.Locale = in.RSVP.Name, in.RSVP.Locale
	return r
}

// languages are Convene's languages and the pseudo-locale.
func languages() []*i18n.Lang { return append(i18n.All(), i18n.Get(i18n.Pseudo)) }

var (
	mailTagRE     = regexp.MustCompile(`(?s)<[^>]*>`)
	mailSkipRE    = regexp.MustCompile(`(?s)<head>.*?</head>`)
	mailAttrRE    = regexp.MustCompile(`(?:aria-label|title|alt)="([^"]*)"`)
	markedInnerRE = regexp.MustCompile(`⟦[^⟦⟧]*⟧`)
	urlRE         = regexp.MustCompile(`https?://[^\s<>"()]+`)
	addressRE     = regexp.MustCompile(`[^\s<>()@]+@[^\s<>()@]+\.[a-z]+`)
	zoneLabelRE   = regexp.MustCompile(`\((?:[A-Za-z_]+/[A-Za-z_/]+)?(?:, )?(?:[A-Z]{3,4}|UTC[+-][0-9:]+)?\)`)
	abbrRE        = regexp.MustCompile(`\b(?:CET|CEST|GMT|BST|UTC)\b`)
	codeRE        = regexp.MustCompile(`\b[A-Z0-9]{4}-?[A-Z0-9]{4}\b`)
	// englishDateRE are the day and month names of Convene's English
	// dates (Go's), which the pseudo-locale keeps: names, not words of
	// the catalogue.
	englishDateRE = regexp.MustCompile(`\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun|` +
		`January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b`)
	mailLatinRE   = regexp.MustCompile(`[A-Za-z]{2,}`)
	mailMissingRE = regexp.MustCompile(`\[(?:mail|ics|calendar|facts|datetime|list)[a-z0-9._-]*\]`)
	htmlOpenRE    = regexp.MustCompile(`<html lang="([^"]+)"(?: dir="(ltr|rtl)")?>`)
)

// readable is what a person reads of an e-mail: its subject, its text,
// its HTML's text and labels, and its calendar's DESCRIPTION.
func readable(t *testing.T, m Message) string {
	t.Helper()
	h := mailSkipRE.ReplaceAllString(m.HTML, " ")
	var b strings.Builder
	b.WriteString(m.Subject + "\n" + m.Text + "\n" + html.UnescapeString(mailTagRE.ReplaceAllString(h, " ")))
	for _, a := range mailAttrRE.FindAllStringSubmatch(m.HTML, -1) {
		b.WriteString("\n" + html.UnescapeString(a[1]))
	}
	if m.Calendar != nil {
		for _, p := range parseICS(t, m.Calendar) {
			if p.Name == "DESCRIPTION" {
				b.WriteString("\n" + icsUnescape(p.Value))
			}
		}
	}
	return b.String()
}

// unmarked is s without what goes through the catalogue (marked ⟦…⟧ in
// the pseudo-locale), links, addresses, zones, check-in codes and the
// names of days and months.
func unmarked(s string) string {
	for {
		t := markedInnerRE.ReplaceAllString(s, " ")
		if t == s {
			break
		}
		s = t
	}
	for _, re := range []*regexp.Regexp{urlRE, addressRE, zoneLabelRE, abbrRE, codeRE, englishDateRE} {
		s = re.ReplaceAllString(s, " ")
	}
	return s
}

// catalogueForms are each message's texts (every plural form) in a
// language, read from its file.
func catalogueForms(t *testing.T, tag string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "i18n", "messages", tag+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for id, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[id] = []string{s}
			continue
		}
		var forms map[string]string
		if err := json.Unmarshal(v, &forms); err != nil {
			t.Fatal(err)
		}
		delete(forms, "description")
		for _, f := range forms {
			out[id] = append(out[id], f)
		}
		slices.Sort(out[id])
	}
	return out
}

var placeholderRE = regexp.MustCompile(`\{\{[^}]*\}\}`)

// englishPieces are the pieces of English messages between their
// placeholders, of 12 characters or more, that tag translates: none may
// be in an e-mail in tag.
func englishPieces(t *testing.T, en, own map[string][]string) map[string]string {
	out := map[string]string{}
	for id, forms := range en {
		if slices.Equal(forms, own[id]) {
			continue // the language's words are the same
		}
		for _, f := range forms {
			for _, p := range placeholderRE.Split(f, -1) {
				if p = strings.TrimSpace(p); utf8.RuneCountInString(p) >= 12 {
					out[p] = id
				}
			}
		}
	}
	return out
}

// TestMailEveryLanguage composes every e-mail to an attendee in every
// language and the pseudo-locale, and fails on a message a language lacks
// ([id]), on English left in the e-mail (in the pseudo-locale, any Latin
// word outside ⟦…⟧ that is not a link, an address, a zone, a check-in
// code or a day's or month's name; in the other languages, a piece of an
// English message its translation does not have), on <html> without the
// language and its direction, and on a mail. or ics. message no e-mail
// uses.
func TestMailEveryLanguage(t *testing.T) {
	en := catalogueForms(t, "en")
	pieces := map[string]map[string]string{}
	for _, l := range i18n.All() {
		if l.Tag() != "en" {
			pieces[l.Tag()] = englishPieces(t, en, catalogueForms(t, l.Tag()))
		}
	}
	used := map[string]bool{}
	stop := i18n.Record(func(_, id string) { used[id] = true })
	defer stop()
	for _, l := range languages() {
		for _, c := range everyMail(t, l.Tag()) {
			where := l.Tag() + ", " + c.name
			text := readable(t, c.m)
			if m := mailMissingRE.FindString(text + string(c.m.Calendar)); m != "" {
				t.Errorf("%s: a message is missing: %s", where, m)
			}
			if !strings.Contains(c.m.Text, "Άννα") && !strings.Contains(c.name, "no name") && !strings.Contains(c.name, "bare") &&
				!strings.Contains(c.name, "from the group") {
				t.Errorf("%s: the greeting lacks the name:\n%s", where, c.m.Text)
			}
			m := htmlOpenRE.FindStringSubmatch(c.m.HTML)
			switch {
			case m == nil || m[1] != l.Tag():
				t.Errorf("%s: <html> is %v, want lang %s", where, m, l.Tag())
			case l.Tag() == "en" && m[2] != "":
				t.Errorf("%s: English's <html> changed: %s", where, m[0])
			case l.Tag() != "en" && m[2] != l.Dir():
				t.Errorf("%s: <html> is %s, want dir %s", where, m[0], l.Dir())
			}
			if l.Dir() == "rtl" && !strings.Contains(c.m.HTML, `<body style="margin:0;padding:0;background-color:#f4f4f5;" dir="rtl">`) &&
				c.m.Kind != domain.MessageDeclineCounter {
				t.Errorf("%s: the body is not right to left", where)
			}
			switch l.Tag() {
			case i18n.Pseudo:
				if left := mailLatinRE.FindAllString(unmarked(text), -1); len(left) > 0 {
					t.Errorf("%s: words not from the catalogue: %v\n%s", where, slices.Compact(left), text)
				}
			case "en":
			default:
				for p, id := range pieces[l.Tag()] {
					if strings.Contains(text, p) {
						t.Errorf("%s: English %q (%s) is in the e-mail", where, p, id)
					}
				}
			}
		}
	}
	stop()
	var unused []string
	for _, id := range i18n.IDs() {
		if (strings.HasPrefix(id, "mail.") || strings.HasPrefix(id, "ics.")) && !used[id] {
			unused = append(unused, id)
		}
	}
	if len(unused) > 0 {
		t.Errorf("messages no e-mail uses: %v", unused)
	}
}

// TestMailLanguageChoice: an attendee's e-mail speaks the language they
// replied in, else the event's, else the group's, else English; a request
// its Locale, else the event's.
func TestMailLanguageChoice(t *testing.T) {
	for _, c := range []struct{ rsvp, event, group, want string }{
		{"ar", "ja", "de", "ar"}, {"", "ja", "de", "ja"}, {"", "", "de", "de"}, {"", "", "", "en"},
	} {
		in := invite()
		in.RSVP.Locale, in.Event.Locale, in.Group.Locale = c.rsvp, c.event, c.group
		m := mustCompose(t, domain.MessageGoing, in)
		if got := htmlOpenRE.FindStringSubmatch(m.HTML); got == nil || got[1] != c.want {
			t.Errorf("RSVP %q, event %q, group %q: <html> %v, want %s", c.rsvp, c.event, c.group, got, c.want)
		}
	}
	r := reqConfirmation()
	r.Event.Locale = "fr"
	if m := mustComposeRequest(t, domain.MessageConfirm, r); !strings.Contains(m.HTML, `<html lang="fr" dir="ltr">`) {
		t.Errorf("a confirmation of a French event is not French:\n%s", m.HTML)
	}
	r.Locale = "nl"
	if m := mustComposeRequest(t, domain.MessageConfirm, r); !strings.Contains(m.HTML, `<html lang="nl" dir="ltr">`) {
		t.Errorf("a confirmation asked for from a Dutch page is not Dutch:\n%s", m.HTML)
	}
}

// TestSignInLanguage: the sign-in e-mail speaks the language it is asked
// in, right to left in Arabic with the service's address kept apart, and
// English when the language is "" or one Convene does not speak.
func TestSignInLanguage(t *testing.T) {
	for tag, want := range map[string][]string{
		"":   {"Sign in to Convene", `<html lang="en">`, "Hi Άννα,", "for the next 15 minutes"},
		"xx": {"Sign in to Convene", `<html lang="en">`},
		"de": {"Bei Convene anmelden", `<html lang="de" dir="ltr">`, "Hallo Άννα,", "in den nächsten 15 Minuten", ">Anmelden</a>"},
		"ja": {"Convene にログイン", `<html lang="ja" dir="ltr">`, "今から15分間有効です"},
		"ar": {"تسجيل الدخول إلى Convene", `<html lang="ar" dir="rtl">`, "لمدة 15 دقيقة", "على \u2066Convene.Example\u2069:",
			`<body style="margin:0;padding:0;background-color:#f4f4f5;" dir="rtl">`},
	} {
		m, err := ComposeSignIn(signInIn(tag, "Άννα", domain.SignInLinkLifetime))
		if err != nil {
			t.Fatalf("%q: %v", tag, err)
		}
		all := m.Subject + "\n" + m.Text + "\n" + m.HTML
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("%q: %q is not in the e-mail:\n%s", tag, w, all)
			}
		}
	}
}

// TestMailDatesInLanguage: the e-mails write days and times in the
// language's own forms, and their facts line up in the text.
func TestMailDatesInLanguage(t *testing.T) {
	for tag, want := range map[string][]string{
		"de":      {"Donnerstag, 10. Dezember 2026, 18:00–20:00 (Europe/Oslo, CET)", "Wann: Donnerstag", "Wo:   Αίθουσα"},
		"ja":      {"2026年12月10日木曜日 18:00–20:00 (Europe/Oslo, CET)", "日時：    2026年", "場所：    Αίθουσα"},
		"ar":      {"الخميس، 10 ديسمبر 2026", "<html lang=\"ar\" dir=\"rtl\">", "padding-right:20px"},
		"zh-Hans": {"2026年12月10日星期四 下午6:00–下午8:00 (Europe/Oslo, CET)"},
	} {
		in := greekInvite(tag)
		var b strings.Builder
		for _, kind := range []domain.MessageKind{domain.MessageGoing, domain.MessageUpdated} {
			if kind == domain.MessageUpdated {
				in.Sequence, in.Changed = 1, []string{"description"}
			}
			m := mustCompose(t, kind, in)
			b.WriteString(m.Subject + "\n" + m.Text + "\n" + m.HTML)
		}
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: %q is not in the e-mails:\n%s", tag, w, b.String())
			}
		}
	}
}

// TestComposerSameBytesEveryLanguage: in every language, and in a batch
// whose attendees speak different languages, a Composer writes exactly
// what Compose writes, and two languages never share a layout.
func TestComposerSameBytesEveryLanguage(t *testing.T) {
	kinds := []domain.MessageKind{domain.MessageUpdated, domain.MessageGoing, domain.MessageEventCancelled, domain.MessageWaitlisted,
		domain.MessageRSVPCancelled, domain.MessageReminder, domain.MessageReconfirm}
	tags := make([]string, 0, len(languages()))
	for _, l := range languages() {
		tags = append(tags, l.Tag())
	}
	batches := map[string]func(i int) string{"mixed": func(i int) string { return tags[i%len(tags)] }}
	for _, tag := range tags {
		batches[tag] = func(int) string { return tag }
	}
	for name, base := range composerInvites() {
		ins := attendees(base)
		withJoinLinks(ins)
		for batch, tagOf := range batches {
			for _, kind := range kinds {
				cm := NewComposer()
				rounds := 1 // a second round reuses the layouts: the mixed batch's is enough
				if batch == "mixed" {
					rounds = 2
				}
				for round := range rounds {
					for i, in := range ins {
						in.RSVP.Locale = tagOf(i + round)
						switch kind {
						case domain.MessageEventCancelled:
							in.Event.Status = domain.EventCancelled
						case domain.MessageWaitlisted:
							if in.RSVP.Status == domain.RSVPGoing {
								in.RSVP.Status, in.RSVP.WaitlistPosition = domain.RSVPWaitlisted, i%3
							}
						case domain.MessageRSVPCancelled:
							if in.RSVP.Status == domain.RSVPGoing && i%4 != 0 {
								in.RSVP.Status, in.Why = domain.RSVPCancelled, []string{"", domain.CancelNotReconfirmed, domain.CancelByOrganiser}[i%3]
							}
						case domain.MessageReconfirm:
							if in.ManageURL == "" && i%5 != 0 {
								in.ManageURL = "https://convene.example/r/tok_" + strings.ReplaceAll(in.RSVP.ID, "/", "_")
							}
						}
						want, wantErr := Compose(kind, in)
						got, gotErr := cm.Compose(kind, in)
						if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
							t.Errorf("%s, %s batch, %s, attendee %d: error %v, Compose's %v", name, batch, kind, i, gotErr, wantErr)
							continue
						}
						if wantErr != nil {
							continue
						}
						if diff := cmp.Diff(want, got); diff != "" {
							t.Errorf("%s, %s batch, %s, attendee %d in %s: the Composer's message differs from Compose's (-alone +shared):\n%s",
								name, batch, kind, i, in.RSVP.Locale, diff)
						}
					}
				}
				for _, p := range cm.preps {
					if p.shared.lang == "" {
						t.Errorf("%s, %s batch, %s: a preparation without a language", name, batch, kind)
					}
				}
			}
		}
	}
}

// invitesEveryLanguage are the e-mails with an invite, in every
// language: the invitations (at a venue and online), the updates and the
// two cancellations.
func invitesEveryLanguage(t *testing.T) map[string]Message {
	t.Helper()
	out := map[string]Message{}
	for _, l := range languages() {
		for _, c := range everyMail(t, l.Tag()) {
			if c.m.Calendar != nil && c.m.Kind != domain.MessageDeclineCounter { // which has no text of ours
				out[l.Tag()+", "+c.name] = c.m
			}
		}
	}
	return out
}

// TestInvitesParseEveryLanguage: the calendar of every e-mail that carries
// one stays valid in every language: its lines fold within 75 octets
// without splitting a character, golang-ical reads it, and
// python-icalendar (Debian's, as the calendar tests use it) reads the
// summary, the description with the language's words and the location as
// they were written.
func TestInvitesParseEveryLanguage(t *testing.T) {
	invites := invitesEveryLanguage(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range invites {
			if !yield(n) {
				return
			}
		}
	})
	type read struct{ Summary, Description, Location string }
	want := make([]read, len(names))
	objects := make([]string, len(names))
	for i, name := range names {
		m := invites[name]
		for _, line := range strings.Split(strings.TrimSuffix(string(m.Calendar), "\r\n"), "\r\n") {
			if len(line) > 75 || !utf8.ValidString(line) {
				t.Errorf("%s: line of %d octets or broken UTF-8: %q", name, len(line), line)
			}
		}
		props := parseICS(t, m.Calendar)
		want[i] = read{icsUnescape(icsOne(t, props, "SUMMARY").Value), icsUnescape(icsOne(t, props, "DESCRIPTION").Value), icsUnescape(icsOne(t, props, "LOCATION").Value)}
		tag, _, _ := strings.Cut(name, ", ")
		l := i18n.Get(tag)
		if !strings.Contains(want[i].Description, l.T("ics.event_page", "URL", "https://Convene.Example/e/go-and-gloegg")) &&
			!strings.Contains(want[i].Description, l.T("ics.event_page", "URL", "https://Convene.Example/e/generics-deep-dive")) {
			t.Errorf("%s: the DESCRIPTION lacks the event page in %s: %q", name, tag, want[i].Description)
		}
		if join := l.T("ics.join", "URL", "https://convene.example/j/tok_join"); strings.Contains(m.Text, "tok_join") &&
			m.Method == "REQUEST" && !strings.HasPrefix(want[i].Description, join+"\n\n") {
			t.Errorf("%s: the DESCRIPTION lacks the join link in %s: %q", name, tag, want[i].Description)
		}
		if want[i].Summary != "Συνάντηση" && want[i].Summary != "Ζωντανά" {
			t.Errorf("%s: SUMMARY %q is not the organisers' title", name, want[i].Summary)
		}
		cal, err := goics.ParseCalendar(bytes.NewReader(m.Calendar))
		if err != nil {
			t.Errorf("%s: golang-ical: %v", name, err)
			continue
		}
		ev := cal.Events()
		if len(ev) != 1 {
			t.Errorf("%s: golang-ical read %d events", name, len(ev))
			continue
		}
		if p := ev[0].GetProperty(goics.ComponentPropertyDescription); p == nil || icsUnescape(p.Value) != want[i].Description {
			t.Errorf("%s: golang-ical read DESCRIPTION %v, want %q", name, p, want[i].Description)
		}
		objects[i] = string(m.Calendar)
	}

	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import icalendar").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-icalendar is required under CI=true: %v", err)
		}
		t.Skip("python3-icalendar not installed (apt-get install python3-icalendar)")
	}
	in, _ := json.Marshal(objects)
	cmd := exec.Command(py, "-c", `
import json, sys, icalendar
out = []
for text in json.load(sys.stdin):
    ev = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    out.append({"Summary": str(ev.get("SUMMARY")), "Description": str(ev.get("DESCRIPTION")), "Location": str(ev.get("LOCATION", ""))})
json.dump(out, sys.stdout)
`)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3-icalendar refused: %v\n%s", err, stderr.String())
	}
	var got []read
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("%v: %s", err, outb)
	}
	for i, name := range names {
		if got[i] != want[i] {
			t.Errorf("%s: python-icalendar read %+v, want %+v", name, got[i], want[i])
		}
	}
}

// TestRightToLeftStyles: an Arabic e-mail mirrors the styles that have a
// side; the English ones keep theirs.
func TestRightToLeftStyles(t *testing.T) {
	in := greekInvite("ar")
	in.Sequence, in.Changed = 1, []string{"description"}
	m := mustCompose(t, domain.MessageUpdated, in)
	for _, w := range []string{`padding-right:20px`, `padding:0 0 4px 12px`, `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background-color:#ffffff;border-radius:8px;" dir="rtl">`} {
		if !strings.Contains(m.HTML, w) {
			t.Errorf("the Arabic update lacks %s", w)
		}
	}
	if strings.Contains(m.HTML, "padding-left") || strings.Contains(m.HTML, "padding:0 12px 4px 0") {
		t.Error("the Arabic update keeps a left-to-right style")
	}
}
