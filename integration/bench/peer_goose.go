package bench

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"

	"github.com/pressly/goose/v3"
)

// gooseMigrations turns the statements groundwork's plan would run on a
// cold database, step by step, into one goose SQL migration per step: the
// versioned scripts a goose user would have written for the same objects
// and rows.
func gooseMigrations(perStep [][]string) fs.FS {
	fsys := fstest.MapFS{}
	for i, stmts := range perStep {
		var b strings.Builder
		b.WriteString("-- +goose Up\n")
		for _, s := range stmts {
			b.WriteString("-- +goose StatementBegin\n")
			b.WriteString(strings.TrimRight(strings.TrimSpace(s), ";"))
			b.WriteString(";\n-- +goose StatementEnd\n")
		}
		fsys[fmt.Sprintf("%05d_step.sql", i+1)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return fsys
}

// gooseUp opens a goose provider on an open connection and runs up: with
// every migration applied it reads its version table and does nothing
// else (it checks none of the objects).
func (e *env) gooseUp(ctx context.Context, db *Database, migrations fs.FS) (sample, error) {
	c, err := e.open(ctx, db)
	if err != nil {
		return sample{}, err
	}
	defer c.close()
	before := c.counts.Load()
	c.counts.ResetSlowest()
	start := time.Now()
	p, err := goose.NewProvider(e.d.Goose(), c.db, migrations)
	if err != nil {
		return sample{}, fmt.Errorf("bench: goose: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return sample{}, fmt.Errorf("bench: goose: up: %w", err)
	}
	dur := time.Since(start)
	return sample{dur: dur, queries: -1, counts: c.counts.Load().Sub(before), slowest: c.counts.Slowest(), note: fmt.Sprintf("%d migrations applied", len(results))}, nil
}

// gooseCLITags leave out the drivers the harness does not measure, whose
// modules are not in go.sum (ClickHouse, MSSQL, Vertica, YDB, Turso).
const gooseCLITags = "no_clickhouse,no_mssql,no_azuresql,no_vertica,no_ydb,no_libsql"

// buildGooseCLI builds goose's own command line from the goose module of
// this module's go.mod, into dir: what a goose user runs at start.
func buildGooseCLI(ctx context.Context, benchDir, dir string) (string, error) {
	out := filepath.Join(dir, "goose")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags", gooseCLITags, "-o", out, "github.com/pressly/goose/v3/cmd/goose")
	cmd.Dir = benchDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("bench: build goose's CLI in %s: %w: %s", benchDir, err, msg)
	}
	return out, nil
}

// writeGooseDir writes the migrations into a directory for goose's CLI.
func writeGooseDir(migrations fs.FS, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return fs.WalkDir(migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations, path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, path), b, 0o644)
	})
}

// gooseCLIUp runs `goose -dir DIR DRIVER DBSTRING up` as a child process:
// exec, connect, read the version table, find nothing to do.
func (e *env) gooseCLIUp(ctx context.Context, db *Database, dir string) (sample, error) {
	if e.goose == "" {
		return sample{}, fmt.Errorf("bench: goose's CLI was not built")
	}
	drv, dbstring := e.d.GooseCLI(db)
	cmd := exec.CommandContext(ctx, e.goose, "-dir", dir, drv, dbstring, "up")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	dur := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("bench: goose CLI: %w: %s", err, lastLines(out.String(), 5))
	}
	if !strings.Contains(out.String(), "no migrations to run") {
		return sample{}, fmt.Errorf("bench: goose CLI did work on a converged database: %s", lastLines(out.String(), 5))
	}
	return sample{dur: dur, queries: -1, counts: Snapshot{RoundTrips: -1, Writes: -1, Conns: -1}, note: "no migrations to run"}, nil
}
