package calendar

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// pieces are the building blocks of hostile text: every character class the
// encoder must handle, including the ones that end content lines, start
// escapes, end quoted parameters or carry RFC 6868 meaning.
var pieces = []string{
	"a", "Z", "0", " ", "  ", "-", ".", "'", "\"", ":", ";", ",", "\\", "\\n", "\\;", "^", "^n", "^'", "^^",
	"%2C", "%3B", "%5C", "=", "<", ">", "mailto:", "ATTENDEE:mailto:evil@x",
	"\r", "\n", "\r\n", "\n\r", "\t", "\x00", "\x07", "\x1b", "\x7f", "\u0085", "\u009f",
	"é", "ß", "Ł", "中文", "🌱", "👩🏽‍🌾", "e\u0301", "\u200d", "\ufeff", "\u2028", "\u2029", "\U0010FFFF",
	"\xff", "\xc3", // invalid UTF-8
}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	n := r.Intn(60)
	if r.Intn(4) == 0 {
		n += 100 + r.Intn(200) // long enough to fold several times
	}
	for i := 0; i < n; i++ {
		if r.Intn(3) == 0 {
			b.WriteString(pieces[r.Intn(len(pieces))])
		} else {
			b.WriteByte("abcdefghij klmnop"[r.Intn(17)])
		}
	}
	return b.String()
}

func randomCalendar(r *rand.Rand) Calendar {
	methods := []Method{MethodRequest, MethodCancel, MethodPublish}
	m := methods[r.Intn(len(methods))]
	c := Calendar{Method: m}
	events := 1
	if m == MethodPublish {
		events = r.Intn(4)
		c.Name = randomText(r)
		c.RefreshInterval = time.Duration(r.Intn(3)) * time.Hour
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < events; i++ {
		start := base.Add(time.Duration(r.Intn(1e6)) * time.Minute)
		e := Event{
			UID:         fmt.Sprintf("evt_%d@convene.example", i),
			Sequence:    1 + r.Intn(5),
			Stamp:       base.Add(time.Duration(r.Intn(1e6)) * time.Second),
			Start:       start,
			End:         start.Add(time.Duration(r.Intn(600)) * time.Minute),
			Summary:     "S" + randomText(r), // never blank, so REQUEST and PUBLISH are valid
			Description: randomText(r),
			Location:    randomText(r),
			Organizer:   &Person{Name: randomText(r), Email: "host@example.org"},
		}
		if m != MethodPublish {
			for j := r.Intn(4); j >= 0; j-- {
				e.Attendees = append(e.Attendees, Attendee{
					Person:   Person{Name: randomText(r), Email: fmt.Sprintf("guest%d@example.org", j)},
					PartStat: []string{"", PartStatAccepted, PartStatDeclined, PartStatTentative}[r.Intn(4)],
					RSVP:     r.Intn(2) == 0,
				})
			}
		}
		c.Events = append(c.Events, e)
	}
	return c
}

// checkEncoding checks one successful encoding of c: the line rules, the
// number of ATTENDEE lines, stable bytes, and that golang-ical's parser
// reads back exactly the cleaned input.
func checkEncoding(t *testing.T, c Calendar, data []byte) {
	t.Helper()
	checkLines(t, data)
	want := 0
	for _, e := range c.Events {
		want += len(e.Attendees)
	}
	if n := countProps(data, "ATTENDEE"); n != want {
		t.Errorf("%d ATTENDEE lines, want %d:\n%s", n, want, data)
	}
	if again, _ := c.Encode(); !bytes.Equal(data, again) {
		t.Error("two encodings differ")
	}
	got, err := parseWithGolangICal(data)
	if err != nil {
		t.Fatalf("golang-ical cannot parse:\n%s\n%v", data, err)
	}
	comparePartial(t, "golang-ical", got, expect(c, quirks{}))
}

// TestRandomCalendars encodes a few hundred calendars built from hostile
// text, checks each one, and has python-icalendar read them all in one
// batch when it is installed.
func TestRandomCalendars(t *testing.T) {
	r := rand.New(rand.NewSource(20260516))
	var cals []Calendar
	var objects [][]byte
	for i := 0; i < 400; i++ {
		c := randomCalendar(r)
		data, err := c.Encode()
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkEncoding(t, c, data)
		if t.Failed() {
			t.Fatalf("case %d failed: %#v", i, c)
		}
		cals = append(cals, c)
		objects = append(objects, data)
	}

	t.Run("python-icalendar", func(t *testing.T) {
		needPythonICalendar(t)
		for i, got := range parseWith(t, python(), objects) {
			comparePartial(t, fmt.Sprintf("case %d", i), got, expect(cals[i], got.quirks))
		}
	})
	t.Run("ical.js", func(t *testing.T) {
		cmd := icalJS(t)
		for i, got := range parseWith(t, cmd, objects) {
			comparePartial(t, fmt.Sprintf("case %d", i), got, expect(cals[i], got.quirks))
		}
	})
}

// FuzzEncode feeds arbitrary text into every free-text field of an
// invitation. Encode must succeed unless the title is blank once cleaned,
// and its output must obey the line rules and read back as the cleaned
// input.
func FuzzEncode(f *testing.F) {
	f.Add("Party\rATTENDEE:mailto:evil@x", "a\r\nb\\n;,", "Café, Hof; 1", "Doe, Jane")
	f.Add(strings.Repeat("é", 100), strings.Repeat("🌱", 40), strings.Repeat(`\`, 80), `a;b:c "q" ^n`)
	f.Add(strings.Repeat("x", 74)+`\,`, "\x00\x7f\u0085", "", "")
	f.Fuzz(func(t *testing.T, title, description, location, name string) {
		c := minimal(MethodRequest)
		e := &c.Events[0]
		e.Summary, e.Description, e.Location = title, description, location
		e.Organizer.Name = name
		e.Attendees = append(e.Attendees, Attendee{Person: Person{Name: name, Email: "second@example.org"}})
		data, err := c.Encode()
		if strings.TrimSpace(wantText(title)) == "" {
			if err == nil {
				t.Fatalf("blank title %q accepted", title)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkEncoding(t, c, data)
	})
}
