// Command convene runs the Convene service and its administrative tasks.
// It is where the configuration is read, the one clock is made, and the
// store, the background jobs and the HTTP rooms (api, web, ops) are wired
// together; nothing imports it.
//
//	convene serve                        start the HTTP service
//	convene migrate                      apply database migrations
//	convene organiser add --email E      create an organiser, print an API token
//	convene organiser sign-in --email E  print a one-time link into the console
//	convene version                      print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	netmail "net/mail"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // event time zones work on hosts without a zone database

	"github.com/riverqueue/river"

	"github.com/convene/convene/api"
	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/notifications"
	"github.com/convene/convene/notifications/inbound"
	"github.com/convene/convene/notifications/mail"
	"github.com/convene/convene/ops"
	"github.com/convene/convene/store"
	"github.com/convene/convene/web"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// the module version from the build info is used.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "convene:", err)
		}
		os.Exit(exitCode(err))
	}
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitCode is the process's exit status for what run returned: 0 for
// success and for help asked for ("convene serve --help"), 2 for a command
// line or configuration that cannot be used, 1 for anything else.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.As(err, new(tempFailError)):
		return exitTempFail
	}
	return 1
}

// Config is everything the service is configured with. Every field has a
// default and is read from a CONVENE_* environment variable.
type Config struct {
	Listen            string
	DataDir           string
	DatabaseURL       string
	BaseURL           string
	AdminEmail        string
	TrustedProxies    []string
	RSVPRatePerMinute int
	ShutdownTimeout   time.Duration
	SMTPURL           string
	MailFrom          netmail.Address
	UpdateDelay       time.Duration
	ThankYouDelay     time.Duration
	MetricsToken      string
	Pprof             bool
	BenchStatic       bool
	FeedCacheTTL      time.Duration
	InboundDomain     string
	InboundListen     string
	InboundSecret     string
}

// envVars documents the configuration: name, default (empty when there is
// none) and meaning. Help prints it; the README's configuration table has
// the same names and defaults, in the same order (TestReadmeConfigTable).
var envVars = [][3]string{
	{"CONVENE_LISTEN", "127.0.0.1:8080", "address to listen on"},
	{"CONVENE_DATA_DIR", "./convene-data", "directory for the embedded SQLite database and other data"},
	{"CONVENE_DATABASE_URL", "", "postgres://… to use PostgreSQL; empty uses SQLite in the data directory"},
	{"CONVENE_DATABASE_URL_FILE", "", "a file holding CONVENE_DATABASE_URL instead of the variable (secrets mounted as files)"},
	{"CONVENE_BASE_URL", "http://127.0.0.1:8080", "public base URL, used to build links"},
	{"CONVENE_ADMIN_EMAIL", "admin@localhost", "e-mail of the first organiser, created when there is none"},
	{"CONVENE_TRUSTED_PROXIES", "", "comma-separated IPs/CIDRs of proxies whose X-Forwarded-For is trusted"},
	{"CONVENE_RSVP_RATE_LIMIT", "30", "public RSVP requests per minute per client IP; 0 disables the limit"},
	{"CONVENE_SHUTDOWN_TIMEOUT", "15s", "how long to let in-flight requests finish on shutdown"},
	{"CONVENE_SMTP_URL", "", "smtp://user:pass@host:port?tls=starttls|tls|none; empty writes e-mails as .eml files under DATA_DIR/mail"},
	{"CONVENE_SMTP_URL_FILE", "", "a file holding CONVENE_SMTP_URL instead of the variable (secrets mounted as files)"},
	{"CONVENE_MAIL_FROM", "Convene <convene@localhost>", "sender address of every e-mail"},
	{"CONVENE_UPDATE_DELAY", "1m", "how long event changes wait so that several edits send attendees one update"},
	{"CONVENE_FEED_CACHE_TTL", "1s", "how long a group feed is served from memory before asking the database whether it changed; 0 asks every time"},
	{"CONVENE_THANK_YOU_DELAY", "2h", "how long after an event ends its attendees get the thank-you e-mail (recording, slides, feedback link); 0s: right after the end"},
	{"CONVENE_METRICS_TOKEN", "", "when set, GET /metrics (and pprof) requires \"Authorization: Bearer <token>\""},
	{"CONVENE_METRICS_TOKEN_FILE", "", "a file holding CONVENE_METRICS_TOKEN instead of the variable (secrets mounted as files)"},
	{"CONVENE_PPROF", "0", "1 serves Go's pprof profiles under /debug/pprof/ (behind the metrics token if set)"},
	{"CONVENE_INBOUND_DOMAIN", "", "domain of the reply addresses (reply+…@DOMAIN) that invites name as ORGANIZER, so that Accept/Decline come back; empty: invites name the group's contact"},
	{"CONVENE_INBOUND_LISTEN", "", "smtp://host:port or lmtp://host:port (or lmtp+unix:///path): serve also takes calendar replies by SMTP or LMTP there"},
	{"CONVENE_INBOUND_SECRET", "", "when set, POST /api/v1/inbound/mail takes raw replies with \"Authorization: Bearer <secret>\""},
	{"CONVENE_INBOUND_SECRET_FILE", "", "a file holding CONVENE_INBOUND_SECRET instead of the variable (secrets mounted as files)"},
	{"CONVENE_BENCH_STATIC", "0", "1 serves GET /bench/static.ics, the static baseline of convene-bench's feeds scenario; never in production"},
}

func loadConfig(getenv func(string) string) (Config, error) {
	get := func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		for _, e := range envVars {
			if e[0] == k {
				return e[1]
			}
		}
		return ""
	}
	cfg := Config{
		Listen:     get("CONVENE_LISTEN"),
		DataDir:    get("CONVENE_DATA_DIR"),
		AdminEmail: get("CONVENE_ADMIN_EMAIL"),
	}
	var err error
	if cfg.DatabaseURL, err = secret(getenv, "CONVENE_DATABASE_URL"); err != nil {
		return cfg, err
	}
	if cfg.BaseURL, err = baseURL(get("CONVENE_BASE_URL")); err != nil {
		return cfg, err
	}
	for _, p := range strings.Split(get("CONVENE_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			cfg.TrustedProxies = append(cfg.TrustedProxies, p)
		}
	}
	n, err := strconv.Atoi(get("CONVENE_RSVP_RATE_LIMIT"))
	if err != nil || n < 0 {
		return cfg, usageError{"CONVENE_RSVP_RATE_LIMIT must be a whole number of requests per minute (0 disables)"}
	}
	cfg.RSVPRatePerMinute = n
	if cfg.ShutdownTimeout, err = time.ParseDuration(get("CONVENE_SHUTDOWN_TIMEOUT")); err != nil {
		return cfg, usageError{"CONVENE_SHUTDOWN_TIMEOUT must be a duration such as 15s"}
	}
	if cfg.SMTPURL, err = secret(getenv, "CONVENE_SMTP_URL"); err != nil {
		return cfg, err
	}
	from, err := netmail.ParseAddress(get("CONVENE_MAIL_FROM"))
	if err != nil || !domain.ValidEmail(from.Address) && !strings.HasSuffix(from.Address, "@localhost") {
		return cfg, usageError{"CONVENE_MAIL_FROM must be an address such as \"Convene <events@example.org>\""}
	}
	cfg.MailFrom = *from
	if cfg.UpdateDelay, err = time.ParseDuration(get("CONVENE_UPDATE_DELAY")); err != nil || cfg.UpdateDelay < 0 {
		return cfg, usageError{"CONVENE_UPDATE_DELAY must be a duration such as 1m"}
	}
	if cfg.ThankYouDelay, err = time.ParseDuration(get("CONVENE_THANK_YOU_DELAY")); err != nil || cfg.ThankYouDelay < 0 {
		return cfg, usageError{"CONVENE_THANK_YOU_DELAY must be a duration such as 2h"}
	}
	if cfg.FeedCacheTTL, err = time.ParseDuration(get("CONVENE_FEED_CACHE_TTL")); err != nil || cfg.FeedCacheTTL < 0 || cfg.FeedCacheTTL > time.Hour {
		return cfg, usageError{"CONVENE_FEED_CACHE_TTL must be a duration from 0 to 1h, such as 1s"}
	}
	if cfg.MetricsToken, err = secret(getenv, "CONVENE_METRICS_TOKEN"); err != nil {
		return cfg, err
	}
	switch get("CONVENE_PPROF") {
	case "1", "true":
		cfg.Pprof = true
	case "0", "false":
	default:
		return cfg, usageError{"CONVENE_PPROF must be 1 or 0"}
	}
	switch get("CONVENE_BENCH_STATIC") {
	case "1", "true":
		cfg.BenchStatic = true
	case "0", "false":
	default:
		return cfg, usageError{"CONVENE_BENCH_STATIC must be 1 or 0"}
	}
	if err := inboundConfig(&cfg, get); err != nil {
		return cfg, err
	}
	if cfg.InboundSecret, err = secret(getenv, "CONVENE_INBOUND_SECRET"); err != nil {
		return cfg, err
	}
	if cfg.InboundSecret != "" && len(cfg.InboundSecret) < 16 {
		return cfg, usageError{"CONVENE_INBOUND_SECRET must be at least 16 characters (make one with: openssl rand -hex 32)"}
	}
	if (cfg.InboundListen != "" || cfg.InboundSecret != "") && cfg.InboundDomain == "" {
		return cfg, usageError{"CONVENE_INBOUND_LISTEN and CONVENE_INBOUND_SECRET need CONVENE_INBOUND_DOMAIN, the domain of the reply addresses"}
	}
	if !domain.ValidEmail(cfg.AdminEmail) && cfg.AdminEmail != "admin@localhost" {
		return cfg, usageError{"CONVENE_ADMIN_EMAIL must be an e-mail address"}
	}
	return cfg, nil
}

// secret reads a variable that holds a secret (default: empty) either from
// the environment or, as container platforms hand secrets over, from the
// file named by the same variable with _FILE appended. One trailing line
// break of the file is dropped (echo and editors add one). Errors name the
// variable and the file, never what the file holds.
func secret(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	if file == "" {
		return v, nil
	}
	if v != "" {
		return "", usageError{fmt.Sprintf("%s and %s_FILE are both set: set one of them", name, name)}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", usageError{fmt.Sprintf("%s_FILE: %v", name, err)}
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\r\n"); ok {
		s = t
	} else {
		s = strings.TrimSuffix(s, "\n")
	}
	switch {
	case s == "":
		return "", usageError{fmt.Sprintf("%s_FILE: %s is empty", name, file)}
	case strings.ContainsAny(s, "\r\n"):
		return "", usageError{fmt.Sprintf("%s_FILE: %s must hold the value on one line", name, file)}
	}
	return s, nil
}

// baseURL checks CONVENE_BASE_URL, from which every link in e-mails,
// calendars and pages is made: an absolute http or https URL with a host,
// without user info, query or fragment. A trailing slash is dropped.
func baseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Opaque != "" || u.Hostname() == "" ||
		u.User != nil || strings.ContainsAny(raw, "?#") {
		return "", usageError{fmt.Sprintf("CONVENE_BASE_URL must be the service's public address as an absolute http:// or https:// URL "+
			"with a host and no query or fragment, such as https://events.example.org or http://127.0.0.1:8080; got %q", raw)}
	}
	return strings.TrimRight(raw, "/"), nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

const usage = `Convene publishes community events, takes RSVPs and proves attendance.

Usage:
  convene serve                               start the service
  convene migrate                             apply pending database migrations
  convene organiser add --email E [--name N]  create an organiser and print a new API token
  convene organiser sign-in --email E         print a one-time link into the organiser console
  convene inbound < message.eml               apply the calendar reply in one e-mail (a pipe transport)
  convene version                             print the version
  convene help                                show this help

Run "convene COMMAND --help" for a command's flags.

Configuration (environment variables):
`

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	for _, e := range envVars {
		// A variable without a default says what empty means, or is a
		// _FILE variable: nothing to add.
		def := ""
		if e[1] != "" {
			def = " (default " + e[1] + ")"
		}
		fmt.Fprintf(w, "  %-27s %s%s\n", e[0], e[2], def)
	}
}

// run is main without the process: tests call it with their own
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "help", "-h", "--help":
		printUsage(stdout)
		return nil
	case "version", "--version":
		fmt.Fprintln(stdout, "convene", buildVersion())
		return nil
	case "serve":
		return cmdServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "inbound":
		return cmdInbound(ctx, args[1:], getenv, os.Stdin, stdout, stderr)
	case "organiser", "organizer":
		const organiserUsage = "usage: convene organiser add --email E [--name N]\n       convene organiser sign-in --email E"
		switch {
		case len(args) >= 2 && args[1] == "add":
			return cmdOrganiserAdd(ctx, args[2:], getenv, stdout, stderr)
		case len(args) >= 2 && args[1] == "sign-in":
			return cmdOrganiserSignIn(ctx, args[2:], getenv, stdout, stderr)
		case len(args) >= 2 && (args[1] == "--help" || args[1] == "-h" || args[1] == "help"):
			fmt.Fprintln(stdout, "U"+organiserUsage[1:])
			return nil
		}
		return usageError{organiserUsage}
	}
	printUsage(stderr)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: convene %s\n\n%s\n", name, synopsis)
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\nConfiguration comes from CONVENE_* environment variables; see \"convene help\".")
	}
	return fs
}

// parseFlags parses a command's flags. Help asked for (-h, --help) prints
// the command's usage on standard output and returns flag.ErrHelp (exit
// status 0); a flag that cannot be used prints the usage on standard error
// and returns a usage error (exit status 2).
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return err
	case err != nil:
		fs.SetOutput(stderr)
		fs.Usage()
		return usageError{err.Error()}
	}
	return nil
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// newClock makes the service's one clock: the computer's. Every part that
// reads the time is given this one (through the store it is opened with);
// tests replace it to run the whole service at another date.
var newClock = func() domain.Clock { return domain.SystemClock }

func openStore(ctx context.Context, cfg Config, clock domain.Clock, log *slog.Logger) (*store.DB, error) {
	return store.OpenAndMigrate(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, Logger: log,
		UpdateDelay: max(cfg.UpdateDelay, time.Millisecond), Clock: clock})
}

// newSender returns where e-mails go: the SMTP server of CONVENE_SMTP_URL,
// or .eml files under the data directory when none is configured.
func newSender(cfg Config, log *slog.Logger) (mail.Sender, func(), error) {
	if cfg.SMTPURL == "" {
		dir := filepath.Join(cfg.DataDir, "mail")
		d, err := mail.NewEMLDir(dir)
		if err != nil {
			return nil, nil, err
		}
		log.Info("no CONVENE_SMTP_URL: e-mails are written as .eml files", "dir", dir)
		return d, func() {}, nil
	}
	sc, err := mail.ParseSMTPURL(cfg.SMTPURL)
	if err != nil {
		return nil, nil, usageError{"CONVENE_SMTP_URL: " + err.Error()}
	}
	smtp, err := mail.NewSMTP(sc)
	if err != nil {
		return nil, nil, usageError{"CONVENE_SMTP_URL: " + err.Error()}
	}
	log.Info("e-mails go through SMTP", "server", sc.String())
	b := mail.NewBatcher(smtp, mailConnections, 50, 20*time.Millisecond)
	return b, b.Close, nil
}

// mailConnections is how many SMTP connections send at once.
const mailConnections = 4

// sendTimeout bounds one attempt of an e-mail job (an e-mail, a fan-out's
// batch of fifty, an invitation, a confirmation); see
// notifications.Config.SendTimeout. rescueStuckJobsAfter is how long any
// other job may stay running before River's rescuer takes its process for
// dead and runs it again — never before the job's own timeout; e-mail jobs
// are taken up much sooner by rescueEmailJobs. sendRetryMax caps the wait
// between attempts to send an e-mail (zero is the workers' ten minutes);
// the mail-outage test shortens it.
var (
	sendTimeout          = notifications.DefaultSendTimeout
	rescueStuckJobsAfter = 5 * time.Minute
	sendRetryMax         time.Duration
	// thankYouInterval is how often attendees of ended events are thanked
	// (notifications.ThankYouInterval); tests shorten it.
	thankYouInterval = notifications.ThankYouInterval
)

// After a process is killed, the e-mail jobs it was working stay
// "running" in the queue. Each process looks for such jobs when it starts
// and every rescueInterval after, and runs again those whose attempt
// began more than emailJobsAbandonedAfter ago. That is safe with any
// number of replicas, without knowing which are alive: an attempt of an
// e-mail job on a live process never runs that long. River cancels its
// context sendTimeout after handing it to the worker; from then on
// nothing more is sent for it (the message in flight is cut off, see
// mail.Submission) and what was sent is recorded within
// notifications.RecordGrace; rescueSlack covers the moment between River
// recording the attempt's start and starting the worker, River recording
// its end, and a loaded machine. So with the defaults, 30 s + 5 s + 5 s, a
// killed process's e-mails are sent again at most 45 s after the attempt
// they were in began — at most 45 s after the restart, often sooner — and
// only the message in flight on each SMTP connection at the kill can go
// out twice (with the same Message-ID).
const (
	rescueInterval = 5 * time.Second
	rescueSlack    = 5 * time.Second
)

// emailJobsAbandonedAfter is how long an e-mail job's attempt must have
// been running to be taken for abandoned: see rescueInterval.
func emailJobsAbandonedAfter() time.Duration {
	return sendTimeout + notifications.RecordGrace + rescueSlack
}

// rescueEmailJobs runs again the e-mail jobs a stopped process left
// running (see rescueInterval): once now and then every rescueInterval
// until ctx ends.
func rescueEmailJobs(ctx context.Context, db *store.DB, log *slog.Logger) {
	rescue := func() {
		n, err := db.RescueAbandonedJobs(ctx, domain.QueueEmail, emailJobsAbandonedAfter())
		if err != nil && ctx.Err() == nil {
			log.Warn("could not look for e-mail jobs left running by a stopped process", "err", err.Error())
		}
		if n > 0 {
			log.Warn("e-mail jobs left running by a stopped process are run again", "jobs", n,
				"running_for_more_than", emailJobsAbandonedAfter().String())
		}
	}
	rescue()
	t := time.NewTicker(rescueInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rescue()
		}
	}
}

// jobConns is the size of the job workers' own PostgreSQL pool (one
// connection of it listens for new jobs). The workers get a pool apart
// from the HTTP handlers' so that e-mails being sent — a fan-out, or the
// invites of a rush — never queue ahead of a person waiting for their
// RSVP's answer: measured with convene-bench, the e-mail work of a rush
// otherwise held most of the shared pool.
const jobConns = 5

// startJobs starts the River client that works the job queue.
func startJobs(ctx context.Context, db *store.DB, cfg Config, log *slog.Logger, metrics notifications.Metrics, foreground *notifications.Foreground) (stop func(context.Context), err error) {
	closeDB := func() {}
	if db.Dialect() == store.Postgres {
		// SQLite keeps its one connection: it has one writer anyway.
		jdb, err := store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxConns: jobConns, Logger: log,
			UpdateDelay: max(cfg.UpdateDelay, time.Millisecond), Clock: db.Clock()})
		if err != nil {
			return nil, err
		}
		db, closeDB = jdb, func() { jdb.Close() }
	}
	sender, closeSender, err := newSender(cfg, log)
	if err != nil {
		closeDB()
		return nil, err
	}
	reindex, err := db.ReindexerIndexNames(ctx)
	if err != nil {
		closeSender()
		closeDB()
		return nil, err
	}
	workers := river.NewWorkers()
	notifications.Register(workers, db, sender, notifications.Config{BaseURL: cfg.BaseURL, From: cfg.MailFrom, Logger: log, Metrics: metrics,
		InboundDomain: cfg.InboundDomain,
		SendTimeout:   sendTimeout, RetryBackoffMax: sendRetryMax, Foreground: foreground, Clock: db.Clock(),
		// Erasures clean the mail directory also when e-mail goes by SMTP
		// now: files may remain from before.
		MailDir: filepath.Join(cfg.DataDir, "mail")})
	notifications.RegisterContributions(workers, db, notifications.Config{BaseURL: cfg.BaseURL, Logger: log, Clock: db.Clock()})
	notifications.RegisterSeries(workers, db, log)
	notifications.RegisterThankYou(workers, db, notifications.Config{Logger: log, ThankYouDelay: cfg.ThankYouDelay, Clock: db.Clock()})
	rc := &river.Config{
		Workers: workers,
		PeriodicJobs: slices.Concat(notifications.PeriodicJobs(), notifications.ContributionJobs(), notifications.SeriesJobs(),
			notifications.ThankYouJobs(thankYouInterval)),
		Queues: map[string]river.QueueConfig{
			domain.QueueEmail:  {MaxWorkers: 4 * mailConnections * 5},
			domain.QueueFanOut: {MaxWorkers: 2},
		},
		Logger:               slog.New(levelAtLeast{log.Handler(), slog.LevelWarn}),
		FetchPollInterval:    250 * time.Millisecond, // SQLite has no LISTEN/NOTIFY
		FetchCooldown:        25 * time.Millisecond,
		JobTimeout:           min(time.Minute, rescueStuckJobsAfter),
		RescueStuckJobsAfter: rescueStuckJobsAfter,
		// The indexes the nightly reindexer can find on this database
		// (SQLite lacks three of River's PostgreSQL names).
		ReindexerIndexNames: reindex,
		// River reads the service's clock (its only way in is Test).
		Test: river.TestConfig{Time: db.JobTime()},
	}
	client, err := river.NewClient(db.JobDriver(), rc)
	if err != nil {
		closeSender()
		closeDB()
		return nil, err
	}
	// What a killed process was sending is taken up first, then as soon as
	// it is old enough (see rescueInterval).
	rctx, stopRescue := context.WithCancel(ctx)
	rescued := make(chan struct{})
	go func() {
		defer close(rescued)
		rescueEmailJobs(rctx, db, log)
	}()
	if err := client.Start(ctx); err != nil {
		stopRescue()
		<-rescued
		closeSender()
		closeDB()
		return nil, err
	}
	return func(ctx context.Context) {
		stopRescue()
		<-rescued
		if err := client.Stop(ctx); err != nil {
			// Cancel what still runs before the database closes under it;
			// those jobs are retried after the next start.
			log.Warn("job queue did not stop in time; cancelling running jobs", "err", err.Error())
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			client.StopAndCancel(cctx)
		}
		closeSender()
		closeDB()
	}, nil
}

// newSite puts the parts of the service together on one address: the JSON
// API (/api/, the signing key), the operations endpoints (/metrics,
// /healthz, /readyz, pprof) and the website (everything else). They share
// the metrics, the foreground and the guard against guessed check-in
// codes. inb takes calendar replies at the API's inbound webhook.
func newSite(db *store.DB, cfg Config, log *slog.Logger, metrics *httpkit.Metrics, fg *notifications.Foreground, inb processor) (http.Handler, error) {
	// Scrapes and profiles (ops) are not requests anyone waits on: the
	// e-mails do not give way to them.
	hc := httpkit.Config{TrustedProxies: cfg.TrustedProxies, Foreground: fg}
	codes := httpkit.NewCodeGuard()
	apiSrv, err := api.New(db, api.Config{
		BaseURL: cfg.BaseURL, TrustedProxies: cfg.TrustedProxies, RSVPRatePerMinute: cfg.RSVPRatePerMinute,
		Version: buildVersion(), Logger: log, Clock: db.Clock(), AdminEmail: cfg.AdminEmail, Metrics: metrics, Codes: codes,
		FeedCacheTTL: cfg.FeedCacheTTL, HTTP: hc,
		Inbound: inb, InboundSecret: cfg.InboundSecret,
	})
	if err != nil {
		return nil, err
	}
	webSrv, err := web.New(db, web.Config{
		BaseURL: cfg.BaseURL, Clock: db.Clock(), Logger: log, RSVPRatePerMinute: cfg.RSVPRatePerMinute,
		Codes: codes, Metrics: metrics, HTTP: hc,
	})
	if err != nil {
		return nil, err
	}
	var site http.Handler
	opsSrv, err := ops.New(db, ops.Config{
		Logger: log, Metrics: metrics, MetricsToken: cfg.MetricsToken, Pprof: cfg.Pprof,
		InFlight: func() int { return int(fg.InFlight()) }, BenchStatic: cfg.BenchStatic,
		Site: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { site.ServeHTTP(w, r) }),
		HTTP: httpkit.Config{TrustedProxies: cfg.TrustedProxies},
	})
	if err != nil {
		return nil, err
	}
	site = httpkit.Join(webSrv.Handler(),
		httpkit.Part{Paths: apiSrv.Paths(), Handler: apiSrv.Handler()},
		httpkit.Part{Paths: opsSrv.Paths(), Handler: opsSrv.Handler()})
	return site, nil
}

// levelAtLeast drops records below a level (River is chatty at Info).
type levelAtLeast struct {
	slog.Handler
	min slog.Level
}

func (h levelAtLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "Applies pending database migrations and exits.")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, newClock(), newLogger(stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stderr, "convene: database is up to date")
	return nil
}

func cmdOrganiserAdd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("organiser add --email E [--name N]",
		"Creates an organiser and prints a new API token for them on standard output,\nalone on one line. The token is shown only this once.")
	email := fs.String("email", "", "the organiser's e-mail address (required)")
	name := fs.String("name", "", "the organiser's name")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if *email == "" {
		return usageError{"--email is required"}
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, newClock(), newLogger(io.Discard))
	if err != nil {
		return err
	}
	defer db.Close()
	o, err := db.CreateOrganiser(ctx, *email, *name)
	if domain.ErrorCode(err) == domain.ECONFLICT {
		// Most often a co-organiser added to a group by address: they
		// exist already and sign in as everyone does.
		return fmt.Errorf("an organiser with this e-mail address already exists. They sign in at %s/manage/sign-in "+
			"and make API tokens on their account page; to give them a sign-in link yourself, run: convene organiser sign-in --email %s",
			cfg.BaseURL, *email)
	}
	if err != nil {
		return errors.New(domain.ErrorMessage(err))
	}
	_, raw, err := db.CreateAPIToken(ctx, o.ID, "cli", nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, raw)
	return nil
}

// cmdOrganiserSignIn prints a one-time link into the console for an
// organiser who exists, for an operator whose service sends no e-mail
// yet, or who is helping someone in.
func cmdOrganiserSignIn(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("organiser sign-in --email E",
		fmt.Sprintf("Prints a link that signs the organiser with this address into the console.\nIt works once, within %d minutes.",
			int(domain.SignInLinkLifetime.Minutes())))
	email := fs.String("email", "", "the organiser's e-mail address (required)")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if *email == "" {
		return usageError{"--email is required"}
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, newClock(), newLogger(io.Discard))
	if err != nil {
		return err
	}
	defer db.Close()
	o, err := db.FindOrganiserByEmail(ctx, *email)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return errors.New("no organiser has this e-mail address; create one with: convene organiser add --email " + *email)
	}
	if err != nil {
		return err
	}
	link, err := db.CreateSignInLink(ctx, o.ID)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, notifications.SignInURL(cfg.BaseURL, link))
	return nil
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "Starts the HTTP service. Pending migrations are applied first.")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	// The one clock: the store is opened with it and hands it on.
	db, err := openStore(ctx, cfg, newClock(), log)
	if err != nil {
		return err
	}
	defer db.Close()

	first, token, err := db.EnsureFirstOrganiser(ctx, cfg.AdminEmail, "Admin")
	if err != nil {
		return fmt.Errorf("create the first organiser: %w", err)
	}
	if token != "" {
		// Printed once, to the console only, never to the structured log.
		fmt.Fprintf(stdout, "No organiser existed, so one was created for %s. Its API token (shown only now):\n%s\n", cfg.AdminEmail, token)
		link, err := db.CreateSignInLink(ctx, first.ID)
		if err != nil {
			return fmt.Errorf("sign-in link for the first organiser: %w", err)
		}
		fmt.Fprintf(stdout, "Open the organiser console with this link within %d minutes (it works once; later, ask for a new one at %s):\n%s\n",
			int(domain.SignInLinkLifetime.Minutes()), cfg.BaseURL+"/manage/sign-in", notifications.SignInURL(cfg.BaseURL, link))
	}

	// The key that signs contribution records is made on the first start
	// and kept in the database, so signatures stay valid across restarts.
	key, err := db.SigningKey(ctx)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	log.Info("signing key", "key_id", key.ID)

	// One registry for the server and the workers (e-mails by outcome).
	metrics := httpkit.NewMetrics()
	// E-mails give way to the requests the server is answering.
	foreground := notifications.NewForeground()
	stopJobs, err := startJobs(context.WithoutCancel(ctx), db, cfg, log, metrics, foreground)
	if err != nil {
		return err
	}
	// Runs before the deferred db.Close: jobs in flight finish, or are
	// retried after a restart (they were committed before they ran).
	defer func() {
		jctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		stopJobs(jctx)
	}()

	// One processor of calendar replies for the webhook and the listener.
	inb := inboundProcessor(db, cfg, log)
	handler, err := newSite(db, cfg, log, metrics, foreground, inb)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "database", string(db.Dialect()), "version", buildVersion())
	if cfg.InboundListen != "" {
		il, err := inbound.Listen(cfg.InboundListen, inb.p)
		if err != nil {
			hs.Close()
			return fmt.Errorf("CONVENE_INBOUND_LISTEN: %w", err)
		}
		go func() { errc <- il.Serve() }()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
			defer cancel()
			il.Shutdown(sctx)
		}()
		log.Info("taking calendar replies", "addr", il.Addr().String(), "listen", cfg.InboundListen)
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		log.Warn("shutdown did not finish in time; closing connections", "err", err.Error())
		hs.Close()
	}
	log.Info("stopped")
	return nil
}
