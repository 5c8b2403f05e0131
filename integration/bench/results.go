package bench

import (
	"slices"
	"time"
)

// Results are everything one run of the harness measured.
type Results struct {
	Date      string `json:"date"`
	Machine   string `json:"machine"`
	Command   string `json:"command"`
	GoVersion string `json:"go_version"`
	// LoadStart and LoadEnd are /proc/loadavg when the run started and
	// ended: other work on the machine shows in every figure.
	LoadStart string `json:"load_start"`
	LoadEnd   string `json:"load_end"`
	// Sizes are the workload sizes and repetitions used.
	Sizes   map[string]any `json:"sizes"`
	Rows    []Row          `json:"rows"`
	Targets []Target       `json:"targets"`
	Plans   []QueryPlan    `json:"plans"`
	// BinaryBytes is the size of the CGO_ENABLED=0 CLI binary.
	BinaryBytes int64 `json:"binary_bytes"`
	// Notes are facts the table cannot show, failures included.
	Notes  []string `json:"notes"`
	Failed bool     `json:"failed"`
}

// Row is one tool on one workload and dialect.
type Row struct {
	Workload string `json:"workload"`
	Dialect  string `json:"dialect"`
	Tool     string `json:"tool"`
	Runs     int    `json:"runs"`
	// MedianMS is the median wall-clock time of the runs (for W5 the p50
	// of the queries).
	MedianMS   float64   `json:"median_ms"`
	MinMS      float64   `json:"min_ms"`
	MaxMS      float64   `json:"max_ms"`
	SamplesMS  []float64 `json:"samples_ms"`
	RoundTrips int64     `json:"round_trips"`
	// ReportQueries is groundwork's own count (the report's "queries");
	// -1 for the other tools.
	ReportQueries int64 `json:"report_queries"`
	Writes        int64 `json:"writes"`
	Conns         int64 `json:"connections"`
	// Slowest are the slowest statements of the median run (in-process
	// runs only), as the driver answered them.
	Slowest []QueryTime `json:"slowest,omitempty"`
	// Phases are the round trips of the median run by what they were for
	// (lock, catalog, steps, history, begin/commit), in-process runs only.
	Phases map[string]int64 `json:"phases,omitempty"`
	// Extra holds workload-specific figures (p99_ms, peak_rss_mb, …).
	Extra map[string]float64 `json:"extra,omitempty"`
	Note  string             `json:"note,omitempty"`
}

// Target is one of the targets with what was measured.
type Target struct {
	Workload string  `json:"workload"`
	Dialect  string  `json:"dialect"`
	Name     string  `json:"target"`
	Measured float64 `json:"measured"`
	Unit     string  `json:"unit"`
	// Status is PASS, MISS or n/a (a figure it needs was not measured).
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// Target statuses.
const (
	Pass = "PASS"
	Miss = "MISS"
	NA   = "n/a"
)

// QueryPlan is the server's plan of a workload's query.
type QueryPlan struct {
	Workload string `json:"workload"`
	Dialect  string `json:"dialect"`
	Query    string `json:"query"`
	Plan     string `json:"plan"`
	// UsesIndex is whether the plan names the index the target wants.
	Index     string `json:"index"`
	UsesIndex bool   `json:"uses_index"`
}

func newResults(cfg Config, command string) *Results {
	return &Results{
		Date:    time.Now().UTC().Format(time.RFC3339),
		Command: command,
		Sizes: map[string]any{
			"reps": cfg.Reps, "big_reps": cfg.BigReps, "baseline_reps": cfg.BaselineReps,
			"w3_users": cfg.Users, "w4_models": cfg.Models,
			"w5_members": cfg.ViewMembers, "w5_orgs": cfg.ViewOrgs, "w5_queries": cfg.ViewQueries,
			"w6_users": cfg.RSSUsers, "w6_reps": cfg.RSSReps,
			"w7_users": cfg.RestartUsers, "w7_verify_users": cfg.VerifyUsers, "w8_host_tables": cfg.HostTables,
			"proxy_delay_ms_each_way": ms(cfg.ProxyDelay), "proxy_reps": cfg.ProxyReps,
		},
		Rows: []Row{}, Targets: []Target{}, Plans: []QueryPlan{}, Notes: []string{},
	}
}

// Row returns the row of tool on workload and dialect, or nil.
func (r *Results) Row(workload, dialect, tool string) *Row {
	for i := range r.Rows {
		if r.Rows[i].Workload == workload && r.Rows[i].Dialect == dialect && r.Rows[i].Tool == tool {
			return &r.Rows[i]
		}
	}
	return nil
}

// sample is one timed run of a tool.
type sample struct {
	dur    time.Duration
	counts Snapshot
	// queries is groundwork's report count, -1 for other tools.
	queries int64
	// rssKB is the peak RSS of a child process, 0 when in-process.
	rssKB int64
	// note describes the run (what dominated it, for groundwork).
	note string
	// slowest are the run's slowest statements, in-process runs only.
	slowest []QueryTime
	// phases are the run's round trips by phase, in-process runs only.
	phases map[string]int64
}

// rowOf summarizes samples: the median duration and the counts of the
// median run (they are the same in every run of a no-op).
func rowOf(workload, dialect, tool string, samples []sample) Row {
	sorted := slices.Clone(samples)
	slices.SortFunc(sorted, func(a, b sample) int { return int(a.dur - b.dur) })
	mid := sorted[len(sorted)/2]
	row := Row{
		Workload: workload, Dialect: dialect, Tool: tool, Runs: len(samples),
		MedianMS: median(durationsMS(samples)), MinMS: ms(sorted[0].dur), MaxMS: ms(sorted[len(sorted)-1].dur),
		SamplesMS: durationsMS(samples), RoundTrips: mid.counts.RoundTrips, ReportQueries: mid.queries,
		Writes: mid.counts.Writes, Conns: mid.counts.Conns, Note: mid.note, Slowest: mid.slowest, Phases: mid.phases,
	}
	var rss []float64
	for _, s := range samples {
		if s.rssKB > 0 {
			rss = append(rss, float64(s.rssKB)/1024)
		}
	}
	if len(rss) > 0 {
		row.Extra = map[string]float64{"peak_rss_mb": slices.Max(rss)}
	}
	return row
}

func durationsMS(samples []sample) []float64 {
	out := make([]float64, len(samples))
	for i, s := range samples {
		out[i] = ms(s.dur)
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// percentile of xs, nearest rank (p in 0…100).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := int(p/100*float64(len(s))+0.999999) - 1
	return s[max(0, min(rank, len(s)-1))]
}
