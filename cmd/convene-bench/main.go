// Command convene-bench measures Convene under load: it builds and starts
// "convene serve" as a child process on 127.0.0.1 (or, with -url, targets
// one already running), prepares data through the real API, and runs
// these scenarios:
//
//   - rush: C concurrent clients send N distinct public RSVPs to one event
//     with 500 seats, then the tool checks that exactly 500 are going and
//     that waitlist positions are 1 … N-500, each once;
//   - spread: the same load over 1,000 events;
//   - baseline: the SQL transaction of one RSVP run by pgbench -M prepared
//     against the same database at 1, 2, 4, 8, 16 and 32 clients, for one
//     event and spread over the 1,000 events; the best level is the
//     baseline (on one hot row more clients mostly wait for each other),
//     and the tool prints every level and Convene's throughput divided by
//     the best. With -sqlite, the same for SQLite's statements of one RSVP
//     from a Go loop over the same driver, at as many goroutines;
//   - fan-out: an event with 5,000 going attendees changes time; every
//     attendee's update must arrive at the tool's SMTP sink exactly once
//     (copies only with the same Message-ID); then a go-mail client sends
//     as many messages of the same size and MIME shape to the same sink
//     with the server's e-mail concurrency, from a process of its own (the
//     baseline, as the server is one) and from inside the tool, and the
//     tool prints the ratios;
//   - feeds: C clients poll the iCalendar feed of a group with 50 events,
//     without and with If-None-Match, and the same bytes served statically
//     by the same server (GET /bench/static.ics, CONVENE_BENCH_STATIC=1).
//
// The server it starts sends its e-mail through SMTP to a discarding sink
// inside the tool, as a production server sends to its relay.
//
// For each scenario it prints requests, errors by status, throughput,
// p50/p95/p99 latency and the server's peak RSS (VmHWM).
//
// Usage:
//
//	go run ./cmd/convene-bench [-scenario rush|spread|baseline|fanout|feeds|all] [-c 32] [-n 5000] [-json out.json]
//	go run ./cmd/convene-bench -url http://127.0.0.1:8080 -token cvn_… [-smtp-listen 127.0.0.1:2525]
//	go run ./cmd/convene-bench -table run1.json [run2.json …]
//
// -table prints docs/performance.md's tables of figures from the -json
// files of one or more runs: a column per run, a table per database.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// ratioTargets are the targets of Convene's throughput divided by each
// baseline's: the rush by the best pgbench level on one event (hot), the
// spread by the best over 1,000 events, the fan-out by go-mail's, and the
// feed by the same bytes served from memory (both with and without
// If-None-Match). The tables (-table) hold every run to these, whatever
// the tool that made the run printed.
var ratioTargets = map[string]float64{"baseline-hot": 1.0, "baseline-spread": 0.8, "fan-out": 0.7, "feeds": 0.9}

func main() {
	if spec := os.Getenv(mailClientEnv); spec != "" {
		if err := mailClient(spec); err != nil {
			fmt.Fprintln(os.Stderr, "convene-bench (mail client):", err)
			os.Exit(1)
		}
		return
	}
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

	url        string
	token      string
	smtpListen string
	mail       string
	pprof      bool
	pool       int
	fanout     int
	fanoutWait time.Duration
	feedN      int
	profileDir string
	feedRounds int
	feedEvents int
}

// scenarioResult is one scenario's figures.
type scenarioResult struct {
	Name         string      `json:"name"`
	Load         *loadResult `json:"load,omitempty"`
	PeakRSSBytes int64       `json:"server_peak_rss_bytes,omitempty"`
	// ServerCPUms is the server's CPU time (user and system) during the
	// load, per request: the requests' own work and the e-mails sent
	// meanwhile.
	ServerCPUms  float64         `json:"server_cpu_ms_per_request,omitempty"`
	Check        string          `json:"check,omitempty"` // PASS or FAIL: …
	SetupSeconds float64         `json:"setup_seconds,omitempty"`
	Baseline     *baselineResult `json:"baseline,omitempty"`
	// Levels are the baseline at every client count (baselineLevels);
	// Baseline is the best of them.
	Levels  []baselineResult `json:"baseline_levels,omitempty"`
	Fanout  *fanoutResult    `json:"fanout,omitempty"`
	Feeds   *feedsResult     `json:"feeds,omitempty"`
	Skipped string           `json:"skipped,omitempty"`
	// ClaimBatches counts the batches in which the server claimed the
	// scenario's RSVPs, by size (PostgreSQL; from its /metrics).
	ClaimBatches map[string]int64 `json:"claim_batches,omitempty"`
	Ratio        float64          `json:"ratio_to_baseline,omitempty"`
	RatioTarget  float64          `json:"ratio_target,omitempty"`
}

// report is what -json writes. -table makes docs/performance.md's tables
// from one or more of them, so it records what the tables' header says:
// the machine, the database's version and settings, the command line and
// the commit.
type report struct {
	Started  time.Time         `json:"started"`
	Args     []string          `json:"args"`
	Machine  map[string]string `json:"machine"`
	Commit   string            `json:"commit,omitempty"` // git rev-parse --short HEAD
	Dirty    bool              `json:"dirty,omitempty"`  // uncommitted changes in the work tree
	Database string            `json:"database"`
	// DatabaseVersion and DatabaseSettings are the server's version and
	// the settings that bear on commits (SHOW on PostgreSQL, PRAGMA on
	// SQLite, with the server's DSN).
	DatabaseVersion  string            `json:"database_version,omitempty"`
	DatabaseSettings map[string]string `json:"database_settings,omitempty"`
	Concurrency      int               `json:"concurrency"`
	Attendees        int               `json:"attendees"`
	Capacity         int               `json:"capacity"`
	Events           int               `json:"spread_events"`
	Target           string            `json:"target"`
	Mail             string            `json:"server_mail"`
	Scenarios        []*scenarioResult `json:"scenarios"`
}

func run() error {
	var o options
	flag.StringVar(&o.scenario, "scenario", "all", "rush, spread, baseline, fanout, feeds or all (comma-separated list allowed)")
	flag.IntVar(&o.conc, "c", 32, "concurrent clients")
	flag.IntVar(&o.n, "n", 5000, "distinct attendees (requests) per scenario")
	flag.StringVar(&o.jsonOut, "json", "", "also write the results to this JSON file")
	flag.StringVar(&o.binary, "binary", "", "convene binary to run (default: go build ./cmd/convene)")
	flag.StringVar(&o.database, "database", "", "PostgreSQL URL to use (default: a fresh database on -admin-url, dropped afterwards)")
	flag.StringVar(&o.admin, "admin-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server on which the fresh database is made (the server and pgbench get the same URL: no TLS on the loopback by default)")
	flag.BoolVar(&o.sqlite, "sqlite", false, "use SQLite in a temporary data directory instead of PostgreSQL (the baseline is then a Go loop over the same driver)")
	flag.IntVar(&o.capacity, "capacity", 500, "seats of each event")
	flag.IntVar(&o.events, "events", 1000, "events of the spread scenario")
	flag.StringVar(&o.url, "url", "", "target this running Convene (http://127.0.0.1:PORT) instead of starting one; needs -token")
	flag.StringVar(&o.token, "token", os.Getenv("CONVENE_BENCH_TOKEN"), "organiser API token for -url (default $CONVENE_BENCH_TOKEN)")
	flag.StringVar(&o.smtpListen, "smtp-listen", "", "address of the tool's SMTP sink (default 127.0.0.1:0); with -url, start the server with CONVENE_SMTP_URL=smtp://ADDR?tls=none")
	flag.StringVar(&o.mail, "mail", "smtp", "where the started server's e-mail goes: smtp (the tool's sink) or eml (.eml files in its data directory)")
	flag.BoolVar(&o.pprof, "pprof", false, "start the server with CONVENE_PPROF=1 (profiles under /debug/pprof/)")
	flag.StringVar(&o.profileDir, "profile", "", "write the server's CPU profile during the rush, the spread and the fan-out's updates to this directory (implies -pprof; go tool pprof reads them)")
	flag.IntVar(&o.pool, "pool", -1, "PostgreSQL pool size of the started server (pool_max_conns in its CONVENE_DATABASE_URL); -1: as many as -c, the connections pgbench gets; 0: the server's default")
	flag.IntVar(&o.fanout, "fanout", 5000, "going attendees of the fan-out event")
	flag.DurationVar(&o.fanoutWait, "fanout-wait", 5*time.Minute, "how long to wait for the fan-out's updates")
	flag.IntVar(&o.feedN, "feed-n", 5000, "requests per run of the feeds scenario")
	flag.IntVar(&o.feedRounds, "feed-rounds", 5, "runs of the feed and of the static baseline each, in turns; the figures are their medians")
	flag.IntVar(&o.feedEvents, "feed-events", 50, "events in the feed")
	table := flag.Bool("table", false, "print the Markdown tables of docs/performance.md from the -json files of one or more runs, given as arguments, and exit")
	flag.Parse()
	if *table {
		return printTables(os.Stdout, flag.Args())
	}
	want := map[string]bool{}
	for _, sc := range strings.Split(o.scenario, ",") {
		switch sc {
		case "all":
			for _, k := range []string{"rush", "spread", "baseline", "fanout", "feeds"} {
				want[k] = true
			}
		case "rush", "spread", "baseline", "fanout", "feeds":
			want[sc] = true
		default:
			return fmt.Errorf("unknown -scenario %q (rush, spread, baseline, fanout, feeds or all)", sc)
		}
	}
	if o.conc < 1 || o.n < 1 || o.fanout < 1 || o.feedN < 1 || o.feedRounds < 1 || o.feedEvents < 1 {
		return errors.New("-c, -n, -fanout, -feed-n and -feed-events must be positive")
	}
	if o.pool < 0 {
		o.pool = o.conc
	}
	if o.mail != "smtp" && o.mail != "eml" {
		return errors.New("-mail must be smtp or eml")
	}
	remote := o.url != ""
	if remote {
		u, err := url.Parse(o.url)
		if err != nil || u.Scheme != "http" || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
			return errors.New("-url must be http://127.0.0.1:PORT: the tool only loads the local machine")
		}
		if o.token == "" {
			return errors.New("-url needs -token (an organiser API token) or $CONVENE_BENCH_TOKEN")
		}
	}
	var skipped []*scenarioResult
	skip := func(name, why string) {
		if want[name] {
			fmt.Printf("note: %s skipped: %s\n", name, why)
			skipped = append(skipped, &scenarioResult{Name: name, Skipped: why})
			want[name] = false
		}
	}
	if remote {
		skip("baseline", "-url: the baseline needs the server's database and stops the server while it runs")
		if o.smtpListen == "" {
			skip("fanout", "-url: the updates must reach this tool's sink; start the server with CONVENE_SMTP_URL=smtp://127.0.0.1:2525?tls=none and pass -smtp-listen 127.0.0.1:2525")
		}
		fmt.Println("note: -url: no server RSS (the tool reads it from /proc of the process it starts) and no wait for the job queue (it reads the server's database)")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	tmp, err := os.MkdirTemp("", "convene-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	sk, err := startSink(o.smtpListen)
	if err != nil {
		return fmt.Errorf("SMTP sink: %w", err)
	}
	defer sk.close()

	runID := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffffffff)
	rep := &report{Started: time.Now().UTC(), Args: os.Args[1:], Machine: machine(), Concurrency: o.conc, Attendees: o.n, Capacity: o.capacity, Events: o.events}
	rep.Commit, rep.Dirty = commit(ctx)
	var (
		srv   *server
		dbURL string
		base  = strings.TrimRight(o.url, "/")
		token = o.token
	)
	if remote {
		rep.Target, rep.Database, rep.Mail = base, "unknown (-url)", "unknown (-url); sink at "+sk.addr
	} else {
		binary := o.binary
		if binary == "" {
			fmt.Println("building ./cmd/convene …")
			if binary, err = buildConvene(ctx, tmp); err != nil {
				return err
			}
		}
		env := []string{
			"CONVENE_DATA_DIR=" + filepath.Join(tmp, "data"),
			"CONVENE_RSVP_RATE_LIMIT=0",
			"CONVENE_ADMIN_EMAIL=bench-admin@example.org",
			"CONVENE_UPDATE_DELAY=1s",
			"CONVENE_BENCH_STATIC=1",
		}
		if o.mail == "smtp" {
			env = append(env, "CONVENE_SMTP_URL="+sk.url())
			rep.Mail = "SMTP to the tool's discarding sink"
		} else {
			rep.Mail = ".eml files in the data directory"
			skip("fanout", "-mail eml: the updates must reach the tool's SMTP sink")
		}
		if o.pprof || o.profileDir != "" {
			env = append(env, "CONVENE_PPROF=1")
		}
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
			serverURL := dbURL
			if o.pool > 0 {
				sep := "?"
				if strings.Contains(serverURL, "?") {
					sep = "&"
				}
				serverURL += fmt.Sprintf("%spool_max_conns=%d", sep, o.pool)
				rep.Database += fmt.Sprintf(", pool of %d", o.pool)
			}
			env = append(env, "CONVENE_DATABASE_URL="+serverURL)
		}
		if srv, err = startServer(binary, env); err != nil {
			return err
		}
		defer srv.stop()
		if rep.DatabaseVersion, rep.DatabaseSettings, err = databaseFacts(ctx, dbURL, filepath.Join(tmp, "data", "convene.db")); err != nil {
			fmt.Println("warning: could not read the database's version and settings:", err)
		}
		if srv.token == "" { // the database already had an organiser
			if srv.token, err = srv.addOrganiser(ctx, "bench-"+runID+"@example.org"); err != nil {
				return err
			}
		}
		base, token = srv.base, srv.token
		rep.Target = fmt.Sprintf("convene serve started by the tool (pid %d)", srv.cmd.Process.Pid)
		fmt.Printf("convene serve pid %d at %s (%s; e-mail: %s)\n", srv.cmd.Process.Pid, base, rep.Database, rep.Mail)
	}
	fmt.Printf("%d clients, %d attendees, capacity %d\n", o.conc, o.n, o.capacity)
	c := newClient(base, token, o.conc)
	groupID, err := c.createGroup(ctx, "bench-"+runID)
	if err != nil {
		return err
	}
	drain := func() {
		if dbURL == "" {
			// No database to watch: wait until the sink has been quiet for
			// two seconds (SQLite, or a server targeted with -url); none in
			// the first two, there is nothing to wait for.
			sk.startPhase("drain")
			if sk.waitPhase(1<<30, 2*time.Second, 2*time.Second) > 0 {
				sk.waitPhase(1<<30, 2*time.Second, 3*time.Minute)
			}
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
	if want["feeds"] {
		r, err := runFeeds(ctx, c, srv, o, runID)
		if err != nil {
			return err
		}
		rep.Scenarios = append(rep.Scenarios, r)
		printScenario(r)
	}
	if want["fanout"] {
		r, err := runFanout(ctx, c, srv, sk, o, runID)
		if err != nil {
			return err
		}
		rep.Scenarios = append(rep.Scenarios, r)
		printScenario(r)
		drain()
	}
	if want["baseline"] {
		// The baseline's rows: a separate event for the hot run, the spread
		// events (made now if the spread scenario did not run).
		// One hot event per level, so that each level starts with every
		// seat free, as the rush does.
		hotSlug := func(clients int) string { return fmt.Sprintf("baseline-%s-c%d", runID, clients) }
		for _, lvl := range baselineLevels {
			if _, err := c.createEvent(ctx, groupID, hotSlug(lvl), o.capacity); err != nil {
				return err
			}
		}
		if !spreadReady {
			if _, err := c.createEvents(ctx, groupID, spreadPrefix, o.events, o.capacity, o.conc); err != nil {
				return err
			}
		}
		// The baseline runs alone: Convene's server and job workers are stopped.
		rss := srv.peakRSS()
		srv.stop()
		var b baselineRun
		if o.sqlite {
			fmt.Printf("convene serve stopped (peak RSS over the whole run %.1f MB); running the SQLite loop …\n", mb(rss))
			b, err = sqliteBaseline(ctx, filepath.Join(tmp, "data", "convene.db"), o, hotSlug, spreadPrefix)
		} else {
			fmt.Printf("convene serve stopped (peak RSS over the whole run %.1f MB); running pgbench …\n", mb(rss))
			b, err = pgbenchBaseline(ctx, tmp, dbURL, o, hotSlug, spreadPrefix)
		}
		if err != nil {
			return err
		}
		// Targets against the best level (issue 17): the rush at least as
		// fast as the database's best for one-RSVP transactions, the
		// spread at least 0.8 of it.
		bh := &scenarioResult{Name: "baseline-hot", Baseline: &b.hot, Levels: b.hotLevels, RatioTarget: ratioTargets["baseline-hot"], Check: b.check}
		bs := &scenarioResult{Name: "baseline-spread", Baseline: &b.spread, Levels: b.spreadLevels, RatioTarget: ratioTargets["baseline-spread"]}
		if rush != nil && b.hot.TPS > 0 {
			bh.Ratio = rush.Load.ThroughputRPS / b.hot.TPS
		}
		if spread != nil && b.spread.TPS > 0 {
			bs.Ratio = spread.Load.ThroughputRPS / b.spread.TPS
		}
		rep.Scenarios = append(rep.Scenarios, bh, bs)
		printScenario(bh)
		printScenario(bs)
	}

	rep.Scenarios = append(rep.Scenarios, skipped...)
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

// cpuPerRequest is the server's CPU time since cpu0 per request, in ms.
func cpuPerRequest(srv *server, cpu0 float64, requests int) float64 {
	if srv == nil || requests == 0 {
		return 0
	}
	return (srv.cpuSeconds() - cpu0) * 1000 / float64(requests)
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
	cpu0 := srv.cpuSeconds()
	before := claimBatches(ctx, c.base)
	profiled := profileCPU(ctx, c.base, o.profileDir, "rush", 2*time.Second)
	l := c.rsvpLoad(ctx, o.n, o.conc, "r"+runID, func(int) string { return ev.Slug })
	profiled()
	r := &scenarioResult{Name: "rush", Load: &l, ServerCPUms: cpuPerRequest(srv, cpu0, l.Requests)}
	r.ClaimBatches = claimBatchesSince(ctx, c.base, before)
	r.PeakRSSBytes = srv.peakRSS()
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
	cpu0 := srv.cpuSeconds()
	before := claimBatches(ctx, c.base)
	profiled := profileCPU(ctx, c.base, o.profileDir, "spread", 2*time.Second)
	l := c.rsvpLoad(ctx, o.n, o.conc, "s"+runID, func(i int) string { return evs[i%len(evs)].Slug })
	profiled()
	r := &scenarioResult{Name: "spread", Load: &l, SetupSeconds: setup.Seconds(), ServerCPUms: cpuPerRequest(srv, cpu0, l.Requests)}
	r.ClaimBatches = claimBatchesSince(ctx, c.base, before)
	r.PeakRSSBytes = srv.peakRSS()
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
		fmt.Printf("   server RSS    %s\n", rssText(s.PeakRSSBytes))
		if len(s.ClaimBatches) > 0 {
			var parts []string
			for _, k := range []string{"1", "2-3", "4-7", "8-15", "16-31", "32-63", "64+"} {
				if n := s.ClaimBatches[k]; n > 0 {
					parts = append(parts, fmt.Sprintf("%s×%d", k, n))
				}
			}
			fmt.Printf("   claim batches %s (RSVPs per batch × batches)\n", strings.Join(parts, " "))
		}
		if s.ServerCPUms > 0 {
			fmt.Printf("   server CPU    %.2f ms per request during the load (%.2f cores; with the e-mails sent meanwhile)\n",
				s.ServerCPUms, s.ServerCPUms*l.ThroughputRPS/1000)
		}
	}
	if f := s.Fanout; f != nil && f.BaselineRate > 0 {
		fmt.Printf("   server %.0f msgs/s, go-mail %.0f msgs/s from its own process (the baseline), %.0f from inside the tool (Convene ÷ that = %.2f)\n",
			f.RateMsgsPerSec, f.BaselineRate, f.InProcessRate, f.RateMsgsPerSec/max(f.InProcessRate, 1e-9))
	}
	if f := s.Feeds; f != nil && f.Ratio200 > 0 {
		fmt.Printf("   feed ÷ static: %.2f without If-None-Match, %.2f with it (target ≥ %.1f: %s)\n",
			f.Ratio200, f.Ratio304, s.RatioTarget, verdict(s.Ratio >= s.RatioTarget))
	}
	if b := s.Baseline; b != nil {
		fmt.Printf("\n== %s: %s\n", s.Name, b.Command)
		if len(s.Levels) > 0 {
			fmt.Printf("   %-8s %8s %8s %12s\n", "clients", "tps", "failed", "latency avg")
			for _, l := range s.Levels {
				mark := ""
				if l.Clients == b.Clients {
					mark = "  ← best: the baseline"
				}
				fmt.Printf("   %-8d %8.0f %8d %9.1f ms%s\n", l.Clients, l.TPS, l.Failed, l.LatencyAvgMs, mark)
			}
		}
		fmt.Printf("   transactions  %d (failed %d), tps %.0f, latency avg %.1f ms\n", b.Transactions, b.Failed, b.TPS, b.LatencyAvgMs)
	}
	if s.Check != "" {
		fmt.Printf("   check         %s\n", s.Check)
	}
	if b := s.Baseline; b != nil {
		if s.Ratio > 0 {
			fmt.Printf("   Convene ÷ baseline = %.2f (target ≥ %.1f: %s)\n", s.Ratio, s.RatioTarget, verdict(s.Ratio >= s.RatioTarget))
		}
	}
	if s.Fanout != nil && s.Ratio > 0 {
		fmt.Printf("   Convene ÷ go-mail = %.2f (target ≥ %.1f: %s)\n", s.Ratio, s.RatioTarget, verdict(s.Ratio >= s.RatioTarget))
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func rssText(b int64) string {
	if b == 0 {
		return "n/a (not started by the tool)"
	}
	return fmt.Sprintf("peak %.1f MB (VmHWM)", mb(b))
}

func printSummary(rep *report) {
	fmt.Printf("\n== summary (%s, %d clients)\n", rep.Database, rep.Concurrency)
	fmt.Printf("%-16s %9s %8s %9s %9s %9s %9s %8s\n", "scenario", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "RSS MB")
	for _, s := range rep.Scenarios {
		ratio := "-"
		if s.Ratio > 0 {
			ratio = fmt.Sprintf("%.2f", s.Ratio)
		}
		switch {
		case s.Skipped != "":
			fmt.Printf("%-16s skipped: %s\n", s.Name, s.Skipped)
		case s.Fanout != nil:
			f := s.Fanout
			rs := "-"
			if s.PeakRSSBytes > 0 {
				rs = fmt.Sprintf("%.1f", mb(s.PeakRSSBytes))
			}
			fmt.Printf("%-16s %9d %8s %9.0f %9s %9s %9s %8s   go-mail %.0f msgs/s, ratio %s (target ≥ %.1f)\n",
				s.Name, f.Delivered, "-", f.RateMsgsPerSec, "-", "-", "-", rs, f.BaselineRate, ratio, s.RatioTarget)
		case s.Feeds != nil:
			f := s.Feeds
			for _, x := range []struct {
				name string
				l    *loadResult
			}{{"feed 200", f.Feed200}, {"static 200", f.Static200}, {"feed 304", f.Feed304}, {"static 304", f.Static304}} {
				if x.l != nil {
					summaryLine(x.name, x.l, s.PeakRSSBytes)
				}
			}
			if f.Ratio200 > 0 {
				fmt.Printf("%-16s ratios feed÷static %.2f (200), %.2f (304) (target ≥ %.1f)\n", "feeds", f.Ratio200, f.Ratio304, s.RatioTarget)
			}
		case s.Load != nil:
			summaryLine(s.Name, s.Load, s.PeakRSSBytes)
		}
		if b := s.Baseline; b != nil {
			fmt.Printf("%-16s %9d %8d %9.0f %9s %9s %9s %8s   ratio %s (target ≥ %.1f)\n", s.Name, b.Transactions, b.Failed, b.TPS, "-", "-", "-", "-", ratio, s.RatioTarget)
		}
	}
	for _, s := range rep.Scenarios {
		if s.Name == "rush" && s.PeakRSSBytes > 0 {
			verdict := "met"
			if s.PeakRSSBytes > rssTarget {
				verdict = "NOT met"
			}
			fmt.Printf("peak RSS through the rush: %.1f MB (target ≤ 64 MB: %s)\n", mb(s.PeakRSSBytes), verdict)
		}
	}
}

func summaryLine(name string, l *loadResult, rss int64) {
	nerr := 0
	for _, v := range l.ErrorsBy {
		nerr += v
	}
	rs := "-"
	if rss > 0 {
		rs = fmt.Sprintf("%.1f", mb(rss))
	}
	fmt.Printf("%-16s %9d %8d %9.0f %9.1f %9.1f %9.1f %8s\n", name, l.Requests, nerr, l.ThroughputRPS, l.P50ms, l.P95ms, l.P99ms, rs)
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
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			m["memory"] = fmt.Sprintf("%.0f GB", float64(kb)/(1<<20))
		}
	}
	if h, err := os.Hostname(); err == nil {
		m["hostname"] = h
	}
	return m
}

// commit is the work tree's commit (git rev-parse --short HEAD) and
// whether it has uncommitted changes; "" outside a git work tree.
func commit(ctx context.Context) (string, bool) {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "", false
	}
	st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output()
	return strings.TrimSpace(string(out)), err == nil && len(bytes.TrimSpace(st)) > 0
}
