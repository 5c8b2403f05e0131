// Command library is the README's Go API example, kept compiling.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

func main() {
	ctx := context.Background()
	drv, err := sqlite.Open("app.db") // or postgres.Open(ctx, "postgres://…")
	if err != nil {
		panic(err)
	}
	defer drv.Close()
	cfg, err := orgaccess.ConfigFromEnv(os.Getenv)
	if err != nil {
		panic(err)
	}
	reg, err := core.NewRegistry(orgaccess.Steps(cfg)...) // add your own steps here
	if err != nil {
		panic(err) // duplicate id, unknown dependency or cycle, named
	}
	runner := core.NewRunner(drv, reg,
		core.WithLogger(slog.Default()),
		core.WithLockTimeout(time.Minute))
	report, err := runner.Apply(ctx) // also Plan (dry run) and Verify (read-only)
	var se *core.StepError
	if errors.As(err, &se) {
		slog.Error("step failed", "step", se.Step, "phase", se.Phase, "err", se.Err)
		os.Exit(1)
	} else if err != nil {
		panic(err) // lock timeout (*core.LockError), connection, …
	}
	slog.Info("groundwork", "status", report.Status, "changed", report.Changed) // converged | drift; JSON-able
}
