package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is an SMTP server on 127.0.0.1 that accepts every message and
// throws its body away, keeping only what the checks need: per recipient,
// the Message-IDs of the updates it received and how often, the times of
// the first and last message of the current phase, and one whole update as
// the template of the go-mail baseline.
type sink struct {
	addr string
	srv  *smtp.Server

	mu       sync.Mutex
	conns    int
	total    int
	bytes    int64
	phase    string
	first    time.Time // first and last arrival in the phase
	last     time.Time
	inPhase  int
	byRcpt   map[string]map[string]int // updates: recipient → Message-ID → copies
	template []byte                    // the first update received, whole
}

// startSink listens on addr (127.0.0.1:0 for any port).
func startSink(addr string) (*sink, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &sink{addr: ln.Addr().String(), byRcpt: map[string]map[string]int{}}
	s.srv = smtp.NewServer(sinkBackend{s})
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = 60*time.Second, 60*time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 10
	go s.srv.Serve(ln)
	return s, nil
}

// url is the CONVENE_SMTP_URL that sends to the sink.
func (s *sink) url() string { return "smtp://" + s.addr + "?tls=none" }

func (s *sink) close() { s.srv.Close() }

// startPhase names what arrives from now on and resets the phase's
// figures (and, for "updates", the per-recipient record).
func (s *sink) startPhase(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phase, s.inPhase, s.first, s.last = name, 0, time.Time{}, time.Time{}
	if name == "updates" {
		s.byRcpt, s.template = map[string]map[string]int{}, nil
	}
}

// phaseStats returns the messages of the current phase and the time from
// the first to the last of them.
func (s *sink) phaseStats() (n int, first, last time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inPhase, s.first, s.last
}

// waitPhase waits until n messages of the phase arrived, or nothing
// arrived for idle, or timeout passed; it returns how many arrived.
func (s *sink) waitPhase(n int, idle, timeout time.Duration) int {
	start := time.Now()
	for {
		got, first, last := s.phaseStats()
		if got >= n {
			return got
		}
		now := time.Now()
		if now.Sub(start) > timeout || !first.IsZero() && now.Sub(last) > idle {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// counts returns all messages and connections so far.
func (s *sink) counts() (msgs, conns int, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, s.conns, s.bytes
}

type sinkBackend struct{ s *sink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.conns++
	b.s.mu.Unlock()
	return &sinkSession{s: b.s}, nil
}

type sinkSession struct {
	s  *sink
	to []string
}

func (x *sinkSession) AuthPlain(string, string) error            { return nil }
func (x *sinkSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (x *sinkSession) Reset()                                    { x.to = nil }
func (x *sinkSession) Logout() error                             { return nil }
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = append(x.to, to); return nil }

var wordDecoder = mime.WordDecoder{CharsetReader: func(string, io.Reader) (io.Reader, error) {
	return nil, errors.New("unknown charset")
}}

func (x *sinkSession) Data(r io.Reader) error {
	// Only the headers are parsed; the body is counted and dropped, except
	// for the first update, kept whole as the baseline's template.
	var buf bytes.Buffer
	br := bufio.NewReaderSize(io.TeeReader(r, &buf), 8<<10)
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return err
	}
	subject, err := wordDecoder.DecodeHeader(h.Get("Subject"))
	if err != nil {
		subject = h.Get("Subject")
	}
	update := strings.HasPrefix(subject, "Updated:")
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err
	}
	s := x.s
	size := int64(buf.Len())
	id := strings.Trim(h.Get("Message-Id"), "<> ")
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	s.bytes += size
	if s.first.IsZero() {
		s.first = now
	}
	s.last = now
	s.inPhase++
	if update && s.phase == "updates" {
		if s.template == nil {
			s.template = buf.Bytes()
		}
		for _, rcpt := range x.to {
			rcpt = strings.ToLower(rcpt)
			m := s.byRcpt[rcpt]
			if m == nil {
				m = map[string]int{}
				s.byRcpt[rcpt] = m
			}
			m[id]++
		}
	}
	return nil
}
