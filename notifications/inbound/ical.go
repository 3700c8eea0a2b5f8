package inbound

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/convene/convene/domain"
)

// Bounds of the calendar parse. golang-ical's parser reads components
// recursively and, for every parameter of a content line, allocates a
// buffer the length of the whole line; maxParseCost caps the sum over all
// lines of length × (parameters + 1), so a hostile line with a million
// parameters is refused before it costs terabytes. A real reply costs a
// few tens of kilobytes.
const (
	maxCalendarDepth = 8        // VCALENDAR > VTIMEZONE > STANDARD is 3
	maxComponents    = 1000     // a reply has a VEVENT, maybe a VTIMEZONE or two
	maxContentLines  = 10000    // a reply has some tens
	maxParseCost     = 32 << 20 // per message, over all calendar parts tried

	// Longest UID and address taken; longer ones are not anybody's reply,
	// and would only fill the logs. Convene's UIDs are some 40 characters,
	// and an address has at most 254 (RFC 5321).
	maxUIDLen     = 1024
	maxAddressLen = 254
)

// parseCalendar reads the reply in the text of one calendar part.
// ctMethod is the method parameter of the part's Content-Type; from is the
// message's sender. budget is what remains of maxParseCost.
func parseCalendar(text, ctMethod, from string, budget *int) (domain.CalendarReply, error) {
	norm, err := normalizeCalendar(text, budget)
	if err != nil {
		return domain.CalendarReply{}, err
	}
	cal, err := ics.ParseCalendarWithOptions(strings.NewReader(norm),
		ics.WithUnknownPropertyHandler(ics.AcceptUnknownPropertyHandler))
	if err != nil {
		return domain.CalendarReply{}, fmt.Errorf("%w: %s", ErrMalformed, clip(err.Error()))
	}
	return replyOf(cal, ctMethod, from)
}

// replyOf reads the reply in a parsed calendar.
func replyOf(cal *ics.Calendar, ctMethod, from string) (domain.CalendarReply, error) {
	method := strings.ToUpper(strings.TrimSpace(calendarProperty(cal, ics.PropertyMethod)))
	if method == "" {
		method = strings.ToUpper(strings.TrimSpace(ctMethod))
	}
	r := domain.CalendarReply{Method: domain.CalendarMethod(method)}
	switch r.Method {
	case domain.MethodReply, domain.MethodCounter, domain.MethodRefresh:
	default:
		return domain.CalendarReply{}, fmt.Errorf("%w: METHOD %q", ErrNotReply, clip(method))
	}
	r.Client = clientOf(calendarProperty(cal, ics.PropertyProductId))

	events := cal.Events()
	if len(events) == 0 {
		return domain.CalendarReply{}, fmt.Errorf("%w: no VEVENT", ErrMalformed)
	}
	ev := events[0]
	// Not ev.Id(): the parser has already unescaped the TEXT value, and
	// Id unescapes it a second time.
	if p := ev.GetProperty(ics.ComponentPropertyUniqueId); p != nil {
		r.UID = strings.TrimSpace(p.Value)
	}
	if r.UID == "" || len(r.UID) > maxUIDLen {
		return domain.CalendarReply{}, fmt.Errorf("%w: VEVENT without a usable UID", ErrMalformed)
	}
	if p := ev.GetProperty(ics.ComponentPropertySequence); p != nil {
		n, err := strconv.Atoi(strings.TrimSpace(p.Value))
		if err != nil || n < 0 {
			return domain.CalendarReply{}, fmt.Errorf("%w: SEQUENCE %q", ErrMalformed, clip(p.Value))
		}
		r.Sequence = n
	}
	if p := ev.GetProperty(ics.ComponentPropertyDtstamp); p != nil {
		r.Stamp = stampOf(&p.BaseProperty)
	}

	a, err := pickAttendee(ev.Attendees(), r.Method == domain.MethodReply, from)
	if err != nil {
		return domain.CalendarReply{}, err
	}
	r.Attendee = a.addr
	r.Status, _ = domain.ParsePartStat(a.partStat)
	return r, nil
}

// attendee is an ATTENDEE of the reply.
type attendee struct {
	addr     string
	partStat string
	name     string
}

// pickAttendee returns the attendee who answers. A REPLY names one
// attendee (RFC 5546 §3.2.3); when a client names several, the ones with a
// PARTSTAT Convene acts on count, and among them the sender. needStatus
// is set for a REPLY, which without such a PARTSTAT answers nothing.
func pickAttendee(props []*ics.Attendee, needStatus bool, from string) (attendee, error) {
	var pool []attendee
	for _, p := range props {
		a := attendee{
			addr:     calAddress(&p.BaseProperty),
			partStat: strings.TrimSpace(param(&p.BaseProperty, ics.ParameterParticipationStatus)),
			name:     param(&p.BaseProperty, ics.ParameterCn),
		}
		if a.addr == "" {
			continue
		}
		if _, ok := domain.ParsePartStat(a.partStat); needStatus && !ok {
			continue
		}
		pool = append(pool, a)
	}
	if len(pool) == 0 {
		if needStatus && len(props) > 0 {
			return attendee{}, fmt.Errorf("%w: no ATTENDEE with PARTSTAT ACCEPTED, TENTATIVE or DECLINED", ErrMalformed)
		}
		return attendee{}, fmt.Errorf("%w: no ATTENDEE with an e-mail address", ErrMalformed)
	}
	if from != "" {
		for _, a := range pool {
			if domain.NormalizeEmail(a.addr) == domain.NormalizeEmail(from) {
				return a, nil
			}
		}
	}
	return pool[0], nil
}

// calAddress returns the e-mail address of an ATTENDEE: its mailto: URI in
// any case (percent-decoded), else its EMAIL parameter (RFC 7986, which Apple adds to
// urn:uuid: addresses), else a bare address; "" when it has none.
func calAddress(p *ics.BaseProperty) string {
	v := strings.TrimSpace(p.Value)
	var addr string
	switch {
	case len(v) >= len("mailto:") && strings.EqualFold(v[:len("mailto:")], "mailto:"):
		addr = strings.TrimSpace(v[len("mailto:"):])
		if u, err := url.PathUnescape(addr); err == nil { // mailto:jane%2Bx@… (RFC 6068)
			addr = u
		}
	case param(p, "EMAIL") != "":
		addr = strings.TrimSpace(param(p, "EMAIL"))
	case !strings.Contains(v, ":"):
		addr = v
	}
	if at := strings.IndexByte(addr, '@'); at <= 0 || at == len(addr)-1 || len(addr) > maxAddressLen {
		return ""
	}
	return addr
}

// clip shortens what a sender wrote to a length fit for an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// param returns the first value of a property's parameter, whose name is
// matched in any case (the parser keeps names as written).
func param(p *ics.BaseProperty, name ics.Parameter) string {
	if vs := p.ICalParameters[string(name)]; len(vs) > 0 {
		return vs[0]
	}
	for k, vs := range p.ICalParameters {
		if strings.EqualFold(k, string(name)) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// calendarProperty returns the value of a VCALENDAR property, or "".
func calendarProperty(cal *ics.Calendar, name ics.Property) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == string(name) {
			return p.Value
		}
	}
	return ""
}

// stampOf reads a DTSTAMP. It is a UTC DATE-TIME (RFC 5545 §3.8.7.2);
// a local time is read in its TZID when that is an IANA zone and in UTC
// otherwise, a date as its midnight, and anything else as no stamp.
// golang-ical's GetDtStampTime is not used: it reads a time without Z in
// the server's time.Local.
func stampOf(p *ics.BaseProperty) time.Time {
	v := strings.ToUpper(strings.TrimSpace(p.Value))
	if t, err := time.Parse("20060102T150405Z", v); err == nil {
		return t
	}
	loc := time.UTC
	if tz := strings.TrimSpace(param(p, ics.ParameterTzid)); tz != "" && tz != "Local" && len(tz) < 64 {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	for _, layout := range []string{"20060102T150405", "20060102"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// clientOf names the calendar app that wrote a PRODID.
func clientOf(prodID string) string {
	p := strings.ToLower(prodID)
	switch {
	case strings.Contains(p, "microsoft"), strings.Contains(p, "outlook"):
		return "Outlook"
	case strings.Contains(p, "google"):
		return "Google Calendar"
	case strings.Contains(p, "apple"):
		return "Apple Calendar"
	}
	return ""
}

// normalizeCalendar rewrites the text of a calendar part into the form
// golang-ical's parser reads, without interpreting it: one VCALENDAR
// object, unfolded, one content line per CRLF-ended line. It covers what
// real clients send and that parser refuses or misreads:
//
//   - a byte order mark, and lines before BEGIN:VCALENDAR or after its END
//     (the parser requires the object to start at once and refuses any
//     line after it);
//   - LF or CR line endings, folds with a space or a tab;
//   - trailing white space (the parser reads "END:VEVENT " as the end of a
//     component named "VEVENT ");
//   - empty lines, and a line that starts with neither a property name nor
//     white space, taken as a fold that lost its space;
//   - property names in lower case (the parser matches names exactly);
//   - components left open at the end, which are closed.
//
// It also bounds the parser's work: nesting deeper than maxCalendarDepth,
// more than maxComponents components or maxContentLines lines, and lines
// that would cost more than the budget are refused.
func normalizeCalendar(text string, budget *int) (string, error) {
	text = strings.TrimPrefix(text, "\uFEFF")
	var (
		out     strings.Builder
		cur     strings.Builder
		open    []string // the components begun and not ended
		begun   int      // the components begun
		count   int      // the content lines written
		started bool
		done    bool
	)
	out.Grow(len(text) + len(text)/32)

	// flush ends the logical line in cur.
	flush := func() error {
		line := strings.TrimRight(cur.String(), " \t")
		cur.Reset()
		if line == "" || done {
			return nil
		}
		name, rest := splitName(line)
		name = strings.ToUpper(name)
		if name == "BEGIN" || name == "END" {
			rest = strings.ToUpper(rest)
		}
		value := strings.TrimSpace(strings.TrimPrefix(rest, ":"))
		if !started {
			if name != "BEGIN" || value != "VCALENDAR" {
				return nil // text before the object
			}
			started = true
		}
		if count++; count > maxContentLines {
			return fmt.Errorf("%w: more than %d content lines", ErrMalformed, maxContentLines)
		}
		if *budget -= lineCost(line); *budget < 0 {
			return fmt.Errorf("%w: calendar too costly to parse", ErrMalformed)
		}
		switch name {
		case "BEGIN":
			if len(open) >= maxCalendarDepth {
				return fmt.Errorf("%w: components nested deeper than %d", ErrMalformed, maxCalendarDepth)
			}
			if begun++; begun > maxComponents {
				return fmt.Errorf("%w: more than %d components", ErrMalformed, maxComponents)
			}
			open = append(open, value)
		case "END":
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
			done = len(open) == 0
		}
		out.WriteString(name)
		out.WriteString(rest)
		out.WriteString("\r\n")
		return nil
	}

	for len(text) > 0 {
		var line string
		if i := strings.IndexAny(text, "\r\n"); i < 0 {
			line, text = text, ""
		} else {
			line = text[:i]
			if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			text = text[i+1:]
		}
		switch {
		case line == "":
		case line[0] == ' ' || line[0] == '\t':
			cur.WriteString(line[1:])
		case !startsProperty(line) && cur.Len() > 0:
			cur.WriteString(line)
		default:
			if err := flush(); err != nil {
				return "", err
			}
			if done {
				text = ""
				break
			}
			cur.WriteString(line)
			// The end of the object is taken at once, so that what follows
			// (a signature, say) is not read as a fold of it.
			if strings.EqualFold(strings.TrimRight(line, " \t"), "END:VCALENDAR") {
				if err := flush(); err != nil {
					return "", err
				}
				if done {
					text = ""
				}
			}
		}
	}
	if err := flush(); err != nil {
		return "", err
	}
	if !started {
		return "", fmt.Errorf("%w: no BEGIN:VCALENDAR", ErrMalformed)
	}
	for i := len(open) - 1; i >= 0; i-- {
		out.WriteString("END:" + open[i] + "\r\n")
	}
	return out.String(), nil
}

// splitName splits a content line after its name: the letters, digits and
// hyphens it starts with.
func splitName(line string) (name, rest string) {
	i := 0
	for i < len(line) && isNameByte(line[i]) {
		i++
	}
	return line[:i], line[i:]
}

// startsProperty reports whether a physical line starts a content line: a
// name followed by ";" or ":".
func startsProperty(line string) bool {
	name, rest := splitName(line)
	return name != "" && rest != "" && (rest[0] == ';' || rest[0] == ':')
}

func isNameByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// lineCost is what golang-ical's parser spends on a content line: its
// length once for the line and once more for every parameter value, which
// starts after each unquoted ";" or "," before the value (a quoted ":" and
// a backslash-escaped character do not end the parameters, as the parser
// reads them).
func lineCost(line string) int {
	seps := 0
	quoted := false
scan:
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '"':
			quoted = !quoted
		case ';', ',':
			if !quoted {
				seps++
			}
		case ':':
			if !quoted {
				break scan
			}
		}
	}
	return len(line) * (seps + 1)
}
