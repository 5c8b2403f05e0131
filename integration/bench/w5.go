package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// viewBudget bounds the time of one series of W5 queries: a plan that
// materializes the whole view would otherwise take hours.
const viewBudget = 30 * time.Second

// viewIndex is the index W5's plan must use on PostgreSQL.
const viewIndex = "idx_org_members_user_active"

// viewQuery is what Open WebUI asks the view: one user's models.
func viewQuery(q core.Quoter) string {
	return "SELECT model_id, model_name, organization_name FROM " + q.Quote(orgaccess.ViewName) + " WHERE user_id = ?"
}

// w5 is the view in use: cfg.ViewMembers members (users v1…vN) spread
// over cfg.ViewOrgs organizations, each with the 12 built-in models
// linked; cfg.ViewQueries lookups of one random member each, timed one by
// one from the client, on statistics the server has gathered (ANALYZE).
func (e *env) w5(ctx context.Context) error {
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
	db, err := e.derive(ctx, warm, func(c *conn) error { return c.spreadMembers(ctx, e.cfg.ViewMembers, e.cfg.ViewOrgs, e.d.Analyze()) })
	if err != nil {
		return err
	}
	defer e.drop(ctx, db)

	c, err := e.open(ctx, db)
	if err != nil {
		return err
	}
	defer c.close()
	q := core.Rebind(c.gw, viewQuery(c.gw))
	if err := e.viewLatency(ctx, c, ToolView, func(u string) (int, error) { return countRows(c.db.QueryContext(ctx, q, u)) }); err != nil {
		return err
	}
	// Open WebUI's drivers do not prepare; a client that does saves the
	// server the parsing and planning of a five-table join each time.
	stmt, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer stmt.Close()
	if err := e.viewLatency(ctx, c, ToolViewPrepared, func(u string) (int, error) { return countRows(stmt.QueryContext(ctx, u)) }); err != nil {
		return err
	}

	plan, err := e.d.Explain(ctx, c.db, q, "v1")
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	e.res.Plans = append(e.res.Plans, QueryPlan{
		Workload: W5, Dialect: e.d.Name(), Query: strings.Replace(viewQuery(c.gw), "?", "'v1'", 1),
		Plan: plan, Index: viewIndex, UsesIndex: usesIndex(plan, viewIndex),
	})
	return nil
}

// viewLatency times cfg.ViewQueries lookups of random members through
// lookup, after an untimed tenth (at most 100) to warm the caches, and
// adds the row. Warming and timing each stop after viewBudget (timing
// after one query at least).
func (e *env) viewLatency(ctx context.Context, c *conn, name string, lookup func(user string) (int, error)) error {
	rng := rand.New(rand.NewPCG(7, 7))
	user := func() string { return fmt.Sprintf("v%d", 1+rng.IntN(e.cfg.ViewMembers)) }
	deadline := time.Now().Add(viewBudget)
	for range min(max(1, e.cfg.ViewQueries/10), 100) {
		if _, err := lookup(user()); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			break
		}
	}
	before := c.counts.Load()
	lat := make([]float64, 0, e.cfg.ViewQueries)
	deadline = time.Now().Add(viewBudget)
	for range e.cfg.ViewQueries {
		if len(lat) > 0 && time.Now().After(deadline) {
			e.note("W5 on %s: %s stopped after %d of %d queries (%s budget)", e.d.Name(), name, len(lat), e.cfg.ViewQueries, viewBudget)
			break
		}
		u := user()
		start := time.Now()
		n, err := lookup(u)
		lat = append(lat, float64(time.Since(start).Nanoseconds())/1e6)
		if err != nil {
			return err
		}
		if n != len(orgaccess.BuiltinModels) {
			return fmt.Errorf("user %s sees %d models, want %d", u, n, len(orgaccess.BuiltinModels))
		}
	}
	counts := c.counts.Load().Sub(before)
	e.res.Rows = append(e.res.Rows, Row{
		Workload: W5, Dialect: e.d.Name(), Tool: name, Runs: len(lat),
		MedianMS: percentile(lat, 50), MinMS: percentile(lat, 0), MaxMS: percentile(lat, 100),
		RoundTrips: counts.RoundTrips / int64(len(lat)), ReportQueries: -1, Conns: counts.Conns,
		Extra: map[string]float64{"p50_ms": percentile(lat, 50), "p90_ms": percentile(lat, 90), "p99_ms": percentile(lat, 99)},
		Note:  fmt.Sprintf("median is p50 over %d queries; round trips per query", len(lat)),
	})
	return nil
}

// countRows counts the rows a query returned, and closes them.
// usesIndex reports whether a plan reads through index ix: PostgreSQL's
// "Index Scan using ix", SQLite's "USING INDEX ix", MariaDB's "key=ix"
// (its possible_keys only lists candidates).
func usesIndex(plan, ix string) bool {
	p := strings.ToLower(plan)
	for _, form := range []string{"using ", "using index ", "using covering index ", "key="} {
		if strings.Contains(p, form+strings.ToLower(ix)) {
			return true
		}
	}
	return false
}

func countRows(rows *sql.Rows, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// spreadMembers adds members users v1…vN, user i in organization i mod
// orgs: the development organization for 0, org-1…org-(orgs-1) (created
// here, each linked to the development organization's models) otherwise.
// Then it gathers the planner's statistics.
func (c *conn) spreadMembers(ctx context.Context, members, orgs int, analyze string) error {
	org := benchOrg().OrgID
	d := c.data()
	if err := c.addUsers(ctx, "v", "user", members); err != nil {
		return err
	}
	stmts := []core.Statement{}
	if orgs > 1 {
		stmts = append(stmts,
			core.Statement{
				SQL: "INSERT INTO " + c.gw.Quote(orgaccess.OrgTable) + " (id, name, openrouter_api_key, created_at, updated_at) SELECT " +
					c.text("") + ", " + c.text("") + ", " + c.text("") + ", 0, 0 FROM " + c.series(orgs-1),
				Args: []any{"org-", "Organization ", "sk-bench-org-", orgs - 1},
			},
			core.Statement{
				SQL: "INSERT INTO " + c.gw.Quote(orgaccess.OrgModelsTable) + " (id, organization_id, model_id, is_active, created_at, updated_at) SELECT " +
					d.Concat(d.Cast("?", core.Text), "o.id", d.Cast("?", core.Text), "l.model_id") + ", o.id, l.model_id, 1, 0, 0 FROM " +
					c.gw.Quote(orgaccess.OrgTable) + " o CROSS JOIN " + c.gw.Quote(orgaccess.OrgModelsTable) + " l WHERE o.id <> ? AND l.organization_id = ?",
				Args: []any{"om-", "-", org, org},
			})
	}
	stmts = append(stmts,
		core.Statement{
			SQL: "INSERT INTO " + c.gw.Quote(orgaccess.MembersTable) + " (id, organization_id, user_id, role, is_active, joined_at) SELECT " +
				c.text("") + ", CASE WHEN s.i % " + d.Cast("?", core.BigInt) + " = 0 THEN " + d.Cast("?", core.Text) + " ELSE " +
				d.Concat(d.Cast("?", core.Text), "(s.i % "+d.Cast("?", core.BigInt)+")") + " END, " + c.text("") + ", 'member', 1, 0 FROM " + c.series(members),
			Args: []any{"mem-v", orgs, org, "org-", orgs, "v", members},
		},
		core.Statement{SQL: analyze},
	)
	return c.exec(ctx, stmts...)
}
