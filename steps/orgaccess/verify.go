package orgaccess

import (
	"context"
	"fmt"

	"github.com/groundworkdb/groundwork/core"
)

// proofSample is how many members of the organization the view proof
// looks at.
const proofSample = 32

// Verify proves the view serves the organization: for a sample of its
// members, the pairs it returns are exactly those its tables say, counted
// independently. (That the view is the declared one is the view step's
// check; this proves the declaration does what the pack means.)
func (l *linkModels) Verify(ctx context.Context, s *core.Session) ([]core.Drift, error) {
	if len(l.cfg.Missing()) > 0 {
		return nil, nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if cat.Views[ViewName] == nil || cat.Tables["user"] == nil || cat.Tables["model"] == nil {
		return nil, nil
	}
	q := func(n string) string { return s.Quote(n) }
	// A bounded sample of the organization's members (active or not, so
	// the proof also sees the view leave inactive ones out): the proof then
	// costs members-in-sample × models, not the whole view, on every start.
	sample := `(SELECT user_id FROM ` + q(MembersTable) + ` WHERE organization_id = ? ORDER BY user_id LIMIT ` + fmt.Sprint(proofSample) + `)`
	var inView, expected int64
	err = s.QueryRow(ctx, `SELECT
 (SELECT COUNT(*) FROM `+q(ViewName)+` v JOIN `+sample+` s ON s.user_id = v.user_id WHERE v.organization_id = ?),
 (SELECT COUNT(*) FROM `+sample+` s
   JOIN `+q(MembersTable)+` m ON m.organization_id = ? AND m.user_id = s.user_id
   JOIN `+q("user")+` u ON u.id = m.user_id
   JOIN `+q(OrgModelsTable)+` om ON om.organization_id = m.organization_id
   JOIN `+q("model")+` md ON md.id = om.model_id
   JOIN `+q(OrgTable)+` o ON o.id = m.organization_id
  WHERE m.is_active = 1 AND om.is_active = 1 AND o.is_active = 1 AND md.is_active = TRUE)`,
		l.cfg.OrgID, l.cfg.OrgID, l.cfg.OrgID, l.cfg.OrgID).Scan(&inView, &expected)
	if err != nil {
		return nil, fmt.Errorf("count view rows: %w", err)
	}
	if inView != expected {
		return []core.Drift{{Object: "view " + ViewName, Detail: fmt.Sprintf("returns %d user-model pairs for the first %d members of organization %s, its tables say %d", inView, proofSample, l.cfg.OrgID, expected)}}, nil
	}
	return nil, nil
}
