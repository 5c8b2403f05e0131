// Package usage is the usage-tracking step pack: the tables and indexes
// the seed's initializer ensured beside the organization tables. It
// refers to client_organizations, which the orgaccess pack defines, and
// never defines it again. Where an existing table differs (an integer id
// where text is declared, as the original "repaired" by dropping three
// tables), the difference is reported as drift and nothing is dropped.
package usage

import (
	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// Tag marks every step of the pack.
const Tag = "usage"

func col(name string, t core.ColumnType, notNull bool, def any) core.Column {
	return core.Column{Name: name, Type: t, NotNull: notNull, Default: def}
}

var (
	idCol      = col("id", core.Text, true, nil)
	orgCol     = col("client_org_id", core.Text, true, nil)
	createdCol = col("created_at", core.BigInt, true, nil)
	updatedCol = col("updated_at", core.BigInt, true, nil)
	orgFK      = core.ForeignKey{Columns: []string{"client_org_id"}, RefTable: orgaccess.OrgTable, RefColumns: []string{"id"}}
)

func counters() []core.Column {
	return []core.Column{
		col("total_tokens", core.Integer, false, 0),
		col("total_requests", core.Integer, false, 0),
		col("raw_cost", core.Real, false, 0.0),
		col("markup_cost", core.Real, false, 0.0),
	}
}

func orgTable(name string, cols ...core.Column) core.Table {
	all := append([]core.Column{idCol, orgCol}, cols...)
	all = append(all, createdCol, updatedCol)
	return core.Table{Name: name, Columns: all, PrimaryKey: []string{"id"}, ForeignKeys: []core.ForeignKey{orgFK}}
}

// Tables returns the usage tables.
func Tables() []core.Table {
	return []core.Table{
		{
			Name: "global_settings",
			Columns: []core.Column{idCol,
				col("openrouter_provisioning_key", core.Text, false, nil),
				col("default_markup_rate", core.Real, false, 1.3),
				col("billing_currency", core.Text, false, "USD"),
				createdCol, updatedCol},
			PrimaryKey: []string{"id"},
		},
		orgTable("user_client_mapping",
			col("user_id", core.Text, true, nil),
			col("openrouter_user_id", core.Text, true, nil),
			col("is_active", core.Integer, false, 1)),
		orgTable("client_daily_usage", append([]core.Column{
			col("usage_date", core.Date, true, nil)}, append(counters(),
			col("primary_model", core.Text, false, nil),
			col("unique_users", core.Integer, false, 1))...)...),
		orgTable("client_user_daily_usage", append([]core.Column{
			col("user_id", core.Text, true, nil),
			col("usage_date", core.Date, true, nil),
			col("openrouter_user_id", core.Text, true, nil)}, counters()...)...),
		orgTable("client_model_daily_usage", append([]core.Column{
			col("model_name", core.Text, true, nil),
			col("provider", core.Text, false, nil),
			col("usage_date", core.Date, true, nil)}, counters()...)...),
		orgTable("processed_generations",
			col("generation_date", core.Date, true, nil),
			col("processed_at", core.Integer, true, nil),
			col("total_cost", core.Real, true, nil),
			col("total_tokens", core.Integer, true, nil)),
		{
			Name: "processed_generation_cleanup_log",
			Columns: []core.Column{
				{Name: "id", Type: core.Integer, NotNull: true, AutoIncrement: true},
				col("cleanup_date", core.Date, true, nil),
				col("cutoff_date", core.Date, true, nil),
				col("days_retained", core.Integer, true, nil),
				col("records_before", core.Integer, true, nil),
				col("records_deleted", core.Integer, true, nil),
				col("records_remaining", core.Integer, true, nil),
				col("old_tokens_removed", core.Integer, true, nil),
				col("old_cost_removed", core.Real, true, nil),
				col("storage_saved_kb", core.Real, true, nil),
				col("cleanup_duration_seconds", core.Real, true, nil),
				col("success", core.Integer, true, 1),
				col("error_message", core.Text, false, nil),
				createdCol,
			},
			PrimaryKey: []string{"id"},
		},
	}
}

// Indexes returns the usage indexes, with the seed's names.
func Indexes() []core.Index {
	ix := func(name, table string, cols ...string) core.Index {
		return core.Index{Name: name, Table: table, Columns: cols}
	}
	return []core.Index{
		ix("idx_api_key", orgaccess.OrgTable, "openrouter_api_key"),
		ix("idx_active", orgaccess.OrgTable, "is_active"),
		ix("idx_user_id", "user_client_mapping", "user_id"),
		ix("idx_client_org_id", "user_client_mapping", "client_org_id"),
		ix("idx_openrouter_user_id", "user_client_mapping", "openrouter_user_id"),
		ix("idx_daily_client_date", "client_daily_usage", "client_org_id", "usage_date"),
		ix("idx_daily_usage_date", "client_daily_usage", "usage_date"),
		ix("idx_user_daily_client_user_date", "client_user_daily_usage", "client_org_id", "user_id", "usage_date"),
		ix("idx_user_daily_user_date", "client_user_daily_usage", "user_id", "usage_date"),
		ix("idx_model_daily_client_model_date", "client_model_daily_usage", "client_org_id", "model_name", "usage_date"),
		ix("idx_model_daily_model_date", "client_model_daily_usage", "model_name", "usage_date"),
		ix("idx_proc_client_date", "processed_generations", "client_org_id", "generation_date"),
		ix("idx_proc_processed_at", "processed_generations", "processed_at"),
		ix("idx_cleanup_log_date", "processed_generation_cleanup_log", "cleanup_date"),
		ix("idx_cleanup_success", "processed_generation_cleanup_log", "success"),
	}
}

// Steps returns the pack. Its tables run after client_organizations,
// which the orgaccess pack's steps provide: register both packs together.
func Steps() []core.Step {
	var steps []core.Step
	for _, t := range Tables() {
		var opts = []schema.Option{schema.Tags(Tag)}
		if len(t.ForeignKeys) > 0 {
			opts = append(opts, schema.After(schema.TableID(orgaccess.OrgTable)))
		}
		steps = append(steps, schema.Table(t, opts...))
	}
	for _, ix := range Indexes() {
		steps = append(steps, schema.Index(ix, schema.Tags(Tag), schema.After(schema.TableID(ix.Table))))
	}
	return steps
}
