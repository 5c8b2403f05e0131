package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// Tool names, as the table shows them.
const (
	ToolLib = "groundwork apply (library)"
	// ToolLibConverged is the same run on a database it already converged.
	ToolLibConverged = "groundwork apply (library), already converged"
	ToolCLI          = "groundwork apply (CLI process)"
	// ToolLibVerify and ToolCLIVerify are the read-only verify, the
	// readiness probe.
	ToolLibVerify = "groundwork verify (library)"
	ToolCLIVerify = "groundwork verify (CLI process)"
	// ToolGooseCLI is goose's own command line, a process like the CLI.
	ToolGooseCLI = "goose up (CLI process, all applied)"
	ToolFloor    = "floor: plain SQL script (psql / sqlite3)"
	ToolFloorLib = "floor: same script in-process"
	ToolRowByRow = "baseline: seed's row by row"
	ToolGorm     = "GORM AutoMigrate"
	ToolAtlas    = "Atlas inspect + diff"
	ToolGoose    = "goose up (all applied)"
	ToolView     = "view query (one user)"
	// ToolViewPrepared is the same query through a prepared statement.
	ToolViewPrepared = "view query (one user), prepared"
)

// groundworkLib runs the pack in-process on db, from an open connection,
// and returns the run: its time, round trips and groundwork's own count.
// With profile set it writes a CPU profile of the run there.
func (e *env) groundworkLib(ctx context.Context, db *Database, cfg orgaccess.Config, profile string) (sample, error) {
	return e.groundworkLibMode(ctx, db, cfg, profile, core.ModeApply)
}

// groundworkLibMode is groundworkLib in mode apply or verify.
func (e *env) groundworkLibMode(ctx context.Context, db *Database, cfg orgaccess.Config, profile, mode string) (sample, error) {
	c, err := e.open(ctx, db)
	if err != nil {
		return sample{}, err
	}
	defer c.close()
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return sample{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return sample{}, err
		}
		defer pprof.StopCPUProfile()
	}
	before := c.counts.Load()
	c.counts.ResetSlowest()
	start := time.Now()
	var rep *core.Report
	if mode == core.ModeVerify {
		rep, err = c.verify(ctx, orgaccess.Steps(cfg), core.WithEnvironment(cfg.Environment))
	} else {
		rep, err = c.apply(ctx, orgaccess.Steps(cfg), core.WithEnvironment(cfg.Environment))
	}
	dur := time.Since(start)
	if err != nil {
		return sample{}, err
	}
	return sample{dur: dur, counts: c.counts.Load().Sub(before), slowest: c.counts.Slowest(), phases: c.counts.Phases(), queries: rep.Queries, note: stepSummary(rep)}, nil
}

// stepSummary names the slowest steps of a run and the time outside the
// steps (lock, verify phase, history), so a miss shows what dominates.
func stepSummary(rep *core.Report) string {
	steps := slicesOf(rep.Steps)
	sort.Slice(steps, func(i, j int) bool { return steps[i].DurationMS > steps[j].DurationMS })
	var inSteps float64
	for _, s := range rep.Steps {
		inSteps += s.DurationMS
	}
	var parts []string
	for _, s := range steps[:min(2, len(steps))] {
		parts = append(parts, fmt.Sprintf("%s %.1f ms", s.ID, s.DurationMS))
	}
	parts = append(parts, fmt.Sprintf("outside steps (lock, verify) %.1f ms", rep.DurationMS-inSteps))
	return strings.Join(parts, "; ")
}

func slicesOf(in []core.StepReport) []core.StepReport { return append([]core.StepReport{}, in...) }

// groundworkCLI runs `groundwork apply --tag orgaccess -o json` as a
// child process on db: the whole cost of a container start (exec,
// connect, run, history row), and its peak RSS (see watchPeakRSS).
func (e *env) groundworkCLI(ctx context.Context, db *Database, cfg orgaccess.Config) (sample, error) {
	return e.groundworkCLIMode(ctx, db, cfg, core.ModeApply)
}

// groundworkCLIMode runs the CLI's apply or verify.
func (e *env) groundworkCLIMode(ctx context.Context, db *Database, cfg orgaccess.Config, mode string) (sample, error) {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"GROUNDWORK_DB=" + e.d.URL(db),
		orgaccess.EnvOrgID + "=" + cfg.OrgID,
		orgaccess.EnvOrgName + "=" + cfg.OrgName,
		orgaccess.EnvAPIKey + "=" + cfg.APIKey,
		orgaccess.EnvEnv + "=" + cfg.Environment,
	}
	if len(cfg.Models) > 0 {
		env = append(env, orgaccess.EnvModels+"="+strings.Join(cfg.Models, ","))
	}
	cmd := exec.CommandContext(ctx, e.bin, mode, "--tag", orgaccess.Tag, "--output", "json")
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, fmt.Errorf("bench: groundwork CLI: %w", err)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	err := cmd.Wait()
	dur := time.Since(start)
	rssKB := peak()
	if err != nil {
		return sample{}, fmt.Errorf("bench: groundwork CLI: %w: %s", err, lastLines(stderr.String(), 5))
	}
	var rep core.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return sample{}, fmt.Errorf("bench: groundwork CLI report: %w", err)
	}
	if rep.Status != core.RunConverged {
		return sample{}, fmt.Errorf("bench: groundwork CLI: status %s: %s", rep.Status, rep.Error)
	}
	return sample{dur: dur, queries: rep.Queries, counts: Snapshot{RoundTrips: rep.Queries, Writes: -1, Conns: -1}, note: stepSummary(&rep), rssKB: rssKB}, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// planSQL is what groundwork would run on db, from a dry run: the
// statements of every pending step, arguments inlined as literals of the
// dialect (the API key shows as '***', a literal like any other). The
// floor runs exactly this, so it does the same work minus groundwork.
func (e *env) planSQL(ctx context.Context, db *Database, cfg orgaccess.Config) ([]string, [][]string, error) {
	c, err := e.open(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	defer c.close()
	reg, err := core.NewRegistry(orgaccess.Steps(cfg)...)
	if err != nil {
		return nil, nil, err
	}
	rep, err := core.NewRunner(c.gw, reg, core.WithEnvironment(cfg.Environment)).Plan(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: plan: %w", err)
	}
	var all []string
	var perStep [][]string
	for _, s := range rep.Steps {
		if s.Status == core.StatusPending && len(s.SQL) > 0 {
			all = append(all, s.SQL...)
			perStep = append(perStep, s.SQL)
		}
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("bench: plan: nothing pending on %s", db.Name)
	}
	return all, perStep, nil
}

// floor runs the script with the dialect's own client, as a process.
func (e *env) floor(ctx context.Context, db *Database, statements []string) (sample, error) {
	path := filepath.Join(e.scripts, fmt.Sprintf("floor-%d.sql", e.seq.Add(1)))
	if err := os.WriteFile(path, []byte(e.d.Script(statements)), 0o600); err != nil {
		return sample{}, err
	}
	cmd, err := e.d.FloorCommand(db, path)
	if err != nil {
		return sample{}, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	dur := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("bench: floor script %s: %w: %s", path, err, lastLines(stderr.String(), 5))
	}
	// One round trip per statement, BEGIN and COMMIT included.
	return sample{dur: dur, queries: -1, counts: Snapshot{RoundTrips: int64(len(statements) + 2), Writes: int64(len(statements)), Conns: 1}}, nil
}

// floorLib runs the same statements in-process, in one transaction, from
// an open connection: the database's share of the floor without a client
// process (and, on SQLite, with the same engine groundwork links).
func (e *env) floorLib(ctx context.Context, db *Database, statements []string) (sample, error) {
	c, err := e.open(ctx, db)
	if err != nil {
		return sample{}, err
	}
	defer c.close()
	before := c.counts.Load()
	c.counts.ResetSlowest()
	start := time.Now()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return sample{}, err
	}
	for _, s := range statements {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			_ = tx.Rollback()
			return sample{}, fmt.Errorf("bench: floor in-process: %s: %w", firstWords(s), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return sample{}, err
	}
	return sample{dur: time.Since(start), queries: -1, counts: c.counts.Load().Sub(before), slowest: c.counts.Slowest()}, nil
}
