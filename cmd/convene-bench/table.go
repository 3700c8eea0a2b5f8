package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
)

// The targets the tables hold the runs to (issue 17), besides the ratio
// targets each scenario carries (scenarioResult.RatioTarget).
const (
	rushP99TargetMs = 100
	rssTarget       = 64 << 20 // the server's peak RSS through the rush
)

// printTables reads the -json reports in files, one per run in that
// order, and writes to w the Markdown of docs/performance.md's latest
// figures: for each database, a header line saying where and on what the
// runs ran, a table with a column per run, and the checks.
func printTables(w io.Writer, files []string) error {
	if len(files) == 0 {
		return fmt.Errorf("-table needs the JSON files of one or more runs (-json)")
	}
	var reps []*report
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var r report
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		reps = append(reps, &r)
	}
	var kinds []string
	byKind := map[string][]*report{}
	for _, r := range reps {
		k := databaseKind(r)
		if byKind[k] == nil {
			kinds = append(kinds, k)
		}
		byKind[k] = append(byKind[k], r)
	}
	for i, k := range kinds {
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeTable(w, byKind[k])
	}
	return nil
}

func databaseKind(r *report) string {
	if strings.HasPrefix(r.Database, "sqlite") {
		return "SQLite"
	}
	return "PostgreSQL"
}

// tableRow is one row of the table: a cell per run ("" where the run has
// no figure) and the target with its verdict.
type tableRow struct {
	label  string
	cells  []string
	target string
}

// writeTable writes the header line, the table and the checks of runs on
// one database.
func writeTable(w io.Writer, runs []*report) {
	fmt.Fprintln(w, header(runs))
	fmt.Fprintln(w)
	tool, unit := "pgbench", "clients"
	if databaseKind(runs[0]) == "SQLite" {
		tool, unit = "SQLite loop", "goroutines"
	}
	levels := func(name string) string {
		for _, r := range runs {
			if s := scenario(r, name); s != nil && len(s.Levels) > 0 {
				var cs []string
				for _, l := range s.Levels {
					cs = append(cs, fmt.Sprint(l.Clients))
				}
				return strings.Join(cs, " / ")
			}
		}
		return ""
	}
	rows := []tableRow{
		loadRow(runs, "rush", "rush, req/s (p50 / p95 / p99 ms)", true),
		levelsRow(runs, "baseline-hot", fmt.Sprintf("%s hot, tps at %s %s", tool, levels("baseline-hot"), unit)),
		ratioRow(runs, "baseline-hot", fmt.Sprintf("**rush ÷ best %s**", tool)),
		batchesRow(runs),
		loadRow(runs, "spread", "spread, req/s (p50 / p95 / p99 ms)", false),
		levelsRow(runs, "baseline-spread", fmt.Sprintf("%s spread, tps at %s %s", tool, levels("baseline-spread"), unit)),
		ratioRow(runs, "baseline-spread", fmt.Sprintf("**spread ÷ best %s**", tool)),
		cpuRow(runs),
		rssRow(runs),
		fanoutRow(runs),
		ratioRow(runs, "fan-out", "**fan-out ÷ go-mail**"),
		feedsRow(runs, "feed / static, req/s, 200", func(f *feedsResult) (*loadResult, *loadResult) { return f.Feed200, f.Static200 }),
		feedsRow(runs, "feed / static, req/s, 304", func(f *feedsResult) (*loadResult, *loadResult) { return f.Feed304, f.Static304 }),
		feedsRatioRow(runs),
	}
	fmt.Fprint(w, "| scenario |")
	for i := range runs {
		fmt.Fprintf(w, " run %d |", i+1)
	}
	fmt.Fprintln(w, " target |")
	fmt.Fprintln(w, "|---|"+strings.Repeat("---|", len(runs))+"---|")
	for _, r := range rows {
		if !slices.ContainsFunc(r.cells, func(c string) bool { return c != "" }) {
			continue // no run has this figure
		}
		fmt.Fprintf(w, "| %s |", r.label)
		for _, c := range r.cells {
			fmt.Fprintf(w, " %s |", cmpOr(c, "–"))
		}
		fmt.Fprintln(w, strings.TrimRight(" "+r.target, " ")+" |")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, checks(runs))
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// header is the line above the table: how many runs of which command,
// when, and the machine, database, Go and commit, each once when the runs
// agree and run by run when they do not.
func header(runs []*report) string {
	fact := func(f func(r *report) string) string {
		var vals []string
		for _, r := range runs {
			vals = append(vals, f(r))
		}
		if len(slices.Compact(slices.Clone(vals))) == 1 {
			return vals[0]
		}
		for i := range vals {
			vals[i] = fmt.Sprintf("run %d: %s", i+1, vals[i])
		}
		return strings.Join(vals, ", ")
	}
	runsText := "One run"
	if len(runs) > 1 {
		runsText = fmt.Sprintf("%d runs", len(runs))
	}
	args := fact(func(r *report) string {
		return strings.TrimSpace("`go run ./cmd/convene-bench "+strings.Join(withoutJSON(r.Args), " ")) + "`"
	})
	dates := fact(func(r *report) string { return r.Started.Format("2006-01-02") })
	host := fact(func(r *report) string {
		m := r.Machine
		cpu := m["cpus"] + " cores"
		if m["cpu"] != "" {
			cpu += " (" + m["cpu"] + ")"
		}
		return strings.Join(slices.DeleteFunc([]string{"`" + m["hostname"] + "`", cpu, m["memory"]}, func(s string) bool { return s == "" || s == "``" }), ", ")
	})
	db := fact(func(r *report) string {
		v := cmpOr(r.DatabaseVersion, databaseKind(r)+" (version not recorded)")
		var set []string
		for _, k := range slices.Sorted(maps.Keys(r.DatabaseSettings)) {
			set = append(set, fmt.Sprintf("`%s=%s`", k, r.DatabaseSettings[k]))
		}
		if len(set) > 0 {
			v += " (" + strings.Join(set, ", ") + ")"
		}
		return v
	})
	goVersion := fact(func(r *report) string { return "Go " + strings.TrimPrefix(r.Machine["go"], "go") })
	commit := fact(func(r *report) string {
		switch {
		case r.Commit == "":
			return "commit not recorded"
		case r.Dirty:
			return "commit `" + r.Commit + "` with uncommitted changes"
		}
		return "commit `" + r.Commit + "`"
	})
	return fmt.Sprintf("%s of %s on %s: %s, %s, %s, %s:", runsText, args, dates, host, db, goVersion, commit)
}

// withoutJSON is the command line args without -json and its file, which
// differ from run to run and say nothing of the figures.
func withoutJSON(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch a := strings.TrimPrefix(args[i], "-"); {
		case a == "-json" || a == "json":
			i++
		case strings.HasPrefix(a, "json=") || strings.HasPrefix(a, "-json="):
		default:
			out = append(out, args[i])
		}
	}
	return out
}

// scenario is the run's result of the scenario with the name, if it ran.
func scenario(r *report, name string) *scenarioResult {
	for _, s := range r.Scenarios {
		if s.Name == name && s.Skipped == "" {
			return s
		}
	}
	return nil
}

// cellsOf makes a cell per run from the run's scenario with the name
// (f gets nil when it did not run, and then gives "").
func cellsOf(runs []*report, name string, f func(s *scenarioResult) string) []string {
	var cells []string
	for _, r := range runs {
		cells = append(cells, f(scenario(r, name)))
	}
	return cells
}

// targetOf is s's ratio target: today's (ratioTargets), or the one its run
// recorded for a scenario that has none today.
func targetOf(s *scenarioResult) float64 {
	if t, ok := ratioTargets[s.Name]; ok {
		return t
	}
	return s.RatioTarget
}

// targetVerdict is a target's text followed by whether the runs met it: met
// (by every run that has the figure), not met (by none), or in how many.
func targetVerdict(target string, met []bool) string {
	n := 0
	for _, m := range met {
		if m {
			n++
		}
	}
	switch {
	case len(met) == 0:
		return ""
	case n == len(met):
		return target + " met"
	case n == 0:
		return target + " **not met**"
	}
	return fmt.Sprintf("%s met in %d of %d runs", target, n, len(met))
}

// thousands is x rounded, with commas between thousands: 1,395.
func thousands(x float64) string {
	s := fmt.Sprint(int64(math.Round(x)))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func loadRow(runs []*report, name, label string, p99Target bool) tableRow {
	var met []bool
	cells := cellsOf(runs, name, func(s *scenarioResult) string {
		if s == nil || s.Load == nil {
			return ""
		}
		l := s.Load
		met = append(met, l.P99ms <= rushP99TargetMs)
		return fmt.Sprintf("%s (%.0f / %.0f / %.0f)", thousands(l.ThroughputRPS), l.P50ms, l.P95ms, l.P99ms)
	})
	r := tableRow{label: label, cells: cells}
	if p99Target {
		r.target = targetVerdict(fmt.Sprintf("p99 ≤ %d ms", rushP99TargetMs), met)
	}
	return r
}

// levelsRow gives the baseline's throughput at every level, the best in
// bold.
func levelsRow(runs []*report, name, label string) tableRow {
	return tableRow{label: label, cells: cellsOf(runs, name, func(s *scenarioResult) string {
		if s == nil || s.Baseline == nil {
			return ""
		}
		var tps []string
		for _, l := range s.Levels {
			t := thousands(l.TPS)
			if l.Clients == s.Baseline.Clients {
				t = "**" + t + "**"
			}
			tps = append(tps, t)
		}
		return strings.Join(tps, " / ")
	})}
}

// ratioRow gives the scenario's ratio to its baseline in bold, against
// its target.
func ratioRow(runs []*report, name, label string) tableRow {
	var (
		met    []bool
		target float64
	)
	cells := cellsOf(runs, name, func(s *scenarioResult) string {
		if s == nil || s.Ratio == 0 {
			return ""
		}
		target = targetOf(s)
		met = append(met, s.Ratio >= target)
		return fmt.Sprintf("**%.2f**", s.Ratio)
	})
	return tableRow{label: label, cells: cells, target: targetVerdict(fmt.Sprintf("≥ %.1f", target), met)}
}

// batchSizes are the buckets of the server's claim batches, in order.
var batchSizes = []string{"1", "2-3", "4-7", "8-15", "16-31", "32-63", "64+"}

func batchesRow(runs []*report) tableRow {
	return tableRow{label: "rush's claim batches (RSVPs per batch × batches)", cells: cellsOf(runs, "rush", func(s *scenarioResult) string {
		if s == nil {
			return ""
		}
		var parts []string
		for _, k := range batchSizes {
			if n := s.ClaimBatches[k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s×%d", strings.ReplaceAll(k, "-", "–"), n))
			}
		}
		return strings.Join(parts, ", ")
	})}
}

func cpuRow(runs []*report) tableRow {
	var cells []string
	for _, r := range runs {
		ms := func(name string) string {
			if s := scenario(r, name); s != nil && s.ServerCPUms > 0 {
				return fmt.Sprintf("%.2f", s.ServerCPUms)
			}
			return "–"
		}
		c := ms("rush") + " / " + ms("spread")
		if c == "– / –" {
			c = ""
		}
		cells = append(cells, c)
	}
	return tableRow{label: "server CPU per RSVP, rush / spread (ms)", cells: cells}
}

func rssRow(runs []*report) tableRow {
	var met []bool
	cells := cellsOf(runs, "rush", func(s *scenarioResult) string {
		if s == nil || s.PeakRSSBytes == 0 {
			return ""
		}
		met = append(met, s.PeakRSSBytes <= rssTarget)
		return fmt.Sprintf("**%.1f MB**", mb(s.PeakRSSBytes))
	})
	return tableRow{label: "**server peak RSS through the rush**", cells: cells, target: targetVerdict(fmt.Sprintf("≤ %d MB", rssTarget>>20), met)}
}

func fanoutRow(runs []*report) tableRow {
	return tableRow{label: "fan-out, updates/s at the sink / go-mail msgs/s (its own process; inside the tool, with the sink)", cells: cellsOf(runs, "fan-out", func(s *scenarioResult) string {
		if s == nil || s.Fanout == nil {
			return ""
		}
		f := s.Fanout
		out := thousands(f.RateMsgsPerSec) + " / " + thousands(f.BaselineRate)
		if f.InProcessRate > 0 {
			out += fmt.Sprintf(" (%s; ÷ %.2f)", thousands(f.InProcessRate), f.RateMsgsPerSec/f.InProcessRate)
		}
		return out
	})}
}

func feedsRow(runs []*report, label string, pick func(*feedsResult) (feed, static *loadResult)) tableRow {
	return tableRow{label: label, cells: cellsOf(runs, "feeds", func(s *scenarioResult) string {
		if s == nil || s.Feeds == nil {
			return ""
		}
		feed, static := pick(s.Feeds)
		if feed == nil {
			return ""
		}
		c := thousands(feed.ThroughputRPS) + " / "
		if static == nil {
			return c + "–"
		}
		return c + thousands(static.ThroughputRPS)
	})}
}

func feedsRatioRow(runs []*report) tableRow {
	var (
		met    []bool
		target float64
	)
	cells := cellsOf(runs, "feeds", func(s *scenarioResult) string {
		if s == nil || s.Feeds == nil || s.Feeds.Ratio200 == 0 {
			return ""
		}
		target = targetOf(s)
		met = append(met, s.Ratio >= target)
		return fmt.Sprintf("**%.2f / %.2f**", s.Feeds.Ratio200, s.Feeds.Ratio304)
	})
	return tableRow{label: "**feed ÷ static, 200 / 304**", cells: cells, target: targetVerdict(fmt.Sprintf("≥ %.1f", target), met)}
}

// checks is the line under the table: every check passed, or the ones
// that did not, run by run.
func checks(runs []*report) string {
	var failed []string
	n := 0
	for i, r := range runs {
		for _, s := range r.Scenarios {
			if s.Check == "" {
				continue
			}
			n++
			if !strings.HasPrefix(s.Check, "PASS") {
				failed = append(failed, fmt.Sprintf("run %d, %s: %s", i+1, s.Name, s.Check))
			}
		}
	}
	switch {
	case n == 0:
		return "No checks recorded."
	case len(failed) == 0:
		return fmt.Sprintf("Every check passed in every run (%d checks).", n)
	}
	return "Checks that did not pass:\n\n- " + strings.Join(failed, "\n- ")
}
