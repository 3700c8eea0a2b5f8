package present

import (
	"fmt"
	"html"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	qr "github.com/piglig/go-qr"

	"github.com/convene/convene/domain"
)

// CheckinQR returns the QR code of an attendee's check-in code
// (domain.RSVP.CheckinCode) as modules: bitmap[y][x] is true where the
// module is dark. It includes the quiet zone of 4 light modules on every
// side, which scanners need. The content is the bare code ("ABCDEFGH"),
// so a scan gives exactly what the door page's code field accepts; error
// correction is Medium and the version is the lowest that fits (version 1,
// 21×21 modules, for an 8-character code of the check-in alphabet).
//
// The e-mails and the attendee's page both draw their QR code from this
// bitmap, so the two always agree. The encoder is piglig/go-qr (a port of
// Nayuki's reference library): about 26 µs and 18 allocations a code
// against go-qrcode's 78 µs and 935, which counted in a fan-out of
// thousands of e-mails. Even so, an RSVP's code never changes while its
// updates, reminders and page views ask for it again and again: the codes
// encoded recently are kept (see qrCache), and the bitmap is a fresh copy
// of the kept one, which the caller may change.
func CheckinQR(code string) ([][]bool, error) {
	if code == "" {
		return nil, fmt.Errorf("no check-in code")
	}
	if p, ok := checkinQRs.get(code); ok {
		return p.bitmap(), nil
	}
	bitmap, err := encodeCheckinQR(code)
	if err != nil {
		return nil, err
	}
	checkinQRs.put(code, packQR(bitmap))
	return bitmap, nil
}

// CheckinQREncodes reports how many check-in codes have been encoded as QR
// codes since the process started: the calls of CheckinQR that found no
// kept code. Tests use it to see that a code is encoded once.
func CheckinQREncodes() uint64 { return qrEncodes.Load() }

var qrEncodes atomic.Uint64

// encodeCheckinQR encodes the code; see CheckinQR.
func encodeCheckinQR(code string) ([][]bool, error) {
	qrEncodes.Add(1)
	segs, err := qr.MakeSegments(code)
	if err != nil {
		return nil, fmt.Errorf("QR code of the check-in code: %w", err)
	}
	// Versions 1–40, the mask with the lowest penalty (-1), and no
	// boosting of the error correction beyond Medium.
	q, err := qr.EncodeSegments(segs, qr.Medium, 1, 40, -1, false)
	if err != nil {
		return nil, fmt.Errorf("QR code of the check-in code: %w", err)
	}
	n := q.Size()
	side := n + 2*qrQuietZone
	bitmap := make([][]bool, side)
	cells := make([]bool, side*side) // one allocation for all the rows
	for y := range bitmap {
		bitmap[y], cells = cells[:side:side], cells[side:]
		if y < qrQuietZone || y >= n+qrQuietZone {
			continue
		}
		for x := range n {
			bitmap[y][x+qrQuietZone] = q.Module(x, y-qrQuietZone)
		}
	}
	return bitmap, nil
}

// packedQR is a square bitmap kept in one bit a module: a version 1 code
// with its quiet zone (29 × 29) takes 112 bytes instead of 841 bools
// and 29 slice headers.
type packedQR struct {
	side int
	bits []uint64
}

func packQR(bitmap [][]bool) packedQR {
	side := len(bitmap)
	p := packedQR{side: side, bits: make([]uint64, (side*side+63)/64)}
	for y, row := range bitmap {
		for x, dark := range row {
			if dark {
				i := y*side + x
				p.bits[i/64] |= 1 << (i % 64)
			}
		}
	}
	return p
}

func (p packedQR) bitmap() [][]bool {
	bitmap := make([][]bool, p.side)
	cells := make([]bool, p.side*p.side)
	for i := range cells {
		cells[i] = p.bits[i/64]&(1<<(i%64)) != 0
	}
	for y := range bitmap {
		bitmap[y], cells = cells[:p.side:p.side], cells[p.side:]
	}
	return bitmap
}

// qrCacheSize bounds the check-in codes kept: 8,192 codes take about
// 2 MB with the map's own overhead (measured), and cover the updates of an event
// with 8,000 people going (a cache smaller than the fan-out that cycles
// through it would keep none of them until the next update).
const qrCacheSize = 8192

// checkinQRs keeps the QR codes of the check-in codes encoded last. A code
// is a pure function of its text, so the cache is shared by the whole
// process and never goes stale.
var checkinQRs = newQRCache(qrCacheSize)

// qrCache is a bounded map from check-in code to its QR code. When full,
// the code kept longest goes first (first in, first out): a fan-out
// encodes each attendee's code once, in the order of the next fan-out.
type qrCache struct {
	mu    sync.Mutex
	codes map[string]packedQR
	order []string // ring of the kept codes, oldest at next
	next  int
}

func newQRCache(size int) *qrCache {
	return &qrCache{codes: make(map[string]packedQR, size), order: make([]string, 0, size)}
}

func (c *qrCache) get(code string) (packedQR, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.codes[code]
	return p, ok
}

func (c *qrCache) put(code string, p packedQR) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.codes[code]; ok {
		return
	}
	code = strings.Clone(code) // not a piece of a larger row's memory
	if len(c.order) < cap(c.order) {
		c.order = append(c.order, code)
	} else {
		delete(c.codes, c.order[c.next])
		c.order[c.next] = code
		c.next = (c.next + 1) % len(c.order)
	}
	c.codes[code] = p
}

// qrQuietZone is the light border a QR code needs on every side, in
// modules.
const qrQuietZone = 4

// qrModulePx is the side of one module in the e-mail, in CSS pixels: a
// version 1 code with its quiet zone is 29 × 5 = 145 px wide, large
// enough for a phone's camera held to another phone's screen.
const qrModulePx = 5

// Colours of the e-mail's QR code: six digits in bgcolor, which is
// parsed by legacy rules, and three in the shorter CSS.
const (
	qrDark    = "#000000"
	qrDarkCSS = "#000"
	qrLight   = "#ffffff"
)

// CheckinQRTable draws the bitmap as an HTML table of dark and light cells for
// the e-mail's HTML body. An image would need multipart/related (or a
// link to a remote image), which breaks the invite layout of rule M2, and
// many clients block images until asked; table cells with a bgcolor are
// shown by every client.
//
// To keep the message small, each row is run-length encoded: a run of
// modules of one colour is one cell spanning that many columns. The first
// row (part of the quiet zone, so all light) has one cell per column with
// its width, which fixes the grid for the rows that span. Light cells take
// the table's white background; dark cells carry both a bgcolor attribute
// and an inline style, as clients honour one or the other. label is the
// text a screen reader says instead of reading 29 rows of empty cells.
func CheckinQRTable(bitmap [][]bool, label string) htmltemplate.HTML {
	n := len(bitmap)
	if n == 0 {
		return ""
	}
	// A fan-out draws one for each of thousands of e-mails: the pieces
	// are constants, written without building strings on the way, into
	// a builder large enough for a version 1 code (about 11 KB).
	const (
		px = "5" // strconv.Itoa(qrModulePx)
		// The row height sits on each row's first cell: height="5" for the
		// clients that read attributes, the style for those that read CSS.
		rowHeight    = ` height="` + px + `" style="height:` + px + `px"`
		darkAttr     = ` bgcolor="` + qrDark + `"`
		darkFirst    = ` height="` + px + `" bgcolor="` + qrDark + `" style="height:` + px + `px;background:` + qrDarkCSS + `"`
		darkCell     = ` bgcolor="` + qrDark + `" style="background:` + qrDarkCSS + `"`
		widthCell    = `<td width="` + px + `"`
		cellEnd      = "></td>"
		rowEnd       = "</tr>\n"
		colspanStart = ` colspan="`
	)
	side := strconv.Itoa(n * qrModulePx)
	var b strings.Builder
	b.Grow(640 + n*n*14)
	b.WriteString(`<table role="img" aria-label="`)
	b.WriteString(html.EscapeString(label))
	b.WriteString(`" width="`)
	b.WriteString(side)
	b.WriteString(`" cellpadding="0" cellspacing="0" border="0" bgcolor="` + qrLight + `"` + ` style="width:`)
	b.WriteString(side)
	b.WriteString(`px;border-collapse:collapse;table-layout:fixed;background-color:` + qrLight + `;font-size:0;line-height:0;mso-line-height-rule:exactly;">` + "\n")
	var num [20]byte
	for y, row := range bitmap {
		b.WriteString("<tr>")
		if y == 0 {
			for x := range row {
				b.WriteString(widthCell)
				if x == 0 {
					b.WriteString(rowHeight)
				}
				if row[x] {
					b.WriteString(darkAttr)
				}
				b.WriteString(cellEnd)
			}
			b.WriteString(rowEnd)
			continue
		}
		for x := 0; x < len(row); {
			run := 1
			for x+run < len(row) && row[x+run] == row[x] {
				run++
			}
			b.WriteString("<td")
			if run > 1 {
				b.WriteString(colspanStart)
				b.Write(strconv.AppendInt(num[:0], int64(run), 10))
				b.WriteByte('"')
			}
			switch {
			case x == 0 && row[x]:
				b.WriteString(darkFirst)
			case x == 0:
				b.WriteString(rowHeight)
			case row[x]:
				b.WriteString(darkCell)
			}
			b.WriteString(cellEnd)
			x += run
		}
		b.WriteString(rowEnd)
	}
	b.WriteString("</table>")
	// Every byte above is ours but the label, which is escaped.
	return htmltemplate.HTML(b.String())
}

// CheckinQRSVG draws the QR code of an attendee's check-in code as an
// inline <svg> for their page: one path of the dark modules, in a viewBox
// measured in modules that includes the quiet zone, on a white square of
// its own so that it scans in dark mode too. Only presentation attributes
// (fill, shape-rendering), never a style attribute: the pages' CSP forbids
// inline styles. The modules are mail.CheckinQR's, the same QR code as
// in the e-mails. It returns "" if there is no QR code to draw; the page
// then shows the code in text only.
//
// The markup is built from numbers and from the code, and the code is
// escaped although it comes from our own alphabet: nothing in it can
// become markup.
func CheckinQRSVG(code string) htmltemplate.HTML {
	return CheckinQRSVGLabel(code, "QR code of your check-in code "+domain.FormatCode(code))
}

// CheckinQRSVGLabel is CheckinQRSVG with label as what a screen reader
// says of it (in the page's language).
func CheckinQRSVGLabel(code, label string) htmltemplate.HTML {
	bitmap, err := CheckinQR(code)
	if err != nil || len(bitmap) == 0 {
		return ""
	}
	n := strconv.Itoa(len(bitmap))
	var d strings.Builder
	for y, row := range bitmap {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			// A run of dark modules is one rectangle, one module high.
			d.WriteString("M" + strconv.Itoa(x) + " " + strconv.Itoa(y) + "h" + strconv.Itoa(run) + "v1h-" + strconv.Itoa(run) + "z")
			x += run
		}
	}
	label = htmltemplate.HTMLEscapeString(label)
	return htmltemplate.HTML(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + ` ` + n + `"` +
		` shape-rendering="crispEdges" role="img" aria-label="` + label + `">` +
		`<rect width="` + n + `" height="` + n + `" fill="#fff"/>` +
		`<path fill="#000" d="` + d.String() + `"/></svg>`)
}
