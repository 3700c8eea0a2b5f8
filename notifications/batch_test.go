package notifications

import (
	"context"
	"fmt"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/notifications/message"
	"github.com/convene/convene/notifications/smtptest"
)

func plainMessage(i int) message.Message {
	return message.Message{
		ID: fmt.Sprintf("m%d.going.0@convene.example", i), Kind: message.KindWaitlisted, Date: time.Now(),
		From: mail.Address{Name: "Convene", Address: "events@convene.example"}, To: mail.Address{Address: fmt.Sprintf("p%d@example.org", i)},
		Subject: "Hello", Text: "Hello", HTML: "<p>Hello</p>",
	}
}

// TestBatcherSharesConnections: 200 workers sending one message each at
// the same moment go out over a few connections, not 200, and every
// message arrives once.
func TestBatcherSharesConnections(t *testing.T) {
	sink := smtptest.Start(t)
	cfg, err := message.ParseSMTPURL(sink.URL())
	if err != nil {
		t.Fatal(err)
	}
	smtp, err := message.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBatcher(smtp, 4, 50, 50*time.Millisecond)
	defer b.Close()
	const n = 200
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = b.Send(context.Background(), []message.Message{plainMessage(i)})[0]
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	msgs := sink.WaitFor(t, n, 10*time.Second)
	seen := map[string]bool{}
	for _, m := range msgs {
		seen[m.Header().Get("Message-ID")] = true
	}
	if len(msgs) != n || len(seen) != n {
		t.Fatalf("%d messages, %d distinct, want %d", len(msgs), len(seen), n)
	}
	if c := sink.Connections(); c > 20 {
		t.Fatalf("%d connections for %d messages: batching does not share connections", c, n)
	}
}

// TestBatcherKeepsOutcomesApart: a permanent refusal for one recipient is
// that message's outcome only.
func TestBatcherKeepsOutcomesApart(t *testing.T) {
	sink := smtptest.Start(t)
	sink.Reject("p3@example.org")
	cfg, _ := message.ParseSMTPURL(sink.URL())
	smtp, _ := message.NewSMTP(cfg)
	// A long window, so that all six sends join one batch even when a
	// loaded machine starts the goroutines late.
	b := NewBatcher(smtp, 1, 6, 5*time.Second)
	defer b.Close()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = b.Send(context.Background(), []message.Message{plainMessage(i)})[0]
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 3) != (err != nil) || (i == 3 && !message.IsPermanent(err)) {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if c := sink.Connections(); c != 1 {
		t.Fatalf("%d connections, want 1", c)
	}
}
