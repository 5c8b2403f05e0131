package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// WriteFiles writes res as dir/latest.md and dir/latest.json.
func WriteFiles(res *Results, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "latest.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	var md strings.Builder
	Markdown(&md, res)
	if err := os.WriteFile(filepath.Join(dir, "latest.md"), []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// Markdown renders the results: the targets first (what passed, what
// missed), then every measurement, then the query plans.
func Markdown(w io.Writer, res *Results) {
	fmt.Fprintf(w, "# groundwork benchmarks\n\n")
	fmt.Fprintf(w, "- date: %s\n- machine: %s\n- load average (1, 5, 15 min) at start: %s; at end: %s\n- Go: %s\n- command: `%s`\n",
		res.Date, res.Machine, res.LoadStart, res.LoadEnd, res.GoVersion, res.Command)
	fmt.Fprintf(w, "- sizes: %s\n", sizes(res.Sizes))
	if res.BinaryBytes > 0 {
		fmt.Fprintf(w, "- CLI binary (CGO_ENABLED=0, -trimpath): %.1f MB\n", float64(res.BinaryBytes)/(1<<20))
	}
	fmt.Fprintf(w, "\n## Targets\n\n| workload | dialect | target | measured | result | detail |\n|---|---|---|---|---|---|\n")
	for _, t := range res.Targets {
		fmt.Fprintf(w, "| %s | %s | %s | %s | **%s** | %s |\n", t.Workload, t.Dialect, cell(t.Name), measured(t), t.Status, cell(t.Detail))
	}
	sideBySide(w, res)
	fmt.Fprintf(w, "\n## Measurements\n\nMedian of the runs; round trips are the calls that reached the database "+
		"(query, exec, begin, commit) counted by a database/sql wrapper every tool shares (for the CLI and the scripts: "+
		"the report's `queries` and the number of statements); `conns` are connections opened during the run.\n\n")
	fmt.Fprintf(w, "| workload | dialect | tool | median ms | min–max ms | runs | round trips | groundwork queries | writes | conns | notes |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range res.Rows {
		q := "—"
		if r.ReportQueries >= 0 {
			q = fmt.Sprint(r.ReportQueries)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.2f | %.2f–%.2f | %d | %s | %s | %s | %s | %s |\n",
			r.Workload, r.Dialect, cell(r.Tool), r.MedianMS, r.MinMS, r.MaxMS, r.Runs, known(r.RoundTrips), q, known(r.Writes), known(r.Conns), cell(notes(r)))
	}
	for _, p := range res.Plans {
		fmt.Fprintf(w, "\n## %s plan on %s (uses %s: %v)\n\n```sql\n%s\n```\n\n```\n%s\n```\n", p.Workload, p.Dialect, p.Index, p.UsesIndex, p.Query, p.Plan)
	}
	if len(res.Notes) > 0 {
		fmt.Fprintf(w, "\n## Notes\n\n")
		for _, n := range res.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

// known renders a count, or a dash when it was not measured (-1).
func known(n int64) string {
	if n < 0 {
		return "—"
	}
	return fmt.Sprint(n)
}

func measured(t Target) string {
	if t.Status == NA {
		return "—"
	}
	switch t.Unit {
	case "×":
		return fmt.Sprintf("%.2f×", t.Measured)
	case "yes=1":
		if t.Measured >= 1 {
			return "yes"
		}
		return "no"
	}
	return fmt.Sprintf("%g %s", t.Measured, t.Unit)
}

func notes(r Row) string {
	var parts []string
	for _, k := range []string{"p90_ms", "p99_ms", "peak_rss_mb"} {
		if v, ok := r.Extra[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.3f", k, v))
		}
	}
	if r.Note != "" {
		parts = append(parts, r.Note)
	}
	if len(r.Phases) > 0 {
		parts = append(parts, "round trips by phase: "+phases(r.Phases))
	}
	if len(r.Slowest) > 0 {
		parts = append(parts, fmt.Sprintf("slowest statement %.1f ms: `%s`", r.Slowest[0].MS, oneLine(r.Slowest[0].Query, 60)))
	}
	return strings.Join(parts, "; ")
}

func sizes(m map[string]any) string {
	keys := []string{"reps", "big_reps", "baseline_reps", "w3_users", "w4_models", "w5_members", "w5_orgs", "w5_queries", "w6_users", "w6_reps",
		"w7_users", "w7_verify_users", "w8_host_tables", "proxy_delay_ms_each_way", "proxy_reps"}
	var parts []string
	for _, k := range keys {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, ", ")
}

// cell keeps a value inside its table cell.
func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

// phases renders round trips by phase in a fixed order, then the rest.
func phases(m map[string]int64) string {
	order := []string{"ping", PhaseLock, PhaseCatalog, PhaseSteps, PhaseTx, PhaseHistory}
	var parts []string
	for _, k := range order {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", k, v))
		}
	}
	var rest []string
	for k, v := range m {
		if !slices.Contains(order, k) {
			rest = append(rest, fmt.Sprintf("%s %d", k, v))
		}
	}
	slices.Sort(rest)
	return strings.Join(append(parts, rest...), ", ")
}

// sideBySide is W1 as users pay it: whole processes, groundwork's apply
// and verify against goose's CLI, paired medians of the same rounds, on
// loopback and through the latency proxy.
func sideBySide(w io.Writer, res *Results) {
	type line struct{ dialect, network, suffix string }
	var lines []line
	for _, r := range res.Rows {
		if r.Workload != W1 || !strings.HasPrefix(r.Tool, ToolGooseCLI) {
			continue
		}
		suffix := strings.TrimPrefix(r.Tool, ToolGooseCLI)
		network := "loopback"
		if suffix != "" {
			network = strings.TrimSuffix(strings.TrimPrefix(suffix, ", "), " (proxy)") + " (proxy)"
		}
		lines = append(lines, line{r.Dialect, network, suffix})
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Warm start as whole processes, side by side\n\n"+
		"Converged database, each tool a process (exec, connect, run, exit), median of the runs, the tools interleaved round by round. "+
		"Turns are request/response round trips the proxy saw (connection set-up included); on loopback groundwork's own query count.\n\n"+
		"| dialect | network | groundwork apply ms | groundwork verify ms | goose up ms | apply / goose | verify / goose | turns apply / verify / goose | connections apply / verify / goose |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, l := range lines {
		a, v, g := res.Row(W1, l.dialect, ToolCLI+l.suffix), res.Row(W1, l.dialect, ToolCLIVerify+l.suffix), res.Row(W1, l.dialect, ToolGooseCLI+l.suffix)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s / %s / %s | %s / %s / %s |\n", l.dialect, l.network,
			medianOf(a), medianOf(v), medianOf(g), ratioOf(a, g), ratioOf(v, g),
			tripsOf(a), tripsOf(v), tripsOf(g), connsOf(a), connsOf(v), connsOf(g))
	}
}

func medianOf(r *Row) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", r.MedianMS)
}

func ratioOf(a, b *Row) string {
	if x, ok := ratio(a, b); ok {
		return fmt.Sprintf("%.2f×", x)
	}
	return "—"
}

func tripsOf(r *Row) string {
	if r == nil {
		return "—"
	}
	return known(r.RoundTrips)
}

func connsOf(r *Row) string {
	if r == nil {
		return "—"
	}
	return known(r.Conns)
}
