package orgaccess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/groundworkdb/groundwork/core"
)

// sampleRead is the k-th member (by user id) of the organization: the
// proof's sample as single-row reads, so it goes in the first round of
// reads and the proof's counts in the next.
func sampleRead(s *core.Session, orgID string, k int) core.Read {
	return core.Read{Columns: []string{"user_id"}, From: "FROM " + s.Quote(MembersTable) + " WHERE organization_id = ? ORDER BY user_id LIMIT 1 OFFSET " + fmt.Sprint(k), Args: []any{orgID}}
}

// proofReads count the view's pairs for the sample and the pairs its
// tables say.
func proofReads(s *core.Session, orgID string, sample []any) (inView, expected core.Read) {
	q := func(n string) string { return s.Quote(n) }
	in := "(" + core.ParamList(len(sample)) + ")"
	inView = core.Read{Columns: []string{"COUNT(*)"}, OneRow: true,
		From: "FROM " + q(ViewName) + " v WHERE v.organization_id = ? AND v.user_id IN " + in,
		Args: append([]any{orgID}, sample...)}
	expected = core.Read{Columns: []string{"COUNT(*)"}, OneRow: true,
		From: "FROM " + q(MembersTable) + ` m
   JOIN ` + q("user") + ` u ON u.id = m.user_id
   JOIN ` + q(OrgModelsTable) + ` om ON om.organization_id = m.organization_id
   JOIN ` + q("model") + ` md ON md.id = om.model_id
   JOIN ` + q(OrgTable) + ` o ON o.id = m.organization_id
  WHERE m.organization_id = ? AND m.user_id IN ` + in + ` AND m.is_active = 1 AND om.is_active = 1 AND o.is_active = 1 AND md.is_active = TRUE`,
		Args: append([]any{orgID}, sample...)}
	return inView, expected
}

// sampleFromReads is sampleMembers through the pass's reads.
func sampleFromReads(ctx context.Context, s *core.Session, orgID string) ([]any, error) {
	var ids []any
	var pending error
	for k := range proofSample {
		var id string
		err := s.ReadRow(ctx, sampleRead(s, orgID, k), &id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ids, pending
		case errors.Is(err, core.ErrReadPending):
			pending = err
		case err != nil:
			return nil, fmt.Errorf("sample members: %w", err)
		default:
			ids = append(ids, id)
		}
	}
	return ids, pending
}
