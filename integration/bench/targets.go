package bench

import (
	"fmt"
	"slices"
	"strings"
)

// The targets.
const (
	w1MaxRoundTrips = 6   // on PostgreSQL
	w1OverGorm      = 5.0 // at least this many times faster than GORM AutoMigrate
	w1OverAtlas     = 3.0 // … than Atlas inspect + diff
	w1GooseLimit    = 2.0 // at most this many times goose's time
	w2FloorLimit    = 1.5
	w34FloorLimit   = 1.3
	w34OverRowByRow = 50.0
	w5MaxP99MS      = 1.0 // on PostgreSQL
	w6MaxRSSMB      = 64.0
	// Issue 14's targets.
	w1ProcessLimit     = 1.0 // loopback, whole processes: ≤ goose's CLI
	w1ProxyApplyLimit  = 0.6 // behind the proxy (20 ms RTT)
	w1ProxyVerifyLimit = 0.5
	w7MaxMS            = 20.0 // converged restart / verify at scale, in-process
	w8MaxExtraQueries  = 0
	// w6Flat is how much the peak RSS may grow from the smallest to the
	// largest population and still count as flat.
	w6Flat = 1.2
)

// evaluate adds every target, for every dialect that has rows.
func evaluate(res *Results) {
	var dialects []string
	for _, r := range res.Rows {
		if !slices.Contains(dialects, r.Dialect) {
			dialects = append(dialects, r.Dialect)
		}
	}
	for _, d := range dialects {
		ev := evaluator{res: res, dialect: d}
		ev.w1()
		ev.w2to4()
		ev.w5()
		ev.w6()
		ev.w1Processes()
		ev.w7()
		ev.w8()
	}
}

type evaluator struct {
	res     *Results
	dialect string
}

func (ev evaluator) row(workload, tool string) *Row { return ev.res.Row(workload, ev.dialect, tool) }

// add records a target: measured op limit, where op is "<=", "<" or ">=".
func (ev evaluator) add(workload, name, unit string, measured float64, ok bool, op string, limit float64, detail string) {
	status := Miss
	if ok {
		switch op {
		case "<=":
			ok = measured <= limit
		case "<":
			ok = measured < limit
		case ">=":
			ok = measured >= limit
		}
		if ok {
			status = Pass
		}
	} else {
		status = NA
	}
	ev.res.Targets = append(ev.res.Targets, Target{
		Workload: workload, Dialect: ev.dialect, Name: name, Measured: round2(measured), Unit: unit, Status: status, Detail: detail,
	})
}

// ratio is a/b for two rows' medians, and whether both exist.
func ratio(a, b *Row) (float64, bool) {
	if a == nil || b == nil || b.MedianMS == 0 {
		return 0, false
	}
	return a.MedianMS / b.MedianMS, true
}

func pair(a, b *Row) string {
	if a == nil || b == nil {
		return "not measured"
	}
	return fmt.Sprintf("%s %.2f ms vs %s %.2f ms", a.Tool, a.MedianMS, b.Tool, b.MedianMS)
}

func (ev evaluator) w1() {
	gw := ev.row(W1, ToolLib)
	if gw == nil {
		return
	}
	if ev.dialect == "postgres" {
		ev.add(W1, fmt.Sprintf("round trips of a no-op apply ≤ %d", w1MaxRoundTrips), "round trips",
			float64(gw.ReportQueries), true, "<=", w1MaxRoundTrips,
			fmt.Sprintf("report queries %d; wire round trips %d, connections opened %d", gw.ReportQueries, gw.RoundTrips, gw.Conns))
	}
	gorm, atlas, goose := ev.row(W1, ToolGorm), ev.row(W1, ToolAtlas), ev.row(W1, ToolGoose)
	r, ok := ratio(gorm, gw)
	ev.add(W1, fmt.Sprintf("≥ %.0f× faster than GORM AutoMigrate", w1OverGorm), "×", r, ok, ">=", w1OverGorm, pair(gorm, gw))
	r, ok = ratio(atlas, gw)
	ev.add(W1, fmt.Sprintf("≥ %.0f× faster than Atlas inspect + diff", w1OverAtlas), "×", r, ok, ">=", w1OverAtlas, pair(atlas, gw))
	r, ok = ratio(gw, goose)
	ev.add(W1, fmt.Sprintf("≤ %.0f× goose up", w1GooseLimit), "×", r, ok, "<=", w1GooseLimit, pair(gw, goose))
}

func (ev evaluator) w2to4() {
	for _, w := range []string{W2, W3, W4} {
		cli, floor := ev.row(w, ToolCLI), ev.row(w, ToolFloor)
		if cli == nil {
			continue
		}
		limit := w34FloorLimit
		if w == W2 {
			limit = w2FloorLimit
		}
		r, ok := ratio(cli, floor)
		ev.add(w, fmt.Sprintf("≤ %.1f× the floor (CLI process vs client process)", limit), "×", r, ok, "<=", limit, pair(cli, floor))
		if w == W2 {
			continue
		}
		lib, slow := ev.row(w, ToolLib), ev.row(w, ToolRowByRow)
		r, ok = ratio(slow, lib)
		detail := pair(slow, lib)
		// How far the database itself can go: the floor's own ratio.
		if best, ok := ratio(slow, ev.row(w, ToolFloorLib)); ok {
			detail += fmt.Sprintf("; the floor in-process is %.1f× faster than row by row", best)
		}
		ev.add(w, fmt.Sprintf("≥ %.0f× faster than row by row (in-process, both)", w34OverRowByRow), "×", r, ok, ">=", w34OverRowByRow, detail)
	}
}

func (ev evaluator) w5() {
	view := ev.row(W5, ToolView)
	if view == nil || ev.dialect != "postgres" {
		return
	}
	ev.add(W5, fmt.Sprintf("p99 < %.0f ms", w5MaxP99MS), "ms", view.Extra["p99_ms"], true, "<", w5MaxP99MS,
		viewDetail(view, ev.row(W5, ToolViewPrepared)))
	for _, p := range ev.res.Plans {
		if p.Workload == W5 && p.Dialect == ev.dialect {
			uses := 0.0
			if p.UsesIndex {
				uses = 1
			}
			ev.add(W5, "plan uses "+viewIndex, "yes=1", uses, true, ">=", 1, "EXPLAIN (ANALYZE, BUFFERS) below")
		}
	}
}

func (ev evaluator) w6() {
	var rows []*Row
	for _, n := range rssSizes(Config{RSSUsers: ev.sizes()}) {
		if r := ev.row(W6, rssTool(n)); r != nil {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return
	}
	last := rows[len(rows)-1]
	peak := last.Extra["peak_rss_mb"]
	ev.add(W6, fmt.Sprintf("peak RSS < %.0f MB (%s)", w6MaxRSSMB, last.Tool), "MB", peak, true, "<", w6MaxRSSMB, fmt.Sprintf("binary %.1f MB", float64(ev.res.BinaryBytes)/(1<<20)))
	if len(rows) > 1 {
		first := rows[0]
		growth := peak / first.Extra["peak_rss_mb"]
		ev.add(W6, fmt.Sprintf("flat: ≤ %.1f× from the smallest to the largest population", w6Flat), "×", growth, true, "<=", w6Flat,
			fmt.Sprintf("%.1f MB → %.1f MB", first.Extra["peak_rss_mb"], peak))
	}
}

// sizes are the W6 populations measured on this dialect.
func (ev evaluator) sizes() []int {
	var out []int
	for _, r := range ev.res.Rows {
		var n int
		if r.Workload == W6 && r.Dialect == ev.dialect {
			if _, err := fmt.Sscanf(r.Tool, "groundwork apply (CLI), %d users", &n); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

func viewDetail(plain, prepared *Row) string {
	d := fmt.Sprintf("p50 %.3f ms, p90 %.3f ms, p99 %.3f ms over %d queries", plain.Extra["p50_ms"], plain.Extra["p90_ms"], plain.Extra["p99_ms"], plain.Runs)
	if prepared != nil {
		d += fmt.Sprintf("; prepared: p50 %.3f ms, p99 %.3f ms", prepared.Extra["p50_ms"], prepared.Extra["p99_ms"])
	}
	return d
}

// w1RoundTripLimit is issue 14's limit on a warm apply's (and verify's)
// round trips after connecting, by dialect.
var w1RoundTripLimit = map[string]float64{"postgres": 1, "mariadb": 2, "sqlite": 3}

// w1Processes are issue 14's W1 targets: the round trips of a warm apply
// and verify in-process, and the whole processes against goose's CLI, on
// loopback and through the proxy.
func (ev evaluator) w1Processes() {
	if limit, ok := w1RoundTripLimit[ev.dialect]; ok {
		for _, name := range []string{ToolLib, ToolLibVerify} {
			r := ev.row(W1, name)
			if r == nil {
				continue
			}
			if trips, ok := r.Extra[extraWireTrips]; ok {
				// A server: the turns a loopback proxy saw, on a plain
				// connection as users open one (see wireTrips).
				ev.add(W1, fmt.Sprintf("%s: ≤ %.0f round trips after connecting", name, limit), "round trips", trips, true, "<=", limit,
					fmt.Sprintf("turns on the wire (a proxy on loopback, the driver's own connection; %.0f connections opened); groundwork's report: %d queries; the counting wrapper saw %d calls (by phase: %s)",
						r.Extra[extraWireConns], r.ReportQueries, r.RoundTrips, phases(r.Phases)))
				continue
			}
			ev.add(W1, fmt.Sprintf("%s: ≤ %.0f round trips after connecting", name, limit), "round trips", float64(r.RoundTrips), true, "<=", limit,
				fmt.Sprintf("calls that reach the database, counted by the driver wrapper (begin/commit included); groundwork's report: %d queries; by phase: %s", r.ReportQueries, phases(r.Phases)))
		}
	}
	goose := ev.row(W1, ToolGooseCLI)
	for _, c := range []struct {
		tool  string
		limit float64
	}{{ToolCLI, w1ProcessLimit}, {ToolCLIVerify, w1ProcessLimit}} {
		gw := ev.row(W1, c.tool)
		if gw == nil {
			continue
		}
		r, ok := ratio(gw, goose)
		ev.add(W1, fmt.Sprintf("%s ≤ %.1f× goose's CLI (loopback)", c.tool, c.limit), "×", r, ok, "<=", c.limit, pair(gw, goose))
	}
	for _, r := range ev.res.Rows {
		if r.Workload != W1 || r.Dialect != ev.dialect || !strings.HasPrefix(r.Tool, ToolGooseCLI+", +") {
			continue
		}
		suffix := strings.TrimPrefix(r.Tool, ToolGooseCLI)
		goose := ev.row(W1, r.Tool)
		for _, c := range []struct {
			tool  string
			limit float64
		}{{ToolCLI, w1ProxyApplyLimit}, {ToolCLIVerify, w1ProxyVerifyLimit}} {
			gw := ev.row(W1, c.tool+suffix)
			if gw == nil {
				continue
			}
			x, ok := ratio(gw, goose)
			ev.add(W1, fmt.Sprintf("%s ≤ %.1f× goose's CLI", gw.Tool, c.limit), "×", x, ok, "<=", c.limit,
				pair(gw, goose)+fmt.Sprintf("; turns on the wire %d vs %d, connections %d vs %d", gw.RoundTrips, goose.RoundTrips, gw.Conns, goose.Conns))
		}
	}
}

// w7 is the converged restart at scale: apply and verify in milliseconds.
func (ev evaluator) w7() {
	for _, r := range ev.res.Rows {
		if r.Workload != W7 || r.Dialect != ev.dialect {
			continue
		}
		ev.add(W7, fmt.Sprintf("%s ≤ %.0f ms", r.Tool, w7MaxMS), "ms", r.MedianMS, true, "<=", w7MaxMS,
			fmt.Sprintf("%d round trips; %s", r.RoundTrips, notes(r)))
	}
}

// w8: the host's tables change a warm start's query count by zero.
func (ev evaluator) w8() {
	for _, mode := range []string{"apply", "verify"} {
		plain := ev.row(W8, hostTablesTool(mode, 0))
		var hosted *Row
		for i := range ev.res.Rows {
			r := &ev.res.Rows[i]
			if r.Workload == W8 && r.Dialect == ev.dialect && r != plain && strings.HasPrefix(r.Tool, hostTablesTool(mode, 0)+" + ") {
				hosted = r
			}
		}
		if plain == nil || hosted == nil {
			continue
		}
		x, _ := ratio(hosted, plain)
		ev.add(W8, fmt.Sprintf("%s: host tables add ≤ %d queries", hosted.Tool, w8MaxExtraQueries), "queries",
			float64(hosted.ReportQueries-plain.ReportQueries), true, "<=", w8MaxExtraQueries,
			fmt.Sprintf("%d vs %d report queries, %d vs %d round trips; time %.2f ms vs %.2f ms (%.2f×)",
				hosted.ReportQueries, plain.ReportQueries, hosted.RoundTrips, plain.RoundTrips, hosted.MedianMS, plain.MedianMS, x))
	}
}
