package bench

import (
	"context"
	"fmt"
	"slices"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// w7 is the converged restart at scale: RestartUsers users, all but the
// pending ones members of the development organization, and the pack
// applied. Every start of a replica runs this apply, and every readiness
// probe this verify; both should be no-ops that cost what changed (nothing),
// not what exists. On VerifyUsersDialects it measures VerifyUsers too.
func (e *env) w7(ctx context.Context) error {
	sizes := []int{e.cfg.RestartUsers}
	if slices.Contains(e.cfg.VerifyUsersDialects, e.d.Name()) && e.cfg.VerifyUsers != e.cfg.RestartUsers {
		sizes = append(sizes, e.cfg.VerifyUsers)
	}
	cfg := benchOrg()
	for _, n := range sizes {
		db, done, err := e.populationTemplate(ctx, n)
		if err != nil {
			return err
		}
		// Converge in place: the template is this size's only database.
		err = e.onDB(ctx, db, func(c *conn) error {
			_, err := c.apply(ctx, orgaccess.Steps(cfg), core.WithEnvironment(cfg.Environment))
			return err
		})
		if err == nil {
			err = e.restarts(ctx, db, cfg, n, "")
		}
		// The same restart once the server has done what it does to a
		// database at rest (PostgreSQL's autovacuum), as a replica
		// restarted minutes after the rows were written meets it.
		if rest := e.d.AtRest(); err == nil && rest != "" {
			err = e.onDB(ctx, db, func(c *conn) error { return c.exec(ctx, core.Statement{SQL: rest}) })
			if err == nil {
				err = e.restarts(ctx, db, cfg, n, ", at rest ("+rest+")")
			}
		}
		done()
		if err != nil {
			return err
		}
	}
	return nil
}

// restarts measures W7's converged apply and verify on db, each run on a
// driver of its own (a new connection, a new server backend), the tools
// named with suffix.
func (e *env) restarts(ctx context.Context, db *Database, cfg orgaccess.Config, users int, suffix string) error {
	_, err := e.measure(ctx, W7, nil, true, []tool{
		{name: restartTool(core.ModeApply, users) + suffix, reps: e.cfg.Reps, db: db, run: func(ctx context.Context, db *Database) (sample, error) {
			return e.groundworkLibMode(ctx, db, cfg, "", core.ModeApply)
		}},
		{name: restartTool(core.ModeVerify, users) + suffix, reps: e.cfg.Reps, db: db, run: func(ctx context.Context, db *Database) (sample, error) {
			return e.groundworkLibMode(ctx, db, cfg, "", core.ModeVerify)
		}},
	})
	return err
}

// restartTool names W7's rows.
func restartTool(mode string, users int) string {
	return fmt.Sprintf("groundwork %s (library), converged, %d users", mode, users)
}

// w8 is the host's own tables: the converged pack with and without
// HostTables more tables (each with an index) of the host's in the same
// database, warm apply and verify on both, paired. The pack declares a
// handful of tables; what it reads of the catalog should not grow with
// the rest of the database.
func (e *env) w8(ctx context.Context) error {
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
	hosted, err := e.derive(ctx, warm, func(c *conn) error { return c.addHostTables(ctx, e.cfg.HostTables) })
	if hosted != nil {
		defer e.drop(ctx, hosted)
	}
	if err != nil {
		return err
	}
	cfg := benchOrg()
	var tools []tool
	for _, mode := range []string{core.ModeApply, core.ModeVerify} {
		for _, db := range []*Database{warm, hosted} {
			tables := 0
			if db == hosted {
				tables = e.cfg.HostTables
			}
			tools = append(tools, tool{name: hostTablesTool(mode, tables), reps: e.cfg.Reps, db: db,
				run: func(ctx context.Context, db *Database) (sample, error) {
					return e.groundworkLibMode(ctx, db, cfg, "", mode)
				}})
		}
	}
	_, err = e.measure(ctx, W8, nil, true, tools)
	return err
}

// hostTablesTool names W8's rows.
func hostTablesTool(mode string, tables int) string {
	if tables == 0 {
		return fmt.Sprintf("groundwork %s (library), warm", mode)
	}
	return fmt.Sprintf("groundwork %s (library), warm + %d host tables", mode, tables)
}

// addHostTables creates n tables of the host's, each with an index, in
// one transaction (one commit, where DDL is transactional).
func (c *conn) addHostTables(ctx context.Context, n int) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		t := fmt.Sprintf("host_extra_%04d", i)
		for _, q := range []string{
			"CREATE TABLE " + c.gw.Quote(t) + " (id VARCHAR(64) PRIMARY KEY, name TEXT, created_at BIGINT NOT NULL)",
			"CREATE INDEX " + c.gw.Quote("idx_"+t+"_created") + " ON " + c.gw.Quote(t) + " (created_at)",
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("bench: host table %s: %w", t, err)
			}
		}
	}
	return tx.Commit()
}

// onDB opens db and runs fn on it.
func (e *env) onDB(ctx context.Context, db *Database, fn func(c *conn) error) error {
	c, err := e.open(ctx, db)
	if err != nil {
		return err
	}
	defer c.close()
	return fn(c)
}
