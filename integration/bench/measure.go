package bench

import (
	"context"
	"fmt"
)

// tool is one contender of a workload.
type tool struct {
	name string
	reps int
	// db is the database every run uses (a no-op leaves it as it was);
	// nil means each run gets a fresh clone of the workload's template.
	db  *Database
	run func(ctx context.Context, db *Database) (sample, error)
}

// measure runs the tools rep by rep, interleaved so a slow spell of the
// machine hits them alike, and adds one row per tool. With warmup, one
// untimed round goes first (caches, the server's buffers, page cache).
func (e *env) measure(ctx context.Context, workload string, tmpl *Database, warmup bool, tools []tool) ([]*Row, error) {
	samples := map[string][]sample{}
	most := 0
	for _, t := range tools {
		most = max(most, t.reps)
	}
	first := 0
	if warmup {
		first = -1
	}
	for rep := first; rep < most; rep++ {
		for _, t := range tools {
			if rep >= t.reps {
				continue
			}
			s, err := e.runOnce(ctx, tmpl, t)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.name, err)
			}
			if rep >= 0 {
				samples[t.name] = append(samples[t.name], s)
			}
		}
	}
	rows := make([]*Row, len(tools))
	for i, t := range tools {
		rows[i] = e.add(workload, t.name, samples[t.name])
	}
	return rows, nil
}

func (e *env) runOnce(ctx context.Context, tmpl *Database, t tool) (sample, error) {
	if t.db != nil {
		return t.run(ctx, t.db)
	}
	db, err := e.d.Clone(ctx, tmpl)
	if err != nil {
		return sample{}, err
	}
	defer e.drop(ctx, db)
	return t.run(ctx, db)
}

// drop removes a database the harness made; a failure is only noted.
func (e *env) drop(ctx context.Context, db *Database) {
	if err := e.d.Drop(context.WithoutCancel(ctx), db); err != nil {
		e.log.Warn("drop failed", "db", db.Name, "err", err)
	}
}
