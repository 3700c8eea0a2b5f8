package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/convene/convene/domain"
)

// batch composes n invitations to different people.
func batch(t *testing.T, n int) []Message {
	t.Helper()
	var out []Message
	for i := range n {
		in := invite()
		in.RSVP.ID = fmt.Sprintf("rsvp_%02d", i)
		in.RSVP.Name = fmt.Sprintf("Person %d", i)
		in.RSVP.Email = fmt.Sprintf("person%d@example.net", i)
		out = append(out, mustCompose(t, domain.MessageGoing, in))
	}
	return out
}

func newSMTP(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// deliveryErr unwraps a slot and fails if it is not a *DeliveryError.
func deliveryErr(t *testing.T, err error) *DeliveryError {
	t.Helper()
	var de *DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *DeliveryError", err, err)
	}
	return de
}

func TestSMTP_OneConnectionServesManyMessages(t *testing.T) {
	ts := startServer(t)
	msgs := batch(t, 25)
	errs := newSMTP(t, ts.config(TLSNone)).Send(context.Background(), msgs)
	for i, err := range errs {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	got := ts.messages()
	if len(got) != len(msgs) {
		t.Fatalf("server received %d messages, want %d", len(got), len(msgs))
	}
	if n := ts.connections(); n != 1 {
		t.Errorf("%d messages used %d connections, want 1", len(msgs), n)
	}
	for i, r := range got {
		if want := fmt.Sprintf("person%d@example.net", i); len(r.To) != 1 || r.To[0] != want {
			t.Errorf("message %d went to %v, want %s (in order)", i, r.To, want)
		}
		if r.From != "no-reply@convene.example" {
			t.Errorf("MAIL FROM %q", r.From)
		}
	}
}

func TestSMTP_EnvelopeSender(t *testing.T) {
	ts := startServer(t)
	cfg := ts.config(TLSNone)
	cfg.From = "bounces@convene.example"
	if errs := newSMTP(t, cfg).Send(context.Background(), batch(t, 1)); errs[0] != nil {
		t.Fatal(errs[0])
	}
	r := ts.messages()[0]
	if r.From != "bounces@convene.example" {
		t.Errorf("MAIL FROM %q, want the envelope sender", r.From)
	}
	if h := parseMail(t, r.Data).Header.Get("From"); !strings.Contains(h, "no-reply@convene.example") {
		t.Errorf("header From %q changed", h)
	}
}

func TestSMTP_TemporaryFailureThenRecovery(t *testing.T) {
	ts := startServer(t)
	ts.set(func(ts *testServer) { ts.tempRcpt = 1 })
	sender := newSMTP(t, ts.config(TLSNone))
	msgs := batch(t, 2)

	errs := sender.Send(context.Background(), msgs)
	de := deliveryErr(t, errs[0])
	if IsPermanent(errs[0]) || de.Permanent {
		t.Errorf("451 is permanent: %v", errs[0])
	}
	if de.Code != 451 || de.Stage != StageRcptTo || de.EnhancedCode != "4.3.0" || de.MessageID != msgs[0].ID {
		t.Errorf("got %+v, want code 451 at rcpt_to with 4.3.0 for %s", de, msgs[0].ID)
	}
	if errs[1] != nil {
		t.Errorf("the next message in the batch failed too: %v", errs[1])
	}

	// The retry goes through.
	errs = sender.Send(context.Background(), msgs[:1])
	if errs[0] != nil {
		t.Fatalf("retry: %v", errs[0])
	}
	if n := len(ts.messages()); n != 2 {
		t.Errorf("server holds %d messages, want 2", n)
	}
}

func TestSMTP_421AtGreetingIsTemporary(t *testing.T) {
	ts := startServer(t)
	ts.set(func(ts *testServer) { ts.greet421 = 2 }) // EHLO, then the HELO fallback
	sender := newSMTP(t, ts.config(TLSNone))
	msgs := batch(t, 3)
	errs := sender.Send(context.Background(), msgs)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("message %d was sent through a server that said 421", i)
		}
		de := deliveryErr(t, err)
		if IsPermanent(err) || de.Stage != StageConnect {
			t.Errorf("message %d: %+v, want a temporary connect failure", i, de)
		}
	}
	if de := deliveryErr(t, errs[0]); de.Code != 421 {
		t.Errorf("code %d, want 421 (%v)", de.Code, de.Err)
	}
	for i, err := range sender.Send(context.Background(), msgs) {
		if err != nil {
			t.Errorf("after recovery, message %d: %v", i, err)
		}
	}
}

func TestSMTP_PermanentFailureForOneRecipient(t *testing.T) {
	ts := startServer(t)
	ts.set(func(ts *testServer) {
		ts.failRcpt["person1@example.net"] = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	})
	msgs := batch(t, 3)
	errs := newSMTP(t, ts.config(TLSNone)).Send(context.Background(), msgs)
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("others in the batch failed: %v, %v", errs[0], errs[2])
	}
	de := deliveryErr(t, errs[1])
	if !IsPermanent(errs[1]) || de.Code != 550 || de.EnhancedCode != "5.1.1" || de.Stage != StageRcptTo || de.MessageID != msgs[1].ID {
		t.Errorf("got %+v (%v), want permanent 550 5.1.1 at rcpt_to", de, errs[1])
	}
	got := ts.messages()
	if len(got) != 2 || got[0].To[0] != "person0@example.net" || got[1].To[0] != "person2@example.net" {
		t.Errorf("delivered %v", got)
	}
	if n := ts.connections(); n != 1 {
		t.Errorf("a refused recipient cost a new connection: %d connections", n)
	}
}

func TestSMTP_ContentRejectedIsPermanent(t *testing.T) {
	ts := startServer(t)
	ts.set(func(ts *testServer) {
		ts.failData = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Content rejected"}
	})
	errs := newSMTP(t, ts.config(TLSNone)).Send(context.Background(), batch(t, 1))
	de := deliveryErr(t, errs[0])
	if !de.Permanent || de.Code != 554 || de.Stage != StageData {
		t.Errorf("got %+v, want permanent 554 at data", de)
	}
}

func TestSMTP_ConnectionRefusedIsTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	sender := newSMTP(t, SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, Timeout: 2 * time.Second})
	errs := sender.Send(context.Background(), batch(t, 2))
	for i, err := range errs {
		de := deliveryErr(t, err)
		if IsPermanent(err) || de.Stage != StageConnect || de.Code != 0 {
			t.Errorf("message %d: %+v, want a temporary connect failure without a code", i, de)
		}
		if !strings.Contains(err.Error(), "refused") {
			t.Errorf("message %d: %v, want it to say connection refused", i, err)
		}
	}
}

// TestSMTP_Timeout: a server that accepts and never speaks is given up on
// after the timeout, as a temporary failure.
func TestSMTP_Timeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	sender := newSMTP(t, SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: TLSNone, Timeout: 300 * time.Millisecond})
	start := time.Now()
	errs := sender.Send(context.Background(), batch(t, 1))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	var ne net.Error
	if IsPermanent(errs[0]) || !errors.As(errs[0], &ne) || !ne.Timeout() {
		t.Errorf("got %v, want a temporary timeout", errs[0])
	}
}

// TestSMTP_TimeoutIsPerCommand: a server that takes 100ms for each
// command, well over a second for three messages, is fine with a 1s
// timeout: the timeout bounds each reply, not the whole conversation. (The
// margins are wide so that a loaded CI machine does not trip them.)
func TestSMTP_TimeoutIsPerCommand(t *testing.T) {
	ts := startServer(t)
	ts.set(func(ts *testServer) { ts.delay = 100 * time.Millisecond })
	cfg := ts.config(TLSNone)
	cfg.Timeout = time.Second
	start := time.Now()
	for i, err := range newSMTP(t, cfg).Send(context.Background(), batch(t, 3)) {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if d := time.Since(start); d < cfg.Timeout {
		t.Fatalf("the conversation took %v; the test needs it to outlast the timeout", d)
	}
	ts.set(func(ts *testServer) { ts.delay = 3 * time.Second })
	errs := newSMTP(t, cfg).Send(context.Background(), batch(t, 1))
	// go-mail's SendError keeps the underlying errors to itself (it has no
	// Unwrap), so only its text tells a timeout.
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "i/o timeout") || IsPermanent(errs[0]) {
		t.Errorf("a reply slower than the timeout: %v, want a temporary timeout", errs[0])
	}
}

// TestSMTP_ContextCancelled: cancelling the Send's context interrupts a
// command in flight.
func TestSMTP_ContextCancelled(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			_, _ = c.Write([]byte("220 slow.test ESMTP\r\n")) // then silence
		}
	}()
	sender := newSMTP(t, SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: TLSNone, Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	errs := sender.Send(ctx, batch(t, 2))
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Send returned after %v, not when the context ended", d)
	}
	for i, err := range errs {
		if err == nil || IsPermanent(err) {
			t.Errorf("message %d: %v, want a temporary failure", i, err)
		}
	}
}

// TestSMTP_ServerHangsUpBetweenMessages: a server that takes one message
// per connection closes it right after its 250. The delivered message must
// not be reported as failed, and the next message goes over a new
// connection (MAIL FROM finds the connection closed).
func TestSMTP_ServerHangsUpBetweenMessages(t *testing.T) {
	ts := startServer(t)
	ts.set(func(ts *testServer) { ts.closeAfter = 1 })
	msgs := batch(t, 3)
	for i, err := range newSMTP(t, ts.config(TLSNone)).Send(context.Background(), msgs) {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	got := ts.messages()
	if len(got) != 3 {
		t.Fatalf("server received %d messages, want 3 (no duplicates, none lost)", len(got))
	}
	seen := map[string]bool{}
	for _, r := range got {
		id := parseMail(t, r.Data).Header.Get("Message-ID")
		if seen[id] {
			t.Errorf("%s delivered twice", id)
		}
		seen[id] = true
	}
	if n := ts.connections(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
}

// TestSMTP_Server421AtMailFrom: a server that takes two messages per
// connection and then answers MAIL FROM with 421 (closing). The client
// sends no NOOP before each message, so it learns of the limit there: the
// message goes over a new connection, none is lost or sent twice, and no
// message is reported failed.
func TestSMTP_Server421AtMailFrom(t *testing.T) {
	ts := startServer(t)
	ts.set(func(ts *testServer) { ts.mail421After = 2 })
	msgs := batch(t, 5)
	for i, err := range newSMTP(t, ts.config(TLSNone)).Send(context.Background(), msgs) {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	got := ts.messages()
	if len(got) != 5 {
		t.Fatalf("server received %d messages, want 5", len(got))
	}
	for i, r := range got {
		if want := fmt.Sprintf("person%d@example.net", i); len(r.To) != 1 || r.To[0] != want {
			t.Errorf("message %d went to %v, want %s (in order, once each)", i, r.To, want)
		}
	}
	if n := ts.connections(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
}

func TestSMTP_STARTTLSWithAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	ts := startServer(t, withTLS(cert, false), withAuth("convene", "s3cr3t p@ss"))
	cfg := ts.config(TLSStartTLS)
	cfg.Username, cfg.Password = "convene", "s3cr3t p@ss"
	cfg.TLSConfig = &tls.Config{RootCAs: pool}
	for i, err := range newSMTP(t, cfg).Send(context.Background(), batch(t, 2)) {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if got := ts.messages(); len(got) != 2 || got[0].User != "convene" {
		t.Errorf("received %d messages as %q", len(got), got[0].User)
	}

	t.Run("untrusted certificate", func(t *testing.T) {
		cfg := cfg
		cfg.TLSConfig = nil // system roots do not know the test CA
		errs := newSMTP(t, cfg).Send(context.Background(), batch(t, 1))
		if errs[0] == nil || IsPermanent(errs[0]) || deliveryErr(t, errs[0]).Stage != StageConnect {
			t.Errorf("got %v, want a temporary connect failure", errs[0])
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		cfg := cfg
		cfg.Password = "wrong"
		errs := newSMTP(t, cfg).Send(context.Background(), batch(t, 1))
		de := deliveryErr(t, errs[0])
		if IsPermanent(errs[0]) || de.Stage != StageConnect || de.Code != 535 {
			t.Errorf("got %+v, want a temporary connect failure with 535 (a configuration problem)", de)
		}
		if strings.Contains(errs[0].Error(), "wrong") {
			t.Errorf("error shows the password: %v", errs[0])
		}
	})
	t.Run("server without STARTTLS", func(t *testing.T) {
		plain := startServer(t)
		cfg := plain.config(TLSStartTLS)
		errs := newSMTP(t, cfg).Send(context.Background(), batch(t, 1))
		if errs[0] == nil || IsPermanent(errs[0]) || len(plain.messages()) != 0 {
			t.Errorf("got %v, want a refusal to send in clear text", errs[0])
		}
	})
}

func TestSMTP_ImplicitTLSWithAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	ts := startServer(t, withTLS(cert, true), withAuth("convene", "pw"))
	cfg := ts.config(TLSImplicit)
	cfg.Username, cfg.Password = "convene", "pw"
	cfg.TLSConfig = &tls.Config{RootCAs: pool}
	for i, err := range newSMTP(t, cfg).Send(context.Background(), batch(t, 3)) {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if got := ts.messages(); len(got) != 3 || got[2].User != "convene" {
		t.Errorf("received %d messages", len(got))
	}
	if n := ts.connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestSMTP_UnrenderableMessageDoesNotStopTheBatch(t *testing.T) {
	ts := startServer(t)
	msgs := batch(t, 3)
	msgs[1].Subject = "broken\r\nBcc: x@example.org"
	errs := newSMTP(t, ts.config(TLSNone)).Send(context.Background(), msgs)
	if errs[0] != nil || errs[2] != nil {
		t.Errorf("good messages failed: %v %v", errs[0], errs[2])
	}
	de := deliveryErr(t, errs[1])
	if !IsPermanent(errs[1]) || de.Stage != StageRender || !errors.Is(errs[1], ErrInvalid) {
		t.Errorf("got %+v, want a permanent render failure", de)
	}
	if n := len(ts.messages()); n != 2 {
		t.Errorf("server received %d, want 2", n)
	}
}

func TestSMTP_ConcurrentSends(t *testing.T) {
	ts := startServer(t)
	sender := newSMTP(t, ts.config(TLSNone))
	done := make(chan []error)
	for w := range 4 {
		go func() {
			msgs := batch(t, 5)
			for i := range msgs {
				msgs[i].ID = fmt.Sprintf("w%d-%d@convene.example", w, i)
			}
			done <- sender.Send(context.Background(), msgs)
		}()
	}
	for range 4 {
		for _, err := range <-done {
			if err != nil {
				t.Error(err)
			}
		}
	}
	if n := len(ts.messages()); n != 20 {
		t.Errorf("received %d, want 20", n)
	}
	if n := ts.connections(); n != 4 {
		t.Errorf("%d connections, want one per Send (4)", n)
	}
}

func TestIsPermanent(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"invalid", fmt.Errorf("compose: %w", ErrInvalid), true},
		{"foreign", errors.New("boom"), false},
		{"context", context.DeadlineExceeded, false},
		{"rcpt 550", &DeliveryError{Stage: StageRcptTo, Code: 550, Permanent: permanentReply(StageRcptTo, 550, "5.1.1")}, true},
		{"rcpt 530", &DeliveryError{Stage: StageRcptTo, Code: 530, Permanent: permanentReply(StageRcptTo, 530, "5.7.0")}, false},
		{"rcpt 451", &DeliveryError{Stage: StageRcptTo, Code: 451, Permanent: permanentReply(StageRcptTo, 451, "4.3.0")}, false},
		{"mail from 550", &DeliveryError{Stage: StageMailFrom, Code: 550, Permanent: permanentReply(StageMailFrom, 550, "5.7.1")}, false},
		{"mail from 552", &DeliveryError{Stage: StageMailFrom, Code: 552, Permanent: permanentReply(StageMailFrom, 552, "5.3.4")}, true},
		{"data 554", &DeliveryError{Stage: StageData, Code: 554, Permanent: permanentReply(StageData, 554, "")}, true},
		{"data no code", &DeliveryError{Stage: StageData, Permanent: permanentReply(StageData, 0, "")}, false},
		{"connect 554", &DeliveryError{Stage: StageConnect, Code: 554, Permanent: permanentReply(StageConnect, 554, "")}, false},
		{"wrapped", fmt.Errorf("job: %w", &DeliveryError{Permanent: true}), true},
	}
	for _, c := range cases {
		if got := IsPermanent(c.err); got != c.want {
			t.Errorf("%s: IsPermanent(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// TestSMTP_SubmitReportsEachBeforeTheNext: each submission is told its
// outcome once the server has taken its message, and the next message
// waits for that report: a caller recording each outcome as it comes has
// at most one message sent but not yet recorded.
func TestSMTP_SubmitReportsEachBeforeTheNext(t *testing.T) {
	ts := startServer(t)
	msgs := batch(t, 5)
	var reported []int
	subs := make([]Submission, len(msgs))
	for i, m := range msgs {
		subs[i] = Submission{Msg: m, Ctx: context.Background(), Done: func(err error) {
			if err != nil {
				t.Errorf("message %d: %v", i, err)
			}
			if n := len(ts.messages()); n != i+1 {
				t.Errorf("message %d reported with %d messages at the server, want %d", i, n, i+1)
			}
			time.Sleep(50 * time.Millisecond) // the next message waits for this
			if n := len(ts.messages()); n != i+1 {
				t.Errorf("message %d: %d messages at the server while its report was being recorded, want %d", i, n, i+1)
			}
			reported = append(reported, i)
		}}
	}
	newSMTP(t, ts.config(TLSNone)).Submit(context.Background(), subs)
	if fmt.Sprint(reported) != "[0 1 2 3 4]" {
		t.Fatalf("reported %v, want each once in order", reported)
	}
	if n := ts.connections(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

// TestSMTP_SubmissionGivenUp: a message whose caller gave up before it was
// begun is not sent; one whose caller gives up while it is being sent is
// cut off, not delivered; both are temporary failures, and the others go
// out, the next over a new connection.
func TestSMTP_SubmissionGivenUp(t *testing.T) {
	ts := startServer(t)
	ts.set(func(ts *testServer) { ts.delay = 100 * time.Millisecond })
	msgs := batch(t, 4)
	gone, cancelGone := context.WithCancel(context.Background())
	cancelGone()
	leaving, leave := context.WithCancel(context.Background())
	defer leave()
	errs := make([]error, len(msgs))
	subs := []Submission{
		{Msg: msgs[0], Ctx: context.Background(), Done: func(err error) {
			errs[0] = err
			time.AfterFunc(150*time.Millisecond, leave) // during the third message's commands
		}},
		{Msg: msgs[1], Ctx: gone, Done: func(err error) { errs[1] = err }},
		{Msg: msgs[2], Ctx: leaving, Done: func(err error) { errs[2] = err }},
		{Msg: msgs[3], Ctx: context.Background(), Done: func(err error) { errs[3] = err }},
	}
	newSMTP(t, ts.config(TLSNone)).Submit(context.Background(), subs)
	if errs[0] != nil || errs[3] != nil {
		t.Fatalf("the callers still waiting: %v, %v; want both sent", errs[0], errs[3])
	}
	for _, i := range []int{1, 2} {
		if errs[i] == nil || IsPermanent(errs[i]) {
			t.Errorf("message %d, given up: %v, want a temporary failure", i, errs[i])
		}
	}
	got := map[string]bool{}
	for _, r := range ts.messages() {
		got[parseMail(t, r.Data).Header.Get("Message-ID")] = true
	}
	if len(got) != 2 || !got["<"+msgs[0].ID+">"] || !got["<"+msgs[3].ID+">"] {
		t.Fatalf("the server took %v, want the first and the last message only", got)
	}
	if n := ts.connections(); n != 2 {
		t.Errorf("%d connections, want 2 (the cut-off one and the next)", n)
	}
}

// TestSMTP_PasswordInClearOnThisMachine: without TLS, a relay on the
// local machine that offers only PLAIN gets the password (it does not
// leave the machine); to another machine Convene refuses such a
// configuration outright (TestParseSMTPURL).
func TestSMTP_PasswordInClearOnThisMachine(t *testing.T) {
	local := startServer(t, withAuth("convene", "pw"), withAuthInClear())
	cfg := local.config(TLSNone)
	cfg.Username, cfg.Password = "convene", "pw"
	if errs := newSMTP(t, cfg).Send(context.Background(), batch(t, 1)); errs[0] != nil {
		t.Fatalf("a relay on 127.0.0.1 without TLS: %v", errs[0])
	}
	if got := local.messages(); len(got) != 1 || got[0].User != "convene" {
		t.Fatalf("the relay received %d messages", len(got))
	}
}
