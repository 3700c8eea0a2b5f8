package mail

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"
)

// TLSMode says how the connection to the SMTP server is protected.
type TLSMode string

// TLS modes.
const (
	// TLSStartTLS connects in plain text and requires STARTTLS before
	// anything else (submission, port 587).
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (submissions, port 465).
	TLSImplicit TLSMode = "tls"
	// TLSNone never encrypts: for a relay on the same host or network.
	TLSNone TLSMode = "none"
)

// DefaultSMTPTimeout bounds dialling and the reply to each SMTP command.
const DefaultSMTPTimeout = 30 * time.Second

// maxRedials is how often one Send dials again after the server closed an
// idle or failed connection between two messages.
const maxRedials = 3

// SMTPConfig says how to reach the SMTP server. Its String and GoString
// methods never show the password, so it can be logged.
type SMTPConfig struct {
	Host string
	Port int
	// Username and Password are used with AUTH (PLAIN, LOGIN, SCRAM-SHA-256,
	// SCRAM-SHA-1 or CRAM-MD5, the first the server offers); an empty
	// Username sends no AUTH.
	Username string
	Password string
	TLS      TLSMode
	// From is the envelope sender (MAIL FROM), where bounces go; "" means
	// each message's From address.
	From string
	// HELO is the name sent with EHLO; "" means the machine's host name.
	HELO string
	// Timeout bounds dialling and the reply to each SMTP command; 0 means
	// DefaultSMTPTimeout.
	Timeout time.Duration
	// TLSConfig overrides the TLS settings, for example to trust a private
	// CA; nil means the system's roots. ServerName defaults to Host.
	TLSConfig *tls.Config
}

// ParseSMTPURL reads an SMTP server address of the form
//
//	smtp://user:password@host:port?tls=starttls|tls|none&timeout=30s&helo=name
//
// The user name and password are optional and must be percent-encoded
// (an "@" in a password is "%40"). tls defaults to starttls; the port
// defaults to 587 for starttls, 465 for tls and 25 for none; timeout
// bounds each command (default 30s); helo is the name given in EHLO
// (default: the machine's host name, which some servers refuse when it is
// not a fully qualified name, as in many containers). The scheme
// smtps means tls=tls. A password is refused with tls=none unless the host
// is the local machine, where it would cross the network in clear text.
// Errors never repeat the password, nor the URL that holds it.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	const form = "smtp://user:password@host:port?tls=starttls|tls|none"
	fail := func(format string, args ...any) (SMTPConfig, error) {
		return SMTPConfig{}, fmt.Errorf("SMTP URL: "+format, args...)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// The url.Error would quote the whole URL, password included.
		return fail("cannot be read as %s; percent-encode special characters (@ : / ? # %%) in the user name and password", form)
	}
	var cfg SMTPConfig
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		cfg.TLS = TLSStartTLS
	case "smtps":
		cfg.TLS = TLSImplicit
	case "":
		return fail("has no scheme: write it as %s", form)
	default:
		return fail("scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if u.Opaque != "" {
		return fail("must be written as %s", form)
	}
	if u.Path != "" && u.Path != "/" {
		return fail("must not have a path (%q)", u.Path)
	}
	if u.Fragment != "" {
		return fail("must not have a fragment")
	}
	cfg.Host = u.Hostname()
	if cfg.Host == "" {
		return fail("has no host: write it as %s", form)
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		if cfg.Username == "" && cfg.Password != "" {
			return fail("has a password but no user name")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fail("has a malformed query")
	}
	for key, values := range q {
		if len(values) != 1 {
			return fail("gives %q more than once", key)
		}
		v := values[0]
		switch key {
		case "tls":
			switch mode := TLSMode(strings.ToLower(v)); mode {
			case TLSStartTLS, TLSImplicit, TLSNone:
				if strings.EqualFold(u.Scheme, "smtps") && mode != TLSImplicit {
					return fail("scheme smtps means tls=tls, not tls=%s", v)
				}
				cfg.TLS = mode
			default:
				return fail("tls must be starttls, tls or none, not %q", v)
			}
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fail("timeout must be a positive duration such as 30s, not %q", v)
			}
			cfg.Timeout = d
		case "helo":
			if !validHELO(v) {
				return fail("helo must be a host name such as mail.example.org, not %q", v)
			}
			cfg.HELO = v
		default:
			return fail("has an unknown parameter %q (known: tls, timeout, helo)", key)
		}
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fail("port must be a number from 1 to 65535, not %q", p)
		}
		cfg.Port = n
	}
	if err := cfg.check(); err != nil {
		return SMTPConfig{}, err
	}
	return cfg, nil
}

// check validates a configuration and fills in the port.
func (c *SMTPConfig) check() error {
	if c.Host == "" {
		return errors.New("SMTP configuration: no host")
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = 465
		case TLSNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("SMTP configuration: TLS mode must be starttls, tls or none, not %q", c.TLS)
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("SMTP configuration: port %d is not from 1 to 65535", c.Port)
	}
	if c.Password != "" && c.TLS == TLSNone && !isLocalHost(c.Host) {
		return fmt.Errorf("SMTP configuration: refusing to send the password to %s without TLS: use tls=starttls or tls=tls", c.Host)
	}
	if c.From != "" && !plainAddress(c.From) {
		return fmt.Errorf("SMTP configuration: envelope sender %q is not a plain address", c.From)
	}
	if c.HELO != "" && !validHELO(c.HELO) {
		return fmt.Errorf("SMTP configuration: HELO name %q is not a host name", c.HELO)
	}
	if c.Timeout < 0 {
		return errors.New("SMTP configuration: the timeout must not be negative")
	}
	return nil
}

// validHELO accepts a host name or an address literal such as [192.0.2.1].
func validHELO(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-[]:", c) >= 0) {
			return false
		}
	}
	return true
}

func isLocalHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// String returns the configuration as a URL with the password hidden.
func (c SMTPConfig) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.Username != "" {
		if c.Password != "" {
			u.User = url.UserPassword(c.Username, "xxxxx")
		} else {
			u.User = url.User(c.Username)
		}
	}
	q := url.Values{"tls": {string(c.TLS)}}
	if c.Timeout != 0 {
		q.Set("timeout", c.Timeout.String())
	}
	if c.HELO != "" {
		q.Set("helo", c.HELO)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// GoString is String, so that %#v does not print the password either.
func (c SMTPConfig) GoString() string { return "message.SMTPConfig(" + c.String() + ")" }

// SMTP sends messages through an SMTP server with go-mail. Each Send opens
// one connection for all its messages (dialling again only when the server
// closed it between two messages) and closes it with QUIT. Concurrent Sends
// use separate connections.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP checks the configuration and returns a Sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultSMTPTimeout
	}
	return &SMTP{cfg: cfg}, nil
}

// Send delivers the messages over one connection, in order. See Sender.
// When ctx is cancelled, the command in flight fails and the messages not
// yet sent get ctx's error (not permanent).
func (s *SMTP) Send(ctx context.Context, msgs []Message) []error {
	errs := make([]error, len(msgs))
	subs := make([]Submission, len(msgs))
	for i, m := range msgs {
		subs[i] = Submission{Msg: m, Ctx: ctx, Done: func(err error) { errs[i] = err }}
	}
	s.Submit(ctx, subs)
	return errs
}

// Submit delivers the messages over one connection, in order, telling
// each submission its outcome as soon as the server has answered for it;
// see Submitter. A submission whose Ctx has ended is not begun; one whose
// Ctx ends while its message is being sent is cut off with the
// connection, and the next message gets a new one.
func (s *SMTP) Submit(ctx context.Context, subs []Submission) {
	built := make([]*gomail.Msg, len(subs))
	pending := 0
	for i, sub := range subs {
		gm, err := sub.Msg.Msg()
		if err == nil && s.cfg.From != "" {
			err = gm.EnvelopeFrom(s.cfg.From)
		}
		if err != nil {
			sub.Done(&DeliveryError{MessageID: sub.Msg.ID, Stage: StageRender, Permanent: true, Err: err})
			continue
		}
		built[i] = gm
		pending++
	}
	if pending == 0 {
		return
	}

	// current is the connection being used, so that a submission's context
	// can cut it off.
	var current *deadlineConn
	client, err := s.client(ctx, func(c *deadlineConn) { current = c })
	if err != nil {
		for i, gm := range built {
			if gm != nil {
				subs[i].Done(&DeliveryError{MessageID: subs[i].Msg.ID, Stage: StageConnect, Err: err})
			}
		}
		return
	}
	var conn *gosmtp.Client
	defer func() {
		if conn != nil {
			_ = client.CloseWithSMTPClient(conn)
		}
	}()
	redials := 0
	for i := 0; i < len(built); i++ {
		gm, sub := built[i], subs[i]
		if gm == nil {
			continue
		}
		if err := cmp.Or(ctx.Err(), sub.Ctx.Err()); err != nil {
			sub.Done(&DeliveryError{MessageID: sub.Msg.ID, Stage: StageConnect, Err: err})
			continue
		}
		if conn == nil {
			conn, err = client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				conn = nil
				// The server or the configuration is at fault, not the
				// message: every message left gets the same error.
				for j := i; j < len(built); j++ {
					if built[j] != nil {
						subs[j].Done(connectError(subs[j].Msg.ID, err))
					}
				}
				return
			}
		}
		cut := func() bool { return true }
		if sub.Ctx != ctx && current != nil {
			cut = context.AfterFunc(sub.Ctx, current.cancel)
		}
		stage, err := s.transact(conn, gm)
		if !cut() {
			// The caller gave up during the message: the connection is
			// cut off and the next message dials again.
			_ = conn.Close()
			conn = nil
		}
		if err == nil {
			sub.Done(nil)
			continue
		}
		if stage == StageMailFrom && hungUp(err) && redials < maxRedials && sub.Ctx.Err() == nil {
			// The server closed the connection before MAIL FROM was
			// answered. Nothing of this message was sent; dial again.
			redials++
			if conn != nil {
				_ = conn.Close()
				conn = nil
			}
			i--
			continue
		}
		esc := false
		if conn != nil {
			esc, _ = conn.Extension("ENHANCEDSTATUSCODES")
		}
		sub.Done(transactError(sub.Msg.ID, stage, err, esc))
	}
}

// transact sends one message over conn and reports the stage at which it
// failed: MAIL FROM, RCPT TO, DATA, the message and the end of the data,
// the steps of go-mail's own send but for two. The message is rendered by
// go-mail into memory first and written dot-stuffed in one pass and one
// write (go-mail's data writer stuffs and buffers it a byte at a time, a
// sixth of the server's time in a fan-out); and no RSET follows it: the
// server's reply to the end of the data ends the mail transaction (RFC
// 5321 §4.1.1.4), so the next MAIL FROM may follow at once. After a
// refused MAIL FROM or RCPT TO it sends RSET, as go-mail does.
func (s *SMTP) transact(conn *gosmtp.Client, gm *gomail.Msg) (Stage, error) {
	from, err := gm.GetSender(false)
	if err != nil {
		return StageRender, err
	}
	rcpts, err := gm.GetRecipients()
	if err != nil {
		return StageRender, err
	}
	buf := renderBuffers.Get().(*renderBuffer)
	defer renderBuffers.Put(buf)
	buf.msg.Reset()
	if _, err := gm.WriteTo(&buf.msg); err != nil {
		return StageData, err
	}
	buf.wire = appendDotStuffed(buf.wire[:0], buf.msg.Bytes())
	if err := conn.UpdateDeadline(s.cfg.Timeout); err != nil {
		return StageConnect, err
	}
	if stage, err := envelope(conn, from, rcpts); err != nil {
		return stage, err
	}
	if _, err := conn.Text.W.Write(buf.wire); err != nil {
		return StageData, err
	}
	if err := conn.Text.W.Flush(); err != nil {
		return StageData, err
	}
	if _, _, err := conn.Text.ReadResponse(250); err != nil {
		return StageData, err
	}
	return "", nil
}

// envelope sends MAIL FROM, RCPT TO and DATA and reads their replies. When
// the server offers PIPELINING (RFC 2920; Postfix and most relays do), the
// commands go in one write and the replies are read after, in order: one
// round trip instead of two or more per message. Otherwise they go one by
// one, as go-mail sends them. A refused MAIL FROM or RCPT TO is followed
// by RSET; if the server took DATA all the same, an empty message is ended
// first, so that nothing is delivered.
func envelope(conn *gosmtp.Client, from string, rcpts []string) (Stage, error) {
	pipelining, _ := conn.Extension("PIPELINING")
	if !pipelining {
		if err := conn.Mail(from); err != nil {
			_ = conn.Reset()
			return StageMailFrom, err
		}
		for _, rcpt := range rcpts {
			if err := conn.Rcpt(rcpt); err != nil {
				_ = conn.Reset()
				return StageRcptTo, err
			}
		}
		id, err := conn.Text.Cmd("DATA")
		if err != nil {
			return StageData, err
		}
		conn.Text.StartResponse(id)
		_, _, err = conn.Text.ReadResponse(354)
		conn.Text.EndResponse(id)
		if err != nil {
			return StageData, err
		}
		return "", nil
	}
	if strings.ContainsAny(from, "\r\n") || slices.ContainsFunc(rcpts, func(r string) bool { return strings.ContainsAny(r, "\r\n") }) {
		return StageMailFrom, errors.New("smtp: an address holds a line break")
	}
	// The MAIL FROM parameters go-mail's Mail adds for this server.
	params := ""
	if ok, _ := conn.Extension("8BITMIME"); ok {
		params += " BODY=8BITMIME"
	}
	if ok, _ := conn.Extension("SMTPUTF8"); ok {
		params += " SMTPUTF8"
	}
	w := conn.Text.W
	w.WriteString("MAIL FROM:" + from + params + "\r\n")
	for _, rcpt := range rcpts {
		w.WriteString("RCPT TO:" + rcpt + "\r\n")
	}
	w.WriteString("DATA\r\n")
	if err := w.Flush(); err != nil {
		return StageMailFrom, err
	}
	stage, refused := Stage(""), error(nil)
	if _, _, err := conn.Text.ReadResponse(250); err != nil {
		if !isReply(err) {
			return StageMailFrom, err // the connection failed: no more replies come
		}
		stage, refused = StageMailFrom, err
	}
	for range rcpts {
		if _, _, err := conn.Text.ReadResponse(25); err != nil {
			if !isReply(err) {
				return cmp.Or(stage, StageRcptTo), err
			}
			if refused == nil {
				stage, refused = StageRcptTo, err
			}
		}
	}
	_, _, err := conn.Text.ReadResponse(354)
	if err != nil && !isReply(err) {
		return cmp.Or(stage, StageData), err
	}
	if refused != nil {
		if err == nil {
			// The server took DATA though it refused the sender or every
			// recipient: end the data at once; nothing is delivered.
			if _, werr := w.WriteString(".\r\n"); werr == nil && w.Flush() == nil {
				_, _, _ = conn.Text.ReadResponse(250)
			}
		}
		_ = conn.Reset()
		return stage, refused
	}
	if err != nil {
		return StageData, err
	}
	return "", nil
}

// isReply reports whether err is the server's reply (a code it sent), not
// a failed connection.
func isReply(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te)
}

// renderBuffer holds a message as go-mail renders it and as it goes over
// the wire; they are kept for the next message (a fan-out sends
// thousands of about 20 KB).
type renderBuffer struct {
	msg  bytes.Buffer
	wire []byte
}

var renderBuffers = sync.Pool{New: func() any { return new(renderBuffer) }}

// appendDotStuffed appends data to dst as the DATA command carries it,
// byte for byte what net/textproto's DotWriter writes for data and then
// its Close: a dot that starts a line is doubled, a bare LF becomes CRLF,
// the data ends with CRLF and then ".\r\n" ends it (RFC 5321 §4.5.2). It
// copies the runs between line breaks at once instead of a byte at a time.
func appendDotStuffed(dst, data []byte) []byte {
	const (
		begin = iota // before the first byte, or after a line break
		cr           // after a CR (which a LF may follow)
		mid          // within a line
	)
	state := begin
	for i := 0; i < len(data); {
		switch state {
		case begin:
			state = mid
			if data[i] == '.' {
				dst = append(dst, '.')
			}
		case cr:
			state = mid
			if data[i] == '\n' {
				state = begin
			}
			dst = append(dst, data[i])
			i++
			continue
		}
		j := bytes.IndexAny(data[i:], "\r\n")
		if j < 0 {
			dst = append(dst, data[i:]...)
			break
		}
		dst = append(dst, data[i:i+j]...)
		i += j
		if data[i] == '\r' {
			state = cr
		} else {
			dst = append(dst, '\r')
			state = begin
		}
		dst = append(dst, data[i])
		i++
	}
	switch {
	case state == cr:
		dst = append(dst, '\n')
	case state == mid || len(data) == 0:
		dst = append(dst, '\r', '\n')
	}
	return append(dst, '.', '\r', '\n')
}

// transactError classifies the failure of a message at a stage: the
// server's reply code and, when it announces ENHANCEDSTATUSCODES, the
// enhanced status code its text starts with, and whether the same
// message would be refused again (see IsPermanent).
func transactError(id string, stage Stage, err error, enhanced bool) *DeliveryError {
	de := &DeliveryError{MessageID: id, Stage: stage, Err: err}
	if stage == StageRender {
		de.Permanent = true
		return de
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		de.Code = te.Code
		if enhanced {
			de.EnhancedCode = enhancedCodeRE.FindString(te.Msg)
		}
	}
	de.Permanent = permanentReply(stage, de.Code, de.EnhancedCode)
	return de
}

// enhancedCodeRE finds an RFC 3463 status code ("5.1.1") in a reply.
var enhancedCodeRE = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// hungUp reports whether MAIL FROM failed because the server had closed
// the connection: it said so (421), or the connection was gone. A NOOP
// before each message would find that out first, for a round trip per
// message; the client sends none. A failure this misses is a temporary
// one: the message is retried by its own job, and nothing was sent twice.
func hungUp(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code == 421
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	msg := err.Error()
	return strings.HasSuffix(msg, "EOF") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "closed network connection")
}

// client makes a go-mail client for one Send. A client per Send keeps
// concurrent Sends apart: go-mail's Client holds per-connection state.
// dialled is given each connection the client makes.
func (s *SMTP) client(ctx context.Context, dialled func(*deadlineConn)) (*gomail.Client, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		tlsCfg = s.cfg.TLSConfig.Clone()
	}
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = s.cfg.Host
	}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(tlsCfg),
		gomail.WithDialContextFunc(s.dialer(ctx, tlsCfg, dialled)),
		gomail.WithoutNoop(), // see hungUp
	}
	switch s.cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		// With TLSImplicit the dialler has already done the handshake.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(s.cfg.HELO))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password), authOption(s.cfg))
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// dialer returns go-mail's dial function. Each connection sets a fresh
// deadline whenever it writes, so that every command (and the greeting and
// TLS handshake) must be answered within the timeout: go-mail itself only
// sets a deadline per connection and per message. Cancelling ctx, the
// Send's context, interrupts whatever is in flight; so does cancelling the
// connection, which dialled is given.
func (s *SMTP) dialer(ctx context.Context, tlsCfg *tls.Config, dialled func(*deadlineConn)) gomail.DialContextFunc {
	return func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: s.cfg.Timeout}
		raw, err := d.DialContext(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		c := &deadlineConn{Conn: raw, timeout: s.cfg.Timeout}
		_ = raw.SetDeadline(time.Now().Add(s.cfg.Timeout))
		c.stop = context.AfterFunc(ctx, c.cancel)
		dialled(c)
		if s.cfg.TLS != TLSImplicit {
			return c, nil
		}
		tc := tls.Client(c, tlsCfg)
		if err := tc.HandshakeContext(dialCtx); err != nil {
			_ = tc.Close()
			return nil, err
		}
		// A *tls.Conn, so that go-mail knows the connection is encrypted
		// and lets PLAIN and LOGIN send the password.
		return tc, nil
	}
}

// deadlineConn refreshes the deadline before every write and stops all I/O
// once cancelled.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
	stop    func() bool

	mu        sync.Mutex
	cancelled bool
}

func (c *deadlineConn) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelled = true
	_ = c.Conn.SetDeadline(time.Unix(1, 0))
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.cancelled {
		c.mu.Unlock()
		return 0, context.Canceled
	}
	_ = c.Conn.SetDeadline(time.Now().Add(c.timeout))
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancelled {
		return nil
	}
	return c.Conn.SetDeadline(t)
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancelled {
		return nil
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancelled {
		return nil
	}
	return c.Conn.SetWriteDeadline(t)
}

func (c *deadlineConn) Close() error {
	if c.stop != nil {
		c.stop()
	}
	return c.Conn.Close()
}

// authOption is how Convene authenticates: go-mail's own choice of the
// strongest mechanism the server offers, SCRAM-SHA-256 first, with PLAIN
// and LOGIN only over an encrypted connection. Two cases need go-mail told
// more than it can see:
//   - implicit TLS (tls=tls): Convene's dialler makes the TLS connection
//     (so that every command has a deadline), and go-mail only counts a
//     connection as encrypted when it dialled TLS itself; the same list is
//     given explicitly, PLAIN and LOGIN included (they check the connection
//     is TLS themselves);
//   - a relay on the local machine reached without TLS (tls=none on
//     127.0.0.1, ::1 or localhost, as a Postfix or Exim beside Convene
//     often is, and the test servers) that offers only PLAIN or LOGIN: the
//     password does not leave the machine, so they are allowed there, after
//     the stronger ones.
func authOption(cfg SMTPConfig) gomail.Option {
	switch {
	case cfg.TLS == TLSImplicit:
		return gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
			gomail.SMTPAuthPlain, gomail.SMTPAuthLogin)
	case cfg.TLS == TLSNone && isLoopback(cfg.Host):
		return gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
			gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc)
	}
	return gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover)
}

// isLoopback reports whether host is the local machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// connectError wraps a failure to dial, greet, start TLS or authenticate.
func connectError(id string, err error) *DeliveryError {
	de := &DeliveryError{MessageID: id, Stage: StageConnect, Err: err}
	var te *textproto.Error
	if errors.As(err, &te) {
		de.Code = te.Code
	}
	return de
}
