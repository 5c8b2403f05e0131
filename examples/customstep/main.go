// Command customstep runs an integrator's own step pack (package quotas)
// beside groundwork's built-in organization-access pack, in one explicit
// registry, and prints the JSON report.
//
//	OPENROUTER_EXTERNAL_USER=acme ORGANIZATION_NAME=Acme OPENROUTER_API_KEY=sk-or-… \
//	  go run ./examples/customstep -db customstep.db          # SQLite file
//	go run ./examples/customstep -db 'postgres://app:secret@127.0.0.1/app'
//
// Exit status: 0 converged, 1 failed, 3 drift.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/examples/customstep/quotas"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// envQuota sets the seeded monthly token limit.
const envQuota = "QUOTA_MONTHLY_TOKENS"

func main() {
	db := flag.String("db", "customstep.db", "SQLite file, or a postgres:// URL")
	hostTables := flag.Bool("host-tables", false, "also create minimal Open WebUI host tables (user, model, config), for a demo on an empty database")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	code := run(ctx, *db, *hostTables, os.Getenv, os.Stdout, log)
	stop()
	os.Exit(code)
}

// run applies the registry to the database db and writes the report to
// out; it returns the exit status.
func run(ctx context.Context, db string, hostTables bool, getenv func(string) string, out io.Writer, log *slog.Logger) int {
	reg, err := registry(getenv)
	if err != nil {
		log.Error("invalid configuration", "err", err)
		return 1
	}
	drv, err := open(ctx, db)
	if err != nil {
		log.Error("cannot open the database", "err", err)
		return 1
	}
	defer drv.Close()
	opts := []core.Option{core.WithLogger(log), core.WithLockTimeout(time.Minute)}
	if hostTables {
		opts = append(opts, core.WithSelection(core.Selection{Include: []string{orgaccess.HostTablesID}}))
	}
	rep, err := core.NewRunner(drv, reg, opts...).Apply(ctx)
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rep) // a report never holds a secret
	var se *core.StepError
	switch {
	case errors.As(err, &se):
		log.Error("step failed", "step", se.Step, "phase", se.Phase, "err", se.Err)
		return 1
	case err != nil:
		log.Error("run failed", "err", err)
		return 1
	case rep.Status == core.RunDrift:
		log.Warn("drift that groundwork will not heal", "drift", rep.Drift())
		return 3
	}
	log.Info("converged", "changed", rep.Changed, "statements", rep.Statements)
	return 0
}

// registry is the integrator's explicit registry: the built-in pack (with
// its opt-in host-table step, selected only by -host-tables) and the
// quotas pack. Nothing registers itself; the order of the packs does not
// matter, the declared dependencies do.
func registry(getenv func(string) string) (*core.Registry, error) {
	orgCfg, err := orgaccess.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	quotaCfg := quotas.Config{OrgID: orgCfg.OrgID}
	if s := strings.TrimSpace(getenv(envQuota)); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("customstep: %s=%q is not a number: %w", envQuota, s, core.ErrInvalid)
		}
		quotaCfg.MonthlyTokens = n
	}
	steps := append(quotas.Steps(quotaCfg), orgaccess.HostTables())
	steps = append(steps, orgaccess.Steps(orgCfg)...)
	return core.NewRegistry(steps...)
}

// driver is a core.Driver that can be closed.
type driver interface {
	core.Driver
	Close() error
}

// open opens a PostgreSQL URL or an SQLite file path.
func open(ctx context.Context, db string) (driver, error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		return postgres.Open(ctx, db)
	}
	// MariaDB/MySQL: drivers/mysql.Open(ctx, dsn) with a go-sql-driver DSN
	// (user:password@tcp(host:3306)/app); the packs need no change.
	return sqlite.Open(db)
}
