package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// mailConnections and mailBatch are the server's e-mail concurrency:
// cmd/convene sends through notifications.Batcher with 4 SMTP connections
// of up to 50 messages each. The go-mail baseline uses the same.
const (
	mailConnections = 4
	mailBatch       = 50
)

// fanoutResult is what the fan-out scenario measured.
type fanoutResult struct {
	Attendees        int     `json:"attendees"`
	PrepareSeconds   float64 `json:"prepare_seconds"`
	Delivered        int     `json:"updates_delivered"`
	Duplicates       int     `json:"duplicates_same_message_id"`
	DeliverySeconds  float64 `json:"delivery_seconds"`   // first to last update at the sink
	EndToEndSeconds  float64 `json:"end_to_end_seconds"` // from the PATCH to the last update
	RateMsgsPerSec   float64 `json:"server_rate_msgs_per_s"`
	TemplateBytes    int     `json:"template_bytes"`
	BaselineBytes    int     `json:"baseline_message_bytes"`
	BaselineShape    string  `json:"baseline_mime_shape"`
	BaselineSent     int     `json:"baseline_sent"`
	BaselineSeconds  float64 `json:"baseline_seconds"`
	BaselineRate     float64 `json:"baseline_rate_msgs_per_s"` // the client in a process of its own
	InProcessSent    int     `json:"baseline_in_process_sent"`
	InProcessSeconds float64 `json:"baseline_in_process_seconds"`
	InProcessRate    float64 `json:"baseline_in_process_rate_msgs_per_s"` // the client inside the tool, with the sink
	SMTPConnections  int     `json:"baseline_connections"`
	BaselineErrors   int     `json:"baseline_errors"`
	UpdateDelayNote  string  `json:"note,omitempty"`
	ServerMailSMTPTo string  `json:"sink"`
}

// runFanout is scenario 4: one event with n going attendees changes time;
// every attendee must get the update exactly once, at the sink. Then a raw
// go-mail client sends as many messages of the same size and shape to the
// same sink with the server's e-mail concurrency.
func runFanout(ctx context.Context, c *client, srv *server, sk *sink, o options, runID string) (*scenarioResult, error) {
	n := o.fanout
	r := &scenarioResult{Name: "fan-out", RatioTarget: ratioTargets["fan-out"]}
	fr := &fanoutResult{Attendees: n, ServerMailSMTPTo: sk.addr}
	r.Fanout = fr
	fmt.Printf("\n== fan-out: preparing one event with %d seats and %d going attendees (RSVPs through the API, %d at a time) …\n", n, n, o.conc)
	groupID, err := c.createGroup(ctx, "fanout-"+runID)
	if err != nil {
		return nil, err
	}
	ev, err := c.createEvent(ctx, groupID, "fanout-"+runID, n)
	if err != nil {
		return nil, err
	}
	sk.startPhase("invites")
	t0 := time.Now()
	l := c.rsvpLoad(ctx, n, o.conc, "f"+runID, func(int) string { return ev.Slug })
	if l.StatusCounts["201"] != n {
		r.Check = fmt.Sprintf("FAIL: %d of %d RSVPs created while preparing", l.StatusCounts["201"], n)
		return r, nil
	}
	// Their invites go out first, so that the update is measured alone.
	got := sk.waitPhase(n, 30*time.Second, 5*time.Minute)
	fr.PrepareSeconds = time.Since(t0).Seconds()
	fmt.Printf("   %d RSVPs in %.1fs (%.0f req/s); %d invites arrived at the sink after %.1fs\n",
		n, l.Seconds, l.ThroughputRPS, got, fr.PrepareSeconds)
	if got < n {
		fr.UpdateDelayNote = fmt.Sprintf("only %d of %d invites arrived (is the server's mail going to %s?)", got, n, sk.url())
		r.Check = "FAIL: " + fr.UpdateDelayNote
		return r, nil
	}

	sk.startPhase("updates")
	start, err := time.Parse(time.RFC3339, ev.StartsAt)
	if err != nil {
		return nil, fmt.Errorf("event starts_at %q: %w", ev.StartsAt, err)
	}
	start = start.Add(time.Hour)
	t1 := time.Now()
	if err := c.api(ctx, "PATCH", "/api/v1/events/"+ev.ID, map[string]any{
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
	}, http.StatusOK, nil); err != nil {
		return nil, err
	}
	fmt.Printf("== fan-out: event moved by an hour; waiting for %d updates at the sink …\n", n)
	// The profile takes in the update delay (1 s of waiting) and the
	// fan-out's seconds.
	profiled := profileCPU(ctx, c.base, o.profileDir, "fanout", 5*time.Second)
	defer profiled()
	// The server waits CONVENE_UPDATE_DELAY (1s when the tool starts it)
	// before the fan-out job runs.
	sk.waitPhase(n, 30*time.Second, o.fanoutWait)
	// Let retried duplicates, if any, arrive too.
	time.Sleep(time.Second)
	cnt, first, last := sk.phaseStats()
	if cnt > 0 {
		fr.DeliverySeconds = last.Sub(first).Seconds()
		fr.EndToEndSeconds = last.Sub(t1).Seconds()
		fr.RateMsgsPerSec = float64(cnt) / max(fr.DeliverySeconds, 1e-3)
	}
	r.PeakRSSBytes = srv.peakRSS()
	r.Check, fr.Delivered, fr.Duplicates = checkFanout(sk, n, "f"+runID)
	fmt.Printf("   %d updates in %.2fs from the first to the last (%.0f msgs/s); %.2fs after the PATCH\n",
		cnt, fr.DeliverySeconds, fr.RateMsgsPerSec, fr.EndToEndSeconds)

	sk.mu.Lock()
	tmpl := sk.template
	sk.mu.Unlock()
	if tmpl == nil {
		return r, nil
	}
	fmt.Printf("== fan-out baseline: a go-mail client sends %d messages like the server's update (%d bytes) over %d connections, %d per connection …\n",
		n, len(tmpl), mailConnections, mailBatch)
	if err := mailBaseline(ctx, sk, tmpl, n, fr); err != nil {
		fmt.Println("   baseline failed:", err)
		return r, nil
	}
	if fr.BaselineRate > 0 && fr.RateMsgsPerSec > 0 {
		r.Ratio = fr.RateMsgsPerSec / fr.BaselineRate
	}
	return r, nil
}

// checkFanout verifies that every attendee got the update exactly once,
// copies (a retry) only with the same Message-ID, and nobody else got one.
func checkFanout(sk *sink, n int, runID string) (check string, delivered, dups int) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	var problems []string
	seen := 0
	for i := range n {
		e := attendeeEmail(runID, i)
		ids := sk.byRcpt[e]
		switch {
		case len(ids) == 0:
			problems = append(problems, e+": no update")
			continue
		case len(ids) > 1:
			problems = append(problems, fmt.Sprintf("%s: %d different Message-IDs", e, len(ids)))
		}
		seen++
		delivered++
		for _, k := range ids {
			dups += k - 1
		}
	}
	if extra := len(sk.byRcpt) - seen; extra > 0 {
		problems = append(problems, fmt.Sprintf("%d other recipients got an update", extra))
	}
	if len(problems) > 0 {
		total := len(problems)
		if total > 5 {
			problems = append(problems[:5], fmt.Sprintf("… %d problems in all", total))
		}
		return "FAIL: " + strings.Join(problems, "; "), delivered, dups
	}
	return fmt.Sprintf("PASS: each of %d attendees got the update once (%d duplicate copies with the same Message-ID)", n, dups), delivered, dups
}

// mailBaseline sends n messages made from the template (its headers and
// MIME tree, with a different recipient and Message-ID each) with go-mail,
// from mailConnections goroutines, each dialling once per batch of
// mailBatch messages as the server's Batcher does; twice: first from a
// process of its own (this tool run again as the client, mailClientEnv),
// as the server is one, which gives fr.Baseline*; then from inside this
// tool, which holds the sink too, so that the client's every wait for the
// sink's reply is a switch between goroutines, not processes
// (fr.InProcess*).
func mailBaseline(ctx context.Context, sk *sink, tmpl []byte, n int, fr *fanoutResult) error {
	msgs, err := baselineMessages(tmpl, n)
	if err != nil {
		return err
	}
	var rendered bytes.Buffer
	if _, err := msgs[0].WriteTo(&rendered); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	fr.TemplateBytes, fr.BaselineBytes = len(tmpl), rendered.Len()
	ts, bs := mimeShape(tmpl), mimeShape(rendered.Bytes())
	if ts == bs {
		fr.BaselineShape = "same as the server's: " + ts
	} else {
		fr.BaselineShape = "server " + ts + " / baseline " + bs
	}
	fmt.Printf("   template %d bytes, baseline message %d bytes; MIME %s\n", fr.TemplateBytes, fr.BaselineBytes, fr.BaselineShape)

	// From a process of its own.
	f, err := os.CreateTemp("", "convene-bench-template-*.eml")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(tmpl); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	_, conns0, _ := sk.counts()
	sk.startPhase("baseline")
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %s", mailClientEnv, sk.addr, n, f.Name()))
	out, runErr := cmd.CombinedOutput()
	cnt, first, lastAt := sk.phaseStats()
	_, conns1, _ := sk.counts()
	fr.BaselineSent, fr.SMTPConnections = cnt, conns1-conns0
	if cnt > 0 {
		fr.BaselineSeconds = lastAt.Sub(first).Seconds()
		fr.BaselineRate = float64(cnt) / max(fr.BaselineSeconds, 1e-3)
	}
	fmt.Printf("   from its own process: %d messages in %.2fs from the first to the last (%.0f msgs/s), %d connections\n",
		cnt, fr.BaselineSeconds, fr.BaselineRate, fr.SMTPConnections)
	if runErr != nil {
		fr.BaselineErrors = n - cnt
		return fmt.Errorf("the client process: %w: %s", runErr, bytes.TrimSpace(out))
	}

	// From inside the tool.
	sk.startPhase("baseline-in-process")
	errs, last := sendMessages(ctx, sk.addr, msgs)
	cnt, first, lastAt = sk.phaseStats()
	fr.InProcessSent, fr.BaselineErrors = cnt, errs
	if cnt > 0 {
		fr.InProcessSeconds = lastAt.Sub(first).Seconds()
		fr.InProcessRate = float64(cnt) / max(fr.InProcessSeconds, 1e-3)
	}
	fmt.Printf("   from inside the tool, which holds the sink: %d messages in %.2fs (%.0f msgs/s), %d errors\n",
		cnt, fr.InProcessSeconds, fr.InProcessRate, errs)
	if last != nil {
		return fmt.Errorf("%d messages failed, last: %w", errs, last)
	}
	return nil
}

// mailClientEnv makes this tool the fan-out baseline's go-mail client
// when it is set, to "ADDR N FILE": it sends N messages made from the
// template in FILE to the sink at ADDR and exits, non-zero if any failed.
const mailClientEnv = "CONVENE_BENCH_MAIL_CLIENT"

// mailClient is the tool run as the baseline's client (mailClientEnv).
func mailClient(spec string) error {
	var (
		addr, file string
		n          int
	)
	if _, err := fmt.Sscanf(spec, "%s %d %s", &addr, &n, &file); err != nil {
		return fmt.Errorf("%s=%q: %w", mailClientEnv, spec, err)
	}
	tmpl, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	msgs, err := baselineMessages(tmpl, n)
	if err != nil {
		return err
	}
	if errs, last := sendMessages(context.Background(), addr, msgs); last != nil {
		return fmt.Errorf("%d messages failed, last: %w", errs, last)
	}
	return nil
}

// baselineMessages makes n go-mail messages from the template.
func baselineMessages(tmpl []byte, n int) ([]*gomail.Msg, error) {
	parts, hdr, err := templateParts(tmpl)
	if err != nil {
		return nil, fmt.Errorf("read the template: %w", err)
	}
	msgs := make([]*gomail.Msg, n)
	for i := range n {
		m, err := baselineMsg(hdr, parts, fmt.Sprintf("b%05d@baseline.example.org", i), fmt.Sprintf("baseline.%d@bench.example.org", i))
		if err != nil {
			return nil, err
		}
		msgs[i] = m
	}
	return msgs, nil
}

// sendMessages sends msgs to the SMTP server at addr from mailConnections
// goroutines, each dialling once per batch of mailBatch, and returns how
// many failed and the last error.
func sendMessages(ctx context.Context, addr string, msgs []*gomail.Msg) (errs int, last error) {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	batches := make(chan []*gomail.Msg)
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	fail := func(n int, err error) {
		mu.Lock()
		errs, last = errs+n, err
		mu.Unlock()
	}
	for range mailConnections {
		wg.Go(func() {
			c, err := gomail.NewClient(host, gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS),
				gomail.WithTimeout(30*time.Second), gomail.WithHELO("localhost"))
			if err != nil {
				fail(0, err)
			}
			for b := range batches {
				if c == nil {
					fail(len(b), err)
				} else if err := c.DialAndSendWithContext(ctx, b...); err != nil {
					fail(len(b), err)
				}
			}
		})
	}
	for i := 0; i < len(msgs); i += mailBatch {
		batches <- msgs[i:min(i+mailBatch, len(msgs))]
	}
	close(batches)
	wg.Wait()
	return errs, last
}

// leaf is one non-multipart part of the template, decoded.
type leaf struct {
	contentType string // with its parameters, as go-mail writes them
	filename    string // of an attachment
	data        []byte
}

// templateParts returns the template's header and leaf parts in order.
func templateParts(raw []byte) ([]leaf, mail.Header, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, err
	}
	var out []leaf
	var walk func(ct, cte, cd string, body io.Reader) error
	walk = func(ct, cte, cd string, body io.Reader) error {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			return err
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if errors.Is(err, io.EOF) {
					return nil
				}
				if err != nil {
					return err
				}
				if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p); err != nil {
					return err
				}
			}
		}
		// multipart.Reader undoes quoted-printable itself.
		if strings.EqualFold(cte, "base64") {
			body = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		l := leaf{contentType: mt, data: b}
		if m := params["method"]; m != "" {
			l.contentType += "; method=" + m
		}
		if _, dp, err := mime.ParseMediaType(cd); err == nil {
			l.filename = dp["filename"]
		}
		out = append(out, l)
		return nil
	}
	err = walk(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), "", m.Body)
	return out, m.Header, err
}

// baselineMsg builds with go-mail a message like the template — its
// headers, its body, alternatives and attachment, with the same calls as
// notifications/mail — for another recipient and Message-ID.
func baselineMsg(h mail.Header, parts []leaf, to, id string) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	m.SetMessageIDWithValue(id)
	m.SetDate()
	if err := m.From(h.Get("From")); err != nil {
		return nil, err
	}
	if err := m.To(to); err != nil {
		return nil, err
	}
	if rt := h.Get("Reply-To"); rt != "" {
		if err := m.ReplyTo(rt); err != nil {
			return nil, err
		}
	}
	subject, err := wordDecoder.DecodeHeader(h.Get("Subject"))
	if err != nil {
		subject = h.Get("Subject")
	}
	m.Subject(subject)
	for _, k := range []string{"Auto-Submitted", "X-Auto-Response-Suppress"} {
		if v := h.Get(k); v != "" {
			m.SetGenHeader(gomail.Header(k), v)
		}
	}
	body := false
	for _, p := range parts {
		switch {
		case p.filename != "":
			if err := m.AttachReader(p.filename, bytes.NewReader(p.data), gomail.WithFileContentType(gomail.ContentType(p.contentType)),
				gomail.WithFileEncoding(gomail.EncodingB64)); err != nil {
				return nil, err
			}
		case !body:
			m.SetBodyString(gomail.ContentType(p.contentType), string(p.data))
			body = true
		default:
			m.AddAlternativeString(gomail.ContentType(p.contentType), string(p.data))
		}
	}
	return m, nil
}

// mimeShape describes a message's MIME tree as nested content types, for
// example multipart/mixed(multipart/alternative(text/plain,text/html),text/calendar).
func mimeShape(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "unreadable: " + err.Error()
	}
	return partShape(m.Header.Get("Content-Type"), m.Body)
}

func partShape(ct string, body io.Reader) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "text/plain"
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return mt
	}
	mr := multipart.NewReader(body, params["boundary"])
	var parts []string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			parts = append(parts, "?")
			break
		}
		parts = append(parts, partShape(p.Header.Get("Content-Type"), p))
	}
	return mt + "(" + strings.Join(parts, ",") + ")"
}
