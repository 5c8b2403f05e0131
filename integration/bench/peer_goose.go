package bench

import (
	"context"
	"fmt"
	"io/fs"
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
