package proptest

import (
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// tableRows is every row of one table: its columns, and each row's values
// (rendered as text with their Go type) by primary key.
type tableRows struct {
	cols []string
	rows map[string]map[string]string
}

// snapshot reads every row of every table, all columns.
func (db *database) snapshot() map[string]*tableRows {
	db.t.Helper()
	out := map[string]*tableRows{}
	for name, tb := range db.catalog().Tables {
		var pk []string
		for _, c := range tb.Columns {
			if c.PrimaryKey {
				pk = append(pk, c.Name)
			}
		}
		out[name] = db.readRows(name, pk)
	}
	return out
}

func (db *database) readRows(table string, pk []string) *tableRows {
	db.t.Helper()
	rows, err := db.d.DB().DB.QueryContext(db.ctx, "SELECT * FROM "+db.q(table))
	if err != nil {
		db.t.Fatalf("read %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		db.t.Fatalf("columns of %s: %v", table, err)
	}
	tr := &tableRows{cols: cols, rows: map[string]map[string]string{}}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			db.t.Fatalf("scan %s: %v", table, err)
		}
		row := map[string]string{}
		for i, c := range cols {
			row[c] = render(vals[i])
		}
		var key []string
		for _, c := range pk {
			key = append(key, row[c])
		}
		if len(pk) == 0 {
			key = []string{fmt.Sprint(row)} // no key: the whole row is its identity
		}
		tr.rows[strings.Join(key, "\x00")] = row
	}
	if err := rows.Err(); err != nil {
		db.t.Fatalf("read %s: %v", table, err)
	}
	return tr
}

func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte: // MySQL's text
		return "text:" + string(x)
	case string:
		return "text:" + x
	case time.Time:
		return "time:" + x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// orgOwned are the columns of the organization's own row that the pack
// sets from its settings: the upsert rewrites them when the name or the
// key changed, and only then.
var orgOwned = map[string]bool{"name": true, "openrouter_api_key": true, "updated_at": true}

// checkRowsKept is the no-loss property. Every row of every table that
// existed before the apply still exists, keyed by its primary key, and
// every column it had keeps its value, with one exception the pack owns:
// the organization's row (id = the configured id) takes the configured
// name and key, and its updated_at changes only when one of them did.
// So: a deactivated link or membership stays deactivated, an admin's
// model row is never rewritten, user rows and extra columns are kept.
func (db *database) checkRowsKept(dep *deployment, before, after map[string]*tableRows) {
	db.t.Helper()
	for table, b := range before {
		a := after[table]
		if a == nil {
			db.t.Fatalf("table %s was dropped by the apply", table)
		}
		if table == orgaccess.WatermarkTable {
			// groundwork's record of its last proof, rewritten by each
			// new proof: nobody's data.
			continue
		}
		for key, brow := range b.rows {
			arow, ok := a.rows[key]
			if !ok {
				db.t.Fatalf("row %q of %s was lost: %v", key, table, brow)
			}
			own := table == orgaccess.OrgTable && brow["id"] == render(dep.cfg.OrgID)
			for _, c := range b.cols {
				if own && orgOwned[c] {
					continue
				}
				if arow[c] != brow[c] {
					db.t.Fatalf("row %q of %s: column %s changed from %s to %s", key, table, c, brow[c], arow[c])
				}
			}
			if own {
				// Epoch seconds: a rewrite within the same second keeps the value.
				same := arow["name"] == brow["name"] && arow["openrouter_api_key"] == brow["openrouter_api_key"]
				if same && arow["updated_at"] != brow["updated_at"] || !same && epoch(arow["updated_at"]) < epoch(brow["updated_at"]) {
					db.t.Fatalf("organization row: updated_at %s → %s, name and key unchanged=%t", brow["updated_at"], arow["updated_at"], same)
				}
			}
		}
	}
}

// epoch reads back an epoch-seconds value rendered by render.
func epoch(v string) int64 {
	n, _ := strconv.ParseInt(v[strings.IndexByte(v, ':')+1:], 10, 64)
	return n
}

// checkPackRows checks what the pack promises to add: the organization
// with the configured name and key, a model row and exactly one link for
// every configured model, and — in a development organization — exactly
// the eligible users as members (in production, none).
func (db *database) checkPackRows(dep *deployment) {
	db.t.Helper()
	cfg := dep.cfg
	var name, key string
	err := db.d.DB().DB.QueryRowContext(db.ctx, db.rebind("SELECT name, openrouter_api_key FROM "+db.q(orgaccess.OrgTable)+" WHERE id = ?"), cfg.OrgID).Scan(&name, &key)
	if err != nil || name != cfg.OrgName || key != cfg.APIKey {
		db.t.Fatalf("organization %q: name %q (want %q), key matches=%t, err %v", cfg.OrgID, name, cfg.OrgName, key == cfg.APIKey, err)
	}
	models := map[string]bool{}
	for _, m := range db.strings("SELECT id FROM " + db.q("model")) {
		models[m] = true
	}
	links := map[string]int{}
	for _, m := range db.strings("SELECT model_id FROM "+db.q(orgaccess.OrgModelsTable)+" WHERE organization_id = ?", cfg.OrgID) {
		links[m]++
	}
	for _, m := range cfg.Models {
		if !models[m] {
			db.t.Fatalf("configured model %q has no model row", m)
		}
		if links[m] != 1 {
			db.t.Fatalf("configured model %q has %d links to %q, want 1", m, links[m], cfg.OrgID)
		}
	}
	var want []string
	if cfg.IsDevelopment() {
		for _, u := range dep.users {
			if u.eligible() {
				want = append(want, u.id)
			}
		}
	}
	sort.Strings(want)
	got := db.strings("SELECT user_id FROM "+db.q(orgaccess.MembersTable)+" WHERE organization_id = ?", cfg.OrgID)
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		db.t.Fatalf("members of %q (%s): %q, want the eligible users %q", cfg.OrgID, cfg.Environment, got, want)
	}
}

// checkView compares the view with the pairs computed here from the
// tables, read one by one: active members × active links of an active
// organization, whose user and active model exist.
func (db *database) checkView(dep *deployment) {
	db.t.Helper()
	org := dep.cfg.OrgID
	orgActive := db.flag("SELECT is_active FROM "+db.q(orgaccess.OrgTable)+" WHERE id = ?", org)
	users := map[string]bool{}
	for _, u := range db.strings("SELECT id FROM " + db.q("user")) {
		users[u] = true
	}
	activeModels := map[string]bool{}
	rows := db.query("SELECT id, is_active FROM " + db.q("model"))
	for rows.Next() {
		var id string
		var active bool
		if err := rows.Scan(&id, &active); err != nil {
			db.t.Fatalf("scan model: %v", err)
		}
		activeModels[id] = active
	}
	rows.Close()
	members := db.activeRefs("SELECT user_id, is_active FROM "+db.q(orgaccess.MembersTable)+" WHERE organization_id = ?", org)
	links := db.activeRefs("SELECT model_id, is_active FROM "+db.q(orgaccess.OrgModelsTable)+" WHERE organization_id = ?", org)
	var want []string
	if orgActive == 1 {
		for _, u := range members {
			for _, m := range links {
				if users[u] && activeModels[m] {
					want = append(want, u+"\x00"+m)
				}
			}
		}
	}
	sort.Strings(want)
	var got []string
	rows = db.query("SELECT user_id, model_id FROM "+db.q(orgaccess.ViewName)+" WHERE organization_id = ?", org)
	for rows.Next() {
		var u, m string
		if err := rows.Scan(&u, &m); err != nil {
			db.t.Fatalf("scan view: %v", err)
		}
		got = append(got, u+"\x00"+m)
	}
	rows.Close()
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		db.t.Fatalf("view %s holds %d pairs %q, the tables imply %d: %q", orgaccess.ViewName, len(got), got, len(want), want)
	}
}

func (db *database) rebind(q string) string {
	return core.Rebind(db.d, q)
}

func (db *database) query(q string, args ...any) *sql.Rows {
	db.t.Helper()
	rows, err := db.d.DB().DB.QueryContext(db.ctx, db.rebind(q), args...)
	if err != nil {
		db.t.Fatalf("query %q: %v", q, err)
	}
	return rows
}

// flag reads one is_active value; NULL is an error (the pack's rows and
// its defaults always set it).
func (db *database) flag(q string, args ...any) int64 {
	db.t.Helper()
	var v sql.NullInt64
	if err := db.d.DB().DB.QueryRowContext(db.ctx, db.rebind(q), args...).Scan(&v); err != nil {
		db.t.Fatalf("query %q: %v", q, err)
	}
	if !v.Valid {
		db.t.Fatalf("%q: is_active is NULL", q)
	}
	return v.Int64
}

// activeRefs returns the first column of the rows whose is_active is 1.
func (db *database) activeRefs(q string, args ...any) []string {
	db.t.Helper()
	rows := db.query(q, args...)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ref string
		var active sql.NullInt64
		if err := rows.Scan(&ref, &active); err != nil {
			db.t.Fatalf("scan %q: %v", q, err)
		}
		if !active.Valid {
			db.t.Fatalf("%q: is_active of %q is NULL", q, ref)
		}
		if active.Int64 == 1 {
			out = append(out, ref)
		}
	}
	return out
}
