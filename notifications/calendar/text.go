package calendar

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLineOctets is the longest physical line RFC 5545 §3.1 allows, without
// its CRLF.
const maxLineOctets = 75

// cleanText turns user-supplied text into what a TEXT value can carry
// (RFC 5545 §3.3.11): invalid UTF-8 becomes U+FFFD, CRLF and lone CR become
// LF, a tab becomes a space and every other control character (C0, DEL, C1)
// is removed. A CR left in place would end the content line for some parsers
// and let a title add properties of its own.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`)

// escapeText escapes a clean TEXT value.
func escapeText(s string) string {
	return textEscaper.Replace(s)
}

// cleanParam turns a display name into a parameter value that can be written
// between double quotes (RFC 5545 §3.2): line breaks and tabs become spaces,
// other control characters are removed, a double quote (which no escape can
// carry) becomes an apostrophe, and a backslash becomes a slash, because
// parameter values have no escapes yet some parsers (golang-ical's among
// them) treat a backslash as one and would swallow the closing quote.
// Surrounding spaces are trimmed.
func cleanParam(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\n' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		case r == '"':
			return '\''
		case r == '\\':
			return '/'
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// caretEscape applies RFC 6868 to a clean parameter value: a caret that
// parsers implementing RFC 6868 (ical.js, Apple) would read as the start of
// ^n, ^' or ^^ is doubled. A caret followed by anything else stays single,
// so parsers without RFC 6868 show it unchanged.
func caretEscape(s string) string {
	if !strings.Contains(s, "^") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '^' && i+1 < len(s) && (s[i+1] == 'n' || s[i+1] == '\'' || s[i+1] == '^') {
			b.WriteByte('^')
		}
	}
	return b.String()
}

// cnParam returns `;CN="…"` for a display name, or nothing when the name is
// empty once cleaned. The value is always quoted, so commas, semicolons and
// colons in names need no further care.
func cnParam(name string) string {
	name = cleanParam(name)
	if name == "" {
		return ""
	}
	return `;CN="` + caretEscape(name) + `"`
}

// fold writes one content line to buf as physical lines of at most 75 octets
// each, every one ended by CRLF, continuation lines starting with one space
// (RFC 5545 §3.1). A break never falls inside a UTF-8 character, nor between
// a backslash and the character it escapes. The line must be valid UTF-8.
func fold(buf *bytes.Buffer, line string) {
	n := 0 // octets on the current physical line
	for i := 0; i < len(line); {
		size := unitLen(line[i:])
		if n+size > maxLineOctets {
			buf.WriteString("\r\n ")
			n = 1
		}
		buf.WriteString(line[i : i+size])
		n += size
		i += size
	}
	buf.WriteString("\r\n")
}

// unitLen returns the length of the first unbreakable unit of s: one UTF-8
// character, or a backslash together with the character after it. Escapes
// are read from the start of the line, and in a TEXT value every backslash
// starts an escape, so pairs never go out of step; elsewhere (a URL) a
// backslash is an ordinary character and keeping it with the next one is
// harmless.
func unitLen(s string) int {
	_, size := utf8.DecodeRuneInString(s)
	if s[0] == '\\' && len(s) > 1 {
		_, next := utf8.DecodeRuneInString(s[1:])
		size += next
	}
	return size
}
