//go:build integration

package scenarios_test

import (
	"context"
	"fmt"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// legacyTS is when the original Python initializer ran (epoch seconds);
// its ids were built from it.
const legacyTS = 1722283221

// legacyOrgName is the organization's name as the original stored it; the
// operator's environment now says orgName, so the upgrade renames it.
const legacyOrgName = "Acme Dev (2024)"

// legacyConfig is Open WebUI's configuration in the legacy deployment: one
// enabled connection with four models (two already registered, one of
// them disabled by an admin), one disabled connection whose model must be
// ignored.
const legacyConfig = `{"openai": {"api_configs": {"0": {"enable": true, "model_ids": ["openai/gpt-4.1", "x-ai/grok-4", "anthropic/claude-sonnet-4", "meta-llama/llama-3.3-70b-instruct"]}, "1": {"enable": false, "model_ids": ["mistralai/mistral-large"]}}}, "ui": {"default_locale": "pl-PL"}}`

// What the upgrade must end with in the organization: the 4 configured
// models linked (2 old links kept, one of them inactive as the admin left
// it; 2 new), every eligible user a member, and the view granting the
// active models (gpt-4.1, claude, llama; grok's link is inactive) to them.
const (
	legacyLinksAfter   = 4
	legacyModelsAfter  = 5 // 3 rows before + claude + llama
	legacyPairsAfter   = 3 * eligibleUsers
	legacyTimestampID  = "org_model_1722283221"
	legacyInactiveLink = "org_model_1722283222"
)

// legacyAllowed is everything the upgrade may change in a pre-existing
// row: the organization's name, which the operator changed in the
// environment, and its updated_at, which the upsert touches with it.
// Nothing else: every other pre-existing value stays byte for byte. Rows,
// columns, indexes and a new view definition may be added.
var legacyAllowed = []rowChange{{table: orgaccess.OrgTable, key: orgID, columns: []string{"name", "updated_at"}}}

// autoIncrementPK is an integer key the database numbers itself.
func autoIncrementPK(dialect string) string {
	switch dialect {
	case "postgres":
		return "SERIAL PRIMARY KEY"
	case "mysql":
		return "INT AUTO_INCREMENT PRIMARY KEY"
	}
	return "INTEGER PRIMARY KEY AUTOINCREMENT"
}

// legacySchema is what the original Python initializer created: the same
// tables (keys as VARCHAR, foreign keys only to client_organizations), a
// third of the indexes, idx_org_members_user_active on one column instead
// of two, and the old view, which joined without the is_active filters of
// the model, the link and the organization.
func legacySchema(d core.Driver) []string {
	id := "id VARCHAR(255) PRIMARY KEY"
	org := "client_org_id VARCHAR(255) NOT NULL REFERENCES client_organizations (id)"
	stamps := "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL"
	counters := "total_tokens INTEGER DEFAULT 0, total_requests INTEGER DEFAULT 0, raw_cost REAL DEFAULT 0, markup_cost REAL DEFAULT 0"
	return []string{
		`CREATE TABLE client_organizations (` + id + `, name TEXT NOT NULL, openrouter_api_key VARCHAR(255) NOT NULL UNIQUE,
  openrouter_key_hash TEXT, markup_rate REAL DEFAULT 1.3, monthly_limit REAL, billing_email TEXT, timezone VARCHAR(64) DEFAULT 'Europe/Warsaw',
  is_active INTEGER DEFAULT 1, ` + stamps + `)`,
		`CREATE TABLE organization_models (` + id + `, organization_id VARCHAR(255) NOT NULL REFERENCES client_organizations (id),
  model_id VARCHAR(255) NOT NULL, is_active INTEGER DEFAULT 1, ` + stamps + `, UNIQUE (organization_id, model_id))`,
		`CREATE TABLE organization_members (` + id + `, organization_id VARCHAR(255) NOT NULL REFERENCES client_organizations (id),
  user_id VARCHAR(255) NOT NULL, role VARCHAR(32) DEFAULT 'member', is_active INTEGER DEFAULT 1, joined_at BIGINT NOT NULL, UNIQUE (organization_id, user_id))`,
		`CREATE TABLE global_settings (` + id + `, openrouter_provisioning_key TEXT, default_markup_rate REAL DEFAULT 1.3, billing_currency VARCHAR(8) DEFAULT 'USD', ` + stamps + `)`,
		`CREATE TABLE user_client_mapping (` + id + `, user_id VARCHAR(255) NOT NULL, ` + org + `, openrouter_user_id VARCHAR(255) NOT NULL, is_active INTEGER DEFAULT 1, ` + stamps + `)`,
		`CREATE TABLE client_daily_usage (` + id + `, ` + org + `, usage_date DATE NOT NULL, ` + counters + `, primary_model TEXT, unique_users INTEGER DEFAULT 1, ` + stamps + `)`,
		`CREATE TABLE client_user_daily_usage (` + id + `, ` + org + `, user_id VARCHAR(255) NOT NULL, usage_date DATE NOT NULL, openrouter_user_id VARCHAR(255) NOT NULL, ` + counters + `, ` + stamps + `)`,
		`CREATE TABLE client_model_daily_usage (` + id + `, ` + org + `, model_name VARCHAR(255) NOT NULL, provider TEXT, usage_date DATE NOT NULL, ` + counters + `, ` + stamps + `)`,
		`CREATE TABLE processed_generations (` + id + `, ` + org + `, generation_date DATE NOT NULL, processed_at INTEGER NOT NULL, total_cost REAL NOT NULL, total_tokens INTEGER NOT NULL, ` + stamps + `)`,
		`CREATE TABLE processed_generation_cleanup_log (id ` + autoIncrementPK(d.Dialect()) + `, cleanup_date DATE NOT NULL, cutoff_date DATE NOT NULL,
  days_retained INTEGER NOT NULL, records_before INTEGER NOT NULL, records_deleted INTEGER NOT NULL, records_remaining INTEGER NOT NULL,
  old_tokens_removed INTEGER NOT NULL, old_cost_removed REAL NOT NULL, storage_saved_kb REAL NOT NULL, cleanup_duration_seconds REAL NOT NULL,
  success INTEGER NOT NULL DEFAULT 1, error_message TEXT, created_at BIGINT NOT NULL)`,
		`CREATE INDEX idx_org_members_user_active ON organization_members (user_id)`,
		`CREATE INDEX idx_api_key ON client_organizations (openrouter_api_key)`,
		`CREATE INDEX idx_user_id ON user_client_mapping (user_id)`,
		`CREATE INDEX idx_daily_client_date ON client_daily_usage (client_org_id, usage_date)`,
		`CREATE INDEX idx_proc_client_date ON processed_generations (client_org_id, generation_date)`,
		`CREATE INDEX idx_cleanup_log_date ON processed_generation_cleanup_log (cleanup_date)`,
		`CREATE VIEW user_available_models AS SELECT m.user_id AS user_id, u.name AS user_name, u.email AS user_email,
  om.model_id AS model_id, md.name AS model_name, o.name AS organization_name, o.id AS organization_id
FROM organization_members m JOIN client_organizations o ON o.id = m.organization_id
JOIN organization_models om ON om.organization_id = m.organization_id
JOIN ` + d.Quote("user") + ` u ON u.id = m.user_id JOIN model md ON md.id = om.model_id WHERE m.is_active = 1`,
	}
}

// legacyRows puts rows in every table: two organizations (the configured
// one and another, production one), registered models (one renamed and
// one disabled by an admin, one custom), timestamped links and
// memberships, usage rows, the config, the users.
func legacyRows(d core.Driver) []struct {
	sql  string
	args []any
} {
	ts := int64(legacyTS)
	type row = struct {
		sql  string
		args []any
	}
	modelInsert := `INSERT INTO model (id, user_id, base_model_id, name, params, meta, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ` +
		typed(d, core.JSON) + `, ` + typed(d, core.JSON) + `, ?, ?, ?)`
	date := typed(d, core.Date)
	return []row{
		{`INSERT INTO client_organizations (id, name, openrouter_api_key, openrouter_key_hash, markup_rate, monthly_limit, billing_email, timezone, is_active, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []any{orgID, legacyOrgName, apiKey, "sha256:5f1e", 1.3, nil, "billing@acme.example", "Europe/Warsaw", 1, ts, ts}},
		{`INSERT INTO client_organizations (id, name, openrouter_api_key, openrouter_key_hash, markup_rate, monthly_limit, billing_email, timezone, is_active, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []any{"globex", "Globex Production", "sk-or-v1-globex-legacy", nil, 1.5, 500.25, nil, "America/New_York", 1, ts, ts + 60}},
		{modelInsert,
			[]any{"openai/gpt-4.1", "system", "openai/gpt-4.1", "Admin Renamed", "{}", `{"provider": "openai", "model_type": "openrouter"}`, true, ts, ts}},
		{modelInsert,
			[]any{"x-ai/grok-4", "system", "x-ai/grok-4", "Grok-4 (x-ai)", "{}", `{"provider": "x-ai"}`, false, ts, ts + 5}},
		{modelInsert,
			[]any{"custom/in-house", "alice", nil, "In-house ✓", `{"temperature": 0.2}`, "{}", true, ts, ts}},
		{`INSERT INTO config (data, version) VALUES (` + typed(d, core.JSON) + `, ?)`, []any{legacyConfig, 3}},
		{`INSERT INTO organization_models (id, organization_id, model_id, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{legacyTimestampID, orgID, "openai/gpt-4.1", 1, ts, ts}},
		{`INSERT INTO organization_models (id, organization_id, model_id, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{legacyInactiveLink, orgID, "x-ai/grok-4", 0, ts, ts + 100}},
		{`INSERT INTO organization_models (id, organization_id, model_id, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{"org_model_1722283223", "globex", "custom/in-house", 1, ts, ts}},
		{`INSERT INTO organization_members (id, organization_id, user_id, role, is_active, joined_at) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{"org_member_1722283221", orgID, "alice", "admin", 1, ts}},
		{`INSERT INTO organization_members (id, organization_id, user_id, role, is_active, joined_at) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{"org_member_1722283224", "globex", "bob", "member", 1, ts}},
		{`INSERT INTO global_settings (id, openrouter_provisioning_key, default_markup_rate, billing_currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{"default", "sk-or-prov-legacy", 1.3, "PLN", ts, ts}},
		{`INSERT INTO user_client_mapping (id, user_id, client_org_id, openrouter_user_id, is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			[]any{"ucm_1722283221", "alice", orgID, "or-user-alice", 1, ts, ts}},
		{`INSERT INTO client_daily_usage (id, client_org_id, usage_date, total_tokens, total_requests, raw_cost, markup_cost, primary_model, unique_users, created_at, updated_at)
  VALUES (?, ?, ` + date + `, ?, ?, ?, ?, ?, ?, ?, ?)`, []any{"cdu_1722283221", orgID, "2025-07-28", 12345, 17, 0.42, 0.546, "openai/gpt-4.1", 2, ts, ts}},
		{`INSERT INTO client_user_daily_usage (id, client_org_id, user_id, usage_date, openrouter_user_id, total_tokens, total_requests, raw_cost, markup_cost, created_at, updated_at)
  VALUES (?, ?, ?, ` + date + `, ?, ?, ?, ?, ?, ?, ?)`, []any{"cudu_1722283221", orgID, "alice", "2025-07-28", "or-user-alice", 100, 2, 0.01, 0.013, ts, ts}},
		{`INSERT INTO client_model_daily_usage (id, client_org_id, model_name, provider, usage_date, total_tokens, total_requests, raw_cost, markup_cost, created_at, updated_at)
  VALUES (?, ?, ?, ?, ` + date + `, ?, ?, ?, ?, ?, ?)`, []any{"cmdu_1722283221", orgID, "openai/gpt-4.1", "openai", "2025-07-28", 1000, 3, 0.1, 0.13, ts, ts}},
		{`INSERT INTO processed_generations (id, client_org_id, generation_date, processed_at, total_cost, total_tokens, created_at, updated_at) VALUES (?, ?, ` + date + `, ?, ?, ?, ?, ?)`,
			[]any{"gen-abc123", orgID, "2025-07-28", ts, 0.0042, 321, ts, ts}},
		{`INSERT INTO processed_generation_cleanup_log (cleanup_date, cutoff_date, days_retained, records_before, records_deleted, records_remaining,
  old_tokens_removed, old_cost_removed, storage_saved_kb, cleanup_duration_seconds, success, error_message, created_at) VALUES (` + date + `, ` + date + `, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			[]any{"2025-07-28", "2025-06-28", 30, 100, 40, 60, 4000, 0.4, 12.5, 0.25, 1, nil, ts}},
	}
}

// typed is a placeholder for a column of type ct: PostgreSQL types a bound
// string as text, which a json or date column does not take implicitly.
func typed(d core.Driver, ct core.ColumnType) string {
	if data, ok := d.(core.DataSQL); ok {
		return data.Cast("?", ct)
	}
	return "?"
}

// buildLegacy is a database as the original Python initializer left it,
// on top of the host's tables and users.
func buildLegacy(ctx context.Context, d core.Driver) error {
	if err := buildHost(ctx, d); err != nil {
		return err
	}
	for _, q := range legacySchema(d) {
		if err := execSQL(ctx, d, q); err != nil {
			return fmt.Errorf("legacy schema: %w", err)
		}
	}
	for _, r := range legacyRows(d) {
		if err := execSQL(ctx, d, r.sql, r.args...); err != nil {
			return fmt.Errorf("legacy rows: %w", err)
		}
	}
	return nil
}
