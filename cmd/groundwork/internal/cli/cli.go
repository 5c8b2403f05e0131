// Package cli is the groundwork command line: apply, plan, verify, steps,
// history, demo and version. Main runs it in-process with the given
// arguments, writers and environment, and returns the exit code, so
// tests need no subprocess; only package main calls os.Exit.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/history"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/internal/dburl"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/packfile"
	"github.com/groundworkdb/groundwork/steps/usage"
)

// exitError carries an exit code, and the error to print, through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// app is one invocation.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	args           []string
	mask           *masker
	st             *settings
	log            *slog.Logger

	// Selection flags of apply, plan and verify.
	stepIDs, tags, include []string
	// --limit of history.
	limit int
	// --fail-on-pending of verify.
	failOnPending bool
	// -v: the step table even when nothing changed.
	verbose bool
	// errPrinted is set once the error was shown, so Main does not repeat it.
	errPrinted bool
	// at is the step the current run is at, for the progress line.
	at atomic.Pointer[core.Progress]
	// started is when the command started: the report of a run that never
	// reached the runner (no connection) starts then.
	started time.Time
	// otel is the export configuration of --otel, nil when off (otel.go).
	otel *otelConfig
}

// Main runs the command line with args (without the program name) and
// returns the exit code. getenv is os.Getenv outside tests.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	a := &app{stdout: stdout, stderr: stderr, getenv: getenv, args: args, mask: &masker{}, limit: 20, started: time.Now()}
	defer a.stopTelemetry() // otel.go: flush before the process exits, bounded
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && !a.errPrinted {
			a.printError(ee.err)
		}
		return interruptCode(ctx, ee.code)
	}
	// cobra's own errors: an unknown command, a malformed flag.
	a.printError(&usageError{err: err})
	return ExitInvalid
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "groundwork",
		Short: "Make sure a database has every structure and row an application needs, and prove it",
		Long: `groundwork ensures the tables, indexes, views and rows of its step packs
(organization access, usage tracking) on PostgreSQL, MySQL/MariaDB and
SQLite, safely when many replicas start at once, and verifies the result.
The JSON report (-o json) is documented in docs/report.md.`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.setup(cmd) },
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: ExitInvalid, err: &usageError{err: fmt.Errorf("cli: %w: %w", err, core.ErrInvalid)}}
	})
	registerFlags(root.PersistentFlags())
	a.setHelp(root)
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "text output: the step table and every skip reason even when nothing changed")
	root.AddCommand(a.modeCommand(core.ModeApply), a.modeCommand(core.ModePlan), a.modeCommand(core.ModeVerify),
		a.stepsCommand(), a.historyCommand(), a.demoCommand(), a.versionCommand())
	return root
}

// setup resolves the settings and builds the logger; it runs before
// every command.
func (a *app) setup(cmd *cobra.Command) error {
	st, err := resolve(cmd.Flags(), a.getenv)
	if err != nil {
		return &exitError{code: ExitInvalid, err: err}
	}
	a.st = st
	a.mask.add(st.Org.APIKey)
	if err := a.setupLogger(); err != nil {
		return err
	}
	return a.setupTelemetry() // otel.go
}

// setupLogger builds the stderr logger of the settings; every record
// goes through the masker.
func (a *app) setupLogger() error {
	opts := &slog.HandlerOptions{Level: logLevel(a.st.LogLevel), ReplaceAttr: a.mask.replaceAttr}
	var h slog.Handler = slog.NewTextHandler(a.stderr, opts)
	if a.st.LogFormat == "json" {
		h = slog.NewJSONHandler(a.stderr, opts)
	}
	a.log = slog.New(maskHandler{Handler: h, m: a.mask})
	return nil
}

func logLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "error":
		return slog.LevelError
	}
	return slog.LevelWarn
}

// registry is every step the CLI knows, in run order: the opt-in host
// tables, extra (the demo's), the organization-access pack, the usage pack.
func registry(cfg orgaccess.Config, extra ...core.Step) (*core.Registry, error) {
	steps := append([]core.Step{orgaccess.HostTables()}, extra...)
	steps = append(steps, orgaccess.Steps(cfg)...)
	steps = append(steps, usage.Steps()...)
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		return nil, fmt.Errorf("cli: %w", err)
	}
	return reg, nil
}

// registry is the CLI's registry with the steps of the --pack files, each
// checked whole first: a bad pack is an ErrInvalid (exit 2) before
// anything is written.
func (a *app) registry() (*core.Registry, error) {
	packs, err := packfile.LoadAll(a.st.Packs...)
	if err != nil {
		return nil, fmt.Errorf("cli: %w", err)
	}
	return registry(a.st.Org, packs...)
}

func (a *app) modeCommand(mode string) *cobra.Command {
	short := map[string]string{
		core.ModeApply:  "Make every selected step hold, then verify (writes)",
		core.ModePlan:   "Print what apply would do, with the exact SQL of each step (writes nothing)",
		core.ModeVerify: "Check every selected step, read-only: the readiness probe",
	}[mode]
	cmd := &cobra.Command{
		Use:   mode,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runMode(cmd.Context(), mode)
		},
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&a.stepIDs, "step", nil, "run only the step with this id (repeatable)")
	fs.StringSliceVar(&a.tags, "tag", nil, "run only the steps with this tag (repeatable)")
	fs.StringSliceVar(&a.include, "include", nil, "also run this opt-in step, by id (repeatable), e.g. "+orgaccess.HostTablesID)
	// Only verify ends pending (rows the next apply adds); apply adds
	// them, and what arrives while it runs is the next run's.
	if mode == core.ModeVerify {
		fs.BoolVar(&a.failOnPending, "fail-on-pending", false, fmt.Sprintf("exit %d when verify ends pending (rows the next apply adds) instead of 0", ExitPending))
	}
	return cmd
}

func (a *app) selection() core.Selection {
	return core.Selection{IDs: a.stepIDs, Tags: a.tags, Include: a.include}
}

// commandContext bounds the whole command (connecting included) by --timeout.
func (a *app) commandContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.st.Timeout > 0 {
		return context.WithTimeout(ctx, a.st.Timeout)
	}
	return context.WithCancel(ctx)
}

func (a *app) runMode(ctx context.Context, mode string) error {
	ctx, cancel := a.commandContext(ctx)
	defer cancel()
	reg, err := a.registry()
	if err != nil {
		return a.fail(mode, err)
	}
	sel := a.selection()
	selected, err := reg.Select(sel)
	if err != nil {
		return a.fail(mode, fmt.Errorf("cli: %w", err))
	}
	if err := a.requireDB(); err != nil {
		return a.fail(mode, err)
	}
	u, err := a.parseDB(a.st.DB, a.st.dbFrom)
	if err != nil {
		return a.fail(mode, err)
	}
	if err := sqliteCheck(u, mode != core.ModeApply); err != nil {
		return a.fail(mode, err)
	}
	warning, err := a.orgCheck(mode, selected)
	if err != nil {
		return a.fail(mode, err)
	}
	db, err := a.open(ctx, u, mode != core.ModeApply)
	if err != nil {
		return a.fail(mode, notReady(u, err))
	}
	if warning != "" {
		a.log.Warn(warning)
	}
	defer db.close()
	a.log.Debug("database open", "db", u.Redacted(), "dialect", u.Dialect)
	if pg, ok := db.driver.(*postgres.Driver); ok && mode == core.ModeApply {
		lockMode, why := pg.LockMode()
		a.log.Info("lock mode", "mode", lockMode, "why", why)
	}
	if mode == core.ModeApply && a.st.AfterHost {
		if err := orgaccess.WaitForHost(ctx, db.driver, a.st.Org.Host, a.st.AfterHostTimeout, 0, a.log); err != nil {
			return a.fail(mode, err)
		}
	}
	runner := core.NewRunner(db.driver, reg, a.runnerOptions(sel)...)
	stop := a.progress(mode)
	var rep *core.Report
	switch mode {
	case core.ModeApply:
		rep, err = runner.Apply(ctx)
	case core.ModePlan:
		rep, err = runner.Plan(ctx)
	default:
		rep, err = runner.Verify(ctx)
	}
	stop()
	if rep != nil && warning != "" {
		rep.Warnings = append(rep.Warnings, warning)
	}
	return a.finish(rep, err)
}

// postgresOptions are the driver options of the lock settings.
func (a *app) postgresOptions() []postgres.Option {
	mode, _ := postgres.ParseLockMode(a.st.LockMode) // validated with the settings
	return []postgres.Option{postgres.WithLockMode(mode), postgres.WithLeaseTTL(a.st.LeaseTTL), postgres.WithStepTimeout(a.st.StepTimeout)}
}

func (a *app) runnerOptions(sel core.Selection) []core.Option {
	return append([]core.Option{
		core.WithLogger(a.log),
		core.WithLockTimeout(a.st.LockTimeout),
		core.WithStepTimeout(a.st.StepTimeout),
		core.WithSelection(sel),
		core.WithEnvironment(a.st.Org.Environment),
		core.WithRecorder(history.NewRecorder(version().Version, a.mask.mask)),
		core.WithRecordAll(a.st.RecordAll),
		core.WithProgress(func(p core.Progress) { a.at.Store(&p) }),
	}, a.telemetryOptions()...) // otel.go
}

// fail reports an error that stopped the command before or instead of a
// run: in JSON mode stdout still gets a report, with status failed.
func (a *app) fail(mode string, err error) error {
	rep := &core.Report{FormatVersion: core.ReportFormatVersion, Mode: mode, Status: core.RunFailed,
		StartedAt: a.started.UTC(), DurationMS: float64(time.Since(a.started).Microseconds()) / 1000, Steps: []core.StepReport{}}
	if a.st.Output == "json" {
		rep.Error = userMessage(err)
		a.printReport(rep)
	}
	return &exitError{code: a.exitCode(rep, err), err: err}
}

// finish prints the report and turns it into the exit code.
func (a *app) finish(rep *core.Report, err error) error {
	a.printReport(rep)
	code := a.exitCode(rep, err)
	if code == ExitOK {
		return nil
	}
	switch {
	case code == ExitDrift && err == nil && rep.Mode == core.ModeApply:
		err = errDrift
	case code == ExitDrift && err == nil && rep.Mode == core.ModeVerify:
		err = errVerifyDrift
	case code == ExitRetryable && err == nil:
		err = fmt.Errorf("%w: %s", errHostNotReady, hostMissing(rep))
	}
	return &exitError{code: code, err: err}
}

// errDrift is what apply and verify say when they end with drift: the
// report lists it; the hint says what a person can do.
var (
	errDrift       = errors.New("drift that groundwork will not heal without losing data (listed above): a person must decide")
	errVerifyDrift = errors.New("the database differs from what the steps want (listed above)")
	// errHostNotReady: verify found Open WebUI's tables missing.
	errHostNotReady = errors.New("not ready: Open WebUI has not created its tables yet")
)

// parseDB parses a database URL and registers its secrets with the masker.
func (a *app) parseDB(s, from string) (dburl.URL, error) {
	u, err := dburl.Parse(s)
	if err != nil {
		return u, fmt.Errorf("cli: database URL (from %s): %w", from, err)
	}
	a.mask.add(u.Secrets()...)
	return u, nil
}

func (a *app) stepsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "steps",
		Short: "List the steps in run order: ids, descriptions, dependencies, tags",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			reg, err := a.registry()
			if err != nil {
				return &exitError{code: ExitInvalid, err: err}
			}
			a.printSteps(reg.Infos())
			return nil
		},
	}
}

func (a *app) historyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Show the last apply runs recorded in the database (table " + history.TableName + ")",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.limit <= 0 {
				return &exitError{code: ExitInvalid, err: fmt.Errorf("cli: --limit %d: must be positive: %w", a.limit, core.ErrInvalid)}
			}
			ctx, cancel := a.commandContext(cmd.Context())
			defer cancel()
			db, err := a.historyDB(ctx)
			if err != nil {
				return err
			}
			defer db.close()
			runs, err := history.List(ctx, db.driver, a.limit)
			if err != nil {
				return &exitError{code: a.exitCode(nil, err), err: fmt.Errorf("cli: %w", err)}
			}
			a.printHistory(runs)
			return nil
		},
	}
	cmd.Flags().IntVar(&a.limit, "limit", 20, "how many runs to show, newest first")
	cmd.AddCommand(a.historyShowCommand())
	return cmd
}

// historyDB opens the database of a history command, read-only.
func (a *app) historyDB(ctx context.Context) (*database, error) {
	if err := a.requireDB(); err != nil {
		return nil, &exitError{code: ExitInvalid, err: err}
	}
	u, err := a.parseDB(a.st.DB, a.st.dbFrom)
	if err != nil {
		return nil, &exitError{code: ExitInvalid, err: err}
	}
	if err := sqliteCheck(u, true); err != nil {
		return nil, &exitError{code: ExitInvalid, err: err}
	}
	db, err := a.open(ctx, u, true)
	if err != nil {
		err = notReady(u, err)
		return nil, &exitError{code: a.exitCode(nil, err), err: err}
	}
	return db, nil
}

func (a *app) historyShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one recorded run: what each step changed, drifted, skipped or failed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return &exitError{code: ExitInvalid, err: fmt.Errorf("cli: history show %q: want a run id from groundwork history: %w", args[0], core.ErrInvalid)}
			}
			ctx, cancel := a.commandContext(cmd.Context())
			defer cancel()
			db, err := a.historyDB(ctx)
			if err != nil {
				return err
			}
			defer db.close()
			run, err := history.Get(ctx, db.driver, id)
			if errors.Is(err, history.ErrNotFound) {
				return &exitError{code: ExitInvalid, err: fmt.Errorf("cli: no run %d is recorded (groundwork history lists them): %w", id, core.ErrInvalid)}
			}
			if err != nil {
				return &exitError{code: a.exitCode(nil, err), err: fmt.Errorf("cli: %w", err)}
			}
			a.printRun(run)
			return nil
		},
	}
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		// version works whatever the other settings say.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(cmd); err != nil {
				out, _ := cmd.Flags().GetString("output")
				if out != "json" {
					out = "text"
				}
				a.st = &settings{Output: out, LogLevel: "warn", LogFormat: "text"}
				return a.setupLogger()
			}
			return nil
		},
		RunE: func(*cobra.Command, []string) error {
			v := version()
			if a.st.Output == "json" {
				a.printJSON(v)
				return nil
			}
			line := "groundwork " + v.Version + " (" + v.Go
			if v.Revision != "" {
				line += ", " + v.Revision
			}
			fmt.Fprintln(a.stdout, line+")")
			return nil
		},
	}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// pluralize returns "1 step" or "2 steps".
func pluralize(n int, word string) string { return plural(n, word, word+"s") }

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
