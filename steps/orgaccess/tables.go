package orgaccess

import "github.com/groundworkdb/groundwork/core"

// ClientOrganizations is the organization table, shared with the usage
// pack (which refers to it and never defines it again).
func ClientOrganizations() core.Table {
	return core.Table{
		Name: OrgTable,
		Columns: []core.Column{
			{Name: "id", Type: core.Text, NotNull: true},
			{Name: "name", Type: core.Text, NotNull: true},
			{Name: "openrouter_api_key", Type: core.Text, NotNull: true},
			{Name: "openrouter_key_hash", Type: core.Text},
			{Name: "markup_rate", Type: core.Real, Default: 1.3},
			{Name: "monthly_limit", Type: core.Real},
			{Name: "billing_email", Type: core.Text},
			{Name: "timezone", Type: core.Text, Default: "Europe/Warsaw"},
			{Name: "is_active", Type: core.Integer, Default: 1},
			{Name: "created_at", Type: core.BigInt, NotNull: true},
			{Name: "updated_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []core.Unique{{Columns: []string{"openrouter_api_key"}}},
	}
}

// The keys to Open WebUI's user and model delete with their parent (ON
// DELETE CASCADE, as Open WebUI's own child tables do): the host deletes
// a user or a model with one DELETE and must never be refused because
// the pack links it. The keys to client_organizations, the pack's own
// table, keep the default and refuse: an organization with links is not
// deleted by accident.

func organizationModels() core.Table {
	return core.Table{
		Name: OrgModelsTable,
		Columns: []core.Column{
			{Name: "id", Type: core.Text, NotNull: true},
			{Name: "organization_id", Type: core.Text, NotNull: true},
			{Name: "model_id", Type: core.Text, NotNull: true},
			{Name: "is_active", Type: core.Integer, Default: 1},
			{Name: "created_at", Type: core.BigInt, NotNull: true},
			{Name: "updated_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []core.Unique{{Columns: []string{"organization_id", "model_id"}}},
		ForeignKeys: []core.ForeignKey{
			{Columns: []string{"organization_id"}, RefTable: OrgTable, RefColumns: []string{"id"}},
			{Columns: []string{"model_id"}, RefTable: "model", RefColumns: []string{"id"}, OnDelete: core.Cascade},
		},
	}
}

func organizationMembers() core.Table {
	return core.Table{
		Name: MembersTable,
		Columns: []core.Column{
			{Name: "id", Type: core.Text, NotNull: true},
			{Name: "organization_id", Type: core.Text, NotNull: true},
			{Name: "user_id", Type: core.Text, NotNull: true},
			{Name: "role", Type: core.Text, Default: "member"},
			{Name: "is_active", Type: core.Integer, Default: 1},
			{Name: "joined_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []core.Unique{{Columns: []string{"organization_id", "user_id"}}},
		ForeignKeys: []core.ForeignKey{
			{Columns: []string{"organization_id"}, RefTable: OrgTable, RefColumns: []string{"id"}},
			{Columns: []string{"user_id"}, RefTable: "user", RefColumns: []string{"id"}, OnDelete: core.Cascade},
		},
	}
}

func indexes() []core.Index {
	return []core.Index{
		{Name: "idx_org_members_user_active", Table: MembersTable, Columns: []string{"user_id", "is_active"}},
		{Name: "idx_org_members_org_active", Table: MembersTable, Columns: []string{"organization_id", "is_active"}},
		{Name: "idx_org_models_org_active", Table: OrgModelsTable, Columns: []string{"organization_id", "is_active"}},
		{Name: "idx_org_models_org_model", Table: OrgModelsTable, Columns: []string{"organization_id", "model_id"}, Unique: true},
	}
}

// Tables returns the pack's tables as declared: the organizations, the
// model links and the members.
func Tables() []core.Table {
	return []core.Table{ClientOrganizations(), organizationModels(), organizationMembers()}
}
