package proptest

import (
	"context"
	"sort"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// database is one case's database and the case's *rapid.T.
type database struct {
	t   *rapid.T
	d   core.Driver
	ctx context.Context
	// generation is the Open WebUI fixture the host is made from, "" for
	// the minimal host tables.
	generation string
}

// The pack's objects a case may drop.
var (
	packTables  = []string{orgaccess.OrgTable, orgaccess.OrgModelsTable, orgaccess.MembersTable}
	packIndexes = map[string]string{ // index → its table
		"idx_org_members_user_active": orgaccess.MembersTable,
		"idx_org_members_org_active":  orgaccess.MembersTable,
		"idx_org_models_org_active":   orgaccess.OrgModelsTable,
		"idx_org_models_org_model":    orgaccess.OrgModelsTable,
	}
	hostTables = []string{"user", "model", "config"}
)

func (db *database) q(name string) string { return db.d.Quote(name) }

func (db *database) exec(query string, args ...any) {
	db.t.Helper()
	if _, err := db.d.DB().DB.ExecContext(db.ctx, core.Rebind(db.d, query), args...); err != nil {
		db.t.Fatalf("exec %q %v: %v", query, args, err)
	}
}

// strings runs a one-column query and returns its values, sorted.
func (db *database) strings(query string, args ...any) []string {
	db.t.Helper()
	rows, err := db.d.DB().DB.QueryContext(db.ctx, core.Rebind(db.d, query), args...)
	if err != nil {
		db.t.Fatalf("query %q: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			db.t.Fatalf("scan %q: %v", query, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		db.t.Fatalf("query %q: %v", query, err)
	}
	sort.Strings(out)
	return out
}

func (db *database) catalog() *core.Catalog {
	db.t.Helper()
	cat, err := db.d.Inspect(db.ctx, db.d.DB())
	if err != nil {
		db.t.Fatalf("inspect: %v", err)
	}
	return cat
}

func (db *database) runner(cfg orgaccess.Config, steps ...core.Step) *core.Runner {
	db.t.Helper()
	reg, err := core.NewRegistry(append(steps, orgaccess.Steps(cfg)...)...)
	if err != nil {
		db.t.Fatalf("registry: %v", err)
	}
	return core.NewRunner(db.d, reg, core.WithLockTimeout(30*time.Second))
}

// apply runs the pack and requires a converged run.
func (db *database) apply(cfg orgaccess.Config, what string) *core.Report {
	db.t.Helper()
	rep, err := db.runner(cfg).Apply(db.ctx)
	if err != nil || rep.Status != core.RunConverged {
		db.t.Fatalf("%s: %v\n%s", what, err, coretest.Dump(rep))
	}
	return rep
}

// verify runs the read-only verify and requires it clean.
func (db *database) verify(cfg orgaccess.Config) {
	db.t.Helper()
	rep, err := db.runner(cfg).Verify(db.ctx)
	if err != nil || rep.Status != core.RunConverged {
		db.t.Fatalf("verify after apply: %v\n%s", err, coretest.Dump(rep))
	}
	for _, s := range rep.Steps {
		if len(s.Drift) > 0 {
			db.t.Fatalf("verify after apply reports drift in %s: %v", s.ID, s.Drift)
		}
	}
}

// setupHost creates Open WebUI's tables (the generation's fixture, with
// its users and models, or the pack's opt-in step), the case's users and
// the models an admin made.
func (db *database) setupHost(dep *deployment) {
	db.t.Helper()
	existing := map[string]bool{}
	if db.generation != "" {
		if err := openwebuitest.Load(db.ctx, db.d.DB().DB, db.d.Dialect(), db.generation); err != nil {
			db.t.Fatalf("fixture: %v", err)
		}
		for _, u := range openwebuitest.Users() {
			existing["user "+u.ID] = true
		}
		for _, m := range openwebuitest.ExistingModels() {
			existing["model "+m] = true
		}
	} else {
		reg, err := core.NewRegistry(orgaccess.HostTables())
		if err != nil {
			db.t.Fatalf("registry: %v", err)
		}
		sel := core.WithSelection(core.Selection{IDs: []string{orgaccess.HostTablesID}})
		if _, err := core.NewRunner(db.d, reg, sel).Apply(db.ctx); err != nil {
			db.t.Fatalf("host tables: %v", err)
		}
	}
	for _, u := range dep.users {
		if !existing["user "+u.id] {
			db.insertUser(u)
		}
	}
	for _, m := range dep.models {
		if existing["model "+m.id] {
			continue // the fixture's own row (an admin's override) stands
		}
		db.exec("INSERT INTO "+db.q("model")+" (id, user_id, base_model_id, name, params, meta, is_active, created_at, updated_at) VALUES (?, 'admin', ?, ?, "+
			db.jsonText()+", "+db.jsonText()+", ?, 1700000000, 1700000000)", m.id, m.id, m.name, "{}", `{"by":"admin"}`, m.active)
	}
}

// insertUser adds a user with every column Open WebUI 0.6 requires; a
// NULL email or role is stored as "" there (NOT NULL), which the pack
// treats alike: neither excludes anyone.
func (db *database) insertUser(u user) {
	db.t.Helper()
	email, role := nullable(u.email), nullable(u.role)
	if db.generation == openwebuitest.V0_6_40 {
		email, role = coalesce(u.email), coalesce(u.role)
	}
	db.exec("INSERT INTO "+db.q("user")+" (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at) VALUES (?, ?, ?, ?, '/user.png', 1700000000, 1700000000, 1700000000)",
		u.id, "Name of "+u.id, email, role)
}

func coalesce(s *string) any {
	if s == nil {
		return ""
	}
	return *s
}

// jsonText is a placeholder for JSON text bound to a JSON column.
func (db *database) jsonText() string {
	if data, ok := db.d.(core.DataSQL); ok {
		return data.Cast("?", core.JSON)
	}
	return "?"
}

func nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// dropTable drops a pack table behind groundwork's back, even while other
// tables refer to it: PostgreSQL drops the referring foreign keys and
// views with it (CASCADE); SQLite and MySQL drop it with foreign key
// checks off, leaving the references dangling until the next run
// recreates it.
func (db *database) dropTable(name string) {
	db.t.Helper()
	switch db.d.Dialect() {
	case "postgres":
		db.exec("DROP TABLE " + db.q(name) + " CASCADE")
		return
	}
	conn, err := db.d.DB().DB.Conn(db.ctx)
	if err != nil {
		db.t.Fatalf("conn: %v", err)
	}
	defer conn.Close()
	off, on := "PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON"
	if db.d.Dialect() == "mysql" {
		off, on = "SET FOREIGN_KEY_CHECKS = 0", "SET FOREIGN_KEY_CHECKS = 1"
	}
	for _, q := range []string{off, "DROP TABLE " + db.q(name), on} {
		if _, err := conn.ExecContext(db.ctx, q); err != nil {
			db.t.Fatalf("%s: %v", q, err)
		}
	}
}

// dropIndex drops a pack index behind groundwork's back, where the
// database allows it: InnoDB refuses to drop an index a foreign key needs
// (MySQL error 1553), a state such a database cannot be in.
func (db *database) dropIndex(name, table string) {
	db.t.Helper()
	q := db.d.DropIndex(&core.IndexState{Name: name, Table: table})
	if db.d.Dialect() != "mysql" {
		db.exec(q)
		return
	}
	if _, err := db.d.DB().DB.ExecContext(db.ctx, q); err != nil {
		if !strings.Contains(err.Error(), "1553") {
			db.t.Fatalf("%s: %v", q, err)
		}
		db.t.Logf("%s: refused, as InnoDB does for an index a foreign key needs", q)
	}
}

// damage changes the converged deployment at random, as admins, the host
// application, crashes and careless hands would; dep.cfg becomes the
// settings of the next run.
func (db *database) damage(dep *deployment) {
	rt := db.t
	rt.Helper()
	// Rows first: with foreign keys on, SQLite cannot write to a table
	// whose parent is gone.
	db.damageRows(orgaccess.OrgModelsTable, "link")
	db.damageRows(orgaccess.MembersTable, "membership")
	if rapid.Float64Range(0, 1).Draw(rt, "deactivate organization") < 0.15 {
		db.exec("UPDATE "+db.q(orgaccess.OrgTable)+" SET is_active = 0 WHERE id = ?", dep.cfg.OrgID)
	}
	for _, m := range db.strings("SELECT id FROM " + db.q("model")) {
		switch rapid.IntRange(0, 5).Draw(rt, "admin edits model "+m) {
		case 0:
			db.exec("UPDATE "+db.q("model")+" SET name = ? WHERE id = ?", "Renamed by admin", m)
		case 1:
			db.exec("UPDATE "+db.q("model")+" SET is_active = ? WHERE id = ?", false, m)
		}
	}
	// Then objects: any subset of the pack's tables, indexes and view.
	dropped := map[string]bool{}
	for _, tb := range packTables {
		if rapid.Float64Range(0, 1).Draw(rt, "drop table "+tb) < 0.2 {
			db.dropTable(tb)
			dropped[tb] = true
		}
	}
	for _, ix := range sortedKeys(packIndexes) {
		if !dropped[packIndexes[ix]] && rapid.Bool().Draw(rt, "drop index "+ix) {
			db.dropIndex(ix, packIndexes[ix])
		}
	}
	if rapid.Bool().Draw(rt, "drop view") && db.catalog().Views[orgaccess.ViewName] != nil {
		db.exec("DROP VIEW " + db.q(orgaccess.ViewName))
	}
	// New users arrive, eligible or not.
	have := map[string]bool{}
	for _, u := range dep.users {
		have[u.id] = true
	}
	for i := range rapid.IntRange(0, 3).Draw(rt, "new users") {
		u := drawUser(rt, "new user", "new-"+strings.Repeat("x", i)+rapid.SampledFrom(userIDPool).Draw(rt, "new user id"))
		if !have[u.id] {
			have[u.id] = true
			dep.users = append(dep.users, u)
			db.insertUser(u)
		}
	}
	// Extra columns: the host's or the application's, on any table.
	for _, tb := range append(append([]string{}, hostTables...), packTables...) {
		if !dropped[tb] && rapid.Float64Range(0, 1).Draw(rt, "extra column on "+tb) < 0.3 {
			db.exec("ALTER TABLE " + db.q(tb) + " ADD COLUMN " + db.q("extra_"+tb) + " TEXT DEFAULT 'kept'")
		}
	}
	// The settings of the next run.
	if rapid.Float64Range(0, 1).Draw(rt, "new model in the list") < 0.3 {
		for _, m := range modelPool {
			if !containsString(dep.cfg.Models, m) {
				dep.cfg.Models = append(append([]string{}, dep.cfg.Models...), m)
				break
			}
		}
	}
	if rapid.Float64Range(0, 1).Draw(rt, "organization renamed") < 0.2 {
		dep.cfg.OrgName = "Renamed " + dep.cfg.OrgName
	}
	if rapid.Float64Range(0, 1).Draw(rt, "API key rotated") < 0.2 {
		dep.cfg.APIKey += "-rotated"
	}
}

// damageRows deletes or deactivates each row of a link table at random.
func (db *database) damageRows(table, what string) {
	rt := db.t
	for _, id := range db.strings("SELECT id FROM " + db.q(table)) {
		switch rapid.IntRange(0, 3).Draw(rt, what+" "+id) {
		case 0:
			db.exec("DELETE FROM "+db.q(table)+" WHERE id = ?", id)
		case 1:
			db.exec("UPDATE "+db.q(table)+" SET is_active = 0 WHERE id = ?", id)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
