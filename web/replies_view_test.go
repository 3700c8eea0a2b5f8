package web

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/calendar"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// replyHost is the host of the invites' UIDs in these tests.
const replyHost = "convene.test"

func replyUID(eventID string) string { return calendar.UID(eventID, replyHost) }

// rsvpWithLink replies to the event as name and returns the RSVP with its
// manage token, the link of the attendee's page.
func (ce *consoleEnv) rsvpWithLink(e domain.Event, name string) (domain.RSVP, string) {
	ce.t.Helper()
	res, err := ce.db.CreateRSVP(ctx, e.Slug, domain.RSVPInput{Name: name, Email: strings.ToLower(name) + "-" + storetest.Unique() + "@example.org"})
	if err != nil {
		ce.t.Fatal(err)
	}
	return res.RSVP, res.ManageToken
}

// calendarReply has the RSVP's calendar answer its invite, through the
// store as the inbound listener would: the RSVP's first e-mail is
// prepared (which makes its reply address work), then the answer comes
// to that address, about the event's current invite.
func (ce *consoleEnv) calendarReply(owner domain.Organiser, r domain.RSVP, status domain.ReplyStatus, client string, via domain.ReplyVia) domain.ReplyAction {
	ce.t.Helper()
	p, err := ce.db.ListDeliveries(ctx, owner.ID, r.EventID, domain.ListOptions{Limit: domain.MaxPageSize})
	if err != nil {
		ce.t.Fatal(err)
	}
	i := slices.IndexFunc(p.Items, func(d domain.Delivery) bool { return d.RSVPID == r.ID })
	if i < 0 {
		ce.t.Fatalf("no e-mail to %s among %d", r.Email, len(p.Items))
	}
	if _, err := ce.db.LoadOutgoing(ctx, p.Items[i].ID); err != nil {
		ce.t.Fatal(err)
	}
	k, err := ce.db.SigningKey(ctx)
	if err != nil {
		ce.t.Fatal(err)
	}
	e, err := ce.db.FindEvent(ctx, owner.ID, r.EventID)
	if err != nil {
		ce.t.Fatal(err)
	}
	act, err := ce.db.ApplyCalendarReply(ctx, domain.CalendarReply{
		Token: domain.ReplyToken(domain.ReplyKey(k.Private.Seed()), r.ID), Method: domain.MethodReply,
		UID: replyUID(e.ID), Attendee: r.Email, Status: status, Sequence: e.Sequence,
		Stamp: ce.db.Clock().Now(), Client: client, Via: via,
	}, replyUID)
	if err != nil {
		ce.t.Fatal(err)
	}
	return act
}

// TestCalendarRepliesShown: the answers attendees' calendars sent are on
// the organiser's people page (what, from which calendar, when in the
// event's zone, and how it came in), in the CSV, and on each attendee's
// own page in words; a decline cancelled the RSVP, gave its seat to the
// first in line, and both pages say so.
func TestCalendarRepliesShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := storetest.SetClock(t, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		ce := newConsoleEnv(t, db)
		owner := ce.organiser("Owner")
		e := ce.event(owner, ce.group(owner, "Oslo Gophers"), "Reply night", 2) // 8 December, Oslo time
		ada, adaLink := ce.rsvpWithLink(e, "Ada")
		maya, mayaLink := ce.rsvpWithLink(e, "Maya")
		nora := ce.rsvp(e, "Nora")
		walt, waltLink := ce.rsvpWithLink(e, "Walt")
		if walt.Status != domain.RSVPWaitlisted || nora.Status != domain.RSVPWaitlisted {
			t.Fatalf("Walt is %s, Nora %s: both should wait", walt.Status, nora.Status)
		}

		// Monday 7 December 2026, 14:05 in Oslo.
		clock.Freeze(time.Date(2026, 12, 7, 13, 5, 0, 0, time.UTC))
		for _, c := range []struct {
			who    domain.RSVP
			status domain.ReplyStatus
			client string
			via    domain.ReplyVia
			want   domain.ReplyAction
		}{
			{maya, domain.ReplyTentative, "Google Calendar", domain.ViaWebhook, domain.ReplyRecord},
			{ada, domain.ReplyDeclined, "Outlook", domain.ViaSMTP, domain.ReplyCancel},
			{walt, domain.ReplyAccepted, "", domain.ViaPipe, domain.ReplyRecord},
		} {
			if got := ce.calendarReply(owner, c.who, c.status, c.client, c.via); got != c.want {
				t.Fatalf("%s's %s: %s, want %s", c.who.Name, c.status, got, c.want)
			}
		}

		b := ce.browser()
		b.signIn(owner)
		p := b.get("/manage/events/" + e.ID + "/people")
		if p.Status != http.StatusOK {
			t.Fatalf("people page: %d\n%s", p.Status, p.text())
		}
		rows := map[string]string{}
		for _, row := range strings.Split(p.Body, "<tr>")[2:] { // after the head's row
			text := page{Body: row}.text()
			rows[strings.Fields(text)[0]] = text
		}
		for name, want := range map[string]string{
			"Maya": "going Calendar: Maybe · Google Calendar · 7 Dec 2026, 14:05 CET by e-mail (webhook)",
			"Ada":  "cancelled Calendar: Declined · Outlook · 7 Dec 2026, 14:05 CET by e-mail (SMTP)",
			"Walt": "waitlisted (number 1 in line) Calendar: Accepted · a calendar · 7 Dec 2026, 14:05 CET by e-mail (convene inbound)",
			// Ada's seat went to the first in line; Nora's calendar never answered.
			"Nora": "going",
		} {
			if !strings.Contains(rows[name], want) {
				t.Errorf("%s's row says %q, want %q in it", name, rows[name], want)
			}
		}
		if strings.Contains(rows["Nora"], "Calendar:") {
			t.Errorf("Nora's calendar never answered, yet her row says %q", rows["Nora"])
		}

		// The CSV: the answer and when it came, in the event's zone, after
		// the columns there were before.
		csvPage := b.get("/manage/events/" + e.ID + "/people.csv")
		recs, err := csv.NewReader(strings.NewReader(csvPage.Body)).ReadAll()
		if err != nil || len(recs) != 5 {
			t.Fatalf("CSV: %q %v", recs, err)
		}
		for _, rec := range recs[1:] {
			name, reply, at := rec[0], rec[len(rec)-2], rec[len(rec)-1]
			want := map[string][2]string{"Ada": {"declined", "2026-12-07T14:05:00+01:00"}, "Maya": {"tentative", "2026-12-07T14:05:00+01:00"},
				"Walt": {"accepted", "2026-12-07T14:05:00+01:00"}, "Nora": {"", ""}}[name]
			if reply != want[0] || at != want[1] {
				t.Errorf("%s's CSV row ends %q, %q; want %q, %q", name, reply, at, want[0], want[1])
			}
		}

		// The attendees' own pages.
		attendee := ce.browser()
		for _, c := range []struct {
			name, link string
			status     int
			want       string
		}{
			{"Maya", mayaLink, http.StatusOK, "Your calendar answered Maybe on Monday 7 December 2026, 14:05 (Europe/Oslo, CET). Your place is kept."},
			{"Walt", waltLink, http.StatusOK, "You accepted in your calendar on Monday 7 December 2026, 14:05 (Europe/Oslo, CET). " +
				"That does not give you a place: you are still on the waitlist."},
			{"Ada", adaLink, http.StatusGone, "You declined in your calendar on Monday 7 December 2026, 14:05 (Europe/Oslo, CET), so your place was given up."},
		} {
			p := attendee.get("/r/" + c.link)
			if p.Status != c.status || !strings.Contains(p.text(), c.want) {
				t.Errorf("%s's page: %d, want %d with %q:\n%s", c.name, p.Status, c.status, c.want, p.text())
			}
		}
	})
}
