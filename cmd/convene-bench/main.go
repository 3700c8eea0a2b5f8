// Command convene-bench measures Convene under load: it builds and starts
// "convene serve" as a child process on 127.0.0.1, prepares data through
// the real API, and runs these scenarios:
//
//   - rush: C concurrent clients send N distinct public RSVPs to one event
//     with 500 seats, then the tool checks that exactly 500 are going and
//     that waitlist positions are 1 … N-500, each once;
//   - spread: the same load over 1,000 events;
//   - baseline (PostgreSQL only): the SQL transaction of one RSVP run by
//     pgbench -M prepared at the same concurrency against the same
//     database, for one event and spread over the 1,000 events; the tool
//     prints Convene's throughput divided by pgbench's.
//
// For each scenario it prints requests, errors by status, throughput,
// p50/p95/p99 latency and the server's peak RSS (VmHWM).
//
// Usage:
//
//	go run ./cmd/convene-bench [-scenario rush|spread|baseline|all] [-c 32] [-n 5000] [-json out.json]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "convene-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	scenario string
	conc     int
	n        int
	jsonOut  string
	binary   string
	database string
	admin    string
	sqlite   bool
	capacity int
	events   int
}

// scenarioResult is one scenario's figures.
type scenarioResult struct {
	Name         string         `json:"name"`
	Load         *loadResult    `json:"load,omitempty"`
	PeakRSSBytes int64          `json:"server_peak_rss_bytes,omitempty"`
	Check        string         `json:"check,omitempty"` // PASS or FAIL: …
	SetupSeconds float64        `json:"setup_seconds,omitempty"`
	Baseline     *pgbenchResult `json:"baseline,omitempty"`
	Ratio        float64        `json:"ratio_to_baseline,omitempty"`
	RatioTarget  float64        `json:"ratio_target,omitempty"`
}

// report is what -json writes.
type report struct {
	Started     time.Time         `json:"started"`
	Machine     map[string]string `json:"machine"`
	Database    string            `json:"database"`
	Concurrency int               `json:"concurrency"`
	Attendees   int               `json:"attendees"`
	Capacity    int               `json:"capacity"`
	Events      int               `json:"spread_events"`
	Scenarios   []*scenarioResult `json:"scenarios"`
}

func run() error {
	var o options
	flag.StringVar(&o.scenario, "scenario", "all", "rush, spread, baseline or all")
	flag.IntVar(&o.conc, "c", 32, "concurrent clients")
	flag.IntVar(&o.n, "n", 5000, "distinct attendees (requests) per scenario")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results to this JSON file")
	flag.StringVar(&o.binary, "binary", "", "convene binary to run (default: go build ./cmd/convene)")
	flag.StringVar(&o.database, "database", "", "PostgreSQL URL to use (default: a fresh database on -admin-url, dropped afterwards)")
	flag.StringVar(&o.admin, "admin-url", "postgres://postgres@127.0.0.1:5432/postgres", "PostgreSQL server on which the fresh database is made")
	flag.BoolVar(&o.sqlite, "sqlite", false, "use SQLite in a temporary data directory instead of PostgreSQL (no baseline)")
	flag.IntVar(&o.capacity, "capacity", 500, "seats of each event")
	flag.IntVar(&o.events, "events", 1000, "events of the spread scenario")
	flag.Parse()
	want := map[string]bool{}
	switch o.scenario {
	case "all":
		want["rush"], want["spread"], want["baseline"] = true, true, true
	case "rush", "spread", "baseline":
		want[o.scenario] = true
	default:
		return fmt.Errorf("unknown -scenario %q (rush, spread, baseline or all)", o.scenario)
	}
	if o.conc < 1 || o.n < 1 {
		return errors.New("-c and -n must be positive")
	}
	if o.sqlite && want["baseline"] {
		if o.scenario == "baseline" {
			return errors.New("the baseline needs PostgreSQL (drop -sqlite)")
		}
		fmt.Println("note: -sqlite: no pgbench baseline")
		want["baseline"] = false
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	tmp, err := os.MkdirTemp("", "convene-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	binary := o.binary
	if binary == "" {
		fmt.Println("building ./cmd/convene …")
		if binary, err = buildConvene(ctx, tmp); err != nil {
			return err
		}
	}

	runID := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffffffff)
	rep := &report{Started: time.Now().UTC(), Machine: machine(), Concurrency: o.conc, Attendees: o.n, Capacity: o.capacity, Events: o.events}
	env := []string{
		"CONVENE_DATA_DIR=" + filepath.Join(tmp, "data"),
		"CONVENE_RSVP_RATE_LIMIT=0",
		"CONVENE_ADMIN_EMAIL=bench-admin@example.org",
	}
	dbURL := ""
	switch {
	case o.sqlite:
		rep.Database = "sqlite"
	case o.database != "":
		dbURL = o.database
		rep.Database = "postgres (given)"
	default:
		name := "convene_bench_" + runID
		var drop func()
		if dbURL, drop, err = createDatabase(ctx, o.admin, name); err != nil {
			return fmt.Errorf("%w (is PostgreSQL running? use -sqlite to do without)", err)
		}
		defer drop()
		rep.Database = "postgres (fresh database " + name + ", dropped afterwards)"
	}
	if dbURL != "" {
		env = append(env, "CONVENE_DATABASE_URL="+dbURL)
	}

	srv, err := startServer(binary, env)
	if err != nil {
		return err
	}
	defer srv.stop()
	if srv.token == "" { // the database already had an organiser
		if srv.token, err = srv.addOrganiser(ctx, "bench-"+runID+"@example.org"); err != nil {
			return err
		}
	}
	fmt.Printf("convene serve pid %d at %s (%s); %d clients, %d attendees, capacity %d\n",
		srv.cmd.Process.Pid, srv.base, rep.Database, o.conc, o.n, o.capacity)
	c := newClient(srv.base, srv.token, o.conc)
	groupID, err := c.createGroup(ctx, "bench-"+runID)
	if err != nil {
		return err
	}
	drain := func() {
		if dbURL == "" {
			time.Sleep(2 * time.Second) // SQLite: give the job workers a moment
			return
		}
		d, err := waitJobsDrained(ctx, dbURL, 3*time.Minute)
		if err != nil {
			fmt.Println("warning:", err)
			return
		}
		fmt.Printf("  (e-mail jobs of the scenario worked off %.1fs after it ended)\n", d.Seconds())
	}

	var rush, spread *scenarioResult
	if want["rush"] {
		if rush, err = runRush(ctx, c, srv, o, runID); err != nil {
			return err
		}
		rep.Scenarios = append(rep.Scenarios, rush)
		printScenario(rush)
		drain()
	}
	spreadPrefix := "spread-" + runID
	spreadReady := false
	if want["spread"] {
		if spread, err = runSpread(ctx, c, srv, o, runID, groupID, spreadPrefix); err != nil {
			return err
		}
		spreadReady = true
		rep.Scenarios = append(rep.Scenarios, spread)
		printScenario(spread)
		drain()
	}
	if want["baseline"] {
		// The baseline's rows: a separate event for the hot run, the spread
		// events (made now if the spread scenario did not run).
		hotSlug := "baseline-" + runID
		if _, err := c.createEvent(ctx, groupID, hotSlug, o.capacity); err != nil {
			return err
		}
		if !spreadReady {
			if _, err := c.createEvents(ctx, groupID, spreadPrefix, o.events, o.capacity, o.conc); err != nil {
				return err
			}
		}
		// pgbench runs alone: Convene's server and job workers are stopped.
		rss, _ := srv.peakRSS()
		srv.stop()
		fmt.Printf("convene serve stopped (peak RSS over the whole run %.1f MB); running pgbench …\n", mb(rss))
		hot, err := runPgbench(ctx, tmp, dbURL, o.conc, o.n, map[string]string{"slug": hotSlug}, 0)
		if err != nil {
			return err
		}
		sp, err := runPgbench(ctx, tmp, dbURL, o.conc, o.n, map[string]string{"prefix": spreadPrefix}, o.events)
		if err != nil {
			return err
		}
		bhCheck := checkBaseline(ctx, dbURL, hotSlug, o.capacity, hot.Transactions)
		if err := deleteBaselineJobs(ctx, dbURL); err != nil {
			fmt.Println("warning: could not delete the baseline's jobs:", err)
		}
		bh := &scenarioResult{Name: "baseline-hot", Baseline: &hot, RatioTarget: 0.8, Check: bhCheck}
		bs := &scenarioResult{Name: "baseline-spread", Baseline: &sp, RatioTarget: 0.6}
		if rush != nil && hot.TPS > 0 {
			bh.Ratio = rush.Load.ThroughputRPS / hot.TPS
		}
		if spread != nil && sp.TPS > 0 {
			bs.Ratio = spread.Load.ThroughputRPS / sp.TPS
		}
		rep.Scenarios = append(rep.Scenarios, bh, bs)
		printScenario(bh)
		printScenario(bs)
	}

	printSummary(rep)
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Println("results written to", o.jsonOut)
	}
	for _, s := range rep.Scenarios {
		if strings.HasPrefix(s.Check, "FAIL") {
			return fmt.Errorf("%s: %s", s.Name, s.Check)
		}
	}
	return nil
}

// runRush is scenario 1: everyone replies to one event.
func runRush(ctx context.Context, c *client, srv *server, o options, runID string) (*scenarioResult, error) {
	groupID, err := c.createGroup(ctx, "rush-"+runID)
	if err != nil {
		return nil, err
	}
	ev, err := c.createEvent(ctx, groupID, "rush-"+runID, o.capacity)
	if err != nil {
		return nil, err
	}
	fmt.Printf("\n== rush: %d RSVPs, %d clients, one event with %d seats\n", o.n, o.conc, o.capacity)
	l := c.rsvpLoad(ctx, o.n, o.conc, "r"+runID, func(int) string { return ev.Slug })
	r := &scenarioResult{Name: "rush", Load: &l}
	r.PeakRSSBytes, _ = srv.peakRSS()
	r.Check = checkRush(ctx, c, ev.ID, o, "r"+runID)
	return r, nil
}

// checkRush verifies exactly min(capacity, n) going and waitlist positions
// 1 … n-capacity, each once, with every attendee in exactly one list.
func checkRush(ctx context.Context, c *client, eventID string, o options, runID string) string {
	going, err := c.listRSVPs(ctx, eventID, "going")
	if err != nil {
		return "FAIL: " + err.Error()
	}
	wait, err := c.listRSVPs(ctx, eventID, "waitlisted")
	if err != nil {
		return "FAIL: " + err.Error()
	}
	var problems []string
	wantGoing := min(o.capacity, o.n)
	if len(going) != wantGoing {
		problems = append(problems, fmt.Sprintf("%d going, want %d", len(going), wantGoing))
	}
	if len(wait) != o.n-wantGoing {
		problems = append(problems, fmt.Sprintf("%d waitlisted, want %d", len(wait), o.n-wantGoing))
	}
	seen := make([]int, o.n-wantGoing+1)
	for email, p := range wait {
		if p < 1 || p > o.n-wantGoing {
			problems = append(problems, fmt.Sprintf("%s has position %d", email, p))
			continue
		}
		seen[p]++
	}
	for p := 1; p < len(seen); p++ {
		if seen[p] != 1 {
			problems = append(problems, fmt.Sprintf("position %d held %d times", p, seen[p]))
		}
	}
	for i := range o.n {
		e := attendeeEmail(runID, i)
		_, g := going[e]
		_, w := wait[e]
		if g == w {
			problems = append(problems, e+" is not in exactly one of going and waitlisted")
		}
	}
	var ev struct {
		GoingCount    int `json:"going_count"`
		WaitlistCount int `json:"waitlist_count"`
	}
	if err := c.api(ctx, "GET", "/api/v1/events/"+eventID, nil, 200, &ev); err != nil {
		problems = append(problems, err.Error())
	} else if ev.GoingCount != wantGoing || ev.WaitlistCount != o.n-wantGoing {
		problems = append(problems, fmt.Sprintf("event counters %d going / %d waitlisted", ev.GoingCount, ev.WaitlistCount))
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("… %d problems in all", len(problems)))
		}
		return "FAIL: " + strings.Join(problems, "; ")
	}
	return fmt.Sprintf("PASS: %d going, waitlist positions 1..%d each exactly once", wantGoing, o.n-wantGoing)
}

// runSpread is scenario 2: the same load over many events.
func runSpread(ctx context.Context, c *client, srv *server, o options, runID, groupID, prefix string) (*scenarioResult, error) {
	fmt.Printf("\n== spread: creating %d events through the API (%d at a time) …\n", o.events, o.conc)
	t0 := time.Now()
	evs, err := c.createEvents(ctx, groupID, prefix, o.events, o.capacity, o.conc)
	if err != nil {
		return nil, err
	}
	setup := time.Since(t0)
	fmt.Printf("   %d events created and published in %.1fs\n", len(evs), setup.Seconds())
	fmt.Printf("== spread: %d RSVPs, %d clients, over %d events with %d seats each\n", o.n, o.conc, o.events, o.capacity)
	l := c.rsvpLoad(ctx, o.n, o.conc, "s"+runID, func(i int) string { return evs[i%len(evs)].Slug })
	r := &scenarioResult{Name: "spread", Load: &l, SetupSeconds: setup.Seconds()}
	r.PeakRSSBytes, _ = srv.peakRSS()
	if created := l.StatusCounts["201"]; created == o.n {
		r.Check = fmt.Sprintf("PASS: %d RSVPs created", created)
	} else {
		r.Check = fmt.Sprintf("FAIL: %d of %d RSVPs created", created, o.n)
	}
	return r, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

func printScenario(s *scenarioResult) {
	if l := s.Load; l != nil {
		fmt.Printf("   requests      %d in %.2fs\n", l.Requests, l.Seconds)
		st := []string{}
		for _, k := range sortedKeys(l.StatusCounts) {
			st = append(st, fmt.Sprintf("%s×%d", k, l.StatusCounts[k]))
		}
		fmt.Printf("   statuses      %s\n", strings.Join(st, " "))
		errs := []string{}
		for _, k := range sortedKeys(l.ErrorsBy) {
			errs = append(errs, fmt.Sprintf("%s×%d", k, l.ErrorsBy[k]))
		}
		if len(errs) == 0 {
			errs = []string{"none"}
		}
		fmt.Printf("   errors        %s\n", strings.Join(errs, " "))
		fmt.Printf("   throughput    %.0f req/s\n", l.ThroughputRPS)
		fmt.Printf("   latency       p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms\n", l.P50ms, l.P95ms, l.P99ms, l.MaxMs)
		fmt.Printf("   server RSS    peak %.1f MB (VmHWM)\n", mb(s.PeakRSSBytes))
	}
	if b := s.Baseline; b != nil {
		fmt.Printf("\n== %s: %s\n", s.Name, b.Command)
		fmt.Printf("   transactions  %d (failed %d), tps %.0f, latency avg %.1f ms\n", b.Transactions, b.Failed, b.TPS, b.LatencyAvgMs)
	}
	if s.Check != "" {
		fmt.Printf("   check         %s\n", s.Check)
	}
	if b := s.Baseline; b != nil {
		if s.Ratio > 0 {
			verdict := "met"
			if s.Ratio < s.RatioTarget {
				verdict = "NOT met"
			}
			fmt.Printf("   Convene ÷ pgbench = %.2f (target ≥ %.1f: %s)\n", s.Ratio, s.RatioTarget, verdict)
		}
	}
}

func printSummary(rep *report) {
	fmt.Printf("\n== summary (%s, %d clients)\n", rep.Database, rep.Concurrency)
	fmt.Printf("%-16s %9s %8s %9s %9s %9s %9s %8s\n", "scenario", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "RSS MB")
	for _, s := range rep.Scenarios {
		if l := s.Load; l != nil {
			nerr := 0
			for _, v := range l.ErrorsBy {
				nerr += v
			}
			fmt.Printf("%-16s %9d %8d %9.0f %9.1f %9.1f %9.1f %8.1f\n", s.Name, l.Requests, nerr, l.ThroughputRPS, l.P50ms, l.P95ms, l.P99ms, mb(s.PeakRSSBytes))
		}
		if b := s.Baseline; b != nil {
			ratio := "-"
			if s.Ratio > 0 {
				ratio = fmt.Sprintf("%.2f", s.Ratio)
			}
			fmt.Printf("%-16s %9d %8d %9.0f %9s %9s %9s %8s   ratio %s (target ≥ %.1f)\n", s.Name, b.Transactions, b.Failed, b.TPS, "-", "-", "-", "-", ratio, s.RatioTarget)
		}
	}
	for _, s := range rep.Scenarios {
		if s.Name == "rush" {
			verdict := "met"
			if s.PeakRSSBytes > 64<<20 {
				verdict = "NOT met"
			}
			fmt.Printf("peak RSS through the rush: %.1f MB (target ≤ 64 MB: %s)\n", mb(s.PeakRSSBytes), verdict)
		}
	}
}

func machine() map[string]string {
	m := map[string]string{"goos": runtime.GOOS, "goarch": runtime.GOARCH, "cpus": fmt.Sprint(runtime.NumCPU()), "go": runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if h, err := os.Hostname(); err == nil {
		m["hostname"] = h
	}
	return m
}
