package orgaccess

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/groundworkdb/groundwork/core"
)

// A model list parsed from the host's config is known only once the
// config is read, so counting its models and links would be a second
// round of reads on every warm start. Instead, beside the config, the
// organization's links and the registered models among them are read as
// two sets (core.ListAggregator): a converged database has every model of
// the list in both, which the checks see without another round trip. A
// list a set does not hold (a model the config added) is counted as
// before, in the next round: that start has work anyway. The sets are
// bounded by the organization's links, not by the host's models.

// linkedSetRead is the ids the organization links, when the list comes
// from the host and the dialect aggregates.
func linkedSetRead(s *core.Session, cfg Config) (core.Read, bool) {
	agg, ok := s.Driver.(core.ListAggregator)
	if !ok || len(cfg.Models) > 0 {
		return core.Read{}, false
	}
	return core.Read{Columns: []string{agg.ListAgg("om.model_id")}, OneRow: true,
		From: "FROM " + s.Quote(OrgModelsTable) + " om WHERE om.organization_id = ?", Args: []any{cfg.OrgID}}, true
}

// registeredSetRead is the registered models among the organization's
// links, when the list comes from the host, an organization is
// configured, its links' table is there and the dialect aggregates.
func registeredSetRead(s *core.Session, cat *core.Catalog, cfg Config) (core.Read, bool) {
	agg, ok := s.Driver.(core.ListAggregator)
	if !ok || len(cfg.Models) > 0 || len(cfg.Missing()) > 0 || cat.Tables[OrgModelsTable] == nil {
		return core.Read{}, false
	}
	return core.Read{Columns: []string{agg.ListAgg("m.id")}, OneRow: true,
		From: "FROM " + s.Quote("model") + " m WHERE m.id IN (SELECT om.model_id FROM " + s.Quote(OrgModelsTable) + " om WHERE om.organization_id = ?)",
		Args: []any{cfg.OrgID}}, true
}

// inSet tells whether the set read holds every one of ids, exactly; false
// when it was not prefetched (a check then counts, as without it), is
// pending, or cannot be read. Exact equality is stricter than the
// database's collation, so a false here only costs the counts.
func inSet(ctx context.Context, s *core.Session, set core.Read, ids []string) bool {
	if !s.HasRead(set) {
		return false
	}
	var v sql.NullString
	if err := s.ReadRow(ctx, set, &v); err != nil {
		return false
	}
	var have []string
	if v.Valid {
		if err := json.Unmarshal([]byte(v.String), &have); err != nil {
			return false
		}
	}
	in := make(map[string]bool, len(have))
	for _, id := range have {
		in[id] = true
	}
	for _, id := range ids {
		if !in[id] {
			return false
		}
	}
	return true
}
