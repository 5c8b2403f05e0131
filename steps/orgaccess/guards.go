package orgaccess

import "github.com/groundworkdb/groundwork/core"

// The optional interfaces each step means to implement: a signature slip
// would otherwise silently turn a proof or a validation off (the view's
// proof is linkModels' Verify).
var (
	_ core.Verifier  = (*linkModels)(nil)
	_ core.Validator = (*upsertOrg)(nil)
	_ core.Validator = (*hostView)(nil)
	_ core.Validator = (*guarded)(nil)
	_ core.Validator = hostTables{}

	_ core.CatalogScoper = scopedGuard{}
	_ core.CatalogScoper = (*hostView)(nil)
	_ core.CatalogScoper = (*upsertOrg)(nil)
	_ core.CatalogScoper = (*registerModels)(nil)
	_ core.CatalogScoper = (*linkModels)(nil)
	_ core.CatalogScoper = (*devMembers)(nil)
	_ core.CatalogScoper = hostTables{}
	_ core.CatalogScoper = (*ensureGroup)(nil)
	_ core.CatalogScoper = (*groupMembers)(nil)
	_ core.CatalogScoper = (*grantModels)(nil)
)
