package mail

import (
	"context"
	"fmt"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/smtptest"
)

func plainMessage(i int) Message {
	return Message{
		ID: fmt.Sprintf("m%d.going.0@convene.example", i), Kind: domain.MessageWaitlisted, Date: time.Now(),
		From: netmail.Address{Name: "Convene", Address: "events@convene.example"}, To: netmail.Address{Address: fmt.Sprintf("p%d@example.org", i)},
		Subject: "Hello", Text: "Hello", HTML: "<p>Hello</p>",
	}
}

// TestBatcherSharesConnections: 200 workers sending one message each at
// the same moment go out over a few connections, not 200, and every
// message arrives once.
func TestBatcherSharesConnections(t *testing.T) {
	sink := smtptest.Start(t)
	cfg, err := ParseSMTPURL(sink.URL())
	if err != nil {
		t.Fatal(err)
	}
	smtp, err := NewSMTP(cfg)
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
			errs[i] = b.Send(context.Background(), []Message{plainMessage(i)})[0]
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
	cfg, _ := ParseSMTPURL(sink.URL())
	smtp, _ := NewSMTP(cfg)
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
			errs[i] = b.Send(context.Background(), []Message{plainMessage(i)})[0]
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 3) != (err != nil) || (i == 3 && !IsPermanent(err)) {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if c := sink.Connections(); c != 1 {
		t.Fatalf("%d connections, want 1", c)
	}
}

// TestBatcherCallerGivesUp: two callers share one connection; the one that
// gives up after the first message has gone has none of its messages sent
// from then on, and the other's all go out. Each is told every outcome.
func TestBatcherCallerGivesUp(t *testing.T) {
	sink := smtptest.Start(t)
	sink.SetDelay(30 * time.Millisecond)
	cfg, _ := ParseSMTPURL(sink.URL())
	smtp, _ := NewSMTP(cfg)
	b := NewBatcher(smtp, 1, 10, time.Second)
	defer b.Close()
	leaving, leave := context.WithCancel(context.Background())
	defer leave()
	var (
		mu       sync.Mutex
		first    sync.Once
		outcomes = map[string]error{}
		wg       sync.WaitGroup
	)
	submit := func(ctx context.Context, from int) {
		defer wg.Done()
		var subs []Submission
		for i := from; i < from+3; i++ {
			m := plainMessage(i)
			subs = append(subs, Submission{Msg: m, Ctx: ctx, Done: func(err error) {
				mu.Lock()
				outcomes[m.ID] = err
				mu.Unlock()
				first.Do(leave)
			}})
		}
		b.Submit(context.Background(), subs)
	}
	wg.Add(2)
	go submit(context.Background(), 0)
	go submit(leaving, 10)
	wg.Wait()
	if len(outcomes) != 6 {
		t.Fatalf("%d outcomes, want 6", len(outcomes))
	}
	at := map[string]bool{}
	for _, m := range sink.Messages() {
		at[strings.Trim(m.Header().Get("Message-ID"), "<>")] = true
	}
	given := 0
	for id, err := range outcomes {
		if (err == nil) != at[id] {
			t.Errorf("%s: outcome %v, at the server %v", id, err, at[id])
		}
		if strings.HasPrefix(id, "m1") && err != nil {
			given++
		} else if err != nil {
			t.Errorf("%s (the caller still waiting): %v", id, err)
		}
	}
	if given < 2 {
		t.Fatalf("%d of the leaving caller's messages not sent, want at least 2 (all after the first outcome)", given)
	}
}
