package core

import "strings"

// The effects below record in a run's catalog snapshot what the shared
// ensure algorithm just created, so a cold start inspects once instead of
// after every step. The snapshot only serves planning under the lock: the
// verify phase always inspects the database again.

func tableCreated(t Table) func(*Catalog) {
	return func(c *Catalog) {
		ts := &TableState{Name: t.Name, FromPlan: true}
		for _, col := range t.Columns {
			pk := inList(col.Name, t.PrimaryKey)
			ts.Columns = append(ts.Columns, ColumnState{
				Name: col.Name, Type: string(col.Type), NotNull: col.NotNull || pk, PrimaryKey: pk, FromPlan: true,
			})
		}
		for _, fk := range t.ForeignKeys {
			ts.ForeignKeys = append(ts.ForeignKeys, fk.State())
		}
		c.Tables[t.Name] = ts
		if len(t.PrimaryKey) > 0 {
			c.Indexes[constraintKey(t.Name, t.PrimaryKey)] = &IndexState{Table: t.Name, Columns: t.PrimaryKey, Unique: true, Constraint: true}
		}
		for _, u := range t.Uniques {
			c.Indexes[constraintKey(t.Name, u.Columns)] = &IndexState{Table: t.Name, Columns: u.Columns, Unique: true, Constraint: true}
		}
	}
}

// constraintKey names a constraint's index in the snapshot; the NUL byte
// keeps it apart from every valid index name.
func constraintKey(table string, cols []string) string {
	return "\x00" + table + "(" + strings.Join(cols, ",") + ")"
}

func columnAdded(table string, col Column) func(*Catalog) {
	return func(c *Catalog) {
		if ts := c.Tables[table]; ts != nil {
			ts.Columns = append(ts.Columns, ColumnState{Name: col.Name, Type: string(col.Type), NotNull: col.NotNull, FromPlan: true})
		}
	}
}

func foreignKeyAdded(table string, fk ForeignKey) func(*Catalog) {
	return func(c *Catalog) {
		if ts := c.Tables[table]; ts != nil {
			ts.ForeignKeys = append(ts.ForeignKeys, fk.State())
		}
	}
}

func indexCreated(ix Index) func(*Catalog) {
	return func(c *Catalog) {
		c.Indexes[ix.Name] = &IndexState{Name: ix.Name, Table: ix.Table, Columns: ix.Columns, Unique: ix.Unique}
	}
}

func viewCreated(v View) func(*Catalog) {
	return func(c *Catalog) {
		c.Views[v.Name] = &ViewState{Name: v.Name, FromPlan: true}
	}
}

// recordApplied brings the snapshot up to date after a step applied plan:
// by the changes' effects when every change has one or writes only rows,
// otherwise by inspecting again on the next read.
func (cc *catalogCache) recordApplied(plan *Plan) {
	if cc.cat == nil || cc.dirty {
		return
	}
	for _, ch := range plan.Changes {
		if !ch.DataOnly && ch.effect == nil {
			cc.dirty = true
			return
		}
	}
	for _, ch := range plan.Changes {
		if ch.effect != nil {
			ch.effect(cc.cat)
		}
	}
}

// createsOnly reports whether every change of the plan only creates an
// object the catalog did not have. A read the runner prefetched was
// declared against that catalog and cannot name the object (a read of a
// missing table would have failed the combined statement), so applying
// such a plan leaves every prefetched result as it was.
func (p *Plan) createsOnly() bool {
	for _, ch := range p.Changes {
		if !ch.creates {
			return false
		}
	}
	return len(p.Changes) > 0
}
