package schema

import "github.com/groundworkdb/groundwork/core"

// A converged database holds what each step ensures, as declared: that
// is each step's guess of the catalog (core.CatalogGuesser), against
// which the runner declares the reads it sends with the catalog read.

var (
	_ core.CatalogGuesser = (*tableStep)(nil)
	_ core.CatalogGuesser = (*indexStep)(nil)
	_ core.CatalogGuesser = (*viewStep)(nil)
)

// GuessCatalog implements core.CatalogGuesser: the table as declared.
func (s *tableStep) GuessCatalog(cat *core.Catalog) { cat.AddTable(s.t) }

// GuessCatalog implements core.CatalogGuesser: the index as declared.
func (s *indexStep) GuessCatalog(cat *core.Catalog) { cat.AddIndex(s.ix) }

// GuessCatalog implements core.CatalogGuesser: the view.
func (s *viewStep) GuessCatalog(cat *core.Catalog) { cat.AddView(s.v) }
