package core

// CatalogIndexer is optional on a DDL: CreateIndexIn renders what
// CreateIndex does, knowing the catalog the index is planned against:
// its table's columns as inspected, or as this run created them
// (ColumnState.FromPlan, with the portable type). A dialect whose index
// syntax depends on the key columns' types needs it (MySQL indexes a
// TEXT column on a prefix only), so the rendering stays a function of
// its inputs instead of what the driver saw earlier. Without it the
// runner calls CreateIndex.
type CatalogIndexer interface {
	CreateIndexIn(cat *Catalog, ix Index) string
}

// createIndex renders ix through d's CatalogIndexer when it has one.
func createIndex(d DDL, cat *Catalog, ix Index) string {
	if ci, ok := d.(CatalogIndexer); ok {
		return ci.CreateIndexIn(cat, ix)
	}
	return d.CreateIndex(ix)
}
