package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testServer is a real SMTP server (github.com/emersion/go-smtp) on
// 127.0.0.1:0 that keeps every message it accepts, counts connections, and
// can be told to fail: temporarily (4xx) for the next commands, or
// permanently (5xx) for given recipients.
type testServer struct {
	t    *testing.T
	addr string
	port int

	mu       sync.Mutex
	received []received
	conns    int
	// failRcpt answers RCPT TO for an address with an error, every time.
	failRcpt map[string]*smtp.SMTPError
	// tempRcpt answers the next tempRcpt RCPT TO commands with 451.
	tempRcpt int
	// failData answers the end of DATA with this error, every time.
	failData *smtp.SMTPError
	// greet421 answers EHLO on the next greet421 connections with 421.
	greet421 int
	// closeAfter closes every connection after it has taken that many
	// messages (0: never), as servers limiting messages per connection do.
	closeAfter int
	// mail421After answers MAIL FROM with 421 once the connection has
	// taken that many messages (0: never), as other such servers do.
	mail421After int
	// delay is how long MAIL, RCPT, DATA and RSET take to answer.
	delay time.Duration
	// user and pass, when set, are required through AUTH PLAIN.
	user, pass string
}

// received is one accepted message.
type received struct {
	From string
	To   []string
	Data []byte
	Conn int // the connection's number, from 1
	User string
}

type serverOption func(*testServer, *smtp.Server)

// withTLS makes the server offer STARTTLS with a certificate for
// 127.0.0.1, or, with implicit, speak TLS from the start.
func withTLS(cert tls.Certificate, implicit bool) serverOption {
	return func(ts *testServer, s *smtp.Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		if implicit {
			s.Network = "implicit-tls"
		}
	}
}

func withAuth(user, pass string) serverOption {
	return func(ts *testServer, s *smtp.Server) { ts.user, ts.pass = user, pass }
}

// withAuthInClear makes the server offer AUTH without TLS too.
func withAuthInClear() serverOption {
	return func(ts *testServer, s *smtp.Server) { s.AllowInsecureAuth = true }
}

func startServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	ts := &testServer{t: t, failRcpt: map[string]*smtp.SMTPError{}}
	s := smtp.NewServer(ts)
	s.Domain = "mx.test"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.MaxMessageBytes = 1 << 20
	s.EnableSMTPUTF8 = true
	s.ErrorLog = testLogger{t}
	for _, o := range opts {
		o(ts, s)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = l.Addr().String()
	ts.port = l.Addr().(*net.TCPAddr).Port
	var ln net.Listener = &countingListener{Listener: l, ts: ts}
	if s.Network == "implicit-tls" {
		s.Network = ""
		ln = tls.NewListener(ln, s.TLSConfig)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("test SMTP server: %v", err)
		}
	}()
	t.Cleanup(func() {
		_ = s.Close()
		<-done
	})
	return ts
}

// config returns a client configuration for the server.
func (ts *testServer) config(mode TLSMode) SMTPConfig {
	return SMTPConfig{Host: "127.0.0.1", Port: ts.port, TLS: mode, Timeout: 5 * time.Second, HELO: "client.test"}
}

func (ts *testServer) set(f func(ts *testServer)) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	f(ts)
}

func (ts *testServer) messages() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.received...)
}

func (ts *testServer) connections() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.conns
}

type countingListener struct {
	net.Listener
	ts *testServer
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.ts.mu.Lock()
		l.ts.conns++
		l.ts.mu.Unlock()
	}
	return c, err
}

type testLogger struct{ t *testing.T }

func (l testLogger) Printf(format string, v ...any) { l.t.Logf("smtp server: "+format, v...) }
func (l testLogger) Println(v ...any)               { l.t.Log(append([]any{"smtp server:"}, v...)...) }

// NewSession implements smtp.Backend.
func (ts *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.greet421 > 0 {
		ts.greet421--
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Too busy, try later"}
	}
	return &smtpSession{ts: ts, conn: c, id: ts.conns}, nil
}

type smtpSession struct {
	ts        *testServer
	conn      *smtp.Conn
	id        int
	user      string
	from      string
	to        []string
	delivered int
	closing   bool
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.ts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.ts.user || password != s.ts.pass {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *smtpSession) wait() {
	s.ts.mu.Lock()
	d := s.ts.delay
	s.ts.mu.Unlock()
	time.Sleep(d)
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.wait()
	if s.ts.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.ts.mu.Lock()
	limit := s.ts.mail421After
	s.ts.mu.Unlock()
	if limit > 0 && s.delivered >= limit {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many messages on this connection, closing"}
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.wait()
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if s.ts.tempRcpt > 0 {
		s.ts.tempRcpt--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local error, try again later"}
	}
	if e := s.ts.failRcpt[strings.ToLower(to)]; e != nil {
		return e
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	s.wait()
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if s.ts.failData != nil {
		return s.ts.failData
	}
	s.ts.received = append(s.ts.received, received{From: s.from, To: s.to, Data: data, Conn: s.id, User: s.user})
	s.delivered++
	if s.ts.closeAfter > 0 && s.delivered >= s.ts.closeAfter {
		s.closing = true
	}
	return nil
}

// Reset runs after every DATA reply: a server that takes only so many
// messages per connection hangs up here, after it said 250.
func (s *smtpSession) Reset() {
	s.wait()
	if s.closing {
		_ = s.conn.Conn().Close()
	}
	s.from, s.to = "", nil
}

func (s *smtpSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost and a pool
// that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		IsCA:         true,

		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
