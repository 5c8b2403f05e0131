// Package bench is groundwork's benchmark harness: the workloads of
// issue 7 on every dialect, against the tools users would pick instead
// (GORM AutoMigrate, Atlas, goose), the floor (the database running the
// same SQL from a plain script) and the seed's row-by-row algorithm.
//
// It is its own Go module so the peers stay out of groundwork's go.mod.
// Run it with `go run ./cmd/bench` (or `make bench` from the repository);
// the smoke test runs every workload at tiny sizes on SQLite.
package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
)

// env is one dialect's share of a run.
type env struct {
	cfg     Config
	d       Dialect
	res     *Results
	bin     string
	goose   string // goose's CLI, "" when it could not be built
	scripts string
	log     *slog.Logger
	seq     atomic.Int64
}

// Run measures every selected workload on every selected dialect.
// command is recorded in the results (how they were produced). A
// workload that fails is noted and the others go on; the error then
// says which failed.
func Run(ctx context.Context, cfg Config, command string) (*Results, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	res := newResults(cfg, command)
	if len(cfg.SQLitePragmas) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("what-if: in-process SQLite connections ran with extra pragmas %v; the CLI rows did not", cfg.SQLitePragmas))
	}
	res.GoVersion = runtime.Version()
	res.Machine = machine()
	res.LoadStart = loadavg()
	defer func() { res.LoadEnd = loadavg() }()
	work, err := os.MkdirTemp(cfg.TempDir, "gwbench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(work)

	bin := cfg.Binary
	if bin == "" {
		cfg.Logger.Info("building the CLI", "repo", cfg.RepoRoot)
		if bin, err = buildCLI(ctx, cfg.RepoRoot, work); err != nil {
			return nil, err
		}
	}
	if fi, err := os.Stat(bin); err == nil {
		res.BinaryBytes = fi.Size()
	}

	goose := cfg.GooseBinary
	if goose == "" && cfg.runs(W1) {
		cfg.Logger.Info("building goose's CLI")
		if goose, err = buildGooseCLI(ctx, filepath.Join(cfg.RepoRoot, "integration", "bench"), work); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("W1: goose's CLI not measured: %v", err))
			goose = ""
		}
	}

	var failed []string
	for _, name := range cfg.Dialects {
		d, err := newDialect(name, cfg)
		if err != nil {
			return nil, err
		}
		e := &env{cfg: cfg, d: d, res: res, bin: bin, goose: goose, scripts: work, log: cfg.Logger.With("dialect", name)}
		failed = append(failed, e.runAll(ctx)...)
	}
	evaluate(res)
	if len(failed) > 0 {
		res.Failed = true
		return res, fmt.Errorf("bench: failed: %s", strings.Join(failed, ", "))
	}
	return res, nil
}

// runAll starts the dialect's server and runs the workloads; it returns
// the names of those that failed.
func (e *env) runAll(ctx context.Context) []string {
	name := e.d.Name()
	e.log.Info("starting")
	if err := e.d.Start(ctx); err != nil {
		e.note("%s: not measured: %v", name, err)
		return []string{name}
	}
	defer func() {
		if err := e.d.Close(context.WithoutCancel(ctx)); err != nil {
			e.note("%s: stopping: %v", name, err)
		}
	}()
	workloads := []struct {
		name string
		run  func(context.Context) error
	}{
		{W1, e.w1}, {W2, e.w2}, {W3, e.w3}, {W4, e.w4}, {W5, e.w5}, {W6, e.w6}, {W7, e.w7}, {W8, e.w8},
	}
	var failed []string
	for _, w := range workloads {
		if !e.cfg.runs(w.name) {
			continue
		}
		if ctx.Err() != nil {
			failed = append(failed, w.name+"/"+name+" (interrupted)")
			continue
		}
		e.log.Info("workload", "name", w.name)
		if err := w.run(ctx); err != nil {
			e.note("%s on %s failed: %v", w.name, name, err)
			failed = append(failed, w.name+"/"+name)
		}
	}
	return failed
}

func (e *env) note(format string, args ...any) {
	e.noteAt(slog.LevelWarn, format, args...)
}

// info is a note that reports no failure (what a workload ran on): it
// goes to the results as every note does, but logs at Info.
func (e *env) info(format string, args ...any) {
	e.noteAt(slog.LevelInfo, format, args...)
}

func (e *env) noteAt(level slog.Level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.log.Log(context.Background(), level, msg)
	e.res.Notes = append(e.res.Notes, msg)
}

func (e *env) add(workload, tool string, samples []sample) *Row {
	e.res.Rows = append(e.res.Rows, rowOf(workload, e.d.Name(), tool, samples))
	r := &e.res.Rows[len(e.res.Rows)-1]
	e.log.Info("measured", "workload", workload, "tool", tool, "median_ms", r.MedianMS, "round_trips", r.RoundTrips)
	return r
}

// buildCLI builds cmd/groundwork with CGO_ENABLED=0, as `make build` does.
func buildCLI(ctx context.Context, repo, dir string) (string, error) {
	out := filepath.Join(dir, "groundwork")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./cmd/groundwork")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("bench: build the CLI in %s: %w: %s", repo, err, msg)
	}
	return out, nil
}

// machine describes this machine: cores, memory, the kind if known.
func machine() string {
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %d GiB", (kb+512*1024)/(1024*1024))
		}
	}
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = ", " + strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d cores%s%s, %s/%s", runtime.NumCPU(), mem, model, runtime.GOOS, runtime.GOARCH)
}

// loadavg is the first three fields of /proc/loadavg, or "".
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
