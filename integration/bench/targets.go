package bench

import (
	"fmt"
	"slices"
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
