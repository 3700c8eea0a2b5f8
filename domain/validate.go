package domain

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on text fields, in characters.
const (
	MaxNameLen = 200
	// MaxPersonNameLen limits the name people give for themselves when
	// they reply, follow a series, walk in or are invited: it is written
	// into e-mails to the address given, which may be anyone's.
	MaxPersonNameLen  = 100
	MaxTitleLen       = 200
	MaxDescriptionLen = 20000
	MaxEmailLen       = 254
	MaxURLLen         = 2000
	MaxSlugLen        = 80
	MaxAddressLen     = 500
	MaxReasonLen      = 2000
)

var slugRE = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// CheckSlug validates a URL slug: lower-case letters, digits and single
// hyphens, 1 to 80 characters.
func CheckSlug(v *Validation, field, s string) {
	if s == "" {
		v.Add(field, "is required")
		return
	}
	if len(s) > MaxSlugLen || !slugRE.MatchString(s) {
		v.Add(field, "must be 1 to %d lower-case letters, digits and single hyphens, like \"dotnet-oslo\"", MaxSlugLen)
	}
}

// CheckLine validates a one-line text such as a name or a title: valid
// UTF-8, no control characters (which could inject headers or calendar
// lines later), not blank when required, at most max characters.
func CheckLine(v *Validation, field, s string, required bool, maxLen int) {
	if strings.TrimSpace(s) == "" {
		if required {
			v.Add(field, "is required")
		}
		return
	}
	if !utf8.ValidString(s) {
		v.Add(field, "is not valid UTF-8")
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			v.Add(field, "must not contain control characters or line breaks")
			return
		}
	}
	if utf8.RuneCountInString(s) > maxLen {
		v.Add(field, "must be at most %d characters", maxLen)
	}
}

var (
	// nameLinkRE finds what mail clients turn into a link: a scheme
	// (http://, hxxps://), mailto:, "www.", or a dotted host name followed
	// by a slash (evil.example/pay).
	nameLinkRE = regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://|\bmailto:|\bwww\.|[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/`)
	// nameEmailRE finds an e-mail address.
	nameEmailRE = regexp.MustCompile(`[^\s@<>()\[\]"',;:]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`)
	// nameLookalikes are written as the ASCII characters they stand for
	// before the name is searched for links.
	nameLookalikes = strings.NewReplacer("\u3002", ".", "\uFF0E", ".", "\uFF61", ".", "\uFF0F", "/", "\u2215", "/", "\u2044", "/", "\uFF1A", ":", "\uFF20", "@")
)

// CheckPersonName validates the name a person gives for themselves, or
// an organiser gives for an invitee: a line of text (CheckLine) of at most
// MaxPersonNameLen characters without a web address or an e-mail address.
// Anyone can reply with any address, and the name goes into the e-mail to
// it, so a name like "Rita. URGENT: pay at https://evil.example/pay" would
// make the service send a stranger a link. Refused as links are a scheme
// (http://), "www.", and a dotted host name followed by a slash
// (evil.example/pay); bare words with dots ("J.R.R. Tolkien") are names.
// Text-direction overrides and isolates (U+202A–U+202E, U+2066–U+2069),
// which could show a link backwards, are refused; other invisible format
// characters are ignored when looking for links, so they cannot split one.
func CheckPersonName(v *Validation, field, s string, required bool) {
	if v.Has(field) {
		return
	}
	CheckLine(v, field, s, required, MaxPersonNameLen)
	if v.Has(field) {
		return
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069' }) {
		v.Add(field, "must not contain text-direction controls")
		return
	}
	plain := nameLookalikes.Replace(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s))
	switch {
	case nameEmailRE.MatchString(plain):
		v.Add(field, "must not contain an e-mail address: give the address in the e-mail field")
	case nameLinkRE.MatchString(plain):
		v.Add(field, "must not contain a web address or link")
	}
}

// CheckText validates a multi-line text such as a description: line breaks
// and tabs are allowed, other control characters are not.
func CheckText(v *Validation, field, s string, maxLen int) {
	if !utf8.ValidString(s) {
		v.Add(field, "is not valid UTF-8")
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			v.Add(field, "must not contain control characters")
			return
		}
	}
	if utf8.RuneCountInString(s) > maxLen {
		v.Add(field, "must be at most %d characters", maxLen)
	}
}

// NormalizeEmail returns the canonical form of an address for matching:
// trimmed and lower-cased. Addresses are compared case-insensitively
// throughout Convene.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CheckEmail validates a bare e-mail address (no display name, no angle
// brackets, no control characters).
func CheckEmail(v *Validation, field, s string, required bool) {
	if strings.TrimSpace(s) == "" {
		if required {
			v.Add(field, "is required")
		}
		return
	}
	if !ValidEmail(s) {
		v.Add(field, "must be a valid e-mail address like name@example.org")
	}
}

// ValidEmail reports whether s is a plain address such as ada@example.org.
func ValidEmail(s string) bool {
	if len(s) > MaxEmailLen || strings.ContainsAny(s, " \t\r\n<>\"") {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return false
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	// Domain literals (ada@[192.0.2.1]) are refused: mail to them is a
	// way to make the server connect wherever the sender likes.
	return at > 0 && domain != "" && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.ContainsAny(domain, "[]")
}

// CheckTimeZone validates an IANA time zone name such as "Europe/Oslo".
// "Local" is refused: it means whatever the server's zone is.
func CheckTimeZone(v *Validation, field, s string, required bool) {
	if s == "" {
		if required {
			v.Add(field, "is required")
		}
		return
	}
	if s == "Local" || len(s) > 64 {
		v.Add(field, "must be an IANA time zone name like \"Europe/Oslo\"")
		return
	}
	if _, err := time.LoadLocation(s); err != nil {
		v.Add(field, "must be an IANA time zone name like \"Europe/Oslo\"")
	}
}

// CheckURL validates an absolute http or https URL that people are sent
// to (a join link, a recording, slides): the service's own /j/ link
// redirects to it, so it must be exactly what it looks like. Refused with a
// field error of their own are a user name or password before the host
// ("https://good.example@evil.example/" leads to evil.example) and
// invisible characters: control characters and Unicode format characters
// (category Cf), among them the bidirectional controls U+200E, U+200F,
// U+202A–U+202E and U+2066–U+2069, zero-width spaces and joiners, and the
// byte order mark, which can make a link read as another.
func CheckURL(v *Validation, field, s string) {
	if s == "" {
		return
	}
	if strings.ContainsFunc(s, invisible) {
		v.Add(field, "must not contain invisible or text-direction characters")
		return
	}
	u, err := url.Parse(s)
	// Characters that e-mails, pages and calendars cannot carry as they
	// are (quotes, angle brackets, any kind of space) are refused here
	// rather than breaking a message later.
	bad := strings.ContainsAny(s, "\"<>\\`{}|^") || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == utf8.RuneError
	})
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > MaxURLLen || bad {
		v.Add(field, "must be an absolute http or https URL")
		return
	}
	if strings.ContainsFunc(u.Host, invisible) { // percent-encoded in the host
		v.Add(field, "must not contain invisible or text-direction characters")
		return
	}
	// Any "@" in the authority, even with nothing before it, is user-info.
	authority, _, _ := strings.Cut(s[len(u.Scheme)+len("://"):], "/")
	authority, _, _ = strings.Cut(authority, "?")
	authority, _, _ = strings.Cut(authority, "#")
	if u.User != nil || strings.Contains(authority, "@") {
		v.Add(field, "must not have a user name or password before the host (\"name@\")")
	}
}

// invisible reports whether r is not seen as itself in a link: a control
// character, a line or paragraph separator, or a format character
// (Unicode category Cf: bidirectional controls, zero-width spaces and
// joiners, the byte order mark, soft hyphens and the like).
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// Slugify makes a URL slug from a title: ASCII letters and digits, accents
// folded for common Latin letters, everything else turned into single
// hyphens. It may return "" for a title without any usable character.
func Slugify(title string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(title) {
		if f, ok := fold[r]; ok {
			r = f
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= MaxSlugLen-8 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

var fold = map[rune]rune{
	'à': 'a', 'á': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a', 'æ': 'a',
	'ç': 'c', 'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e', 'ì': 'i', 'í': 'i',
	'î': 'i', 'ï': 'i', 'ñ': 'n', 'ò': 'o', 'ó': 'o', 'ô': 'o', 'õ': 'o',
	'ö': 'o', 'ø': 'o', 'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u', 'ý': 'y',
	'ÿ': 'y', 'ß': 's', 'ł': 'l', 'š': 's', 'ž': 'z', 'č': 'c', 'ř': 'r',
}
