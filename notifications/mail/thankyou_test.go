package mail

import (
	"bytes"
	"errors"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
)

const thankFeedbackURL = "https://convene.example/f/tok_Fb3kLm9QxZ2w"

// thankYou is the thank-you to Ingrid the morning after the meetup, with
// its recording and one of the two speakers' slides.
func thankYou() ThankYou {
	e := meetup()
	e.RecordingURL = "https://video.example.org/watch?v=gloegg-2026&t=10"
	attended := osloAt(12, 10, 18, 5)
	r := rsvp(domain.RSVPGoing)
	r.AttendedAt = &attended
	return ThankYou{
		RSVP: r, Event: e, Group: group(),
		Speakers: []domain.EventPerson{
			{Role: domain.RoleSpeaker, Name: "Sam Speaker", TalkTitle: "Go at scale", SlidesURL: "https://slides.example.org/sam.pdf"},
			{Role: domain.RoleSpeaker, Name: "Tia Talker", TalkTitle: "Testing with real databases"},
		},
		OrganizerEmail: "hello@oslogophers.example",
		From:           mail.Address{Address: "no-reply@convene.example"},
		BaseURL:        baseURL,
		FeedbackURL:    thankFeedbackURL,
		Now:            osloAt(12, 10, 22, 0),
	}
}

// TestThankYouGolden compares the whole rendered thank-you with
// testdata/thank_you.eml.golden (-update rewrites it).
func TestThankYouGolden(t *testing.T) {
	m, err := ComposeThankYou(thankYou())
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.EML()
	if err != nil {
		t.Fatal(err)
	}
	got := normalise(data)
	path := filepath.Join("testdata", "thank_you.eml.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendered message (run go test -update and read the diff):\n%s", path, got)
	}
	pm := parseMail(t, want)
	if pm.Header.Get("Message-ID") != "<"+m.ID+">" || pm.Root.find("text/calendar") != nil {
		t.Errorf("golden Message-ID %q, want <%s>, and no calendar", pm.Header.Get("Message-ID"), m.ID)
	}
}

// TestThankYouBodies: both bodies give the recording, the slides (speaker,
// talk, link — only for speakers who have slides) and the feedback link;
// the Message-ID is the same for every attempt.
func TestThankYouBodies(t *testing.T) {
	in := thankYou()
	m, err := ComposeThankYou(in)
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.EML()
	if err != nil {
		t.Fatal(err)
	}
	text, html := requestBodies(t, parseMail(t, data))
	wantText := "Hi Ingrid Bjørnstad,\n\n" +
		"Thank you for coming to Go & gløgg: year-end meetup on Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET).\n\n" +
		"Watch the recording:\nhttps://video.example.org/watch?v=gloegg-2026&t=10\n\n" +
		"The speakers' slides:\n- Sam Speaker — Go at scale:\n  https://slides.example.org/sam.pdf\n\n" +
		"How was it? Rate the event from 1 to 5 and tell the organisers what to keep or change — it takes a minute:\n" + thankFeedbackURL + "\n"
	if !strings.HasPrefix(text, wantText) {
		t.Errorf("text body:\n%s\nwant it to start:\n%s", text, wantText)
	}
	if strings.Contains(text, "Tia Talker") || strings.Contains(html, "Tia Talker") {
		t.Error("a speaker without slides is listed")
	}
	for _, want := range []string{`href="https://video.example.org/watch?v=gloegg-2026&amp;t=10"`, `href="https://slides.example.org/sam.pdf"`,
		`>Go at scale</a> — <span dir="auto">Sam Speaker</span>`, `href="` + thankFeedbackURL + `"`} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML body lacks %s", want)
		}
	}
	if m.Subject != "Thank you for coming: Go & gløgg: year-end meetup" || m.ID != "rsvp_01jf7a.thank-you.0@convene.example" {
		t.Errorf("subject %q, id %q", m.Subject, m.ID)
	}
	in.Now = in.Now.Add(time.Hour) // a retry
	if again, _ := ComposeThankYou(in); again.ID != m.ID {
		t.Errorf("a retry has Message-ID %q, want %q", again.ID, m.ID)
	}

	// Without a recording or slides, the e-mail says neither.
	in.Event.RecordingURL, in.Speakers = "", nil
	bare, err := ComposeThankYou(in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(bare.Text, "recording") || strings.Contains(bare.Text, "slides") || !strings.Contains(bare.Text, thankFeedbackURL) {
		t.Errorf("thank-you without recording and slides:\n%s", bare.Text)
	}
}

// TestThankYouStale: no thank-you to someone whose attendance was undone
// or for a cancelled event (ErrStale); a bad feedback link is ErrInvalid.
func TestThankYouStale(t *testing.T) {
	noShow := thankYou()
	noShow.RSVP.AttendedAt = nil
	cancelled := thankYou()
	cancelled.Event.Status = domain.EventCancelled
	for name, in := range map[string]ThankYou{"not attended": noShow, "cancelled": cancelled} {
		if _, err := ComposeThankYou(in); !errors.Is(err, ErrStale) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrStale", name, err)
		}
	}
	bad := thankYou()
	bad.FeedbackURL = "javascript:alert(1)"
	if _, err := ComposeThankYou(bad); !errors.Is(err, ErrInvalid) || errors.Is(err, ErrStale) {
		t.Errorf("bad feedback link: %v, want ErrInvalid", err)
	}
	hostile := thankYou()
	hostile.Speakers[0].Name = "Sam\r\nBcc: victim@example.org"
	hostile.Speakers[0].SlidesURL = "https://slides.example.org/a b\"><script>"
	m, err := ComposeThankYou(hostile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || strings.Contains(m.Text, "\r\nBcc:") {
		t.Errorf("hostile speaker data reached the bodies:\n%s", m.Text)
	}
}
