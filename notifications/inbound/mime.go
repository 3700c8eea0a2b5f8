package inbound

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/convene/convene/domain"
)

// Bounds of the MIME walk. Real replies nest two levels deep (Gmail's
// multipart/mixed holding a multipart/alternative) and have four parts.
const (
	maxMIMEDepth = 10  // multipart levels read; deeper ones are skipped
	maxMIMEParts = 200 // parts looked at in one message
	maxCalendars = 8   // calendar parts tried in one message
)

// calendarPart is a calendar found in the MIME tree, still encoded.
type calendarPart struct {
	data      []byte
	encoding  string // Content-Transfer-Encoding
	charset   string
	method    string // the method parameter of its Content-Type
	preferred bool   // text/calendar, rather than an attachment
}

// readReply finds the calendar parts of a message (header h, body) and
// returns the reply of the first one that holds one. from is the sender's
// address, which picks the ATTENDEE when there are several.
func readReply(h textproto.MIMEHeader, body io.Reader, from string) (domain.CalendarReply, error) {
	var w walker
	w.walk(h, body, 0)
	if len(w.found) == 0 {
		return domain.CalendarReply{}, ErrNoCalendar
	}
	sort.SliceStable(w.found, func(i, j int) bool { return w.found[i].preferred && !w.found[j].preferred })
	budget := maxParseCost
	var first error
	for _, p := range w.found {
		r, err := p.reply(from, &budget)
		if err == nil {
			return r, nil
		}
		if first == nil {
			first = err
		}
	}
	return domain.CalendarReply{}, first
}

// reply decodes the part and reads the reply in it.
func (p calendarPart) reply(from string, budget *int) (domain.CalendarReply, error) {
	data, err := decodeTransfer(p.data, p.encoding)
	if err != nil {
		return domain.CalendarReply{}, fmt.Errorf("%w: calendar part: %s", ErrMalformed, clip(err.Error()))
	}
	return parseCalendar(toUTF8(data, p.charset), p.method, from, budget)
}

// walker walks a MIME tree and collects its calendar parts.
type walker struct {
	parts int
	found []calendarPart
}

// walk looks at one entity (header h, body) at the given multipart depth.
// A broken multipart ends the walk of that multipart, keeping what was
// found before the break.
func (w *walker) walk(h textproto.MIMEHeader, body io.Reader, depth int) {
	w.parts++
	if w.parts > maxMIMEParts {
		return
	}
	mediaType, params := contentType(h.Get("Content-Type"))
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		boundary := params["boundary"]
		if boundary == "" || depth >= maxMIMEDepth {
			return
		}
		mr := multipart.NewReader(body, boundary)
		for w.parts < maxMIMEParts && len(w.found) < maxCalendars {
			part, err := mr.NextRawPart()
			if err != nil {
				return
			}
			w.walk(part.Header, part, depth+1)
		}
	case isCalendar(mediaType, params, h):
		if len(w.found) >= maxCalendars {
			return
		}
		// A truncated last part still ends in an error: keep what was read.
		data, _ := io.ReadAll(io.LimitReader(body, MaxMessageSize))
		w.found = append(w.found, calendarPart{
			data:      data,
			encoding:  h.Get("Content-Transfer-Encoding"),
			charset:   params["charset"],
			method:    params["method"],
			preferred: mediaType == "text/calendar",
		})
	}
}

// isCalendar reports whether a part holds an iCalendar object: text/calendar
// (the iMIP part, RFC 6047), an .ics attachment (Gmail's application/ics
// invite.ics) or the old vCalendar type.
func isCalendar(mediaType string, params map[string]string, h textproto.MIMEHeader) bool {
	switch mediaType {
	case "text/calendar", "application/ics", "application/x-ics", "text/x-vcalendar":
		return true
	case "application/octet-stream":
		name := params["name"]
		if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
			name = dp["filename"]
		}
		return strings.HasSuffix(strings.ToLower(strings.TrimSpace(name)), ".ics")
	}
	return false
}

// contentType returns the lower case media type and the parameters of a
// Content-Type header, text/plain without one (RFC 2045 §5.2). A header
// that mime.ParseMediaType refuses (a duplicate or unquoted parameter that
// a sender got wrong) is read leniently, word by word.
func contentType(v string) (string, map[string]string) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mediaType, params, err := mime.ParseMediaType(v)
	if err == nil {
		return mediaType, params
	}
	fields := strings.Split(v, ";")
	mediaType = strings.ToLower(strings.TrimSpace(fields[0]))
	params = make(map[string]string)
	for _, f := range fields[1:] {
		k, val, ok := strings.Cut(f, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			continue
		}
		if _, dup := params[k]; !dup {
			params[k] = strings.Trim(strings.TrimSpace(val), `"`)
		}
	}
	return mediaType, params
}

// decodeTransfer undoes a Content-Transfer-Encoding. 7bit, 8bit, binary and
// unknown encodings are taken as they are.
func decodeTransfer(data []byte, encoding string) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		return decodeBase64(data)
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(data)))
	}
	return data, nil
}

// decodeBase64 decodes base64 written in lines of any length, with or
// without padding.
func decodeBase64(data []byte) ([]byte, error) {
	clean := make([]byte, 0, len(data))
	for _, b := range data {
		switch b {
		case ' ', '\t', '\r', '\n':
		default:
			clean = append(clean, b)
		}
	}
	clean = bytes.TrimRight(clean, "=")
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	return out[:n], err
}

// toUTF8 returns the text of a calendar part as UTF-8. UTF-8 and US-ASCII
// are taken as they are, ISO-8859-1 and Windows-1252 are converted, and
// anything else is read as UTF-8 with invalid bytes replaced: replies are
// sent in UTF-8, and the parts that matter (addresses, UID, PARTSTAT) are
// ASCII anyway.
func toUTF8(data []byte, charset string) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		return decode8bit(data, nil)
	case "windows-1252", "cp1252":
		return decode8bit(data, &cp1252)
	}
	if utf8.Valid(data) {
		return string(data)
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

// decode8bit decodes a single-byte charset that is Latin-1 apart from the
// bytes 0x80–0x9F, which high maps when not nil.
func decode8bit(data []byte, high *[32]rune) string {
	var b strings.Builder
	b.Grow(len(data))
	for _, c := range data {
		switch {
		case c >= 0x80 && c < 0xA0 && high != nil && high[c-0x80] != 0:
			b.WriteRune(high[c-0x80])
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// cp1252 is Windows-1252 at 0x80–0x9F (0 where it has no character).
var cp1252 = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}
