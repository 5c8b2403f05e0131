package orgaccess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/groundworkdb/groundwork/core"
)

// The pack's single-row reads (core.Reader): each step declares the reads
// its Check makes, the runner sends them together, and Check takes them
// with Session.ReadRow. Each read is a function of the session (config,
// catalog), so the SQL a step sends is known before it runs (the golden
// files in testdata).

var (
	_ core.Reader = (*upsertOrg)(nil)
	_ core.Reader = (*registerModels)(nil)
	_ core.Reader = (*linkModels)(nil)
	_ core.Reader = (*hostView)(nil)
	_ core.Reader = (*ensureGroup)(nil)
)

// groupRead is the organization's group in Open WebUI (groups mode).
func groupRead(s *core.Session, orgID string) core.Read {
	return core.Read{Columns: []string{castText(s, "meta")}, From: "FROM " + s.Quote("group") + " WHERE id = ?", Args: []any{GroupID(orgID)}}
}

// Reads implements core.Reader: the organization's group.
func (g *ensureGroup) Reads(ctx context.Context, s *core.Session) ([]core.Read, error) {
	if len(g.cfg.Missing()) > 0 {
		return nil, nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil || cat.Tables["group"] == nil {
		return nil, err
	}
	return []core.Read{groupRead(s, g.cfg.OrgID)}, nil
}

// orgRead is the organization's row.
func orgRead(s *core.Session, orgID string) core.Read {
	return core.Read{Columns: []string{"name", "openrouter_api_key"}, From: "FROM " + s.Quote(OrgTable) + " WHERE id = ?", Args: []any{orgID}}
}

// holdRead is the view's hold (hold.go).
func holdRead(s *core.Session) core.Read {
	return core.Read{Columns: []string{"target", "held_at"}, From: "FROM " + s.Quote(HoldsTable) + " WHERE object = ?", Args: []any{holdObject}}
}

// revisionRead sums up alembic_version in one row: how many revisions
// and the lowest and highest; with at most two that is all of them.
func revisionRead(s *core.Session) core.Read {
	return core.Read{Columns: []string{"COUNT(*)", "MIN(version_num)", "MAX(version_num)"}, From: "FROM " + s.Quote(alembicTable), OneRow: true}
}

// singleRowConfigRead is the newest config row up to 0.9.
func singleRowConfigRead(s *core.Session) core.Read {
	return core.Read{Columns: []string{castText(s, "data")}, From: "FROM " + s.Quote("config") + " ORDER BY id DESC LIMIT 1"}
}

// perKeyConfigRead is one setting of 0.10's config(key, value).
func perKeyConfigRead(s *core.Session, key string) core.Read {
	return core.Read{Columns: []string{castText(s, "value")}, From: "FROM " + s.Quote("config") + " WHERE " + s.Quote("key") + " = ?", Args: []any{key}}
}

// countReads counts, per part of ids (inParts: one when the dialect
// binds lists, else maxParams each with args), the rows of from's table
// whose column col is one of them: every id is there when the counts add
// up to len(ids) (the column is unique, so no row counts twice). Only
// then does a check skip its detailed read.
func countReads(s *core.Session, from, col string, ids []string, args []any) []core.Read {
	var out []core.Read
	for _, part := range inParts(s, col, ids, maxParams-len(args)) {
		all := append(append([]any{}, args...), part.args...)
		out = append(out, core.Read{Columns: []string{"COUNT(*)"}, From: from + part.pred, Args: all, OneRow: true})
	}
	return out
}

func modelCountReads(s *core.Session, models []string) []core.Read {
	return countReads(s, "FROM "+s.Quote("model")+" WHERE ", "id", models, nil)
}

func linkCountReads(s *core.Session, orgID string, models []string) []core.Read {
	return countReads(s, "FROM "+s.Quote(OrgModelsTable)+" WHERE organization_id = ? AND ", "model_id", models, []any{orgID})
}

// counted sums the count reads: how many of the ids are there. All of
// them: the check is done; none: it needs no detailed read, there is no
// row to find (a cold start's 1,000 models).
func counted(ctx context.Context, s *core.Session, reads []core.Read) (int64, error) {
	var total int64
	for _, r := range reads {
		var n int64
		if err := s.ReadRow(ctx, r, &n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// hostReads are the reads ReadHost and the model list make: the host's
// revision and, without an explicit model list, its stored settings.
func hostReads(s *core.Session, cat *core.Catalog, cfg Config) []core.Read {
	var out []core.Read
	if cat.Tables[alembicTable] != nil {
		out = append(out, revisionRead(s))
	}
	if len(cfg.Models) == 0 {
		switch configLayout(cat.Tables["config"]) {
		case LayoutSingleRow:
			out = append(out, singleRowConfigRead(s))
		case LayoutPerKey:
			for _, k := range openAIKeys {
				out = append(out, perKeyConfigRead(s, k))
			}
		}
	}
	return out
}

// sessionRevision reads the host's revision through the session's
// prefetched reads; a table of more than two rows (never seen: alembic
// keeps one per head) is read whole.
func sessionRevision(ctx context.Context, s *core.Session, cat *core.Catalog) (hostRevision, error) {
	rev := hostRevision{Managed: cat.Tables[alembicTable] != nil || cat.Tables[peeweeTable] != nil}
	if cat.Tables[alembicTable] == nil {
		return rev, nil
	}
	var n int64
	var lo, hi sql.NullString
	if err := s.ReadRow(ctx, revisionRead(s), &n, &lo, &hi); err != nil {
		if errors.Is(err, core.ErrReadPending) {
			return rev, err
		}
		return rev, fmt.Errorf("steps/orgaccess: read the host's revision: %w", err)
	}
	switch {
	case n == 0:
		return rev, nil
	case n > 2 || !lo.Valid || !hi.Valid:
		return readHostRevision(ctx, sessionQuerier{s}, s, cat)
	}
	rev.Revisions = []string{strings.TrimSpace(lo.String)}
	if n == 2 {
		rev.Revisions = append(rev.Revisions, strings.TrimSpace(hi.String))
	}
	sort.Strings(rev.Revisions)
	return rev, nil
}

// Reads implements core.Reader: the organization's row.
func (u *upsertOrg) Reads(ctx context.Context, s *core.Session) ([]core.Read, error) {
	if len(u.cfg.Missing()) > 0 {
		return nil, nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil || cat.Tables[OrgTable] == nil {
		return nil, err
	}
	return []core.Read{orgRead(s, u.cfg.OrgID)}, nil
}

// Reads implements core.Reader: the host's reads and, once the model list
// is known (it may come from them: a second round), the models' count.
// With the list from the host's config, the models the organization links
// are read as a set beside the config (linkedSetRead): when they hold the
// whole list, that second round is not needed.
func (r *registerModels) Reads(ctx context.Context, s *core.Session) ([]core.Read, error) {
	cat, err := s.Catalog(ctx)
	if err != nil || cat.Tables["model"] == nil {
		return nil, err
	}
	reads := hostReads(s, cat, r.cfg)
	set, ok := registeredSetRead(s, cat, r.cfg)
	if ok {
		reads = append(reads, set)
	}
	list, err := resolveModels(ctx, s, r.cfg)
	if err != nil {
		return reads, err
	}
	if ok && inSet(ctx, s, set, list.IDs) {
		return reads, nil
	}
	return append(reads, modelCountReads(s, list.IDs)...), nil
}

// Reads implements core.Reader: as registerModels, the links' count.
func (l *linkModels) Reads(ctx context.Context, s *core.Session) ([]core.Read, error) {
	if len(l.cfg.Missing()) > 0 {
		return nil, nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	reads := hostReads(s, cat, l.cfg)
	if cat.Tables[OrgModelsTable] == nil {
		return reads, nil
	}
	reads = append(reads, l.viewProofReads(s, cat)...)
	set, ok := linkedSetRead(s, l.cfg)
	if ok {
		reads = append(reads, set)
	}
	list, err := resolveModels(ctx, s, l.cfg)
	if err != nil {
		return reads, err
	}
	if ok && inSet(ctx, s, set, list.IDs) {
		return reads, nil
	}
	return append(reads, linkCountReads(s, l.cfg.OrgID, list.IDs)...), nil
}

// proofReads are the view proof's reads (verify.go), once the view and
// its tables are there.
func (l *linkModels) viewProofReads(s *core.Session, cat *core.Catalog) []core.Read {
	for _, t := range []string{"user", "model", OrgTable, OrgModelsTable, MembersTable} {
		if cat.Tables[t] == nil {
			return nil
		}
	}
	if cat.Views[ViewName] == nil {
		return nil
	}
	rv, re := proofReads(s, l.cfg.OrgID)
	return []core.Read{rv, re}
}

// Reads implements core.Reader: the host's revision and the view's hold,
// then what the view step itself declares.
func (h *hostView) Reads(ctx context.Context, s *core.Session) ([]core.Read, error) {
	cat, err := s.Catalog(ctx)
	if err != nil || cat.Tables["user"] == nil || cat.Tables["model"] == nil {
		return nil, err
	}
	var reads []core.Read
	if cat.Tables[alembicTable] != nil {
		reads = append(reads, revisionRead(s))
	}
	if cat.Tables[HoldsTable] != nil {
		reads = append(reads, holdRead(s))
	}
	if rd, ok := h.view.(core.Reader); ok {
		more, err := rd.Reads(ctx, s)
		return append(reads, more...), err
	}
	return reads, nil
}
