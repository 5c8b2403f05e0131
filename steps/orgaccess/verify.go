package orgaccess

import (
	"context"
	"fmt"

	"github.com/groundworkdb/groundwork/core"
)

// Verify proves the view serves the organization: the pairs it returns
// are exactly those its tables say, counted independently.
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
	var inView, expected int64
	err = s.QueryRow(ctx, `SELECT
 (SELECT COUNT(*) FROM `+q(ViewName)+` WHERE organization_id = ?),
 (SELECT COUNT(*) FROM `+q(MembersTable)+` m
   JOIN `+q("user")+` u ON u.id = m.user_id
   JOIN `+q(OrgModelsTable)+` om ON om.organization_id = m.organization_id
   JOIN `+q("model")+` md ON md.id = om.model_id
   JOIN `+q(OrgTable)+` o ON o.id = m.organization_id
  WHERE m.organization_id = ? AND m.is_active = 1 AND om.is_active = 1 AND o.is_active = 1 AND md.is_active = TRUE)`,
		l.cfg.OrgID, l.cfg.OrgID).Scan(&inView, &expected)
	if err != nil {
		return nil, fmt.Errorf("count view rows: %w", err)
	}
	if inView != expected {
		return []core.Drift{{Object: "view " + ViewName, Detail: fmt.Sprintf("returns %d user-model pairs for organization %s, its tables say %d", inView, l.cfg.OrgID, expected)}}, nil
	}
	return nil, nil
}
