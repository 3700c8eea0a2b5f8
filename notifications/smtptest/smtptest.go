// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) in
// the test process: it keeps every message it accepts, counts connections,
// and can be told to refuse for a while, so that tests see what a mail
// server would, without mocks of Convene's mail path.
package smtptest

import (
	"bytes"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
}

// Header parses the message's headers.
func (m Message) Header() mail.Header {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return mail.Header{}
	}
	return msg.Header
}

// Server is a running SMTP server on 127.0.0.1.
type Server struct {
	Addr string

	mu          sync.Mutex
	msgs        []Message
	conns       int
	refuseUntil time.Time // answer 451 to MAIL FROM until then
	reject      map[string]bool
	delay       time.Duration // taken to accept each message
	arrived     chan struct{}
	srv         *smtp.Server
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{reject: map[string]bool{}, arrived: make(chan struct{}, 1)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.MaxMessageBytes = 10 << 20
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// URL is the CONVENE_SMTP_URL of the server.
func (s *Server) URL() string { return "smtp://" + s.Addr + "?tls=none" }

// RefuseFor makes the server answer 451 (try again later) to every message
// for d.
func (s *Server) RefuseFor(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseUntil = time.Now().Add(d)
}

// SetDelay makes the server take d to accept each message, like a slow
// relay, so that a fan-out is still being delivered when a test acts.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Reject makes the server refuse the recipient for good (550).
func (s *Server) Reject(rcpt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[strings.ToLower(rcpt)] = true
}

// Messages returns what arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Connections returns how many connections were opened.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// WaitFor waits until at least n messages arrived or timeout passes, and
// returns what arrived.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		if time.Now().After(deadline) {
			m := s.Messages()
			t.Fatalf("%d messages arrived within %s, want %d", len(m), timeout, n)
			return m
		}
		select {
		case <-s.arrived:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.conns++
	b.s.mu.Unlock()
	return &session{s: b.s}, nil
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) AuthPlain(username, password string) error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.s.mu.Lock()
	refusing := time.Now().Before(x.s.refuseUntil)
	x.s.mu.Unlock()
	if refusing {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	rejected := x.s.reject[strings.ToLower(to)]
	x.s.mu.Unlock()
	if rejected {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	delay := x.s.delay
	x.s.mu.Unlock()
	time.Sleep(delay)
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Data: b})
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
