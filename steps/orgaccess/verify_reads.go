package orgaccess

import (
	"fmt"

	"github.com/groundworkdb/groundwork/core"
)

// proofReads count the view's pairs for the sample and the pairs its
// tables say. The sample, the first proofSample members by user id, is
// a derived table inside each count (MySQL takes no LIMIT directly in
// an IN subquery): both counts go in the first round of reads, and each
// dialect's planner starts from those few members, read through the
// members' (organization_id, user_id) key, instead of from the whole
// view.
func proofReads(s *core.Session, orgID string) (inView, expected core.Read) {
	q := func(n string) string { return s.Quote(n) }
	in := "(SELECT p.user_id FROM (SELECT user_id FROM " + q(MembersTable) + " WHERE organization_id = ? ORDER BY user_id LIMIT " + fmt.Sprint(proofSample) + ") p)"
	inView = core.Read{Columns: []string{"COUNT(*)"}, OneRow: true,
		From: "FROM " + q(ViewName) + " v WHERE v.organization_id = ? AND v.user_id IN " + in,
		Args: []any{orgID, orgID}}
	expected = core.Read{Columns: []string{"COUNT(*)"}, OneRow: true,
		From: "FROM " + q(MembersTable) + ` m
   JOIN ` + q("user") + ` u ON u.id = m.user_id
   JOIN ` + q(OrgModelsTable) + ` om ON om.organization_id = m.organization_id
   JOIN ` + q("model") + ` md ON md.id = om.model_id
   JOIN ` + q(OrgTable) + ` o ON o.id = m.organization_id
  WHERE m.organization_id = ? AND m.user_id IN ` + in + ` AND m.is_active = 1 AND om.is_active = 1 AND o.is_active = 1 AND md.is_active = TRUE`,
		Args: []any{orgID, orgID}}
	return inView, expected
}
