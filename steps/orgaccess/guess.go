package orgaccess

import "github.com/groundworkdb/groundwork/core"

// The catalog the pack expects of a converged database
// (core.CatalogGuesser): its own objects come from its schema steps; the
// host's tables its reads look up are guessed here, as the current Open
// WebUI (0.10) has them. A driver that sends the reads with the catalog
// read (PostgreSQL) declares them against this guess, so a warm start
// saves the round trip between the two. A host that differs (an older
// generation's single-row config) only sees those reads fail alone and
// sent again once the catalog is known: one round trip more, and their
// errors in the server's log.

var (
	_ core.CatalogGuesser = (*guarded)(nil)
	_ core.CatalogGuesser = (*hostView)(nil)
	_ core.CatalogGuesser = (*upsertOrg)(nil)
	_ core.CatalogGuesser = (*registerModels)(nil)
	_ core.CatalogGuesser = (*linkModels)(nil)
	_ core.CatalogGuesser = (*devMembers)(nil)
	_ core.CatalogGuesser = (*ensureGroup)(nil)
	_ core.CatalogGuesser = hostTables{}
)

// guessHost adds the host tables the pack's reads look up, unless a step
// before declared the host (the demo tables, HostTables).
func guessHost(cat *core.Catalog) {
	if cat.Tables["user"] != nil {
		return
	}
	text := func(names ...string) []core.Column {
		cols := make([]core.Column, len(names))
		for i, n := range names {
			cols[i] = core.Column{Name: n, Type: core.Text}
		}
		return cols
	}
	for _, t := range []core.Table{
		{Name: "user", Columns: text("id", "email", "role"), PrimaryKey: []string{"id"}},
		{Name: "model", Columns: text("id"), PrimaryKey: []string{"id"}},
		{Name: "group", Columns: text("id", "meta"), PrimaryKey: []string{"id"}},
		{Name: "config", Columns: text("key", "value"), PrimaryKey: []string{"key"}},
		{Name: alembicTable, Columns: text("version_num"), PrimaryKey: []string{"version_num"}},
	} {
		cat.AddTable(t)
	}
}

// GuessCatalog passes the wrapped step's guess through.
func (g *guarded) GuessCatalog(cat *core.Catalog) {
	if cg, ok := g.Step.(core.CatalogGuesser); ok {
		cg.GuessCatalog(cat)
	}
}

// GuessCatalog: the view and the host.
func (h *hostView) GuessCatalog(cat *core.Catalog) {
	if cg, ok := h.view.(core.CatalogGuesser); ok {
		cg.GuessCatalog(cat)
	}
	guessHost(cat)
}

// GuessCatalog: the host (the organization table is a schema step's).
func (u *upsertOrg) GuessCatalog(cat *core.Catalog) { guessHost(cat) }

// GuessCatalog: the host.
func (r *registerModels) GuessCatalog(cat *core.Catalog) { guessHost(cat) }

// GuessCatalog: the host.
func (l *linkModels) GuessCatalog(cat *core.Catalog) { guessHost(cat) }

// GuessCatalog: the host.
func (d *devMembers) GuessCatalog(cat *core.Catalog) { guessHost(cat) }

// GuessCatalog: the host.
func (g *ensureGroup) GuessCatalog(cat *core.Catalog) { guessHost(cat) }

// GuessCatalog: the demo tables, as created.
func (hostTables) GuessCatalog(cat *core.Catalog) {
	for _, t := range HostTableSpecs() {
		cat.AddTable(t)
	}
}
