package core

import (
	"context"
	"sort"

	"github.com/uptrace/bun"
)

// CatalogScoper is optional on a Step (and on a Recorder): CatalogNames
// returns every table, view and index name the step looks up in the
// catalog, its own objects and the host's it reads (a table a foreign key
// refers to, a table whose existence it waits for). When every selected
// step has it, the runner reads the catalog of those names only, so the
// read's cost does not grow with the host's own tables. One step without
// it makes the run read the whole schema, as before: an old-style step
// keeps working and only costs the larger read.
//
// A name left out is seen as missing, so a step must list everything it
// looks up; the catalog of a scoped read holds the tables and views named,
// every index of those tables, the indexes named (on any table), and the
// foreign keys of the tables named.
type CatalogScoper interface {
	CatalogNames() []string
}

// CatalogScope returns the sorted, deduplicated union of the names of
// every CatalogScoper in steps and extra (nil values in extra are
// skipped), and false when some step does not declare its names: the
// catalog must then be read whole.
func CatalogScope(steps []Step, extra ...any) ([]string, bool) {
	seen := map[string]bool{}
	add := func(v any) bool {
		cs, ok := v.(CatalogScoper)
		if !ok {
			return false
		}
		for _, n := range cs.CatalogNames() {
			seen[n] = true
		}
		return true
	}
	for _, st := range steps {
		if !add(st) {
			return nil, false
		}
	}
	for _, v := range extra {
		if v != nil && !add(v) {
			return nil, false
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, true
}

// Inspect reads the catalog of names with d's ScopedInspector, or the
// whole catalog when d has none, names is nil or longer than
// MaxScopedNames.
func Inspect(ctx context.Context, d Driver, db bun.IDB, names []string) (*Catalog, error) {
	if si, ok := d.(ScopedInspector); ok && names != nil && len(names) <= MaxScopedNames {
		return si.InspectNames(ctx, db, names)
	}
	return d.Inspect(ctx, db)
}

// scopeCatalog limits the session's catalog reads to what steps and the
// recorder declare, when they all do.
func (s *Session) scopeCatalog(steps []Step, rec Recorder) {
	var extra []any
	if rec != nil {
		extra = append(extra, rec)
	}
	if names, ok := CatalogScope(steps, extra...); ok {
		s.catalog.names = names
	}
}
