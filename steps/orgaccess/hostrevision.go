package orgaccess

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/groundworkdb/groundwork/core"
)

// The host's migration bookkeeping: alembic's table of current revisions,
// and the table of Open WebUI's older peewee migrations.
const (
	alembicTable = "alembic_version"
	peeweeTable  = "migratehistory"
)

// hostRevision is where the host's own migrations have brought the
// database.
type hostRevision struct {
	// Managed says the host's migrations run on this database: it has
	// alembic's or peewee's bookkeeping table.
	Managed bool
	// Revisions are alembic's current revisions, sorted (more than one
	// while branches are unmerged); none before alembic first ran.
	Revisions []string
}

func (r hostRevision) String() string {
	if len(r.Revisions) == 0 {
		return "none"
	}
	return strings.Join(r.Revisions, ",")
}

// readHostRevision reads alembic_version when the catalog has it: one
// query, none when it is missing.
func readHostRevision(ctx context.Context, q querier, quote core.Quoter, cat *core.Catalog) (hostRevision, error) {
	rev := hostRevision{Managed: cat.Tables[alembicTable] != nil || cat.Tables[peeweeTable] != nil}
	if cat.Tables[alembicTable] == nil {
		return rev, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT version_num FROM "+quote.Quote(alembicTable))
	if err != nil {
		return rev, fmt.Errorf("steps/orgaccess: read the host's revision: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return rev, fmt.Errorf("steps/orgaccess: read the host's revision: %w", err)
		}
		rev.Revisions = append(rev.Revisions, strings.TrimSpace(v))
	}
	if err := rows.Err(); err != nil {
		return rev, fmt.Errorf("steps/orgaccess: read the host's revision: %w", err)
	}
	sort.Strings(rev.Revisions)
	return rev, nil
}
