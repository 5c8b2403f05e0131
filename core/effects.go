package core

// The effects below record in a run's catalog snapshot what the shared
// ensure algorithm just created, so a cold start inspects once instead of
// after every step. The snapshot only serves planning under the lock: the
// verify phase always inspects the database again.

// The effects are the catalog's own recorders, deferred until the change
// that makes them true has run.
func tableCreated(t Table) func(*Catalog)  { return func(c *Catalog) { c.RecordTable(t) } }
func indexCreated(ix Index) func(*Catalog) { return func(c *Catalog) { c.RecordIndex(ix) } }
func viewCreated(v View) func(*Catalog)    { return func(c *Catalog) { c.RecordView(v) } }
func columnAdded(table string, col Column) func(*Catalog) {
	return func(c *Catalog) { c.RecordColumn(table, col) }
}
func foreignKeyAdded(table string, fk ForeignKey) func(*Catalog) {
	return func(c *Catalog) { c.RecordForeignKey(table, fk) }
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
