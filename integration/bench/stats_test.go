package bench

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestMedianAndPercentile(t *testing.T) {
	tests := []struct {
		xs       []float64
		med, p99 float64
	}{
		{[]float64{3}, 3, 3},
		{[]float64{5, 1, 3}, 3, 5},
		{[]float64{4, 1, 3, 2}, 2.5, 4},
		{nil, 0, 0},
	}
	for _, tt := range tests {
		if got := median(tt.xs); got != tt.med {
			t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.med)
		}
		if got := percentile(tt.xs, 99); got != tt.p99 {
			t.Errorf("percentile(%v, 99) = %v, want %v", tt.xs, got, tt.p99)
		}
	}
	xs := make([]float64, 100)
	for i := range xs {
		xs[i] = float64(i + 1)
	}
	if got := percentile(xs, 99); got != 99 {
		t.Errorf("p99 of 1…100 = %v, want 99", got)
	}
	if got := percentile(xs, 50); got != 50 {
		t.Errorf("p50 of 1…100 = %v, want 50", got)
	}
}

func TestIsWrite(t *testing.T) {
	tests := map[string]bool{
		"CREATE TABLE t (a int)":               true,
		"  insert into t values (1)":           true,
		"(INSERT INTO t SELECT 1)":             true,
		"DO $$ BEGIN END $$":                   false,
		"SELECT 1":                             false,
		"select count(*) from sqlite_master":   false,
		"WITH x AS (SELECT 1) SELECT * FROM x": false,
		"comment on view v is 'x'":             true,
	}
	for q, want := range tests {
		if got := isWrite(q); got != want {
			t.Errorf("isWrite(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestUsesIndex(t *testing.T) {
	tests := []struct {
		plan string
		want bool
	}{
		{"->  Index Scan using idx_org_members_user_active on organization_members m", true},
		{"SEARCH m USING INDEX idx_org_members_user_active (user_id=? AND is_active=?)", true},
		{"table=m type=ref key=idx_org_members_user_active rows=1", true},
		{"table=m type=ref possible_keys=idx_org_members_user_active key=idx_org_members_org_active", false},
		{"Seq Scan on organization_members m", false},
	}
	for _, tt := range tests {
		if got := usesIndex(tt.plan, viewIndex); got != tt.want {
			t.Errorf("usesIndex(%q) = %v, want %v", tt.plan, got, tt.want)
		}
	}
}

func TestTargetsEvaluate(t *testing.T) {
	res := &Results{}
	row := func(w, tool string, medianMS float64, queries int64) Row {
		return Row{Workload: w, Dialect: "postgres", Tool: tool, MedianMS: medianMS, ReportQueries: queries, Runs: 1}
	}
	res.Rows = []Row{
		row(W1, ToolLib, 2, 6), row(W1, ToolGorm, 20, -1), row(W1, ToolAtlas, 5, -1), row(W1, ToolGoose, 1.5, -1),
		row(W3, ToolCLI, 130, 5), row(W3, ToolFloor, 100, -1), row(W3, ToolLib, 10, 5), row(W3, ToolRowByRow, 400, -1),
	}
	evaluate(res)
	want := map[string]string{
		"round trips of a no-op apply ≤ 6":                 Pass,
		"≥ 5× faster than GORM AutoMigrate":                Pass, // 10×
		"≥ 3× faster than Atlas inspect + diff":            Miss, // 2.5×
		"≤ 2× goose up":                                    Pass, // 1.33×
		"≤ 1.3× the floor (CLI process vs client process)": Pass, // exactly 1.3
		"≥ 50× faster than row by row (in-process, both)":  Miss, // 40×
	}
	got := map[string]string{}
	for _, tg := range res.Targets {
		got[tg.Name] = tg.Status
	}
	for name, status := range want {
		if got[name] != status {
			t.Errorf("%s: %q, want %q (all: %v)", name, got[name], status, got)
		}
	}
}

func TestRowOfTakesTheMedian(t *testing.T) {
	s := func(d time.Duration, rt int64) sample {
		return sample{dur: d, counts: Snapshot{RoundTrips: rt}, queries: -1}
	}
	r := rowOf(W1, "sqlite", "x", []sample{s(3*time.Millisecond, 3), s(time.Millisecond, 1), s(2*time.Millisecond, 2)})
	if r.MedianMS != 2 || r.MinMS != 1 || r.MaxMS != 3 || r.RoundTrips != 2 || r.Runs != 3 {
		t.Errorf("rowOf = %+v, want median 2 ms (2 round trips), min 1, max 3, 3 runs", r)
	}
}

func TestVMHWM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	status := "Name:\tgroundwork\nVmPeak:\t  812345 kB\nVmHWM:\t   45123 kB\nVmRSS:\t   40000 kB\n"
	if err := os.WriteFile(path, []byte(status), 0o600); err != nil {
		t.Fatal(err)
	}
	if kb, ok := vmHWM(path); !ok || kb != 45123 {
		t.Errorf("vmHWM = %d, %v; want 45123, true", kb, ok)
	}
	if _, ok := vmHWM(filepath.Join(t.TempDir(), "gone")); ok {
		t.Error("vmHWM of a missing file: want not ok")
	}
}

func TestWatchPeakRSSOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc here")
	}
	stop := watchPeakRSS(os.Getpid())
	time.Sleep(3 * rssPoll)
	if kb := stop(); kb <= 0 {
		t.Errorf("peak RSS of the test process = %d KiB, want > 0", kb)
	}
}

func TestMergeReplacesWhatWasMeasuredAgain(t *testing.T) {
	dir := t.TempDir()
	old := &Results{
		Date: "then", Command: "full run", Failed: true,
		Rows: []Row{
			{Workload: W1, Dialect: "sqlite", Tool: ToolLib, MedianMS: 2, Runs: 1},
			{Workload: W5, Dialect: "mariadb", Tool: ToolView, MedianMS: 900, Runs: 1},
		},
		Notes: []string{"W5 on mariadb failed: context canceled", "W2 on sqlite: kept"},
	}
	if err := WriteFiles(old, dir); err != nil {
		t.Fatal(err)
	}
	fresh := &Results{Date: "now", Command: "W5 again", Rows: []Row{{Workload: W5, Dialect: "mariadb", Tool: ToolView, MedianMS: 1, Runs: 1}}}
	got, err := Merge(filepath.Join(dir, "latest.json"), fresh)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) != 2 || got.Row(W5, "mariadb", ToolView).MedianMS != 1 || got.Row(W1, "sqlite", ToolLib) == nil {
		t.Errorf("rows = %+v, want the stored W1 row and the fresh W5 row", got.Rows)
	}
	if got.Failed || slices.Contains(got.Notes, "W5 on mariadb failed: context canceled") || !slices.Contains(got.Notes, "W2 on sqlite: kept") {
		t.Errorf("failed %v, notes %q: want the W5 failure gone, the rest kept", got.Failed, got.Notes)
	}
	if got.Command != "full run" {
		t.Errorf("command %q, want the stored run's", got.Command)
	}
}
