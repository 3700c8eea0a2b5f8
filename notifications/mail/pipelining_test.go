package mail

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
)

// scriptedSMTP is a bare SMTP server for the envelope's wire: it offers
// PIPELINING or not, refuses the first MAIL FROM when told to (and then
// answers DATA with 354 all the same, as RFC 2920 lets a careless server
// do), and records what each read from the client held.
type scriptedSMTP struct {
	pipelining, refuseFirstSender bool

	mu        sync.Mutex
	reads     []string
	delivered []string // the data of each message taken
}

func (s *scriptedSMTP) start(t *testing.T) SMTPConfig {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, TLS: TLSNone, From: "convene@example.org"}
}

type recordingConn struct {
	net.Conn
	s *scriptedSMTP
}

func (c recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.s.mu.Lock()
		c.s.reads = append(c.s.reads, string(p[:n]))
		c.s.mu.Unlock()
	}
	return n, err
}

func (s *scriptedSMTP) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(recordingConn{c, s})
	w := bufio.NewWriter(c)
	reply := func(lines ...string) {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		w.Flush()
	}
	reply("220 scripted.test ESMTP")
	refused := false
	for n := 0; ; {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"):
			if s.pipelining {
				reply("250-scripted.test", "250-PIPELINING", "250 8BITMIME")
			} else {
				reply("250-scripted.test", "250 8BITMIME")
			}
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			n++
			if refused = s.refuseFirstSender && n == 1; refused {
				reply("550 5.7.1 sender refused")
			} else {
				reply("250 2.1.0 ok")
			}
		case strings.HasPrefix(cmd, "RCPT TO:"):
			if refused {
				reply("503 5.5.1 no sender")
			} else {
				reply("250 2.1.5 ok")
			}
		case cmd == "DATA":
			reply("354 go ahead")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			if refused {
				reply("554 5.5.1 no valid recipients")
				continue
			}
			s.mu.Lock()
			s.delivered = append(s.delivered, data.String())
			s.mu.Unlock()
			reply("250 2.0.0 queued")
		case cmd == "RSET", cmd == "NOOP":
			refused = false
			reply("250 2.0.0 ok")
		case cmd == "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("500 5.5.2 what?")
		}
	}
}

// envelopes counts the reads that held MAIL FROM, RCPT TO and DATA
// together (the client pipelined them) and those that held MAIL FROM
// alone.
func (s *scriptedSMTP) envelopes() (together, apart int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.reads {
		switch {
		case strings.Contains(r, "MAIL FROM:") && strings.Contains(r, "RCPT TO:") && strings.Contains(r, "DATA\r\n"):
			together++
		case strings.Contains(r, "MAIL FROM:"):
			apart++
		}
	}
	return together, apart
}

// TestSMTP_Pipelining: to a server offering PIPELINING, each message's
// MAIL FROM, RCPT TO and DATA go in one write (one round trip instead of
// three); to one that does not, one by one. Every message arrives either
// way.
func TestSMTP_Pipelining(t *testing.T) {
	for _, pipelining := range []bool{true, false} {
		s := &scriptedSMTP{pipelining: pipelining}
		msgs := batch(t, 3)
		for i, err := range newSMTP(t, s.start(t)).Send(context.Background(), msgs) {
			if err != nil {
				t.Errorf("pipelining %v: message %d: %v", pipelining, i, err)
			}
		}
		s.mu.Lock()
		delivered := len(s.delivered)
		s.mu.Unlock()
		if delivered != 3 {
			t.Errorf("pipelining %v: the server took %d messages, want 3", pipelining, delivered)
		}
		together, apart := s.envelopes()
		if pipelining && (together != 3 || apart != 0) {
			t.Errorf("PIPELINING offered: %d envelopes in one write and %d apart, want 3 and 0", together, apart)
		}
		if !pipelining && (together != 0 || apart != 3) {
			t.Errorf("PIPELINING not offered: %d envelopes in one write and %d apart, want 0 and 3", together, apart)
		}
	}
}

// TestSMTP_PipelinedSenderRefused: the server refuses a pipelined MAIL
// FROM but answers DATA with 354. The client ends the data at once with
// nothing in it, resets, reports the refusal at MAIL FROM, and the next
// messages on the connection are delivered.
func TestSMTP_PipelinedSenderRefused(t *testing.T) {
	s := &scriptedSMTP{pipelining: true, refuseFirstSender: true}
	msgs := batch(t, 3)
	errs := newSMTP(t, s.start(t)).Send(context.Background(), msgs)
	if de := deliveryErr(t, errs[0]); de.Stage != StageMailFrom || de.Code != 550 {
		t.Errorf("first message: stage %q code %d, want MAIL FROM 550", de.Stage, de.Code)
	}
	for i, err := range errs[1:] {
		if err != nil {
			t.Errorf("message %d: %v", i+1, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.delivered) != 2 {
		t.Fatalf("the server took %d messages, want 2", len(s.delivered))
	}
	for _, d := range s.delivered {
		if strings.Contains(d, msgs[0].ID) {
			t.Errorf("the refused message was delivered")
		}
	}
}
