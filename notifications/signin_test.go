package notifications

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/smtptest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestSignInEmail: an organiser who asks for a sign-in link gets it by
// e-mail, through a real SMTP server; the link in it signs in once, and
// nothing is sent for an address that is not an organiser's.
func TestSignInEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sink := smtptest.Start(t)
		startWorkers(t, db, sink)
		o, err := db.CreateOrganiser(context.Background(), "ada-"+storetest.Unique()+"@example.org", "Ada")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RequestSignIn(context.Background(), "nobody-"+storetest.Unique()+"@example.org", ""); err != nil {
			t.Fatal(err)
		}
		if err := db.RequestSignIn(context.Background(), o.Email, ""); err != nil {
			t.Fatal(err)
		}
		msgs := sink.WaitFor(t, 1, 20*time.Second)
		time.Sleep(200 * time.Millisecond) // anything else would have come by now
		if n := len(sink.Messages()); n != 1 {
			t.Fatalf("%d messages, want 1 (none to the stranger)", n)
		}
		m := msgs[0]
		if len(m.To) != 1 || m.To[0] != o.Email {
			t.Fatalf("the sign-in e-mail went to %v", m.To)
		}
		text := mailText(t, m)
		link := regexp.MustCompile(`https://convene\.example/manage/sign-in/([A-Za-z0-9_-]{43})`).FindStringSubmatch(text)
		if link == nil || !strings.Contains(text, "It works once, for the next 15 minutes") {
			t.Fatalf("the e-mail does not give the link and its limits:\n%s", text)
		}
		if _, who, err := db.FindSignInLink(context.Background(), link[1]); err != nil || who.ID != o.ID {
			t.Fatalf("the link: %v %v", who, err)
		}
		if _, _, err := db.SignIn(context.Background(), link[1], "Firefox"); err != nil {
			t.Fatalf("signing in with the link: %v", err)
		}
		if _, _, err := db.SignIn(context.Background(), link[1], "Firefox"); domain.ErrorCode(err) != domain.EGONE {
			t.Errorf("the link a second time: %v", err)
		}
	})
}
