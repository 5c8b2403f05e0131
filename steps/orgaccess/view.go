package orgaccess

import (
	"fmt"

	"github.com/groundworkdb/groundwork/core"
)

// availableModelsView lists, for every active member of an active
// organization, the active models linked to it. model.is_active is a
// boolean in Open WebUI; "= TRUE" reads it right on every dialect.
//
// No DISTINCT: the unique (organization_id, user_id) of the members and
// (organization_id, model_id) of the links already make each row's
// (user, organization, model) unique, and DISTINCT would make every lookup
// build and sort the whole view (MariaDB cannot merge such a view at all:
// 18 s instead of 1 ms for one user's models among 20,000 members).
func availableModelsView() core.View {
	return core.View{Name: ViewName, Query: func(q core.Quoter) string {
		return fmt.Sprintf(`SELECT
  m.user_id AS user_id,
  u.name AS user_name,
  u.email AS user_email,
  om.model_id AS model_id,
  md.name AS model_name,
  o.name AS organization_name,
  o.id AS organization_id
FROM %s m
JOIN %s o ON o.id = m.organization_id
JOIN %s om ON om.organization_id = m.organization_id
JOIN %s u ON u.id = m.user_id
JOIN %s md ON md.id = om.model_id
WHERE m.is_active = 1 AND om.is_active = 1 AND o.is_active = 1 AND md.is_active = TRUE`,
			q.Quote(MembersTable), q.Quote(OrgTable), q.Quote(OrgModelsTable), q.Quote("user"), q.Quote("model"))
	}}
}
