package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// client talks to one Convene server over keep-alive connections, enough
// for every concurrent worker to keep its own.
type client struct {
	base  string
	token string
	hc    *http.Client
}

func newClient(base, token string, conc int) *client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conc * 2,
		MaxIdleConnsPerHost: conc * 2,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &client{base: base, token: token, hc: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// do sends a request with a JSON body (if any) and returns the status and
// the body. The body is always read to the end so the connection is reused.
func (c *client) do(ctx context.Context, method, path string, auth bool, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// get sends an unauthenticated GET, with If-None-Match when inm is not
// empty, and returns the status, body and headers.
func (c *client) get(ctx context.Context, path, inm string) (int, []byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, res.Header, err
}

// api calls the organiser API and decodes a JSON answer into out; any
// status other than want is an error.
func (c *client) api(ctx context.Context, method, path string, in any, want int, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	st, b, err := c.do(ctx, method, path, true, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if st != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, st, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

type idSlug struct {
	ID       string `json:"id"`
	Slug     string `json:"slug"`
	StartsAt string `json:"starts_at"`
}

func (c *client) createGroup(ctx context.Context, slug string) (string, error) {
	var g idSlug
	err := c.api(ctx, "POST", "/api/v1/groups", map[string]any{"slug": slug, "name": "Bench " + slug, "time_zone": "Europe/Oslo"}, http.StatusCreated, &g)
	return g.ID, err
}

// createEvent creates and publishes an event with the capacity and slug.
func (c *client) createEvent(ctx context.Context, groupID, slug string, capacity int) (idSlug, error) {
	start := time.Now().Add(14 * 24 * time.Hour).UTC().Truncate(time.Minute)
	var ev idSlug
	err := c.api(ctx, "POST", "/api/v1/groups/"+groupID+"/events", map[string]any{
		"title": "Benchmark " + slug, "kind": "meetup", "slug": slug, "capacity": capacity, "waitlist": true,
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
		"venue": map[string]any{"name": "Bench Hall", "address": "Storgata 1, Oslo"},
	}, http.StatusCreated, &ev)
	if err != nil {
		return ev, err
	}
	return ev, c.api(ctx, "POST", "/api/v1/events/"+ev.ID+"/publish", nil, http.StatusOK, nil)
}

// createEvents creates n published events concurrently; slugs are
// prefix-0001 … prefix-n.
func (c *client) createEvents(ctx context.Context, groupID, prefix string, n, capacity, conc int) ([]idSlug, error) {
	evs := make([]idSlug, n)
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				ev, err := c.createEvent(ctx, groupID, spreadSlug(prefix, i), capacity)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				evs[i] = ev
			}
		}()
	}
	wg.Wait()
	return evs, first
}

func spreadSlug(prefix string, i int) string { return fmt.Sprintf("%s-%04d", prefix, i+1) }

// rsvpPage is one page of GET /events/{id}/rsvps.
type rsvpPage struct {
	Items []struct {
		ID               string `json:"id"`
		Email            string `json:"email"`
		Status           string `json:"status"`
		WaitlistPosition int    `json:"waitlist_position"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// listRSVPs follows next_cursor to the end of an event's RSVPs with the
// status and returns email → waitlist position.
func (c *client) listRSVPs(ctx context.Context, eventID, status string) (map[string]int, error) {
	out := map[string]int{}
	cursor := ""
	for {
		path := "/api/v1/events/" + eventID + "/rsvps?limit=200&status=" + status
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var p rsvpPage
		if err := c.api(ctx, "GET", path, nil, http.StatusOK, &p); err != nil {
			return nil, err
		}
		for _, r := range p.Items {
			if _, dup := out[r.Email]; dup {
				return nil, fmt.Errorf("%s listed twice", r.Email)
			}
			out[r.Email] = r.WaitlistPosition
		}
		if p.NextCursor == nil || *p.NextCursor == "" {
			return out, nil
		}
		cursor = *p.NextCursor
	}
}

// loadResult is what one scenario's load measured.
type loadResult struct {
	Requests      int            `json:"requests"`
	ErrorsBy      map[string]int `json:"errors_by_status"`
	StatusCounts  map[string]int `json:"status_counts"`
	Seconds       float64        `json:"seconds"`
	ThroughputRPS float64        `json:"throughput_rps"`
	P50ms         float64        `json:"p50_ms"`
	P95ms         float64        `json:"p95_ms"`
	P99ms         float64        `json:"p99_ms"`
	MaxMs         float64        `json:"max_ms"`
}

// rsvpLoad sends n public RSVPs from conc concurrent workers; attendee i
// replies to the event slugFor(i).
func (c *client) rsvpLoad(ctx context.Context, n, conc int, runID string, slugFor func(i int) string) loadResult {
	return runLoad(n, conc, func(i int) int {
		body := []byte(`{"name":"Attendee ` + strconv.Itoa(i) + `","email":"` + attendeeEmail(runID, i) + `"}`)
		st, _, err := c.do(ctx, "POST", "/api/v1/public/events/"+slugFor(i)+"/rsvps", false, body)
		if err != nil {
			return 0
		}
		return st
	})
}

// runLoad calls req(0) … req(n-1) from conc concurrent workers and
// measures them; req returns the HTTP status, 0 for a transport error.
func runLoad(n, conc int, req func(i int) int) loadResult {
	lat := make([]time.Duration, n)
	codes := make([]int, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				codes[i] = req(i)
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := loadResult{Requests: n, ErrorsBy: map[string]int{}, StatusCounts: map[string]int{}, Seconds: elapsed.Seconds()}
	for _, st := range codes {
		k := strconv.Itoa(st)
		if st == 0 {
			k = "transport"
		}
		r.StatusCounts[k]++
		if st < 200 || st > 399 {
			r.ErrorsBy[k]++
		}
	}
	r.ThroughputRPS = float64(n) / elapsed.Seconds()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(p*float64(len(lat))+0.5) - 1
		i = max(0, min(i, len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	r.P50ms, r.P95ms, r.P99ms = pct(0.50), pct(0.95), pct(0.99)
	if len(lat) > 0 {
		r.MaxMs = float64(lat[len(lat)-1].Microseconds()) / 1000
	}
	return r
}

func attendeeEmail(runID string, i int) string {
	return fmt.Sprintf("a%05d-%s@bench.example.org", i, runID)
}

// sortedKeys returns a map's keys in order, for stable printing.
func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
