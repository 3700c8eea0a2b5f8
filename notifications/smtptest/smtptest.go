// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) in
// the test process: it keeps every message it accepts, counts connections,
// and can be told to refuse for a while, so that tests see what a mail
// server would, without mocks of Convene's mail path.
package smtptest

import (
	"bytes"
	"errors"
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
	down        bool                  // reset every connection (see Down)
	open        map[net.Conn]struct{} // connections being served
	dropped     int                   // connections reset while down
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{reject: map[string]bool{}, arrived: make(chan struct{}, 1), open: map[net.Conn]struct{}{}}
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := listener{tl, s}
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

// Down takes the server down until Up: the connections it is serving are
// reset, and every new one is accepted and reset at once, before the
// greeting, as when a mail server's process is gone or its host drops
// connections. A message whose connection is reset mid-transaction is not
// kept.
func (s *Server) Down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = true
	for c := range s.open {
		reset(c)
		s.dropped++
	}
	clear(s.open)
}

// Up ends Down.
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = false
}

// Dropped returns how many connections were reset because the server was
// down.
func (s *Server) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// listener hands the SMTP server its connections, except while the server
// is down.
type listener struct {
	net.Listener
	s *Server
}

func (l listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.s.mu.Lock()
		down := l.s.down
		if down {
			l.s.dropped++
		} else {
			l.s.open[c] = struct{}{}
		}
		l.s.mu.Unlock()
		if down {
			reset(c)
			continue
		}
		return &conn{Conn: c, s: l.s}, nil
	}
}

// conn forgets itself when closed.
type conn struct {
	net.Conn
	s *Server
}

func (c *conn) Close() error {
	c.s.mu.Lock()
	delete(c.s.open, c.Conn)
	c.s.mu.Unlock()
	return c.Conn.Close()
}

// reset closes c with a TCP RST, as a crashed server's kernel would.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
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

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.conns++
	b.s.mu.Unlock()
	nc := c.Conn()
	if tc, ok := nc.(*conn); ok {
		nc = tc.Conn
	}
	return &session{s: b.s, conn: nc}, nil
}

type session struct {
	s    *Server
	conn net.Conn // as keyed in Server.open
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
	_, live := x.s.open[x.conn]
	if live {
		x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Data: b})
	}
	x.s.mu.Unlock()
	if !live {
		return errors.New("connection reset")
	}
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
