package mail

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/present"
)

// attendees are people whose e-mails differ in every way a Composer
// fills in or lays out differently: names that need escaping in HTML,
// quoting and folding in the calendar and encoding in headers, none at
// all, long and non-ASCII ones; with and without a reply address, a
// manage link, a check-in code; followers of a series with and without
// the unfollow link; waitlisted, promoted and repeated RSVPs.
func attendees(base Invite) []Invite {
	var out []Invite
	add := func(f func(in *Invite)) {
		in := base
		in.RSVP = base.RSVP
		f(&in)
		out = append(out, in)
	}
	add(func(in *Invite) {})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email, in.RSVP.CheckinCode = "rsvp_02", `Ann <b>&amp; "Bo" O'Neil+1`, "ann@example.org", "ABCD2345"
		in.ManageURL = "https://convene.example/r/tok_a&b=c?d<e>"
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email, in.RSVP.CheckinCode = "rsvp_03", "Doe, Jane; \"JD\" \\ ^n ", "jane@example.org", "WXYZ6789"
		in.ReplyAddress = "r+rsvp03@in.convene.example"
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email = "rsvp_04", strings.Repeat("Åsa Ødegård-Ñúñez 李小龍 🐉 ", 6), "asa@example.org"
		in.RSVP.CheckinCode = ""
		in.ManageURL = ""
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email = "rsvp.05/x", "", "noname@example.org"
		in.ManageURL = "https://convene.example/r/tok_noname"
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email, in.RSVP.CheckinCode = "rsvp_06", "Follower\r\nWith\tBreaks", "f@example.org", "FFFF2222"
		in.SeriesTitle, in.UnfollowURL = "Go nights", "https://convene.example/u/tok_f"
		in.ReplyAddress = "r+rsvp06@in.convene.example"
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email = "rsvp_07", "Former follower", "ff@example.org"
		in.SeriesTitle = "Go nights"
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email = "rsvp_08", "Wendy Waitlist", "w@example.org"
		in.RSVP.Status, in.RSVP.WaitlistPosition, in.RSVP.CheckinCode = domain.RSVPWaitlisted, 7, ""
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email = "rsvp_09", "Pat Promoted", "p@example.org"
		in.RSVP.WasWaitlisted = true
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email = "rsvp_10", "Rita Repeat", "r@example.org"
		in.Repeat, in.Why = 2, domain.RepeatRefresh
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email = "rsvp_11", "Carl Cancelled", "c@example.org"
		in.RSVP.Status, in.Why = domain.RSVPCancelled, domain.CancelByOrganiser
	})
	add(func(in *Invite) { // refused: not a plain address
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email = "rsvp_12", "Bad", "bad address@example.org"
	})
	add(func(in *Invite) { // refused: a manage link that is not a web URL
		in.RSVP.ID, in.ManageURL = "rsvp_13", "javascript:alert(1)"
	})
	add(func(in *Invite) {
		in.RSVP.ID, in.RSVP.Name, in.RSVP.Email = "rsvp_14", "Same as the first", "ingrid2@example.net"
	})
	return out
}

// composerInvites are the shared inputs of every kind, for an event with a
// venue, an online one (each attendee's own join link) and a hybrid one.
func composerInvites() map[string]Invite {
	out := map[string]Invite{}
	hybrid := meetup()
	hybrid.OnlineURL = "https://meet.example.com/hybrid?pwd=x&y=1"
	for name, e := range map[string]domain.Event{"venue": meetup(), "online": session(), "hybrid": hybrid} {
		up := updatedInvite()
		prev := up.Event
		prev.Title, prev.Venue = "Old <title> & more", nil
		prev.StartsAt, prev.EndsAt = prev.StartsAt.Add(-time.Hour), prev.EndsAt.Add(-time.Hour)
		up.Event.ID, up.Event.Slug, up.Event.Title, up.Event.Kind = e.ID, e.Slug, e.Title, e.Kind
		up.Event.Venue, up.Event.OnlineURL, up.Event.Description = e.Venue, e.OnlineURL, e.Description
		up.Previous = &prev
		up.Changed = []string{"title", "starts_at", "ends_at", "venue", "online_url", "description"}
		up.Now = stamp.Add(7*24*time.Hour + 1234*time.Millisecond)
		up.Reason = "The venue flooded.\nSorry & see you <soon>!"
		up.Before = 24 * time.Hour
		up.ConfirmBy = stamp.Add(8 * 24 * time.Hour)
		up.Sequence = 3
		out[name] = up
	}
	return out
}

// withJoinLinks gives each attendee of an online event a join link of
// their own, as the batch worker does.
func withJoinLinks(ins []Invite) {
	for i := range ins {
		if ins[i].Event.OnlineURL != "" {
			ins[i].JoinURL = "https://convene.example/j/tok_" + strings.ReplaceAll(ins[i].RSVP.ID, "/", "_") + "?a=1&b=ø"
		}
	}
}

// TestComposerSameBytes: a Composer writes every attendee, for every kind,
// exactly the Message Compose writes for them alone — text, HTML,
// calendar, headers — and refuses whom Compose refuses with its error.
// The attendees go through one Composer in turn, as in a batch, so the
// layouts and preparations it keeps are reused across them.
func TestComposerSameBytes(t *testing.T) {
	kinds := []domain.MessageKind{domain.MessageUpdated, domain.MessageGoing, domain.MessageEventCancelled, domain.MessageWaitlisted,
		domain.MessageRSVPCancelled, domain.MessageReminder, domain.MessageReconfirm}
	for name, base := range composerInvites() {
		ins := attendees(base)
		withJoinLinks(ins)
		for _, kind := range kinds {
			cm := NewComposer()
			ok := 0
			for round := range 2 {
				for i, in := range ins {
					switch kind {
					case domain.MessageEventCancelled:
						in.Event.Status = domain.EventCancelled
					case domain.MessageWaitlisted: // each their place in line
						if in.RSVP.Status == domain.RSVPGoing {
							in.RSVP.Status, in.RSVP.WaitlistPosition = domain.RSVPWaitlisted, i%3
						}
					case domain.MessageRSVPCancelled:
						if in.RSVP.Status == domain.RSVPGoing && i%4 != 0 {
							in.RSVP.Status, in.Why = domain.RSVPCancelled, []string{"", domain.CancelNotReconfirmed, domain.CancelByOrganiser}[i%3]
						}
					case domain.MessageReconfirm: // a reconfirmation needs the manage link
						if in.ManageURL == "" && i%5 != 0 {
							in.ManageURL = "https://convene.example/r/tok_" + strings.ReplaceAll(in.RSVP.ID, "/", "_")
						}
					}
					want, wantErr := Compose(kind, in)
					got, gotErr := cm.Compose(kind, in)
					if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
						t.Errorf("%s %s attendee %d: error %v, Compose's %v", name, kind, i, gotErr, wantErr)
						continue
					}
					if wantErr != nil {
						continue
					}
					if round == 0 {
						ok++
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s %s attendee %d (%q): the Composer's message differs from Compose's (-alone +shared):\n%s", name, kind, i, in.RSVP.Name, diff)
					}
				}
			}
			if cm.alone != 2*(len(ins)-ok) {
				t.Errorf("%s %s: %d e-mails left to Compose, want only the %d refused", name, kind, cm.alone, 2*(len(ins)-ok))
			}
			if ok < 5 {
				t.Errorf("%s %s: only %d attendees get an e-mail: the test covers too little", name, kind, ok)
			}
		}
	}
}

// TestComposerGolden: through a Composer, the golden messages are
// rendered byte for byte as the golden files hold them, each composed
// after another attendee so that it is filled into a prepared layout.
func TestComposerGolden(t *testing.T) {
	for name, c := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			cm := NewComposer()
			other := c.in
			other.RSVP.ID, other.RSVP.Name, other.RSVP.Email, other.RSVP.CheckinCode = "rsvp_other", "Somebody Else", "else@example.org", "ZZZZ9999"
			if _, err := cm.Compose(c.kind, other); err != nil {
				t.Fatal(err)
			}
			m, err := cm.Compose(c.kind, c.in)
			if err != nil {
				t.Fatal(err)
			}
			data, err := m.EML()
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", name+".eml.golden"))
			if err != nil {
				t.Fatal(err)
			}
			if got := normalise(data); !bytes.Equal(got, want) {
				t.Errorf("through a Composer, %s differs from its golden file:\n%s", name, got)
			}
		})
	}
}

// TestComposerPlaceholdersUnpredictable: text in the event that looks like
// a placeholder stays text.
func TestComposerPlaceholdersUnpredictable(t *testing.T) {
	in := updatedInvite()
	cm := NewComposer()
	if _, err := cm.Compose(domain.MessageUpdated, in); err != nil {
		t.Fatal(err)
	}
	in.Event.Title = cm.preps[0].placeholder(partName) + " " + cm.preps[0].placeholder(partQR)
	in.RSVP.ID = "rsvp_other"
	want := mustCompose(t, domain.MessageUpdated, in)
	got, err := cm.Compose(domain.MessageUpdated, in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-alone +shared):\n%s", diff)
	}
}

// TestUpdateReusesQR: the second update of an RSVP does not encode its
// check-in code again, and carries the same QR code.
func TestUpdateReusesQR(t *testing.T) {
	in := updatedInvite()
	in.RSVP.CheckinCode = "QRUP2345" // a code no other test encodes
	first := mustCompose(t, domain.MessageUpdated, in)
	encodes := present.CheckinQREncodes()
	in.Sequence, in.Now = 2, in.Now.Add(time.Hour)
	second := mustCompose(t, domain.MessageUpdated, in)
	third, err := NewComposer().Compose(domain.MessageUpdated, in)
	if err != nil {
		t.Fatal(err)
	}
	if n := present.CheckinQREncodes() - encodes; n != 0 {
		t.Errorf("the later updates encoded the check-in code %d times, want 0", n)
	}
	table := func(m Message) string { return qrTableRE.FindString(m.HTML) }
	if table(first) == "" || table(first) != table(second) || table(second) != table(third) {
		t.Error("the updates of one RSVP carry different QR codes")
	}
}

// BenchmarkComposeFanOut composes a fan-out's batch: one event's update
// to 50 attendees (the batch worker's batch), each with their own name,
// address, manage link and check-in code, and renders each as MIME the
// way the SMTP sender does. "alone" composes every message in full
// (Compose); "shared" sets out what they share once (Composer). Their
// check-in codes' QR codes are kept from the first round, as they are
// after the invitations went out. It reports messages per second.
func BenchmarkComposeFanOut(b *testing.B) {
	const batch = 50
	ins := make([]Invite, batch)
	for i := range ins {
		in := updatedInvite()
		in.RSVP.ID = fmt.Sprintf("rsvp_%04d", i)
		in.RSVP.Name = fmt.Sprintf("Attendee Nummer %d Ødegård", i)
		in.RSVP.Email = fmt.Sprintf("attendee%d@example.org", i)
		in.RSVP.CheckinCode = fmt.Sprintf("B%07d", i)
		in.ManageURL = fmt.Sprintf("https://convene.example/r/tok_%04dxYz", i)
		ins[i] = in
	}
	for _, mode := range []string{"alone", "shared"} {
		for _, render := range []bool{false, true} {
			name := mode
			if render {
				name += "+mime"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				msgs := 0
				for b.Loop() {
					cm := NewComposer()
					for _, in := range ins {
						var m Message
						var err error
						if mode == "alone" {
							m, err = Compose(domain.MessageUpdated, in)
						} else {
							m, err = cm.Compose(domain.MessageUpdated, in)
						}
						if err != nil {
							b.Fatal(err)
						}
						if render {
							if _, err := m.WriteTo(io.Discard); err != nil {
								b.Fatal(err)
							}
						}
						msgs++
					}
				}
				b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
			})
		}
	}
}

// TestUnchangedByEscaping holds the fast path of the Composer's escaping
// against html/template itself, in both contexts, for strings made of
// every character class that matters and random mixes of them.
func TestUnchangedByEscaping(t *testing.T) {
	pieces := []string{"a", "Z", "0", "-", ".", "_", "~", "!", "#", "$", "*", ",", "/", ":", ";", "=", "?", "@", "[", "]",
		"%", "%2F", "%zz", "%4", "&", "+", "'", "\"", "<", ">", "\x00", " ", "ø", "\uFFFD", "\xff", "https:", "http://x", "mailto:", "javascript:", "HTTPS://", "a/b:c"}
	var cases []string
	for _, a := range pieces {
		for _, b := range pieces {
			cases = append(cases, a+b, "https://h/"+a+b, a+"x"+b)
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		var b strings.Builder
		for range 1 + rnd.IntN(8) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		for _, url := range []bool{false, true} {
			got, ok := unchangedByEscaping(s, url)
			if !ok {
				continue
			}
			// What html/template writes, bypassing the fast path.
			var b strings.Builder
			if url {
				_ = inURL.Execute(&b, s)
			} else {
				_ = inText.Execute(&b, s)
			}
			want := strings.TrimSuffix(strings.TrimPrefix(b.String(), `<a href="`), `">`)
			if !url {
				want = b.String()
			}
			if got != want {
				t.Errorf("unchangedByEscaping(%q, url=%v) = %q, html/template writes %q", s, url, got, want)
			}
		}
	}
}
