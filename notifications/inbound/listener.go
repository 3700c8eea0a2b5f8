package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/convene/convene/domain"
)

// Listener is the SMTP or LMTP server of `convene serve` that takes
// calendar replies (CONVENE_INBOUND_LISTEN): an MX for the inbound domain,
// or the lmtp: transport of a Postfix or Exim in front of it. It takes mail
// for reply addresses on the inbound domain only, never asks for a login
// (it is meant for 127.0.0.1 or a private network, or an MX that anyone
// may send to, as every MX), and answers every message it takes with 250,
// whatever became of it: a sender learns nothing about which RSVPs exist.
type Listener struct {
	srv  *smtp.Server
	ln   net.Listener
	lmtp bool
}

// ParseListen reads CONVENE_INBOUND_LISTEN: "smtp://host:port" or
// "lmtp://host:port" (LMTP also over "lmtp+unix:///path/to/socket").
func ParseListen(s string) (network, addr string, lmtp bool, err error) {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		return "", "", false, fmt.Errorf("%q is not smtp://host:port, lmtp://host:port or lmtp+unix:///path", s)
	}
	switch u.Scheme {
	case "smtp", "lmtp":
		if u.Host == "" || u.Port() == "" || u.Path != "" {
			return "", "", false, fmt.Errorf("%q needs a host and a port, as in %s://127.0.0.1:2525", s, u.Scheme)
		}
		return "tcp", u.Host, u.Scheme == "lmtp", nil
	case "lmtp+unix":
		if u.Path == "" || u.Host != "" {
			return "", "", false, fmt.Errorf("%q needs an absolute socket path, as in lmtp+unix:///run/convene/lmtp.sock", s)
		}
		return "unix", u.Path, true, nil
	}
	return "", "", false, fmt.Errorf("%q: the scheme must be smtp, lmtp or lmtp+unix", s)
}

// Listen opens the listener described by listen (see ParseListen); Serve
// then takes mail until Close.
func Listen(listen string, p *Processor) (*Listener, error) {
	network, addr, lmtp, err := ParseListen(listen)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, err
	}
	via := domain.ViaSMTP
	if lmtp {
		via = domain.ViaLMTP
	}
	srv := smtp.NewServer(&backend{p: p, via: via})
	srv.LMTP = lmtp
	srv.Domain = p.Domain
	srv.MaxMessageBytes = MaxMessageSize
	srv.MaxRecipients = 50
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	// The server's own messages can quote what a client sent (addresses
	// among it): only that a connection failed is logged.
	srv.ErrorLog = quietLog{p}
	return &Listener{srv: srv, ln: ln, lmtp: lmtp}, nil
}

// Addr is the address the listener is bound to.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Serve takes mail until Close; it returns nil once closed.
func (l *Listener) Serve() error {
	err := l.srv.Serve(l.ln)
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops taking mail and waits, until ctx ends, for the messages
// being taken.
func (l *Listener) Shutdown(ctx context.Context) error {
	err := l.srv.Shutdown(ctx)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

type backend struct {
	p   *Processor
	via domain.ReplyVia
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

type session struct {
	b     *backend
	rcpts []string
}

func (s *session) Reset()        { s.rcpts = nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }

// Rcpt takes any address on the inbound domain — a reply address or not,
// for an RSVP or not — and refuses the rest, as any MX refuses to relay.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !domain.OnInboundDomain(to, s.b.p.Domain) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(r, MaxMessageSize+1)); err != nil {
		return err // the connection broke or the message is too large: the server answers
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.b.p.Process(ctx, buf.Bytes(), s.rcpts, s.b.via)
	if err != nil {
		// The database is down: the sending server keeps the message
		// and tries again.
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	return nil
}

// quietLog is the SMTP server's error log: one line without details.
type quietLog struct{ p *Processor }

func (l quietLog) Printf(string, ...any) { l.p.logger().Warn("inbound listener: a connection failed") }
func (l quietLog) Println(...any)        { l.p.logger().Warn("inbound listener: a connection failed") }
