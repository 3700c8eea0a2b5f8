package mail

import (
	"bufio"
	"bytes"
	"context"
	"math/rand/v2"
	"net/textproto"
	"testing"
)

// TestAppendDotStuffed holds appendDotStuffed against net/textproto's
// DotWriter, which go-mail's data writer is: the same bytes for every mix
// of dots, CRs, LFs and text, including the end.
func TestAppendDotStuffed(t *testing.T) {
	pieces := []string{".", "..", "\r", "\n", "\r\n", "a", "abc", ".\r\n", "\r\r\n", "\n.", "=2E"}
	cases := []string{"", ".", "\r", "\n", "\r\n", "a", "a\r\n.b\r\n", "..\r\n.\r\n"}
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b bytes.Buffer
		for range rnd.IntN(12) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		var want bytes.Buffer
		bw := bufio.NewWriter(&want)
		dw := textproto.NewWriter(bw).DotWriter()
		if _, err := dw.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
		if err := dw.Close(); err != nil {
			t.Fatal(err)
		}
		if got := appendDotStuffed([]byte("prefix"), []byte(c)); !bytes.Equal(got, append([]byte("prefix"), want.Bytes()...)) {
			t.Fatalf("appendDotStuffed(%q) = %q, textproto writes %q", c, got[6:], want.Bytes())
		}
	}
}

// TestSMTP_SendsWhatGoMailRenders: what the server receives is the
// message as go-mail renders it (MIME boundaries and Date apart), for the
// golden messages, over one connection.
func TestSMTP_SendsWhatGoMailRenders(t *testing.T) {
	ts := startServer(t)
	var msgs []Message
	for _, name := range []string{"going", "updated", "event_cancelled", "waitlisted"} {
		msgs = append(msgs, goldenMessages(t)[name])
	}
	for i, err := range newSMTP(t, ts.config(TLSNone)).Send(context.Background(), msgs) {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	got := ts.messages()
	if len(got) != len(msgs) {
		t.Fatalf("server received %d messages, want %d", len(got), len(msgs))
	}
	for i, m := range msgs {
		want, err := m.EML()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(normalise(got[i].Data), normalise(want)) {
			t.Errorf("message %d as received differs from go-mail's rendering:\n%s", i, got[i].Data)
		}
	}
	if n := ts.connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}
