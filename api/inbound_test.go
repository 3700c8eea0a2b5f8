package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/inbound"
	"github.com/convene/convene/notifications/inbound/inboundtest"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

const testInboundDomain = "replies.convene.test"

// TestInboundWebhook: the webhook is 404 unless inbound mail is configured;
// without the secret it is 401; with it, any message — garbage, a reply for
// nobody, a real Decline — is 202, and only the real one changes an RSVP
// (shown to organisers as calendar_reply, via "webhook"). A message over
// 4 MiB is 413.
func TestInboundWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		off := newTestEnv(t, db)
		wantProblem(t, off.post(t, "", []byte("x")), http.StatusNotFound, domain.ENOTFOUND)

		const secret = "a-long-enough-inbound-secret"
		te := newTestEnv(t, db, func(c *siteConfig) {
			p := &inbound.Processor{Store: db, Domain: testInboundDomain, BaseURL: c.BaseURL}
			c.Inbound = InboundFunc(func(ctx context.Context, raw []byte, rcpts []string, via domain.ReplyVia) error {
				_, err := p.Process(ctx, raw, rcpts, via)
				return err
			})
			c.InboundSecret = secret
		})
		wantProblem(t, te.post(t, "", []byte("x")), http.StatusUnauthorized, domain.EUNAUTHORIZED)
		wantProblem(t, te.post(t, "not-the-secret-at-all-0000", []byte("x")), http.StatusUnauthorized, domain.EUNAUTHORIZED)
		wantStatus(t, te.post(t, secret, []byte("\x00 not a message")), http.StatusAccepted)
		wantStatus(t, te.post(t, secret, bytes.Repeat([]byte("a"), MaxInboundBodyBytes+1)), http.StatusRequestEntityTooLarge)

		ownerID, token := te.organiser("Owner")
		eid, slug := te.event(token, te.group(token), 1, true)
		ada := "ada-" + storetest.Unique() + "@example.org"
		wantStatus(t, te.do("POST", "/api/v1/public/events/"+slug+"/rsvps", "", map[string]any{"name": "Ada", "email": ada}), http.StatusCreated)
		rsvps := te.do("GET", "/api/v1/events/"+eid+"/rsvps", token, nil).m(t)["items"].([]any)
		r := rsvps[0].(map[string]any)
		if r["calendar_reply"] != nil {
			t.Fatalf("calendar_reply before any reply: %v", r["calendar_reply"])
		}
		// Her invite is prepared (which gives her the reply address).
		ds, err := db.ListDeliveries(context.Background(), ownerID, eid, domain.ListOptions{Limit: 10})
		if err != nil || len(ds.Items) != 1 {
			t.Fatalf("deliveries: %v %v", ds.Items, err)
		}
		out, err := db.LoadOutgoing(context.Background(), ds.Items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		ev := te.do("GET", "/api/v1/events/"+eid, token, nil).m(t)
		start, _ := time.Parse(time.RFC3339, ev["starts_at"].(string))
		host := strings.TrimPrefix(te.srv.URL, "http://")
		host = host[:strings.LastIndexByte(host, ':')]
		reply := inboundtest.Reply{To: domain.ReplyAddress(out.ReplyToken, testInboundDomain), From: ada, Name: "Ada",
			UID: eid + "@" + host, Sequence: out.Delivery.Sequence, Summary: "x", Start: start, Stamp: te.now().UTC().Truncate(time.Second), PartStat: "TENTATIVE"}

		nobody := reply
		nobody.To = "reply+" + strings.Repeat("b", domain.ReplyTokenLen) + "@" + testInboundDomain
		wantStatus(t, te.post(t, secret, inboundtest.Message(inboundtest.Gmail, nobody)), http.StatusAccepted)
		wantStatus(t, te.post(t, secret, inboundtest.Message(inboundtest.Gmail, reply)), http.StatusAccepted)
		r = te.do("GET", "/api/v1/events/"+eid+"/rsvps", token, nil).m(t)["items"].([]any)[0].(map[string]any)
		cr, _ := r["calendar_reply"].(map[string]any)
		if r["status"] != "going" || cr["answer"] != "tentative" || cr["via"] != "webhook" || cr["client"] != "Google Calendar" {
			t.Fatalf("after a Maybe by the webhook: %v %v", r["status"], cr)
		}
	})
}

// post sends raw to the inbound webhook with secret as bearer ("" for none).
func (te *testEnv) post(t *testing.T, secret string, raw []byte) response {
	t.Helper()
	req, _ := http.NewRequest("POST", te.srv.URL+InboundPath, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "message/rfc822")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	return te.send(req)
}
