package mail

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	htmltemplate "html/template"
	"net/mail"
	"reflect"
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
)

// Composer writes the e-mails of one piece of news to many attendees —
// a fan-out's batch: an event's update or cancellation to everyone who
// holds it — with the same bytes as Compose, but sets out what they share
// once: it runs the templates once with placeholders where each attendee's
// own parts go (their name, links, check-in code and its QR code) and
// encodes the calendar once but for its ORGANIZER and ATTENDEE lines
// (calendar.Invitation). For each attendee it then only checks their
// input, as Compose does, and fills in their parts, escaped for where they
// stand.
//
// What the attendees share is everything in an Invite but their RSVP,
// ReplyAddress, ManageURL, JoinURL, WaitlistPosition, SeriesTitle,
// UnfollowURL, Why and Repeat, and the language the RSVP gives their
// e-mail (RSVP.Language): an invite that differs in what should be shared
// or in language gets a preparation of its own (a Composer keeps the last
// few: maxPrepared), so that two languages never share a layout.
// Attendees whose own parts change the layout (no name, no manage link,
// on the waitlist, a follower…) get a layout of their own, prepared on
// first use. An attendee Compose would refuse is refused with Compose's
// error, by Compose.
//
// A Composer is for one goroutine at a time; its memory is what one
// batch's e-mails share, so a batch worker makes one per batch.
type Composer struct {
	preps []*prepared // the most recent last
	// alone counts the e-mails left to Compose (for the tests): those
	// Compose refuses, and any the shared path cannot write.
	alone int
}

// NewComposer returns a Composer with nothing prepared yet.
func NewComposer() *Composer { return &Composer{} }

// maxPrepared is how many sets of shared inputs a Composer keeps: a batch
// is one event's news, but may mix kinds, and its attendees may speak
// every language (the pseudo-locale too, in tests).
var maxPrepared = 4 * (len(domain.Languages) + 1)

// Compose writes the e-mail of the kind to in.RSVP's person: exactly what
// Compose(kind, in) returns.
func (cm *Composer) Compose(kind domain.MessageKind, in Invite) (Message, error) {
	c, err := checkInvite(kind, in)
	if err != nil {
		return cm.composeAlone(kind, in)
	}
	p := cm.prepared(kind, in, c)
	pers, err := ownOf(kind, in, c)
	if err != nil {
		return cm.composeAlone(kind, in)
	}
	if kind == domain.MessageGoing || kind == domain.MessageUpdated {
		if p.joinable {
			pers.google, pers.outlook = calendarLinks(c.lang, in.Event, calendar.EventURL(in.BaseURL, in.Event), c.joinURL)
		} else {
			pers.google, pers.outlook = p.google, p.outlook
		}
	}
	s := p.shape(kind, in, c, pers)
	if s == nil {
		return cm.composeAlone(kind, in)
	}
	var cal []byte
	if s.d.cal != nil {
		if s.inv != nil {
			a := s.d.cal.Events[0].Attendees[0]
			a.Name, a.Email = pers.name, in.RSVP.Email
			cal, err = s.inv.For(c.org, a)
		} else {
			cal, err = invitationOf(kind, in, c, pers).Encode()
		}
		if err != nil {
			return cm.composeAlone(kind, in)
		}
	}
	var f filler
	f.set(pers)
	if !p.joinable {
		p.sharedLinks(&f)
	}
	return s.d.message(in, c, pers, f.fill(s.text, false), f.fill(s.html, true), cal), nil
}

func (cm *Composer) composeAlone(kind domain.MessageKind, in Invite) (Message, error) {
	cm.alone++
	return Compose(kind, in)
}

// shared are the inputs of an e-mail that every attendee's shares, and
// its language (an i18n tag).
type shared struct {
	lang            string
	kind            domain.MessageKind
	event           domain.Event
	previous        *domain.Event
	changed         []string
	group           domain.Group
	organizer       calendar.Person
	from            mail.Address
	baseURL, reason string
	sequence        int
	before          time.Duration
	confirmBy, now  time.Time
}

func sharedOf(kind domain.MessageKind, in Invite) shared {
	return shared{
		lang: langOf(in).Tag(), kind: kind, event: in.Event, previous: in.Previous, changed: in.Changed, group: in.Group,
		organizer: in.Organizer, from: in.From, baseURL: in.BaseURL, reason: in.Reason,
		sequence: in.Sequence, before: in.Before, confirmBy: in.ConfirmBy, now: in.Now,
	}
}

// prepared is what the e-mails of one set of shared inputs share.
type prepared struct {
	shared shared
	// joinable says the event has a join link, which is the attendee's own
	// and goes into the calendar and the add-to-calendar links: those are
	// then written for each attendee. Otherwise the links are google and
	// outlook, the same for all.
	joinable        bool
	google, outlook string
	// links is a filler of google and outlook alone, which keeps them
	// escaped for all.
	links *filler
	// sentinel starts every placeholder: random, so that no event's text
	// can hold one.
	sentinel string
	shapes   map[layout]*shape
}

// prepared returns the preparation for in's shared inputs, making it if
// need be.
func (cm *Composer) prepared(kind domain.MessageKind, in Invite, c checked) *prepared {
	sh := sharedOf(kind, in)
	for _, p := range cm.preps {
		if p.shared.lang == sh.lang && reflect.DeepEqual(p.shared, sh) {
			return p
		}
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	p := &prepared{shared: sh, joinable: c.joinURL != "", sentinel: "zq" + hex.EncodeToString(nonce[:]), shapes: map[layout]*shape{}}
	if !p.joinable && (kind == domain.MessageGoing || kind == domain.MessageUpdated) {
		p.google, p.outlook = calendarLinks(c.lang, in.Event, calendar.EventURL(in.BaseURL, in.Event), "")
	}
	if len(cm.preps) == maxPrepared {
		cm.preps = cm.preps[1:]
	}
	cm.preps = append(cm.preps, p)
	return p
}

// sharedLinks gives f the add-to-calendar links escaped once for all.
func (p *prepared) sharedLinks(f *filler) {
	if p.links == nil {
		p.links = &filler{}
		p.links.raw[partGoogle], p.links.raw[partOutlook] = p.google, p.outlook
	}
	for _, pt := range []ownPart{partGoogle, partOutlook} {
		f.esc[pt] = [2]string{p.links.escaped(pt, false), p.links.escaped(pt, true)}
		f.done[pt] = [2]bool{true, true}
	}
}

// layout is what of an attendee's input, beyond the shared inputs, shapes
// their e-mail other than through their own parts' text: whether each
// part is there at all, and the inputs the templates branch on.
type layout struct {
	status                           domain.RSVPStatus
	wasWaitlisted, repeat            bool
	why, series                      string
	position, rsvpPosition           int
	name, manage, unfollow, code, qr bool
}

func layoutOf(in Invite, pers personal) layout {
	return layout{
		status: in.RSVP.Status, wasWaitlisted: in.RSVP.WasWaitlisted, repeat: in.Repeat > 0,
		why: in.Why, series: in.SeriesTitle, position: in.WaitlistPosition, rsvpPosition: in.RSVP.WaitlistPosition,
		name: pers.name != "", manage: pers.manageURL != "", unfollow: pers.unfollow != "", code: pers.code != "", qr: pers.qr != "",
	}
}

// shape is the e-mail of one layout with placeholders: the draft, the
// bodies cut at each placeholder, and the calendar but for its ORGANIZER
// and ATTENDEE (nil when the calendar carries the attendee's join link).
type shape struct {
	d          draft
	text, html []segment
	inv        *calendar.Invitation
}

// segment is literal text followed by an attendee's part (none after
// the last).
type segment struct {
	lit   string
	pt    ownPart
	inURL bool // the part is an HTML attribute's URL (href="…")
}

// ownPart names an attendee's own part.
type ownPart int

const (
	noPart ownPart = iota
	partName
	partManage
	partJoin
	partUnfollow
	partCode
	partQR
	partGoogle
	partOutlook
	numParts
)

// shape returns the e-mail of the attendee's layout, setting it out on
// first use; nil when it cannot be (Compose then writes the e-mail, or
// the error).
func (p *prepared) shape(kind domain.MessageKind, in Invite, c checked, pers personal) *shape {
	key := layoutOf(in, pers)
	if s, ok := p.shapes[key]; ok {
		return s
	}
	s, _ := p.newShape(kind, in, c, pers) // nil on error
	p.shapes[key] = s
	return s
}

// placeholder is the text that stands for a part while the templates run:
// letters and digits only, which no escaping changes.
func (p *prepared) placeholder(pt ownPart) string {
	return p.sentinel + string(rune('a'+pt)) + "q"
}

func (p *prepared) newShape(kind domain.MessageKind, in Invite, c checked, pers personal) (*shape, error) {
	// The placeholders stand where the attendee has a part, so that the
	// templates take the same branches as for them.
	var ph personal
	for _, pt := range []ownPart{partName, partManage, partJoin, partUnfollow, partCode, partGoogle, partOutlook} {
		if *pers.field(pt) != "" {
			*ph.field(pt) = p.placeholder(pt)
		}
	}
	if pers.qr != "" {
		ph.qr = htmltemplate.HTML(p.placeholder(partQR))
	}
	d, err := newDraft(kind, in, c, ph)
	if err != nil {
		return nil, err
	}
	text, html, err := render(c.lang, "email", d.v)
	if err != nil {
		return nil, err
	}
	s := &shape{d: d}
	if s.text, err = p.cut(text); err != nil {
		return nil, err
	}
	if s.html, err = p.cut(html); err != nil {
		return nil, err
	}
	if d.cal != nil && !p.joinable {
		// The draft's calendar has this attendee's organizer and address
		// and a placeholder for their name: For writes each attendee's
		// instead, and no other line holds them.
		if s.inv, err = d.cal.Invitation(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// errPlaceholder says a placeholder landed where a part cannot be filled
// in by substitution.
var errPlaceholder = errors.New("mail: a placeholder in an unexpected place")

// cut splits a body at its placeholders. In HTML a part stands either in
// text (or inside a quoted attribute's value, which html/template escapes
// alike), or as the whole value of an href; one that starts another
// attribute's value is refused. A template that put a part elsewhere (in
// a script or a style) would be written wrong: TestComposerSameBytes
// compares every kind with Compose for parts that need escaping.
func (p *prepared) cut(body string) ([]segment, error) {
	var out []segment
	for {
		i := strings.Index(body, p.sentinel)
		if i < 0 {
			return append(out, segment{lit: body}), nil
		}
		rest := body[i+len(p.sentinel):]
		if len(rest) < 2 || rest[1] != 'q' {
			return nil, errPlaceholder
		}
		pt := ownPart(rest[0] - 'a')
		if pt <= noPart || pt >= numParts {
			return nil, errPlaceholder
		}
		lit := body[:i]
		seg := segment{lit: lit, pt: pt, inURL: strings.HasSuffix(lit, `href="`)}
		if !seg.inURL && strings.HasSuffix(lit, `="`) {
			return nil, errPlaceholder // another attribute: not a context filled in here
		}
		out = append(out, seg)
		body = rest[2:]
	}
}

// field returns the attendee's part pt.
func (pers *personal) field(pt ownPart) *string {
	switch pt {
	case partName:
		return &pers.name
	case partManage:
		return &pers.manageURL
	case partJoin:
		return &pers.joinURL
	case partUnfollow:
		return &pers.unfollow
	case partCode:
		return &pers.code
	case partGoogle:
		return &pers.google
	case partOutlook:
		return &pers.outlook
	}
	return nil
}

// filler fills an attendee's parts into a shape's bodies.
type filler struct {
	raw [numParts]string
	// esc holds each part escaped as html/template escapes it in text
	// ([0]) and in a URL attribute ([1]), made on first use.
	esc  [numParts][2]string
	done [numParts][2]bool
}

func (f *filler) set(pers personal) {
	for pt := partName; pt < numParts; pt++ {
		if pt == partQR {
			f.raw[pt] = string(pers.qr)
			continue
		}
		f.raw[pt] = *pers.field(pt)
	}
}

// The escapers are html/template's own, run in the two contexts where
// the bodies hold parts: what they write for a part is what the e-mail's
// template writes for it.
var (
	inText = htmltemplate.Must(htmltemplate.New("").Parse(`{{.}}`))
	inURL  = htmltemplate.Must(htmltemplate.New("").Parse(`<a href="{{.}}">`))
)

func (f *filler) escaped(pt ownPart, url bool) string {
	i := 0
	if url {
		i = 1
	}
	if pt == partQR {
		return f.raw[pt] // HTML already
	}
	if !f.done[pt][i] {
		if s, ok := unchangedByEscaping(f.raw[pt], url); ok {
			f.esc[pt][i], f.done[pt][i] = s, true
			return s
		}
		var b strings.Builder
		if url {
			_ = inURL.Execute(&b, f.raw[pt])
			f.esc[pt][i] = strings.TrimSuffix(strings.TrimPrefix(b.String(), `<a href="`), `">`)
		} else {
			_ = inText.Execute(&b, f.raw[pt])
			f.esc[pt][i] = b.String()
		}
		f.done[pt][i] = true
	}
	return f.esc[pt][i]
}

// unchangedByEscaping reports (with s) that html/template writes s as it
// is: in text, when s holds none of the characters its HTML escaper
// replaces (NUL " & ' + < >); in a URL attribute, when its URL filter
// lets s through (a relative URL, or http, https or mailto) and its
// normaliser and attribute escaper change none of its bytes (ASCII letters
// and digits, - . _ ~ ! # $ * , / : ; = ? @ [ ] and %-escapes). Most
// names, codes and links are; the others are escaped by html/template
// itself. TestUnchangedByEscaping holds this against html/template.
func unchangedByEscaping(s string, url bool) (string, bool) {
	if !url {
		return s, !strings.ContainsAny(s, "\x00\"&'+<>")
	}
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!#$*,/:;=?@[]", c) >= 0:
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
		default:
			return "", false
		}
	}
	return s, true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// fill writes a body with the attendee's parts, escaped when html.
func (f *filler) fill(segs []segment, html bool) string {
	n := 0
	for _, s := range segs {
		n += len(s.lit)
		if s.pt != noPart {
			n += len(f.raw[s.pt]) + len(f.raw[s.pt])/4
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range segs {
		b.WriteString(s.lit)
		switch {
		case s.pt == noPart:
		case html:
			b.WriteString(f.escaped(s.pt, s.inURL))
		default:
			b.WriteString(f.raw[s.pt])
		}
	}
	return b.String()
}
