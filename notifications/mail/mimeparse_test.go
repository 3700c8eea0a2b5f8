package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
)

// The helpers below read what arrived with the standard library only
// (net/mail, mime, mime/multipart), independently of go-mail.

// part is one node of a MIME tree. Body is the decoded content of a leaf.
type part struct {
	Header    textproto.MIMEHeader
	MediaType string
	Params    map[string]string
	Body      []byte
	Children  []*part
}

// parsedMail is a received message: its header and MIME tree.
type parsedMail struct {
	Header mail.Header
	Root   *part
}

func parseMail(t testing.TB, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, data)
	}
	root := parsePart(t, textproto.MIMEHeader(msg.Header), msg.Body)
	return parsedMail{Header: msg.Header, Root: root}
}

func parsePart(t testing.TB, h textproto.MIMEHeader, body io.Reader) *part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	p := &part{Header: h, MediaType: mt, Params: params}
	if strings.HasPrefix(mt, "multipart/") {
		// NextRawPart keeps Content-Transfer-Encoding visible; NextPart
		// would decode quoted-printable and delete the header.
		r := multipart.NewReader(body, params["boundary"])
		for {
			child, err := r.NextRawPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("reading %s: %v", mt, err)
			}
			p.Children = append(p.Children, parsePart(t, child.Header, child))
		}
		return p
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	switch cte := strings.ToLower(h.Get("Content-Transfer-Encoding")); cte {
	case "quoted-printable":
		p.Body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	case "base64":
		p.Body, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.ReplaceAll(raw, []byte("\r\n"), nil))))
	case "", "7bit", "8bit":
		p.Body = raw
	default:
		t.Fatalf("unexpected Content-Transfer-Encoding %q", cte)
	}
	if err != nil {
		t.Fatalf("decoding %s (%s): %v", mt, h.Get("Content-Transfer-Encoding"), err)
	}
	return p
}

// shape writes the tree's media types: "multipart/mixed{multipart/alternative{text/plain,...},application/ics}".
func (p *part) shape() string {
	if len(p.Children) == 0 {
		return p.MediaType
	}
	var kids []string
	for _, c := range p.Children {
		kids = append(kids, c.shape())
	}
	return p.MediaType + "{" + strings.Join(kids, ",") + "}"
}

// find returns the first leaf of the media type, depth first.
func (p *part) find(mediaType string) *part {
	if p.MediaType == mediaType && len(p.Children) == 0 {
		return p
	}
	for _, c := range p.Children {
		if f := c.find(mediaType); f != nil {
			return f
		}
	}
	return nil
}

// decodeHeader decodes RFC 2047 encoded words.
func decodeHeader(t testing.TB, s string) string {
	t.Helper()
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Fatalf("decoding header %q: %v", s, err)
	}
	return d
}

// icsProp is one unfolded content line of an iCalendar object.
type icsProp struct {
	Name   string
	Params map[string]string // values without quotes
	Value  string
}

// parseICS unfolds the object (CRLF + one space or tab) and splits each
// content line into name, parameters and value, honouring quoted
// parameter values. It fails on bare LF or CR.
func parseICS(t testing.TB, data []byte) []icsProp {
	t.Helper()
	s := string(data)
	if strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\r") {
		t.Fatalf("calendar has a bare CR or LF:\n%q", s)
	}
	s = strings.ReplaceAll(s, "\r\n ", "")
	s = strings.ReplaceAll(s, "\r\n\t", "")
	var props []icsProp
	for _, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		var p icsProp
		p.Params = map[string]string{}
		// Split name;params from the value at the first colon outside quotes.
		inQuote, colon := false, -1
		for i, r := range line {
			if r == '"' {
				inQuote = !inQuote
			}
			if r == ':' && !inQuote {
				colon = i
				break
			}
		}
		if colon < 0 {
			t.Fatalf("content line without a colon: %q", line)
		}
		head, value := line[:colon], line[colon+1:]
		p.Value = value
		fields := splitOutsideQuotes(head, ';')
		p.Name = fields[0]
		for _, f := range fields[1:] {
			k, v, _ := strings.Cut(f, "=")
			p.Params[k] = strings.Trim(v, `"`)
		}
		props = append(props, p)
	}
	return props
}

func splitOutsideQuotes(s string, sep rune) []string {
	var out []string
	inQuote, start := false, 0
	for i, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
		case r == sep && !inQuote:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// icsAll returns the properties with the name.
func icsAll(props []icsProp, name string) []icsProp {
	var out []icsProp
	for _, p := range props {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}

// icsOne returns the single property with the name and fails otherwise.
func icsOne(t testing.TB, props []icsProp, name string) icsProp {
	t.Helper()
	all := icsAll(props, name)
	if len(all) != 1 {
		t.Fatalf("want one %s, got %d", name, len(all))
	}
	return all[0]
}

// icsUnescape reverses TEXT escaping.
func icsUnescape(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(s)
}
