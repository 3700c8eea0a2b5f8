package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/convene/convene/store"
)

// The pgbench script is the SQL of one public RSVP on PostgreSQL, as
// store.CreateRSVP → claimRSVP sends it (store/rsvpclaim.go): read the
// event without a lock, then in one transaction insert the River job that
// sends the e-mail (River's JobInsertFastManyNoReturning, with one-element
// arrays)
// and run store.ClaimSQL — lock the event row, insert the RSVP, save the
// counters, record the delivery — itself, its @parameters turned into
// pgbench's. Only River's rate-limited pg_notify of the queue is left out:
// River sends it at most about once a second per queue, not once per job.
//
// Convene's values are computed in Go (ids, token hash, check-in code);
// here the database computes stand-ins of the same shape, with ids that
// grow with time like domain.NewID's, so indexes see the same pattern.
// The delivery id is the same expression in the job's arguments and in
// the delivery: now() is the transaction's start, the same in both.
const rsvpScriptHead = `\set r random(1, 999999999999)
SELECT * FROM events WHERE slug = {{SLUG}} \gset ev_
BEGIN;
INSERT INTO river_job(
    args,
    created_at,
    kind,
    max_attempts,
    metadata,
    priority,
    queue,
    scheduled_at,
    state,
    tags,
    unique_key,
    unique_states
) SELECT
    unnest(ARRAY['{"delivery_id":"' || {{ID}} || '"}']::jsonb[]),
    unnest(ARRAY[now()]::timestamptz[]),
    unnest(ARRAY['send_email']::text[]),
    unnest(ARRAY[100]::smallint[]),
    unnest(ARRAY['{}']::jsonb[]),
    unnest(ARRAY[1]::smallint[]),
    unnest(ARRAY['email']::text[]),
    unnest(ARRAY[now()]::timestamptz[]),
    unnest(ARRAY['available']::river_job_state[]),
    string_to_array(unnest(ARRAY['']::text[]), ','),
    nullif(unnest(ARRAY[''::bytea]::bytea[]), ''),
    nullif(unnest(ARRAY[0]::integer[]), 0)::bit(8)
ON CONFLICT (unique_key)
    WHERE unique_key IS NOT NULL
        AND unique_states IS NOT NULL
        AND river_job_state_in_bitmask(unique_states, state)
DO NOTHING;
`

// timeID and deliveryID are stand-ins for domain.NewID: they grow with
// time. deliveryID gives the same value in every statement of the
// transaction.
const (
	timeID     = `('pgb' || lpad(to_hex((extract(epoch from clock_timestamp()) * 1000000)::bigint), 14, '0') || lpad(:client_id::text, 3, '0') || :r::text)`
	deliveryID = `('pgd' || lpad(to_hex((extract(epoch from now()) * 1000000)::bigint), 14, '0') || lpad(:client_id::text, 3, '0') || :r::text)`
)

// claimParams are pgbench's values for store.ClaimSQL's parameters: the
// event's columns as the unlocked read gave them (a NULL arrives as an
// empty string), and stand-ins for what Convene computes in Go.
var claimParams = map[string]string{
	"event_id":     ":ev_id",
	"confirmation": ":ev_rsvp_confirmation",
	"ends_at":      ":ev_ends_at::timestamptz",
	"opens_at":     "nullif(:ev_rsvp_opens_at, '')::timestamptz",
	"closes_at":    "nullif(:ev_rsvp_closes_at, '')::timestamptz",
	"rsvp_id":      timeID,
	"name":         "('Attendee ' || :r::text)",
	"email":        "('p' || :client_id::text || '-' || :r::text || '@pgbench.example.org')",
	"email_norm":   "('p' || :client_id::text || '-' || :r::text || '@pgbench.example.org')",
	"token_hash":   "(md5(:client_id::text || '-' || :r::text) || md5(:r::text))",
	"feed_hash":    "(md5('feed' || :client_id::text || '-' || :r::text) || md5(:r::text))",
	"join_hash":    "(md5('join' || :client_id::text || '-' || :r::text) || md5(:r::text))",
	"checkin_code": "upper(substr(md5(:r::text || :client_id::text), 1, 8))",
	"now":          "now()",
	"delivery_id":  deliveryID,
	"locale":       "''",
}

var namedParamRE = regexp.MustCompile(`@[a-z_]+`)

// rsvpScript returns the pgbench script of one RSVP to the event that
// slugSQL selects.
func rsvpScript(slugSQL string) string {
	claim := namedParamRE.ReplaceAllStringFunc(store.ClaimSQL, func(p string) string {
		v, ok := claimParams[p[1:]]
		if !ok {
			panic("convene-bench: no pgbench value for " + p)
		}
		return v
	})
	// pgbench ends a command at a semicolon; ClaimSQL has none inside.
	head := strings.NewReplacer("{{SLUG}}", slugSQL, "{{ID}}", deliveryID).Replace(rsvpScriptHead)
	return head + strings.Join(strings.Fields(claim), " ") + ";\nCOMMIT;\n"
}

// hotSlugSQL and spreadSlugSQL pick the event: one fixed slug, or one of
// the spread events at random (slugs prefix-0001 … prefix-N).
const (
	hotSlugSQL    = `:slug`
	spreadSlugSQL = `(:prefix::text || '-' || lpad(:e::text, 4, '0'))`
)

// baselineResult is what one run of the baseline at one level reported:
// pgbench's, or the SQLite loop's (sqlitebase.go).
type baselineResult struct {
	Clients      int     `json:"clients"`
	Transactions int     `json:"transactions"`
	Failed       int     `json:"failed"`
	TPS          float64 `json:"tps"`
	LatencyAvgMs float64 `json:"latency_avg_ms"`
	Command      string  `json:"command"`
	Script       string  `json:"script_file,omitempty"`
	Error        string  `json:"error,omitempty"` // the SQLite loop's last failure
}

var (
	tpsRE       = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	latRE       = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	processedRE = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)`)
	failedRE    = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
)

// runPgbench writes the script for one event (hot) or nEvents events
// (spread) and runs it with conc clients, n/conc transactions each.
func runPgbench(ctx context.Context, dir, dbURL string, conc, n int, vars map[string]string, spreadEvents int) (baselineResult, error) {
	script, name := rsvpScript(hotSlugSQL), "rsvp-hot.sql"
	if spreadEvents > 0 {
		script = fmt.Sprintf("\\set e random(1, %d)\n", spreadEvents) + rsvpScript(spreadSlugSQL)
		name = "rsvp-spread.sql"
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return baselineResult{}, err
	}
	args := []string{"-M", "prepared", "-n", "-c", strconv.Itoa(conc), "-j", "2", "-t", strconv.Itoa(max(1, n/conc)), "-f", path}
	for k, v := range vars {
		args = append(args, "-D", k+"="+v)
	}
	args = append(args, dbURL)
	cmd := exec.CommandContext(ctx, "pgbench", args...)
	out, err := cmd.CombinedOutput()
	res := baselineResult{Clients: conc, Command: "pgbench " + strings.Join(args[:len(args)-1], " ") + " DB", Script: path}
	if err != nil {
		return res, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m := tpsRE.FindSubmatch(out)
	if m == nil {
		return res, fmt.Errorf("pgbench printed no tps line:\n%s", out)
	}
	res.TPS, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := latRE.FindSubmatch(out); m != nil {
		res.LatencyAvgMs, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := processedRE.FindSubmatch(out); m != nil {
		res.Transactions, _ = strconv.Atoi(string(m[1]))
	}
	if m := failedRE.FindSubmatch(out); m != nil {
		res.Failed, _ = strconv.Atoi(string(m[1]))
	}
	return res, nil
}

// baselineLevels are the client counts at which pgbench runs the
// baseline: the best of them is the baseline, since on one hot row more
// clients mostly wait for each other's lock (see docs/performance.md).
var baselineLevels = []int{1, 2, 4, 8, 16, 32}

// pgbenchSweep runs the script once per level of baselineLevels (each with
// n transactions in all), for the hot event that slug names at that level
// (hot) or over the spread events (spreadEvents > 0), and returns every
// level's result and the best.
func pgbenchSweep(ctx context.Context, dir, dbURL string, n int, slug func(clients int) map[string]string, spreadEvents int) ([]baselineResult, baselineResult, error) {
	var (
		all  []baselineResult
		best baselineResult
	)
	for _, c := range baselineLevels {
		r, err := runPgbench(ctx, dir, dbURL, c, n, slug(c), spreadEvents)
		if err != nil {
			return all, best, err
		}
		all = append(all, r)
		if r.TPS > best.TPS {
			best = r
		}
	}
	return all, best, nil
}

// baselineRun is the baseline at every level, hot and spread, with the
// best of each and the check of the hot levels' rows.
type baselineRun struct {
	hotLevels, spreadLevels []baselineResult
	hot, spread             baselineResult
	check                   string
}

// pgbenchBaseline runs pgbench at every level on the hot event of each
// level (hotSlug) and over the spread events, checks the hot events' rows
// and deletes the jobs pgbench inserted.
func pgbenchBaseline(ctx context.Context, dir, dbURL string, o options, hotSlug func(clients int) string, spreadPrefix string) (baselineRun, error) {
	var (
		b   baselineRun
		err error
	)
	b.hotLevels, b.hot, err = pgbenchSweep(ctx, dir, dbURL, o.n, func(c int) map[string]string { return map[string]string{"slug": hotSlug(c)} }, 0)
	if err != nil {
		return b, err
	}
	b.spreadLevels, b.spread, err = pgbenchSweep(ctx, dir, dbURL, o.n, func(int) map[string]string { return map[string]string{"prefix": spreadPrefix} }, o.events)
	if err != nil {
		return b, err
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return b, err
	}
	defer db.Close()
	b.check = checkLevels(ctx, db, b.hotLevels, hotSlug, o.capacity)
	if err := deleteBaselineJobs(ctx, dbURL); err != nil {
		fmt.Println("warning: could not delete the baseline's jobs:", err)
	}
	return b, nil
}
