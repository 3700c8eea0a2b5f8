package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// feedsResult is what the feeds scenario measured: the group feed and the
// same bytes served as a static response, each without and with
// If-None-Match.
type feedsResult struct {
	Events     int         `json:"events"`
	Rounds     int         `json:"rounds,omitempty"` // each figure is the median of this many runs
	FeedBytes  int         `json:"feed_bytes"`
	Feed200    *loadResult `json:"feed_200"`
	Static200  *loadResult `json:"static_200,omitempty"`
	Feed304    *loadResult `json:"feed_304"`
	Static304  *loadResult `json:"static_304,omitempty"`
	Ratio200   float64     `json:"ratio_200,omitempty"`
	Ratio304   float64     `json:"ratio_304,omitempty"`
	StaticNote string      `json:"static_note,omitempty"`
}

// runFeeds is scenario 5: C clients poll the feed of a group with 50
// events, without and then with the ETag of the first answer; the same
// bytes from GET /bench/static.ics (CONVENE_BENCH_STATIC=1) are the
// baseline, measured in turns with the feed (-feed-rounds).
func runFeeds(ctx context.Context, c *client, srv *server, o options, runID string) (*scenarioResult, error) {
	r := &scenarioResult{Name: "feeds", RatioTarget: ratioTargets["feeds"]}
	fr := &feedsResult{Events: o.feedEvents}
	r.Feeds = fr
	slug := "feeds-" + runID
	fmt.Printf("\n== feeds: a group with %d published events …\n", o.feedEvents)
	groupID, err := c.createGroup(ctx, slug)
	if err != nil {
		return nil, err
	}
	if _, err := c.createEvents(ctx, groupID, slug, o.feedEvents, 100, min(o.conc, 8)); err != nil {
		return nil, err
	}
	feedPath := "/api/v1/public/groups/" + url.PathEscape(slug) + "/calendar.ics"
	staticPath := "/bench/static.ics?group=" + url.QueryEscape(slug)
	st, body, h, err := c.get(ctx, feedPath, "")
	if err != nil {
		return nil, err
	}
	if st != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", feedPath, st)
	}
	etag := h.Get("ETag")
	fr.FeedBytes = len(body)
	var problems []string
	if n := bytes.Count(body, []byte("BEGIN:VEVENT")); n != o.feedEvents {
		problems = append(problems, fmt.Sprintf("the feed has %d events, want %d", n, o.feedEvents))
	}
	sst, sbody, sh, err := c.get(ctx, staticPath, "")
	static := err == nil && sst == http.StatusOK
	switch {
	case err != nil:
		return nil, err
	case sst == http.StatusNotFound:
		fr.StaticNote = "no static baseline: the server does not serve /bench/static.ics (start it with CONVENE_BENCH_STATIC=1)"
		fmt.Println("   " + fr.StaticNote)
	case sst != http.StatusOK:
		return nil, fmt.Errorf("GET %s: status %d", staticPath, sst)
	case !bytes.Equal(sbody, body) || sh.Get("ETag") != etag:
		problems = append(problems, "the static response differs from the feed")
	}
	fmt.Printf("   feed %d bytes, ETag %s; %d requests per run, %d clients\n", len(body), etag, o.feedN, o.conc)

	poll := func(path, inm string, want int, name string) *loadResult {
		l := runLoad(o.feedN, o.conc, func(int) int {
			st, _, _, err := c.get(ctx, path, inm)
			if err != nil {
				return 0
			}
			return st
		})
		if l.StatusCounts[statusKey(want)] != o.feedN {
			problems = append(problems, fmt.Sprintf("%s: %d of %d answers were %d", name, l.StatusCounts[statusKey(want)], o.feedN, want))
		}
		return &l
	}
	// Each measurement is a few tenths of a second, so one run of each
	// says as much about the machine's moment as about the server: the
	// feed and the static baseline take turns, round after round (in
	// alternating order), and each is the median of its rounds.
	measure := func(inm string, want int, kind string) (feedRun, staticRun *loadResult) {
		var feeds, statics []*loadResult
		for round := range o.feedRounds {
			f := func() { feeds = append(feeds, poll(feedPath, inm, want, "feed "+kind)) }
			s := func() { statics = append(statics, poll(staticPath, inm, want, "static "+kind)) }
			switch {
			case !static:
				f()
			case round%2 == 0:
				f()
				s()
			default:
				s()
				f()
			}
		}
		feedRun = medianRun(feeds)
		printRun("feed "+kind, feedRun, feeds)
		if static {
			staticRun = medianRun(statics)
			printRun("static "+kind, staticRun, statics)
		}
		return feedRun, staticRun
	}
	fr.Rounds = o.feedRounds
	fr.Feed200, fr.Static200 = measure("", http.StatusOK, "(200)")
	fr.Feed304, fr.Static304 = measure(etag, http.StatusNotModified, "If-None-Match (304)")
	if static {
		fr.Ratio200 = fr.Feed200.ThroughputRPS / fr.Static200.ThroughputRPS
		fr.Ratio304 = fr.Feed304.ThroughputRPS / fr.Static304.ThroughputRPS
		r.Ratio = min(fr.Ratio200, fr.Ratio304)
	}
	r.Load = fr.Feed200
	r.PeakRSSBytes = srv.peakRSS()
	if len(problems) > 0 {
		r.Check = "FAIL: " + fmt.Sprint(problems)
	} else {
		r.Check = fmt.Sprintf("PASS: every answer was 200 with the feed (%d events) or 304 with its ETag", o.feedEvents)
	}
	return r, nil
}

func printRun(name string, l *loadResult, runs []*loadResult) {
	fmt.Printf("   %-28s %6.0f req/s  p50 %5.1f ms  p95 %5.1f ms  p99 %5.1f ms  (median of %s)\n", name, l.ThroughputRPS, l.P50ms, l.P95ms, l.P99ms, rates(runs))
}

// medianRun is the run of median throughput (the lower middle one of an
// even number).
func medianRun(runs []*loadResult) *loadResult {
	s := slices.Clone(runs)
	slices.SortFunc(s, func(a, b *loadResult) int { return cmp.Compare(a.ThroughputRPS, b.ThroughputRPS) })
	return s[(len(s)-1)/2]
}

// rates lists the runs' throughputs: "21,003 / 18,256 / … req/s".
func rates(runs []*loadResult) string {
	parts := make([]string, len(runs))
	for i, r := range runs {
		parts[i] = fmt.Sprintf("%.0f", r.ThroughputRPS)
	}
	return strings.Join(parts, " / ") + " req/s"
}

func statusKey(st int) string { return fmt.Sprint(st) }
