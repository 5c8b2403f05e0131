package driver

import "github.com/groundworkdb/groundwork/model"

// CatalogIndexer is optional on a DDL: CreateIndexIn renders what
// CreateIndex does, knowing the catalog the index is planned against:
// its table's columns as inspected, or as this run created them
// (ColumnState.FromPlan, with the portable type). A dialect whose index
// syntax depends on the key columns' types needs it (MySQL indexes a
// TEXT column on a prefix only), so the rendering stays a function of
// its inputs instead of what the driver saw earlier. Without it the
// runner calls CreateIndex.
type CatalogIndexer interface {
	CreateIndexIn(cat *model.Catalog, ix model.Index) string
}
