package bench

import (
	"context"
	"fmt"
	"time"

	"ariga.io/atlas/sql/schema"
)

// atlasDesired captures the realm of a converged database once: the
// desired state an Atlas user keeps in HCL, already in the database's
// normal form. Timing the diff against it leaves out parsing HCL and
// normalizing it on a dev database, so Atlas's figure is its lower bound.
// (The open-source build inspects tables, columns, indexes and foreign
// keys; views are not inspected, so Atlas checks less than groundwork.)
func (e *env) atlasDesired(ctx context.Context, db *Database) (*schema.Realm, error) {
	c, err := e.open(ctx, db)
	if err != nil {
		return nil, err
	}
	defer c.close()
	drv, err := e.d.Atlas(c.db)
	if err != nil {
		return nil, fmt.Errorf("bench: atlas: open: %w", err)
	}
	return drv.InspectRealm(ctx, &schema.InspectRealmOption{Schemas: []string{e.d.AtlasSchema(db)}})
}

// atlasInspectDiff opens Atlas's driver on an open connection, inspects
// the realm and diffs it against desired: Atlas's "is there anything to
// do". It reports the number of changes Atlas found in the note (zero on
// a converged database).
func (e *env) atlasInspectDiff(ctx context.Context, db *Database, desired *schema.Realm) (sample, error) {
	c, err := e.open(ctx, db)
	if err != nil {
		return sample{}, err
	}
	defer c.close()
	before := c.counts.Load()
	c.counts.ResetSlowest()
	start := time.Now()
	drv, err := e.d.Atlas(c.db)
	if err != nil {
		return sample{}, fmt.Errorf("bench: atlas: open: %w", err)
	}
	current, err := drv.InspectRealm(ctx, &schema.InspectRealmOption{Schemas: []string{e.d.AtlasSchema(db)}})
	if err != nil {
		return sample{}, fmt.Errorf("bench: atlas: inspect: %w", err)
	}
	changes, err := drv.RealmDiff(current, desired)
	if err != nil {
		return sample{}, fmt.Errorf("bench: atlas: diff: %w", err)
	}
	dur := time.Since(start)
	return sample{dur: dur, queries: -1, counts: c.counts.Load().Sub(before), slowest: c.counts.Slowest(), note: fmt.Sprintf("%d changes found", len(changes))}, nil
}
