// Package quotas is an integrator's own step pack, registered beside the
// built-in organization-access pack: a monthly token quota per
// organization. It declares a table, an index and a seed row (the default
// quota of the configured organization) and depends on the built-in pack
// by step id, so one registry orders both.
//
// It is the "writing a step" example of the README: the schema and the
// seed row come from steps/schema with core specs (Table, Index, Rows);
// a step of its own would implement core.Step, whose Check returns a Plan
// of bound, dialect-neutral statements.
package quotas

import (
	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// Names of the pack's objects and steps.
const (
	TableName  = "organization_quotas"
	IndexName  = "idx_org_quotas_active"
	SeedStepID = "quotas:default-quota"
	Tag        = "quotas"
)

// DefaultMonthlyTokens is the seed row's limit when Config leaves it 0.
const DefaultMonthlyTokens int64 = 1_000_000

// Config is what the pack needs to know.
type Config struct {
	// OrgID is the organization whose default quota is seeded: the same
	// id as orgaccess.Config.OrgID. Empty skips the seed step.
	OrgID string
	// MonthlyTokens is the seeded limit; 0 means DefaultMonthlyTokens.
	MonthlyTokens int64
}

// Table is the spec of organization_quotas. The organization is unique:
// one quota row per organization, which is what makes the seed race-safe.
func Table() core.Table {
	return core.Table{
		Name: TableName,
		Columns: []core.Column{
			{Name: "id", Type: core.Text, NotNull: true},
			{Name: "organization_id", Type: core.Text, NotNull: true},
			{Name: "monthly_token_limit", Type: core.BigInt, NotNull: true, Default: DefaultMonthlyTokens},
			{Name: "is_active", Type: core.Integer, NotNull: true, Default: 1},
			{Name: "created_at", Type: core.BigInt, NotNull: true},
			{Name: "updated_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey:  []string{"id"},
		Uniques:     []core.Unique{{Columns: []string{"organization_id"}}},
		ForeignKeys: []core.ForeignKey{{Columns: []string{"organization_id"}, RefTable: orgaccess.OrgTable, RefColumns: []string{"id"}}},
	}
}

// Index is the spec of the index the billing job reads active quotas by.
func Index() core.Index {
	return core.Index{Name: IndexName, Table: TableName, Columns: []string{"is_active", "organization_id"}}
}

// Steps returns the pack in run order. Its table refers to the built-in
// organization table, and the seed row to the organization the built-in
// pack upserts: both say so with After, so the registry orders them
// after the built-in steps whatever order the packs are given in, and a
// registry without the built-in pack is an error naming the missing id.
func Steps(cfg Config) []core.Step {
	return []core.Step{
		schema.Table(Table(), schema.Tags(Tag), schema.After(schema.TableID(orgaccess.OrgTable))),
		schema.Index(Index(), schema.Tags(Tag), schema.After(schema.TableID(TableName))),
		seedStep(cfg),
	}
}
