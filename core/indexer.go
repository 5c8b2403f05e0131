package core

// createIndex renders ix through d's CatalogIndexer when it has one.
func createIndex(d DDL, cat *Catalog, ix Index) string {
	if ci, ok := d.(CatalogIndexer); ok {
		return ci.CreateIndexIn(cat, ix)
	}
	return d.CreateIndex(ix)
}
