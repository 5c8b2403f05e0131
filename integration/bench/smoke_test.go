package bench

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs every workload at tiny sizes on SQLite, so the harness
// cannot rot: every tool runs, every row and target is produced, the
// files are written. It asserts what each run did (no-ops write nothing,
// the view's plan uses its index), never how long it took.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs every workload: not in -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := SmokeConfig()
	cfg.TempDir = t.TempDir()
	res, err := Run(ctx, cfg, "go test (smoke)")
	if err != nil {
		t.Fatalf("Run: %v\nnotes: %v", err, res.Notes)
	}

	for _, w := range AllWorkloads {
		if !slices.ContainsFunc(res.Rows, func(r Row) bool { return r.Workload == w && r.Dialect == "sqlite" }) {
			t.Errorf("no row for %s on sqlite", w)
		}
	}
	for _, r := range res.Rows {
		// -1: not countable (goose's CLI, a process off the proxy).
		if r.Runs < 1 || r.MedianMS <= 0 || (r.RoundTrips < 1 && r.RoundTrips != -1) {
			t.Errorf("%s %s: runs %d, median %v ms, round trips %d: want a measured run", r.Workload, r.Tool, r.Runs, r.MedianMS, r.RoundTrips)
		}
	}
	// A warm start is a no-op for every tool: nothing written.
	for _, tool := range []string{ToolLib, ToolGorm, ToolAtlas, ToolGoose} {
		r := res.Row(W1, "sqlite", tool)
		if r == nil {
			t.Errorf("W1: no row for %s", tool)
			continue
		}
		if r.Writes != 0 {
			t.Errorf("W1 %s wrote %d statements on a converged database, want 0", tool, r.Writes)
		}
	}
	for _, tool := range []string{ToolLibVerify, ToolCLIVerify, ToolGooseCLI} {
		if res.Row(W1, "sqlite", tool) == nil {
			t.Errorf("W1: no row for %s", tool)
		}
	}
	// W7 and W8 are no-ops too.
	for _, w := range []string{W7, W8} {
		for _, r := range res.Rows {
			if r.Workload == w && r.Writes != 0 {
				t.Errorf("%s %s wrote %d statements, want 0", w, r.Tool, r.Writes)
			}
		}
	}
	if r := res.Row(W1, "sqlite", ToolLib); r != nil && r.ReportQueries < 1 {
		t.Errorf("W1: groundwork's report counted %d queries", r.ReportQueries)
	}
	// W3 and W4 really populate: the library run and the row-by-row
	// baseline write, the row-by-row one row at a time.
	for _, w := range []string{W3, W4} {
		lib, slow := res.Row(w, "sqlite", ToolLib), res.Row(w, "sqlite", ToolRowByRow)
		if lib == nil || slow == nil {
			t.Errorf("%s: missing the library or row-by-row row", w)
			continue
		}
		if lib.Writes < 1 || slow.Writes <= lib.Writes {
			t.Errorf("%s: library wrote %d statements, row by row %d: want set-based vs one per row", w, lib.Writes, slow.Writes)
		}
	}
	if len(res.Plans) != 1 || !res.Plans[0].UsesIndex {
		t.Errorf("W5 plans = %+v, want one on sqlite using %s", res.Plans, viewIndex)
	}
	if r := res.Row(W6, "sqlite", rssTool(cfg.RSSUsers[0])); r == nil || r.Extra["peak_rss_mb"] <= 0 {
		t.Errorf("W6: no peak RSS measured: %+v", r)
	}
	if res.BinaryBytes <= 0 {
		t.Errorf("binary size %d, want the size of the built CLI", res.BinaryBytes)
	}
	if len(res.Targets) == 0 {
		t.Fatal("no target evaluated")
	}
	for _, tg := range res.Targets {
		if tg.Status != Pass && tg.Status != Miss && tg.Status != NA {
			t.Errorf("target %q: status %q", tg.Name, tg.Status)
		}
	}

	dir := t.TempDir()
	if err := WriteFiles(res, dir); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "latest.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Targets", "| W1 | sqlite | " + ToolLib, "| W5 | sqlite |", "idx_org_members_user_active"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("latest.md lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "latest.json")); err != nil {
		t.Error(err)
	}
}
