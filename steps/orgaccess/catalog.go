package orgaccess

import (
	"slices"

	"github.com/groundworkdb/groundwork/core"
)

// The catalog names every step of the pack looks up (core.CatalogScoper):
// with all of them declared, the runner reads the catalog of these names
// only, so a host with many tables of its own costs the same warm start.
// A name a step looks up and leaves out here is seen as missing, a
// correctness bug: TestScopedCatalogMatchesFull runs the pack on every
// Open WebUI generation with the scoped and with the full read and
// compares the reports.

// hostNames are what ReadHost and readHostRevision look up: the tables
// telling the host's generation apart and its migration bookkeeping.
var hostNames = []string{"user", "model", "config", "access_grant", alembicTable, peeweeTable}

// viewNames are the view and the tables it joins (the view proof looks
// every one of them up).
var viewNames = []string{ViewName, MembersTable, OrgTable, OrgModelsTable, "user", "model"}

func names(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// scopedGuard is a guarded step whose wrapped step declares its names: it
// adds the host tables it waits for. (A wrapped step that declares none
// stays a plain guarded, so the run reads the whole catalog.)
type scopedGuard struct{ *guarded }

func (g scopedGuard) CatalogNames() []string {
	return names(g.Step.(core.CatalogScoper).CatalogNames(), g.hosts)
}

// CatalogNames: the view, its tables, the holds and the host's revision.
func (h *hostView) CatalogNames() []string {
	var own []string
	if cs, ok := h.view.(core.CatalogScoper); ok {
		own = cs.CatalogNames()
	}
	return names(own, viewNames, []string{HoldsTable, alembicTable, peeweeTable})
}

// CatalogNames: the organization table.
func (u *upsertOrg) CatalogNames() []string { return []string{OrgTable} }

// CatalogNames: the model table and what ReadHost reads for the model
// list.
func (r *registerModels) CatalogNames() []string { return names(hostNames) }

// CatalogNames: the links, the host (the model list), and the view
// proof's view and tables (Verify).
func (l *linkModels) CatalogNames() []string { return names(hostNames, viewNames) }

// CatalogNames: the users and the members (and the members watermark).
func (d *devMembers) CatalogNames() []string {
	return []string{"user", MembersTable, WatermarkTable}
}

// CatalogNames: the demo tables and the tables that mark a real host.
func (hostTables) CatalogNames() []string {
	var own []string
	for _, t := range HostTableSpecs() {
		own = append(own, t.Name)
	}
	return names(own, realHostMarkers)
}

// CatalogNames: the group and the ledger.
func (g *ensureGroup) CatalogNames() []string { return []string{"group", LedgerTable} }

// CatalogNames: the group, its members (table or JSON), the users and
// the ledger.
func (m *groupMembers) CatalogNames() []string {
	return []string{"group", "group_member", "user", LedgerTable}
}

// CatalogNames: the group, the links, the grants (access_grant or
// model.access_control), the ledger, the host (From011) and its 0.11
// index.
func (g *grantModels) CatalogNames() []string {
	return names(hostNames, []string{"group", OrgModelsTable, LedgerTable, index011})
}
