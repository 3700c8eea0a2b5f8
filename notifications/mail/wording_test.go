package mail

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
)

// bodies is the text body and the HTML body as a client reads it.
func bodies(t *testing.T, m Message) (text, html string) {
	t.Helper()
	html, _ = receivedHTML(t, m)
	return m.Text, html
}

// TestUnfollowedFooter: a follower's e-mail says they follow the series
// and offers the link; once they no longer follow it, the e-mail says
// they get it because they still hold the RSVP, and neither offers the
// link nor claims they follow.
func TestUnfollowedFooter(t *testing.T) {
	following := invite()
	following.SeriesTitle, following.UnfollowURL = "Oslo Go nights", "https://convene.example/u/tok_abc"
	m := mustCompose(t, domain.MessageGoing, following)
	text, html := bodies(t, m)
	if !strings.Contains(text, "You receive this email because you follow Oslo Go nights") || !strings.Contains(html, "Stop following") {
		t.Errorf("a follower's e-mail lacks the follow footer:\n%s", text)
	}

	unfollowed := invite()
	unfollowed.SeriesTitle = "Oslo Go nights" // the RSVP came from the series; the follow is over
	for _, kind := range []domain.MessageKind{domain.MessageGoing, domain.MessageReminder} {
		in := unfollowed
		in.Before = 24 * time.Hour
		m := mustCompose(t, kind, in)
		text, html := bodies(t, m)
		for name, body := range map[string]string{"text": text, "HTML": html} {
			if strings.Contains(body, "because you follow") || strings.Contains(body, "Stop following") {
				t.Errorf("%s %s: an unfollowed person reads that they follow:\n%s", kind, name, body)
			}
		}
		if !strings.Contains(text, "You receive this email because you hold an RSVP for Go & gløgg: year-end meetup: you were signed up for it while you followed Oslo Go nights. You no longer follow the series") {
			t.Errorf("%s: the footer does not say why they get it:\n%s", kind, text)
		}
		if _, ok := m.Headers["List-Unsubscribe"]; ok {
			t.Errorf("%s: List-Unsubscribe for somebody who unfollowed", kind)
		}
	}
}

// TestUnfollowedInvitationFooter: an invitation made while somebody
// followed the series, sent after they stopped, says so rather than that
// they follow (or that an organiser picked them).
func TestUnfollowedInvitationFooter(t *testing.T) {
	following := reqInvitation()
	following.SeriesTitle, following.UnfollowURL = "Oslo Go nights", "https://convene.example/u/tok_abc"
	if m := mustComposeRequest(t, domain.MessageInvitation, following); !strings.Contains(m.Text, "You receive this e-mail because you follow Oslo Go nights") {
		t.Errorf("a follower's invitation lacks the follow footer:\n%s", m.Text)
	}
	unfollowed := reqInvitation()
	unfollowed.SeriesTitle = "Oslo Go nights"
	m := mustComposeRequest(t, domain.MessageInvitation, unfollowed)
	html, _ := receivedHTML(t, m)
	for name, body := range map[string]string{"text": m.Text, "HTML": html} {
		if strings.Contains(body, "because you follow ") || strings.Contains(body, "Stop following") || strings.Contains(body, "an organiser of") {
			t.Errorf("%s: the footer does not fit somebody who unfollowed:\n%s", name, body)
		}
		if !strings.Contains(body, "you followed") || !strings.Contains(body, "Oslo Go nights") || !strings.Contains(body, "You no longer follow it") {
			t.Errorf("%s: the footer does not say why they get it:\n%s", name, body)
		}
	}
}

// TestWaitlistedToldOfCancellation: somebody on the waitlist had no
// invitation; the cancellation does not tell them to remove one.
func TestWaitlistedToldOfCancellation(t *testing.T) {
	going := mustCompose(t, domain.MessageEventCancelled, cancelledInvite(domain.RSVPGoing))
	if !strings.Contains(going.Text, "The attached cancellation removes the event from your calendar.") {
		t.Errorf("a going attendee is not told the event leaves their calendar:\n%s", going.Text)
	}
	m := mustCompose(t, domain.MessageEventCancelled, cancelledInvite(domain.RSVPWaitlisted))
	text, html := bodies(t, m)
	for name, body := range map[string]string{"text": text, "HTML": html} {
		if strings.Contains(body, "removes the event from your calendar") {
			t.Errorf("%s: a waitlisted person is told to remove an event they never had:\n%s", name, body)
		}
		if !strings.Contains(body, "You were on its waitlist.") ||
			!strings.Contains(body, "As you were on the waitlist, you had no invitation from us: there is nothing to remove from your calendar") {
			t.Errorf("%s: the cancellation does not speak to a waitlisted person:\n%s", name, body)
		}
	}
}

// TestPromotionMail: someone who moved up from the waitlist is told so,
// in the subject and the body; a first "you're going" is not.
func TestPromotionMail(t *testing.T) {
	first := mustCompose(t, domain.MessageGoing, invite())
	promoted := invite()
	promoted.RSVP.WasWaitlisted = true
	m := mustCompose(t, domain.MessageGoing, promoted)
	if m.Subject == first.Subject || !strings.HasPrefix(m.Subject, "A place opened up — you're going: Go & gløgg") {
		t.Errorf("promotion subject %q, first going %q", m.Subject, first.Subject)
	}
	text, html := bodies(t, m)
	for name, body := range map[string]string{"text": text, "HTML": html} {
		if !strings.Contains(body, "you moved up from the waitlist. You now have a seat") {
			t.Errorf("%s: the promotion does not say they moved up:\n%s", name, body)
		}
	}
	if strings.Contains(first.Text, "waitlist") {
		t.Errorf("a first going e-mail speaks of the waitlist:\n%s", first.Text)
	}
	// The invite is the same: they have a seat like anybody going.
	if m.Method != first.Method || m.ID != first.ID {
		t.Errorf("promotion: method %s, ID %s; first: %s, %s", m.Method, m.ID, first.Method, first.ID)
	}
}

// TestGroupFrom: a group's e-mail is from the group through the service,
// at the service's address; names are encoded or quoted as they need.
func TestGroupFrom(t *testing.T) {
	service := mail.Address{Name: "Convene", Address: "events@convene.example"}
	for _, c := range []struct {
		from        mail.Address
		group, want string
	}{
		{service, "Oslo Go", "Oslo Go via Convene"},
		{mail.Address{Address: "events@convene.example"}, "Oslo Go", "Oslo Go via Convene"},
		{mail.Address{Name: "Tromsø events", Address: "events@convene.example"}, "Oslo Go", "Oslo Go via Tromsø events"},
		{service, "", "Convene"},
		{service, "convene", "Convene"},
		{service, "Go\r\nBcc: x@example.org", "Go Bcc: x@example.org via Convene"},
	} {
		if got := GroupFrom(c.from, c.group); got != (mail.Address{Name: c.want, Address: "events@convene.example"}) {
			t.Errorf("GroupFrom(%q, %q) = %v, want %q", c.from.Name, c.group, got, c.want)
		}
	}

	// In the header: non-ASCII is an encoded word, specials are quoted,
	// and both read back as the name.
	for group, raw := range map[string]string{
		"Bjørvika Gophers":     "=?utf-8?q?Bj=C3=B8rvika_Gophers_via_Convene?= <events@convene.example>",
		`Go, "Oslo" (the one)`: `"Go, \"Oslo\" (the one) via Convene" <events@convene.example>`,
	} {
		in := invite()
		in.From, in.Group.Name = service, group
		m := mustCompose(t, domain.MessageGoing, in)
		_, pm := receivedHTML(t, m)
		if got := pm.Header.Get("From"); got != raw {
			t.Errorf("From header %q, want %q", got, raw)
		}
		from, err := mail.ParseAddress(pm.Header.Get("From"))
		if err != nil || from.Name != group+" via Convene" || from.Address != "events@convene.example" {
			t.Errorf("From reads back as %v (%v)", from, err)
		}
	}

	// A sign-in e-mail has no group: it stays the service's.
	signIn, err := ComposeSignIn(SignIn{LinkID: "sil_01", Name: "Kari", Email: "kari@example.com",
		ActionURL: baseURL + "/manage/sign-in/tok", ExpiresAt: stamp.Add(time.Hour), From: service, BaseURL: baseURL, Now: stamp})
	if err != nil {
		t.Fatal(err)
	}
	if signIn.From != service {
		t.Errorf("sign-in From %v, want %v", signIn.From, service)
	}
}
