package packfile

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/lazyre"
	"github.com/groundworkdb/groundwork/steps/schema"
)

func (p *parser) table(n *yaml.Node, path string, packTags []string) (core.Step, string, error) {
	f, err := p.fields(n, path, []string{"name", "columns"}, append([]string{"primary_key", "unique", "foreign_keys"}, commonKeys...)...)
	if err != nil {
		return nil, "", err
	}
	t := core.Table{}
	if t.Name, err = p.ident(f["name"], join(path, "name"), "table"); err != nil {
		return nil, "", err
	}
	cols, err := p.list(f["columns"], join(path, "columns"))
	if err != nil {
		return nil, "", err
	}
	if len(cols) == 0 {
		return nil, "", p.errf(f["columns"], join(path, "columns"), "a table needs at least one column")
	}
	for i, cn := range cols {
		c, err := p.column(cn, fmt.Sprintf("%s.columns[%d]", path, i))
		if err != nil {
			return nil, "", err
		}
		t.Columns = append(t.Columns, c)
	}
	if t.PrimaryKey, err = p.idents(f["primary_key"], join(path, "primary_key"), "column"); err != nil {
		return nil, "", err
	}
	uniques, err := p.list(f["unique"], join(path, "unique"))
	if err != nil {
		return nil, "", err
	}
	for i, un := range uniques {
		cols, err := p.idents(un, fmt.Sprintf("%s.unique[%d]", path, i), "column")
		if err != nil {
			return nil, "", err
		}
		t.Uniques = append(t.Uniques, core.Unique{Columns: cols})
	}
	fks, err := p.list(f["foreign_keys"], join(path, "foreign_keys"))
	if err != nil {
		return nil, "", err
	}
	for i, fn := range fks {
		fp := fmt.Sprintf("%s.foreign_keys[%d]", path, i)
		ff, err := p.fields(fn, fp, []string{"columns", "ref_table", "ref_columns"})
		if err != nil {
			return nil, "", err
		}
		var fk core.ForeignKey
		if fk.Columns, err = p.idents(ff["columns"], join(fp, "columns"), "column"); err != nil {
			return nil, "", err
		}
		if fk.RefTable, err = p.ident(ff["ref_table"], join(fp, "ref_table"), "table"); err != nil {
			return nil, "", err
		}
		if fk.RefColumns, err = p.idents(ff["ref_columns"], join(fp, "ref_columns"), "column"); err != nil {
			return nil, "", err
		}
		t.ForeignKeys = append(t.ForeignKeys, fk)
	}
	opts, err := p.common(f, path, packTags)
	if err != nil {
		return nil, "", err
	}
	return schema.Table(t, opts...), t.Name, nil
}

var types = map[string]core.ColumnType{
	"text": core.Text, "integer": core.Integer, "bigint": core.BigInt, "real": core.Real,
	"boolean": core.Boolean, "json": core.JSON, "timestamp": core.Timestamp, "date": core.Date,
}

func (p *parser) column(n *yaml.Node, path string) (core.Column, error) {
	f, err := p.fields(n, path, []string{"name", "type"}, "not_null", "default", "auto_increment")
	if err != nil {
		return core.Column{}, err
	}
	var c core.Column
	if c.Name, err = p.ident(f["name"], join(path, "name"), "column"); err != nil {
		return c, err
	}
	ts, err := p.str(f["type"], join(path, "type"))
	if err != nil {
		return c, err
	}
	t, ok := types[strings.ToLower(ts)]
	if !ok {
		return c, p.errf(f["type"], join(path, "type"), "unknown type %q (want text, integer, bigint, real, boolean, json, timestamp or date)", ts)
	}
	c.Type = t
	if c.NotNull, err = p.boolean(f["not_null"], join(path, "not_null")); err != nil {
		return c, err
	}
	if c.AutoIncrement, err = p.boolean(f["auto_increment"], join(path, "auto_increment")); err != nil {
		return c, err
	}
	if dn := f["default"]; dn != nil {
		v, err := p.value(dn, join(path, "default"))
		if err != nil {
			return c, err
		}
		switch v.(type) {
		case string, int64, float64, bool:
			c.Default = v
		default:
			return c, p.errf(dn, join(path, "default"), "want a string, a number or true/false")
		}
	}
	return c, nil
}

// value reads a scalar as the Go value Rows binds: null, true/false, an
// integer, a float, or a string (dates and times stay as written).
func (p *parser) value(n *yaml.Node, path string) (any, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, p.errf(n, path, "want a single value, not %s", kindName(n))
	}
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, p.errf(n, path, "%v", err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, p.errf(n, path, "integer out of range: %s", n.Value)
		}
		return i, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, p.errf(n, path, "%v", err)
		}
		return f, nil
	}
	return n.Value, nil
}

func (p *parser) index(n *yaml.Node, path string, packTags []string, auto func(string) []schema.Option) (core.Step, error) {
	f, err := p.fields(n, path, []string{"name", "table", "columns"}, append([]string{"unique"}, commonKeys...)...)
	if err != nil {
		return nil, err
	}
	var ix core.Index
	if ix.Name, err = p.ident(f["name"], join(path, "name"), "index"); err != nil {
		return nil, err
	}
	if ix.Table, err = p.ident(f["table"], join(path, "table"), "table"); err != nil {
		return nil, err
	}
	if ix.Columns, err = p.idents(f["columns"], join(path, "columns"), "column"); err != nil {
		return nil, err
	}
	if len(ix.Columns) == 0 {
		return nil, p.errf(f["columns"], join(path, "columns"), "an index needs at least one column")
	}
	if ix.Unique, err = p.boolean(f["unique"], join(path, "unique")); err != nil {
		return nil, err
	}
	opts, err := p.common(f, path, packTags)
	if err != nil {
		return nil, err
	}
	return schema.Index(ix, append(auto(ix.Table), opts...)...), nil
}

// quoted is how a view's query names an identifier that must be quoted
// for the dialect: {{user}} becomes "user" on PostgreSQL and SQLite,
// `user` on MySQL.
var quoted = lazyre.New(`\{\{\s*([^{}]*?)\s*\}\}`)

func (p *parser) view(n *yaml.Node, path string, packTags []string) (core.Step, error) {
	f, err := p.fields(n, path, []string{"name", "query"}, commonKeys...)
	if err != nil {
		return nil, err
	}
	name, err := p.ident(f["name"], join(path, "name"), "view")
	if err != nil {
		return nil, err
	}
	query, err := p.str(f["query"], join(path, "query"))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(query) == "" {
		return nil, p.errf(f["query"], join(path, "query"), "empty query")
	}
	for _, m := range quoted().FindAllStringSubmatch(query, -1) {
		if err := core.ValidateIdent("identifier", m[1]); err != nil {
			return nil, p.errf(f["query"], join(path, "query"), "{{%s}}: %s", m[1], strings.TrimPrefix(err.Error(), "model: "))
		}
	}
	opts, err := p.common(f, path, packTags)
	if err != nil {
		return nil, err
	}
	v := core.View{Name: name, Query: func(q core.Quoter) string {
		return quoted().ReplaceAllStringFunc(query, func(s string) string {
			return q.Quote(quoted().FindStringSubmatch(s)[1])
		})
	}}
	return schema.View(v, opts...), nil
}

var modes = map[string]schema.RowMode{
	string(schema.InsertMissing): schema.InsertMissing, string(schema.Upsert): schema.Upsert, string(schema.SyncOwned): schema.SyncOwned,
}

func (p *parser) rows(n *yaml.Node, path string, packTags []string, auto func(string) []schema.Option) (core.Step, error) {
	f, err := p.fields(n, path, []string{"table", "key", "values"}, append([]string{"mode", "touch", "insert_only"}, commonKeys...)...)
	if err != nil {
		return nil, err
	}
	table, err := p.ident(f["table"], join(path, "table"), "table")
	if err != nil {
		return nil, err
	}
	key, err := p.idents(f["key"], join(path, "key"), "column")
	if err != nil {
		return nil, err
	}
	opts := auto(table)
	if mn := f["mode"]; mn != nil {
		ms, err := p.str(mn, join(path, "mode"))
		if err != nil {
			return nil, err
		}
		m, ok := modes[ms]
		if !ok {
			return nil, p.errf(mn, join(path, "mode"), "unknown mode %q (want insert-missing, upsert or sync-owned)", ms)
		}
		opts = append(opts, schema.Mode(m))
	}
	touch, err := p.idents(f["touch"], join(path, "touch"), "column")
	if err != nil {
		return nil, err
	}
	insertOnly, err := p.idents(f["insert_only"], join(path, "insert_only"), "column")
	if err != nil {
		return nil, err
	}
	opts = append(opts, schema.Touch(touch...), schema.InsertOnly(insertOnly...))
	items, err := p.list(f["values"], join(path, "values"))
	if err != nil {
		return nil, err
	}
	var rows []schema.Row
	for i, rn := range items {
		rp := fmt.Sprintf("%s.values[%d]", path, i)
		if rn.Kind != yaml.MappingNode {
			return nil, p.errf(rn, rp, "want a mapping of column: value, not %s", kindName(rn))
		}
		row := schema.Row{}
		for j := 0; j+1 < len(rn.Content); j += 2 {
			k, v := rn.Content[j], rn.Content[j+1]
			kp := join(rp, k.Value)
			if k.Kind != yaml.ScalarNode {
				return nil, p.errf(k, rp, "a column name must be a plain word")
			}
			if err := core.ValidateIdent("column", k.Value); err != nil {
				return nil, p.errf(k, kp, "%s", strings.TrimPrefix(err.Error(), "model: "))
			}
			if _, dup := row[k.Value]; dup {
				return nil, p.errf(k, kp, "declared twice in this row")
			}
			val, err := p.value(v, kp)
			if err != nil {
				return nil, err
			}
			row[k.Value] = val
		}
		rows = append(rows, row)
	}
	common, err := p.common(f, path, packTags)
	if err != nil {
		return nil, err
	}
	return schema.Rows(table, key, rows, append(opts, common...)...), nil
}
