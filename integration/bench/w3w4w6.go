package bench

import (
	"context"
	"fmt"
	"slices"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// populationTemplate is the converged pack plus n eligible users (ids
// u1…uN) and n/100 pending ones, none of them members yet.
func (e *env) populationTemplate(ctx context.Context, n int) (*Database, func(), error) {
	cold, err := e.coldTemplate(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer e.drop(ctx, cold)
	warm, err := e.warmTemplate(ctx, cold)
	if err != nil {
		return nil, nil, err
	}
	defer e.drop(ctx, warm)
	db, err := e.derive(ctx, warm, func(c *conn) error {
		if err := c.addUsers(ctx, "u", "user", n); err != nil {
			return err
		}
		if n >= 100 {
			return c.addUsers(ctx, "p", "pending", n/100)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return db, func() { e.drop(ctx, db) }, nil
}

// w3 is the development population at scale: cfg.Users eligible users
// become members of the development organization.
func (e *env) w3(ctx context.Context) error {
	db, done, err := e.populationTemplate(ctx, e.cfg.Users)
	if err != nil {
		return err
	}
	defer done()
	if err := e.scaleWorkload(ctx, W3, db, benchOrg(), e.cfg.BigReps, false, e.rowByRowMembers); err != nil {
		return err
	}
	return e.convergedAtScale(ctx, db)
}

// convergedAtScale is W1 at W3's size: the restart of a deployment whose
// development organization already has every member. It shows what a
// verify that grows with the data costs on every start.
func (e *env) convergedAtScale(ctx context.Context, tmpl *Database) error {
	cfg := benchOrg()
	db, err := e.derive(ctx, tmpl, func(c *conn) error {
		_, err := c.apply(ctx, orgaccess.Steps(cfg), core.WithEnvironment(cfg.Environment))
		return err
	})
	if err != nil {
		return err
	}
	defer e.drop(ctx, db)
	_, err = e.measure(ctx, W3, nil, false, []tool{{
		name: ToolLibConverged, reps: e.cfg.BigReps, db: db,
		run: func(ctx context.Context, db *Database) (sample, error) { return e.groundworkLib(ctx, db, cfg, "") },
	}})
	return err
}

// w4 is linking at scale: cfg.Models configured models, already in Open
// WebUI's model table, are linked to the organization.
func (e *env) w4(ctx context.Context) error {
	cold, err := e.coldTemplate(ctx)
	if err != nil {
		return err
	}
	defer e.drop(ctx, cold)
	warm, err := e.warmTemplate(ctx, cold)
	if err != nil {
		return err
	}
	defer e.drop(ctx, warm)
	db, err := e.derive(ctx, warm, func(c *conn) error { return c.addModels(ctx, e.cfg.Models) })
	if err != nil {
		return err
	}
	defer e.drop(ctx, db)
	cfg := benchOrg()
	cfg.Models = modelIDs(e.cfg.Models)
	return e.scaleWorkload(ctx, W4, db, cfg, e.cfg.BigReps, false, e.rowByRowLinks)
}

// w6 is memory: the CLI's peak RSS (wait4's maxrss) while it populates
// each size of cfg.RSSUsers. The binary size is measured once, when the
// run starts.
func (e *env) w6(ctx context.Context) error {
	for _, n := range e.cfg.RSSUsers {
		db, done, err := e.populationTemplate(ctx, n)
		if err != nil {
			return err
		}
		rows, err := e.measure(ctx, W6, db, false, []tool{{
			name: rssTool(n), reps: e.cfg.RSSReps,
			run: func(ctx context.Context, db *Database) (sample, error) { return e.groundworkCLI(ctx, db, benchOrg()) },
		}})
		done()
		if err != nil {
			return err
		}
		if rows[0].Extra["peak_rss_mb"] == 0 {
			return fmt.Errorf("no peak RSS reported for the CLI")
		}
	}
	return nil
}

func rssTool(users int) string {
	return fmt.Sprintf("groundwork apply (CLI), %d users: peak RSS", users)
}

// rssSizes are the W6 sizes in increasing order.
func rssSizes(cfg Config) []int {
	s := slices.Clone(cfg.RSSUsers)
	slices.Sort(s)
	return s
}
