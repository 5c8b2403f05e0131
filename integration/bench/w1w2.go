package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/groundworkdb/groundwork/core"

	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// w1 is the warm start: the pack already converged, the case every
// restart hits. groundwork verifies everything (tables, indexes, view,
// organization, models, links, members); GORM auto-migrates the three
// tables; Atlas inspects and diffs; goose reads its version table. Each
// tool has its own database, converged once by the tool itself, so the
// timed runs are all no-ops: groundwork and Atlas a copy of the
// converged one; GORM and goose a copy of the cold one (host tables and
// users) on which GORM created its tables and goose applied its
// migrations. (GORM cannot take over a database groundwork made on
// SQLite: its migrator reads DEFAULT 'Europe/Warsaw' as differing from
// the model's default, rebuilds the table to "fix" it, and fails on the
// table-level UNIQUE clause it cannot parse.)
func (e *env) w1(ctx context.Context) error {
	cold, host, err := e.hostTemplate(ctx)
	if err != nil {
		return err
	}
	defer e.drop(ctx, cold)
	e.info("W1 %s: the host is %s", e.d.Name(), host)
	warm, err := e.warmTemplate(ctx, cold)
	if err != nil {
		return err
	}
	defer e.drop(ctx, warm)
	cfg := benchOrg()

	copyOf := func(src *Database) (*Database, error) { return e.d.Clone(ctx, src) }
	dbs := map[string]*Database{}
	for _, name := range []string{ToolLib, ToolCLI, ToolAtlas, ToolGorm, ToolGoose} {
		src := warm
		if name == ToolGorm || name == ToolGoose {
			src = cold // they create their own tables
		}
		if dbs[name], err = copyOf(src); err != nil {
			return err
		}
		defer e.drop(ctx, dbs[name])
	}

	// goose's migrations are the cold plan, one file per step; applied
	// once, they make goose's database what groundwork's is.
	planDB, err := copyOf(cold)
	if err != nil {
		return err
	}
	_, perStep, err := e.planSQL(ctx, planDB, cfg)
	e.drop(ctx, planDB)
	if err != nil {
		return err
	}
	migrations := gooseMigrations(perStep)
	gooseDir := filepath.Join(e.scripts, fmt.Sprintf("goose-%s-%d", e.d.Name(), e.seq.Add(1)))
	if err := writeGooseDir(migrations, gooseDir); err != nil {
		return err
	}
	if s, err := e.gooseUp(ctx, dbs[ToolGoose], migrations); err != nil {
		return err
	} else if s.note == "0 migrations applied" {
		return fmt.Errorf("goose applied nothing on the cold database")
	}
	if _, err := e.gormAutoMigrate(ctx, dbs[ToolGorm]); err != nil {
		return err
	}
	desired, err := e.atlasDesired(ctx, dbs[ToolAtlas])
	if err != nil {
		return err
	}

	tools := []tool{
		{name: ToolLib, reps: e.cfg.Reps, db: dbs[ToolLib], run: func(ctx context.Context, db *Database) (sample, error) {
			return e.groundworkLib(ctx, db, cfg, "")
		}},
		{name: ToolGorm, reps: e.cfg.Reps, db: dbs[ToolGorm], run: e.gormAutoMigrate},
		{name: ToolAtlas, reps: e.cfg.Reps, db: dbs[ToolAtlas], run: func(ctx context.Context, db *Database) (sample, error) {
			return e.atlasInspectDiff(ctx, db, desired)
		}},
		{name: ToolGoose, reps: e.cfg.Reps, db: dbs[ToolGoose], run: func(ctx context.Context, db *Database) (sample, error) {
			return e.gooseUp(ctx, db, migrations)
		}},
		{name: ToolLibVerify, reps: e.cfg.Reps, db: dbs[ToolLib], run: func(ctx context.Context, db *Database) (sample, error) {
			return e.groundworkLibMode(ctx, db, cfg, "", core.ModeVerify)
		}},
	}
	// The whole processes, what a container start pays: groundwork's CLI
	// and goose's, paired in the same rounds.
	procs := e.w1Processes(cfg, dbs[ToolCLI], dbs[ToolGoose], gooseDir)
	if _, err := e.measure(ctx, W1, nil, true, append(tools, procs...)); err != nil {
		return err
	}
	if err := e.countOnTheWire(ctx, dbs[ToolLib], cfg); err != nil {
		return err
	}
	return e.w1Proxied(ctx, cfg, dbs[ToolCLI], dbs[ToolGoose], gooseDir)
}

// w1Processes are the CLI's apply and verify and goose's CLI up on their
// converged databases.
func (e *env) w1Processes(cfg orgaccess.Config, gw, goose *Database, gooseDir string) []tool {
	tools := []tool{
		{name: ToolCLI, reps: e.cfg.Reps, db: gw, run: func(ctx context.Context, db *Database) (sample, error) {
			return e.groundworkCLI(ctx, db, cfg)
		}},
		{name: ToolCLIVerify, reps: e.cfg.Reps, db: gw, run: func(ctx context.Context, db *Database) (sample, error) {
			return e.groundworkCLIMode(ctx, db, cfg, core.ModeVerify)
		}},
	}
	if e.goose != "" {
		tools = append(tools, tool{name: ToolGooseCLI, reps: e.cfg.Reps, db: goose, run: func(ctx context.Context, db *Database) (sample, error) {
			return e.gooseCLIUp(ctx, db, gooseDir)
		}})
	}
	return tools
}

// w1Proxied is the same process pair through the latency proxy, on a
// dialect with a server: a database some milliseconds away, where the
// round trips are what the start costs. The proxy counts the turns of
// each run (request, then response) and its connections.
func (e *env) w1Proxied(ctx context.Context, cfg orgaccess.Config, gw, goose *Database, gooseDir string) error {
	nw, ok := e.d.(networked)
	if !ok || e.cfg.ProxyDelay <= 0 {
		return nil
	}
	return withProxy(ctx, nw.ServerAddr(), e.cfg.ProxyDelay, func(p *Proxy) error {
		gwVia, err := nw.Via(gw, p.Addr())
		if err != nil {
			return err
		}
		gooseVia, err := nw.Via(goose, p.Addr())
		if err != nil {
			return err
		}
		var tools []tool
		for _, t := range e.w1Processes(cfg, gwVia, gooseVia, gooseDir) {
			run := t.run
			t.name = proxied(t.name, p.Delay())
			t.reps = e.cfg.ProxyReps
			t.run = func(ctx context.Context, db *Database) (sample, error) {
				before := p.Counts()
				s, err := run(ctx, db)
				after := p.Counts()
				s.counts.RoundTrips, s.counts.Conns = after.Turns-before.Turns, after.Conns-before.Conns
				return s, err
			}
			tools = append(tools, t)
		}
		_, err = e.measure(ctx, W1, nil, true, tools)
		return err
	})
}

// proxied is the name of a tool's row through the proxy.
func proxied(tool string, delay time.Duration) string {
	return fmt.Sprintf("%s, +%v each way (proxy)", tool, delay)
}

// w2 is the cold start: Open WebUI's tables with four users (two
// eligible) → the pack applied: 3 tables, 4 indexes, the view, 1
// organization, 12 models registered and linked, 2 members. The floor
// runs the statements of groundwork's own plan in one transaction.
func (e *env) w2(ctx context.Context) error {
	cold, err := e.coldTemplate(ctx)
	if err != nil {
		return err
	}
	defer e.drop(ctx, cold)
	return e.scaleWorkload(ctx, W2, cold, benchOrg(), e.cfg.Reps, true, nil)
}

// scaleWorkload measures groundwork (library and CLI) against the floor
// (script and in-process) on fresh clones of tmpl, and, when rowByRow is
// set, against the seed's algorithm.
func (e *env) scaleWorkload(ctx context.Context, workload string, tmpl *Database, cfg orgaccess.Config, reps int, warmup bool,
	rowByRow func(context.Context, *Database, orgaccess.Config) (sample, error)) error {
	planDB, err := e.d.Clone(ctx, tmpl)
	if err != nil {
		return err
	}
	stmts, _, err := e.planSQL(ctx, planDB, cfg)
	e.drop(ctx, planDB)
	if err != nil {
		return err
	}
	profile := func(int) string { return "" }
	if e.cfg.ProfileDir != "" {
		profile = func(n int) string {
			return fmt.Sprintf("%s/%s-%s-%d.pprof", e.cfg.ProfileDir, workload, e.d.Name(), n)
		}
	}
	tools := []tool{{name: ToolCLI, reps: reps, run: func(ctx context.Context, db *Database) (sample, error) {
		return e.groundworkCLI(ctx, db, cfg)
	}}}
	// The client may be missing (no psql or sqlite3 here): say so and
	// measure the rest.
	if _, err := e.d.FloorCommand(tmpl, os.DevNull); err != nil {
		e.note("%s on %s: no floor script run: %v", workload, e.d.Name(), err)
	} else {
		tools = append(tools, tool{name: ToolFloor, reps: reps, run: func(ctx context.Context, db *Database) (sample, error) {
			return e.floor(ctx, db, stmts)
		}})
	}
	libRun := 0
	tools = append(tools,
		tool{name: ToolLib, reps: reps, run: func(ctx context.Context, db *Database) (sample, error) {
			libRun++
			return e.groundworkLib(ctx, db, cfg, profile(libRun))
		}},
		tool{name: ToolFloorLib, reps: reps, run: func(ctx context.Context, db *Database) (sample, error) {
			return e.floorLib(ctx, db, stmts)
		}})
	if rowByRow != nil {
		tools = append(tools, tool{name: ToolRowByRow, reps: e.cfg.BaselineReps, run: func(ctx context.Context, db *Database) (sample, error) {
			return rowByRow(ctx, db, cfg)
		}})
	}
	_, err = e.measure(ctx, workload, tmpl, warmup, tools)
	return err
}
