package schema

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// RowMode says what Rows does with a declared row that exists, and with
// rows it no longer declares.
type RowMode string

// The modes of Rows.
const (
	// InsertMissing inserts the declared rows whose key is missing and
	// never touches an existing row: an administrator's change survives
	// every restart. The default.
	InsertMissing RowMode = "insert-missing"
	// Upsert also updates an existing row whose declared columns differ,
	// and only those: an unchanged row is not rewritten, so its Touch
	// columns (updated_at) keep their value.
	Upsert RowMode = "upsert"
	// SyncOwned is Upsert that also deletes the rows this step inserted
	// itself and no longer declares. Which rows it inserted is recorded in
	// the groundwork-owned table OwnedRowsTable, by step id and key, when
	// it inserts them; a row it did not insert (one that existed before,
	// or that anyone else wrote) is never recorded, so never deleted.
	SyncOwned RowMode = "sync-owned"
)

// Row is one declared row: column name → value (string, an integer type,
// float64, bool, nil, []byte or core.Secret). Key values must be strings
// or integers.
type Row map[string]any

// Mode sets the mode of a Rows step (default InsertMissing).
func Mode(m RowMode) Option { return func(s *settings) { s.mode = m } }

// Touch names columns set when a row is inserted or changed and never
// compared (updated_at). A row that does not declare one gets the current
// time in Unix seconds.
func Touch(cols ...string) Option {
	return func(s *settings) { s.touch = append(s.touch, cols...) }
}

// InsertOnly names columns written when a row is inserted, never updated
// nor compared (created_at). A row that does not declare one gets the
// current time in Unix seconds.
func InsertOnly(cols ...string) Option {
	return func(s *settings) { s.insertOnly = append(s.insertOnly, cols...) }
}

// RowsID is the default id of the Rows step of table.
func RowsID(table string) string { return "rows:" + table }

// OwnedRowsTable is where SyncOwned steps record the rows they inserted:
// (step_id, row_key) with the key's values as a JSON array of strings.
const OwnedRowsTable = "groundwork_owned_rows"

// OwnedRowsSpec is the spec of OwnedRowsTable.
func OwnedRowsSpec() core.Table {
	return core.Table{
		Name: OwnedRowsTable,
		Columns: []core.Column{
			{Name: "step_id", Type: core.Text, NotNull: true},
			{Name: "row_key", Type: core.Text, NotNull: true},
			{Name: "table_name", Type: core.Text, NotNull: true},
			{Name: "created_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"step_id", "row_key"},
	}
}

// maxParams bounds the parameters of one statement, below the smallest
// limit of the supported databases (SQLite's 32766): more rows than fit
// are split into several statements.
const maxParams = 30000

type rowsStep struct {
	table string
	key   []string
	rows  []Row
	s     settings
	cols  []string // key first, then the other declared columns, then the managed ones
}

var (
	_ core.Step      = (*rowsStep)(nil)
	_ core.Validator = (*rowsStep)(nil)
)

// Rows returns a step that ensures the declared rows of table, each
// identified by its values of the key columns: a unique constraint of the
// table (its primary key, or a Unique), the one its inserts conflict on.
// The step looks rows up by that key, never by another column, so a row
// an administrator edited is still found. Check reads what exists in one
// query per 250 declared rows (plus one for SyncOwned) and writes only
// the missing or different rows, in one bound statement per kind of
// change (more past 30,000 parameters). Values are compared by the
// database's equality in the column's type; JSON columns as text. Run it after the
// table's step: After(TableID(table)).
func Rows(table string, key []string, rows []Row, opts ...Option) core.Step {
	st := &rowsStep{table: table, key: key, rows: rows,
		s: apply(RowsID(table), "ensure the declared rows of "+table, opts)}
	st.cols = st.columns()
	return st
}

func (r *rowsStep) Info() core.StepInfo { return r.s.info }

// CatalogNames implements core.CatalogScoper: the table (its unique
// indexes come with it) and, for SyncOwned, the table of owned rows.
func (r *rowsStep) CatalogNames() []string {
	if r.s.mode == SyncOwned {
		return []string{r.table, OwnedRowsTable}
	}
	return []string{r.table}
}

func (r *rowsStep) columns() []string {
	seen := map[string]bool{}
	var cols []string
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			cols = append(cols, c)
		}
	}
	for _, k := range r.key {
		add(k)
	}
	var rest []string
	for _, row := range r.rows {
		for c := range row {
			if !seen[c] && !r.managed(c) {
				rest = append(rest, c)
				seen[c] = true
			}
		}
	}
	sort.Strings(rest)
	cols = append(cols, rest...)
	for _, c := range r.s.touch {
		add(c)
	}
	for _, c := range r.s.insertOnly {
		add(c)
	}
	return cols
}

func (r *rowsStep) managed(c string) bool { return inList(c, r.s.touch) || inList(c, r.s.insertOnly) }

// Validate rejects a bad declaration before anything is written.
func (r *rowsStep) Validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("steps/schema: rows of %s: %s: %w", r.table, fmt.Sprintf(format, args...), core.ErrInvalid)
	}
	if err := core.ValidateIdent("table", r.table); err != nil {
		return err
	}
	switch r.s.mode {
	case InsertMissing, Upsert, SyncOwned:
	default:
		return fail("unknown mode %q (want %s, %s or %s)", r.s.mode, InsertMissing, Upsert, SyncOwned)
	}
	if len(r.key) == 0 {
		return fail("no key columns")
	}
	for _, c := range r.cols {
		if err := core.ValidateIdent("column", c); err != nil {
			return err
		}
	}
	for _, c := range append(append([]string{}, r.s.touch...), r.s.insertOnly...) {
		if inList(c, r.key) {
			return fail("key column %q cannot also be a touch or insert-only column", c)
		}
	}
	seen := map[string]int{}
	for i, row := range r.rows {
		for _, c := range r.cols {
			v, ok := row[c]
			if !ok && !r.managed(c) {
				return fail("row %d does not declare column %q (every row declares the same columns)", i+1, c)
			}
			if ok && !validValue(v) {
				return fail("row %d: column %q has a value of type %T", i+1, c, v)
			}
		}
		for c := range row {
			if !inList(c, r.cols) {
				return fail("row %d declares column %q, which the other rows do not", i+1, c)
			}
		}
		k, err := r.rowKey(row)
		if err != nil {
			return fail("row %d: %v", i+1, err)
		}
		if j, dup := seen[k]; dup {
			return fail("rows %d and %d have the same key %s", j, i+1, k)
		}
		seen[k] = i + 1
	}
	return nil
}

func validValue(v any) bool {
	switch v.(type) {
	case nil, string, int, int8, int16, int32, int64, uint8, uint16, uint32, float32, float64, bool, []byte, core.Secret:
		return true
	}
	return false
}

// canon spells a key value as the database returns it scanned into a
// string, so keys read back can be matched to declared ones.
func canon(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	case int8, int16, int32, int64, uint8, uint16, uint32:
		return fmt.Sprint(x), true
	}
	return "", false
}

// rowKey is the row's key values as a JSON array of strings: the key
// OwnedRowsTable records, and how rows are matched.
func (r *rowsStep) rowKey(row Row) (string, error) {
	vals := make([]string, len(r.key))
	for i, k := range r.key {
		s, ok := canon(row[k])
		if !ok {
			return "", fmt.Errorf("key column %q has a value of type %T (want a string or an integer)", k, row[k])
		}
		vals[i] = s
	}
	b, err := json.Marshal(vals)
	return string(b), err
}

// existing is what one lookup found of the declared rows.
type existing struct {
	equal    map[string]bool // row key → whether every compared column is as declared
	conflict map[string]string
}

func (r *rowsStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	cat, err := sess.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	data, err := sess.Data()
	if err != nil {
		return nil, err
	}
	p := &core.Plan{}
	if r.s.mode == SyncOwned {
		op := core.PlanTable(sess.Driver, cat, OwnedRowsSpec())
		p.Changes, p.Drift, p.Notes = op.Changes, op.Drift, op.Notes
	}
	have := cat.Tables[r.table]
	if have != nil && !cat.HasUniqueOn(r.table, r.key) {
		return nil, fmt.Errorf("steps/schema: rows of %s: no primary key or unique constraint on (%s), which the step looks rows up by and its inserts conflict on: %w",
			r.table, strings.Join(r.key, ", "), core.ErrInvalid)
	}
	found := existing{equal: map[string]bool{}, conflict: map[string]string{}}
	if have != nil {
		if found, err = r.lookup(ctx, sess, data, cat, have); err != nil {
			return nil, err
		}
	}
	var missing, differ []Row
	for _, row := range r.rows {
		k, _ := r.rowKey(row)
		eq, ok := found.equal[k]
		switch {
		case found.conflict[k] != "":
			p.AddDrift("rows of "+r.table, "declared row %s: another existing row has its %s, so it is not written", k, found.conflict[k])
		case !ok:
			missing = append(missing, row)
		case !eq && r.s.mode != InsertMissing:
			differ = append(differ, row)
		}
	}
	now := time.Now().Unix()
	if len(missing) > 0 && r.s.mode == InsertMissing {
		p.Changes = append(p.Changes, core.Change{
			Summary:    fmt.Sprintf("insert %s into %s", plural(len(missing), "missing row"), r.table),
			Statements: r.inserts(sess, data, missing, now), DataOnly: true,
		})
	}
	if len(missing)+len(differ) > 0 && r.s.mode != InsertMissing {
		p.Changes = append(p.Changes, core.Change{
			Summary: fmt.Sprintf("upsert %s of %s (%d missing, %d different)",
				plural(len(missing)+len(differ), "row"), r.table, len(missing), len(differ)),
			Statements: r.upserts(sess, data, append(missing, differ...), now), DataOnly: true,
		})
	}
	if r.s.mode == SyncOwned {
		if err := r.planOwned(ctx, sess, data, cat, p, missing, now); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// lookup reads, in one query per batch of declared rows, the existing
// rows that have a declared key, and whether their compared columns are
// as declared; and which declared rows another existing row blocks on
// another unique constraint (an insert would skip them every run, an
// update would fail or, on MySQL, update that other row).
func (r *rowsStep) lookup(ctx context.Context, sess *core.Session, data core.DataSQL, cat *core.Catalog, have *core.TableState) (existing, error) {
	found := existing{equal: map[string]bool{}, conflict: map[string]string{}}
	others := r.otherUniques(cat)
	sel := append([]string{}, r.key...)
	for _, u := range others {
		for _, c := range u {
			if !inList(c, sel) {
				sel = append(sel, c)
			}
		}
	}
	compare := r.compared()
	per := len(r.key) + len(compare) + len(sel)
	for _, batch := range lookupBatches(r.rows, per) {
		if len(others) == 0 {
			// The converged case: counts the runner read for every step
			// at once (rows_reads.go); only a shortfall reads the rows.
			ok, err := r.converged(ctx, sess, data, have, batch)
			if err != nil {
				return found, err
			}
			if ok {
				for _, row := range batch {
					k, _ := r.rowKey(row)
					found.equal[k] = true
				}
				continue
			}
		}
		var where, same []string
		var whereArgs, sameArgs []any
		for _, cols := range append([][]string{r.key}, others...) {
			if w, a := r.matchSet(sess, data, have, batch, cols); w != "" {
				where, whereArgs = append(where, w), append(whereArgs, a...)
			}
		}
		if len(compare) > 0 && r.s.mode != InsertMissing {
			for _, row := range batch {
				s, a := r.match(sess, data, have, row, append(append([]string{}, r.key...), compare...))
				same, sameArgs = append(same, s), append(sameArgs, a...)
			}
		}
		eq := "1"
		if len(same) > 0 {
			eq = "CASE WHEN " + anyOf(same) + " THEN 1 ELSE 0 END"
		}
		q := "SELECT " + core.QuoteList(sess.Driver, sel) + ", " + eq + " FROM " + sess.Quote(r.table) + " WHERE " + anyOf(where)
		rows, err := sess.Query(ctx, q, append(sameArgs, whereArgs...)...)
		if err != nil {
			return found, fmt.Errorf("steps/schema: rows of %s: read existing rows: %w", r.table, err)
		}
		var got []map[string]string
		for rows.Next() {
			vals := make([]sql.NullString, len(sel))
			var equal int64
			dest := make([]any, 0, len(sel)+1)
			for i := range vals {
				dest = append(dest, &vals[i])
			}
			if err := rows.Scan(append(dest, &equal)...); err != nil {
				_ = rows.Close()
				return found, fmt.Errorf("steps/schema: rows of %s: read existing rows: %w", r.table, err)
			}
			m := map[string]string{}
			for i, c := range sel {
				m[c] = vals[i].String
			}
			got = append(got, m)
			key := make([]string, len(r.key))
			for i := range r.key {
				key[i] = vals[i].String
			}
			b, _ := json.Marshal(key)
			found.equal[string(b)] = equal == 1
		}
		err = rows.Err()
		_ = rows.Close()
		if err != nil {
			return found, fmt.Errorf("steps/schema: rows of %s: read existing rows: %w", r.table, err)
		}
		for _, row := range batch {
			k, _ := r.rowKey(row)
			for _, u := range others {
				if r.blocked(row, u, got) {
					found.conflict[k] = "(" + strings.Join(u, ", ") + ")"
				}
			}
		}
	}
	return found, nil
}

// otherUniques are the table's unique constraints other than the key
// whose columns the rows all declare.
func (r *rowsStep) otherUniques(cat *core.Catalog) [][]string {
	var out [][]string
	for _, ix := range cat.Indexes {
		if !ix.Unique || !strings.EqualFold(ix.Table, r.table) || sameCols(ix.Columns, r.key) {
			continue
		}
		all := true
		for _, c := range ix.Columns {
			all = all && inList(c, r.cols) && !r.managed(c)
		}
		if all {
			out = append(out, ix.Columns)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], ",") < strings.Join(out[j], ",") })
	return out
}

// blocked reports whether another row (one with another key) holds row's
// values of the unique columns cols: inserting row would conflict with it,
// and an upsert could even update it (MySQL's ON DUPLICATE KEY fires on
// any unique key).
func (r *rowsStep) blocked(row Row, cols []string, got []map[string]string) bool {
	for _, g := range got {
		same := true
		for _, c := range r.key {
			s, _ := canon(row[c])
			same = same && g[c] == s
		}
		if same {
			continue
		}
		all := true
		for _, c := range cols {
			s, ok := canon(row[c])
			all = all && ok && g[c] == s
		}
		if all {
			return true
		}
	}
	return false
}

// compared are the columns Upsert compares and updates.
func (r *rowsStep) compared() []string {
	var out []string
	for _, c := range r.cols {
		if !inList(c, r.key) && !r.managed(c) {
			out = append(out, c)
		}
	}
	return out
}

// lookupRows bounds the declared rows one lookup query reads: its
// equality test is a disjunction with a term per row, which the database
// evaluates for every row it finds, so its cost grows with the square of
// the batch.
const lookupRows = 250

func lookupBatches(rows []Row, paramsPerRow int) [][]Row {
	var out [][]Row
	for _, b := range batches(rows, paramsPerRow) {
		for len(b) > lookupRows {
			out = append(out, b[:lookupRows])
			b = b[lookupRows:]
		}
		if len(b) > 0 {
			out = append(out, b)
		}
	}
	return out
}

// matchSet renders the condition that finds the existing rows holding
// one of batch's values of cols: "c IN (?, ?, …)" for one column, which
// every database answers from the column's index, else one term per row.
// A row with a NULL in cols conflicts with none (NULLs are distinct in a
// unique constraint) and is left out; "" when none is left.
func (r *rowsStep) matchSet(sess *core.Session, data core.DataSQL, have *core.TableState, batch []Row, cols []string) (string, []any) {
	var keep []Row
	for _, row := range batch {
		null := false
		for _, c := range cols {
			null = null || row[c] == nil
		}
		if !null {
			keep = append(keep, row)
		}
	}
	if len(keep) == 0 {
		return "", nil
	}
	if len(cols) == 1 && !isJSON(have, cols[0]) {
		args := make([]any, len(keep))
		for i, row := range keep {
			args[i] = row[cols[0]]
		}
		return sess.Quote(cols[0]) + " IN (" + core.ParamList(len(args)) + ")", args
	}
	var parts []string
	var args []any
	for _, row := range keep {
		w, a := r.match(sess, data, have, row, cols)
		parts, args = append(parts, w), append(args, a...)
	}
	return anyOf(parts), args
}

// match renders "(c1 = ? AND c2 IS NULL …)" for row's values of cols. A
// declared NULL is IS NULL, so a column that holds one matches. A JSON
// column has no equality operator on PostgreSQL: it is compared as text.
func (r *rowsStep) match(sess *core.Session, data core.DataSQL, have *core.TableState, row Row, cols []string) (string, []any) {
	parts := make([]string, len(cols))
	var args []any
	for i, c := range cols {
		q := sess.Quote(c)
		v := row[c]
		switch {
		case v == nil:
			parts[i] = q + " IS NULL"
		case isJSON(have, c):
			parts[i] = data.Cast(q, core.Text) + " = " + data.Cast("?", core.Text)
			args = append(args, v)
		default:
			parts[i] = q + " = ?"
			args = append(args, v)
		}
	}
	return "(" + strings.Join(parts, " AND ") + ")", args
}

func isJSON(have *core.TableState, col string) bool {
	c := have.Column(col)
	return c != nil && strings.Contains(c.Type, "json")
}

// values returns row's values in column order, the managed columns it
// leaves out set to now.
func (r *rowsStep) values(row Row, now int64) []any {
	out := make([]any, len(r.cols))
	for i, c := range r.cols {
		v, ok := row[c]
		if !ok && r.managed(c) {
			v = now
		}
		out[i] = v
	}
	return out
}

func (r *rowsStep) inserts(sess *core.Session, data core.DataSQL, rows []Row, now int64) []core.Statement {
	var out []core.Statement
	tuple := "(" + core.ParamList(len(r.cols)) + ")"
	for _, batch := range batches(rows, len(r.cols)) {
		st := core.Statement{}
		tuples := make([]string, len(batch))
		for i, row := range batch {
			tuples[i] = tuple
			st.Args = append(st.Args, r.values(row, now)...)
		}
		st.SQL = data.InsertIgnore(r.table, r.cols, "VALUES "+strings.Join(tuples, ", "))
		out = append(out, st)
	}
	return out
}

// upserts renders the driver's one-row Upsert for many rows at once by
// widening its VALUES list, which every driver renders right after the
// column list; a driver that renders it otherwise gets one statement per
// row.
func (r *rowsStep) upserts(sess *core.Session, data core.DataSQL, rows []Row, now int64) []core.Statement {
	one := data.Upsert(r.table, r.cols, r.key, r.compared(), r.s.touch)
	tuple := "(" + core.ParamList(len(r.cols)) + ")"
	head := "INSERT INTO " + sess.Quote(r.table) + " (" + core.QuoteList(sess.Driver, r.cols) + ") VALUES " + tuple
	var out []core.Statement
	if !strings.HasPrefix(one, head) {
		for _, row := range rows {
			out = append(out, core.Statement{SQL: one, Args: r.values(row, now)})
		}
		return out
	}
	for _, batch := range batches(rows, len(r.cols)) {
		st := core.Statement{}
		tuples := make([]string, len(batch))
		for i, row := range batch {
			tuples[i] = tuple
			st.Args = append(st.Args, r.values(row, now)...)
		}
		st.SQL = strings.TrimSuffix(head, tuple) + strings.Join(tuples, ", ") + one[len(head):]
		out = append(out, st)
	}
	return out
}

// planOwned records the rows this run inserts as the step's own, and
// deletes the rows the step owns and no longer declares: by their key,
// which the step recorded when it inserted them.
func (r *rowsStep) planOwned(ctx context.Context, sess *core.Session, data core.DataSQL, cat *core.Catalog, p *core.Plan, missing []Row, now int64) error {
	declared := map[string]bool{}
	for _, row := range r.rows {
		k, _ := r.rowKey(row)
		declared[k] = true
	}
	var stale []string
	if cat.Tables[OwnedRowsTable] != nil {
		rows, err := sess.Query(ctx, "SELECT row_key FROM "+sess.Quote(OwnedRowsTable)+" WHERE step_id = ? ORDER BY row_key", r.s.info.ID)
		if err != nil {
			return fmt.Errorf("steps/schema: rows of %s: read owned rows: %w", r.table, err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				_ = rows.Close()
				return fmt.Errorf("steps/schema: rows of %s: read owned rows: %w", r.table, err)
			}
			if !declared[k] {
				stale = append(stale, k)
			}
		}
		err = rows.Err()
		_ = rows.Close()
		if err != nil {
			return fmt.Errorf("steps/schema: rows of %s: read owned rows: %w", r.table, err)
		}
	}
	if len(missing) > 0 {
		ch := core.Change{Summary: fmt.Sprintf("record %s of %s as inserted by %s", plural(len(missing), "row"), r.table, r.s.info.ID), DataOnly: true}
		ocols := []string{"step_id", "row_key", "table_name", "created_at"}
		for _, batch := range batches(missing, len(ocols)) {
			st := core.Statement{}
			tuples := make([]string, len(batch))
			for i, row := range batch {
				k, _ := r.rowKey(row)
				tuples[i] = "(" + core.ParamList(len(ocols)) + ")"
				st.Args = append(st.Args, r.s.info.ID, k, r.table, now)
			}
			st.SQL = data.InsertIgnore(OwnedRowsTable, ocols, "VALUES "+strings.Join(tuples, ", "))
			ch.Statements = append(ch.Statements, st)
		}
		p.Changes = append(p.Changes, ch)
	}
	if len(stale) == 0 {
		return nil
	}
	ch := core.Change{Summary: fmt.Sprintf("delete %s of %s that %s inserted and no longer declares", plural(len(stale), "row"), r.table, r.s.info.ID), DataOnly: true}
	keyed := make([]Row, 0, len(stale))
	for _, k := range stale {
		var vals []string
		if err := json.Unmarshal([]byte(k), &vals); err != nil || len(vals) != len(r.key) {
			return fmt.Errorf("steps/schema: rows of %s: owned row key %q does not fit key (%s): %w", r.table, k, strings.Join(r.key, ", "), core.ErrInvalid)
		}
		row := Row{}
		for i, c := range r.key {
			row[c] = vals[i]
		}
		keyed = append(keyed, row)
	}
	for i, batch := range batches(keyed, len(r.key)+1) {
		del := core.Statement{}
		forget := core.Statement{Args: []any{r.s.info.ID}}
		for j := range batch {
			forget.Args = append(forget.Args, stale[i*batchSize(len(r.key)+1)+j])
		}
		if have := cat.Tables[r.table]; have != nil {
			var where string
			where, del.Args = r.matchSet(sess, data, have, batch, r.key)
			del.SQL = "DELETE FROM " + sess.Quote(r.table) + " WHERE " + where
			ch.Statements = append(ch.Statements, del)
		}
		forget.SQL = "DELETE FROM " + sess.Quote(OwnedRowsTable) + " WHERE step_id = ? AND row_key IN (" + core.ParamList(len(batch)) + ")"
		ch.Statements = append(ch.Statements, forget)
	}
	p.Changes = append(p.Changes, ch)
	return nil
}

// anyOf is the disjunction of parts as a balanced tree of parenthesized
// ORs, in their order (so their arguments stay in order): a flat chain of
// a thousand ORs is a tree too deep for SQLite ("Expression tree is too
// large (maximum depth 1000)"), a balanced one is twenty levels deep.
func anyOf(parts []string) string {
	switch len(parts) {
	case 0:
		return "1 = 0"
	case 1:
		return parts[0]
	}
	mid := len(parts) / 2
	return "(" + anyOf(parts[:mid]) + " OR " + anyOf(parts[mid:]) + ")"
}

func batchSize(paramsPerRow int) int {
	if paramsPerRow < 1 {
		paramsPerRow = 1
	}
	n := maxParams / paramsPerRow
	if n < 1 {
		n = 1
	}
	return n
}

func batches(rows []Row, paramsPerRow int) [][]Row {
	n := batchSize(paramsPerRow)
	var out [][]Row
	for len(rows) > n {
		out = append(out, rows[:n])
		rows = rows[n:]
	}
	if len(rows) > 0 {
		out = append(out, rows)
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func inList(s string, list []string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sameCols(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || strings.EqualFold(x, y)
		}
		if !found {
			return false
		}
	}
	return true
}
