package bench

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// benchOrg is the development organization of every workload.
func benchOrg() orgaccess.Config {
	return orgaccess.Config{
		OrgID:       "bench-dev",
		OrgName:     "Bench Dev Org",
		APIKey:      "sk-or-v1-bench-0000000000000000-not-a-real-key",
		Environment: orgaccess.Development,
	}
}

// sampleUsers are the demo's four users: the system user and a pending
// user, who never become members, and two eligible users (one without an
// email). W2's "2 users".
var sampleUsers = []struct{ id, name, email, role string }{
	{orgaccess.SystemUserID, "System", orgaccess.SystemUserEmail, "admin"},
	{"pending-user", "Pending User", "pending@example.com", "pending"},
	{"alice", "Alice", "alice@example.com", "user"},
	{"bob", "Bob", "", "admin"},
}

// conn is an open, counted handle on one database.
type conn struct {
	db     *sql.DB
	gw     core.Driver
	counts *Counts
}

// open connects to db and makes sure the connection works, so what is
// timed after it starts from one open connection, for every tool.
func (e *env) open(ctx context.Context, db *Database) (*conn, error) {
	connector, err := e.d.Connector(db)
	if err != nil {
		return nil, err
	}
	counts := &Counts{}
	sqldb := OpenCounted(connector, counts)
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("bench: connect to %s: %w", db.Name, err)
	}
	return &conn{db: sqldb, gw: e.d.Groundwork(sqldb, db), counts: counts}, nil
}

func (c *conn) close() { _ = c.db.Close() }

// exec runs statements with "?" placeholders, rebound for the dialect.
func (c *conn) exec(ctx context.Context, stmts ...core.Statement) error {
	for _, st := range stmts {
		if _, err := c.db.ExecContext(ctx, core.Rebind(c.gw, st.SQL), st.Args...); err != nil {
			return fmt.Errorf("bench: %s: %w", firstWords(st.SQL), err)
		}
	}
	return nil
}

func firstWords(q string) string {
	f := strings.Fields(q)
	return strings.Join(f[:min(len(f), 4)], " ")
}

// data returns the driver's data SQL renderer.
func (c *conn) data() core.DataSQL { return c.gw.(core.DataSQL) }

// series is a derived table s of the integers 1…n in column i; n is
// bound where the series stands in the statement. It cross-joins as many
// tables of the ten digits as n has digits: no recursion, whose limit
// differs by server (MariaDB stops at max_recursive_iterations).
func (c *conn) series(n int) string {
	const digits = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 " +
		"UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
	var sum, from []string
	for k, scale := 0, 1; k == 0 || scale < n; k, scale = k+1, scale*10 {
		sum = append(sum, fmt.Sprintf("%d * d%d.d", scale, k))
		from = append(from, fmt.Sprintf("%s d%d", digits, k))
	}
	return "(SELECT x.i FROM (SELECT " + strings.Join(sum, " + ") + " + 1 AS i FROM " + strings.Join(from, " CROSS JOIN ") +
		") x WHERE x.i <= " + c.data().Cast("?", core.BigInt) + ") s"
}

// text renders the concatenation of a string prefix and the integer i.
func (c *conn) text(prefix string, suffix ...string) string {
	parts := []string{c.data().Cast("?", core.Text), "s.i"}
	for range suffix {
		parts = append(parts, c.data().Cast("?", core.Text))
	}
	return c.data().Concat(parts...)
}

// addUsers inserts n users with ids prefix1…prefixN, set-based.
func (c *conn) addUsers(ctx context.Context, prefix, role string, n int) error {
	q := "INSERT INTO " + c.gw.Quote("user") + " (id, name, email, role, profile_image_url, last_active_at, updated_at, created_at) " +
		"SELECT " + c.text("") + ", " + c.text("") + ", " + c.text("", "") + ", " + c.data().Cast("?", core.Text) +
		", '/user.png', 0, 0, 0 FROM " + c.series(n)
	return c.exec(ctx, core.Statement{SQL: q, Args: []any{prefix, "User " + prefix, prefix, "@example.com", role, n}})
}

// modelID is the id of the i-th synthetic model (1-based).
func modelID(i int) string { return fmt.Sprintf("bench/model-%d", i) }

// modelIDs are the ids of the n synthetic models.
func modelIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = modelID(i + 1)
	}
	return out
}

// addModels inserts the n synthetic models into Open WebUI's model table.
func (c *conn) addModels(ctx context.Context, n int) error {
	q := "INSERT INTO " + c.gw.Quote("model") + " (id, user_id, base_model_id, name, params, meta, is_active, created_at, updated_at) " +
		"SELECT " + c.text("") + ", 'system', " + c.text("") + ", " + c.text("") + ", " +
		c.data().Cast("'{}'", core.JSON) + ", " + c.data().Cast("'{}'", core.JSON) + ", TRUE, 0, 0 FROM " + c.series(n)
	return c.exec(ctx, core.Statement{SQL: q, Args: []any{"bench/model-", "bench/model-", "Bench Model ", n}})
}

// addSampleUsers inserts the four sample users.
func (c *conn) addSampleUsers(ctx context.Context) error {
	for _, u := range sampleUsers {
		var email any
		if u.email != "" {
			email = u.email
		}
		err := c.exec(ctx, core.Statement{
			SQL:  "INSERT INTO " + c.gw.Quote("user") + " (id, name, email, role, profile_image_url, last_active_at, updated_at, created_at) VALUES (?, ?, ?, ?, '/user.png', 0, 0, 0)",
			Args: []any{u.id, u.name, email, u.role},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// apply runs the organization-access pack (or the given steps) in-process
// and fails unless it converges.
func (c *conn) apply(ctx context.Context, steps []core.Step, opts ...core.Option) (*core.Report, error) {
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	rep, err := core.NewRunner(c.gw, reg, opts...).Apply(ctx)
	if err != nil {
		return rep, fmt.Errorf("bench: apply: %w", err)
	}
	if rep.Status != core.RunConverged {
		return rep, fmt.Errorf("bench: apply: status %s: %v", rep.Status, rep.Drift())
	}
	return rep, nil
}

// coldTemplate is W2's starting point: Open WebUI's host tables with the
// four sample users, nothing of groundwork's.
func (e *env) coldTemplate(ctx context.Context) (*Database, error) {
	db, err := e.d.Create(ctx)
	if err != nil {
		return nil, err
	}
	c, err := e.open(ctx, db)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if _, err := c.apply(ctx, []core.Step{orgaccess.HostTables()}, core.WithSelection(core.Selection{Include: []string{orgaccess.HostTablesID}})); err != nil {
		return nil, err
	}
	return db, c.addSampleUsers(ctx)
}

// hostTemplate is W1's starting point: Open WebUI v0.10.2's own schema,
// as its migrations make it, with openwebuitest's rows (users, models, the
// config a row per key, five configured models), on the dialects that
// have the dump; elsewhere (MariaDB) the demo's host tables. A warm start
// is measured on the host operators run, not on groundwork's imitation of
// it: on PostgreSQL only the current host's layout lets the catalog and
// the reads go in one round trip (the pack's guess, core.CatalogGuesser).
func (e *env) hostTemplate(ctx context.Context) (*Database, string, error) {
	if !slices.Contains([]string{"sqlite", "postgres"}, e.d.Name()) {
		db, err := e.coldTemplate(ctx)
		return db, "demo host tables", err
	}
	db, err := e.d.Create(ctx)
	if err != nil {
		return nil, "", err
	}
	c, err := e.open(ctx, db)
	if err != nil {
		return nil, "", err
	}
	defer c.close()
	gen := openwebuitest.V0_10_2
	return db, "Open WebUI " + gen, openwebuitest.Load(ctx, c.db, e.d.Name(), gen)
}

// warmTemplate is cold with the pack applied: 1 organization, the 12
// built-in models registered and linked, 2 members.
func (e *env) warmTemplate(ctx context.Context, cold *Database) (*Database, error) {
	return e.derive(ctx, cold, func(c *conn) error {
		_, err := c.apply(ctx, orgaccess.Steps(benchOrg()), core.WithEnvironment(orgaccess.Development))
		return err
	})
}

// derive clones src and changes the clone with fn.
func (e *env) derive(ctx context.Context, src *Database, fn func(c *conn) error) (*Database, error) {
	db, err := e.d.Clone(ctx, src)
	if err != nil {
		return nil, err
	}
	c, err := e.open(ctx, db)
	if err != nil {
		return nil, err
	}
	defer c.close()
	return db, fn(c)
}

// verify runs the steps' read-only verify in-process and fails unless it
// finds everything converged.
func (c *conn) verify(ctx context.Context, steps []core.Step, opts ...core.Option) (*core.Report, error) {
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	rep, err := core.NewRunner(c.gw, reg, opts...).Verify(ctx)
	if err != nil {
		return rep, fmt.Errorf("bench: verify: %w", err)
	}
	if rep.Status != core.RunConverged {
		return rep, fmt.Errorf("bench: verify: status %s: %v", rep.Status, rep.Drift())
	}
	return rep, nil
}
