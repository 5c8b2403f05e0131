package openwebuitest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Users of every fixture, by id. Three are eligible for a development
// organization (the admin, the user, the OAuth user); the pending user
// and the system user are not.
const (
	AdminID   = "0b6c7a52-1f4e-4d0a-9a57-6d1f2c3b4a01"
	UserID    = "1c7d8b63-2a5f-4e1b-8b68-7e2a3d4c5b02"
	PendingID = "2d8e9c74-3b6a-4f2c-9c79-8f3b4e5d6c03"
	OAuthID   = "3e9fad85-4c7b-4a3d-8d8a-9a4c5f6e7d04"
	SystemID  = "system"
	// SystemEmail is the seed's system user, never made a member.
	SystemEmail = "system@mai.local"
)

// User is a fixture user as the pack sees it.
type User struct{ ID, Name, Email, Role string }

// Users are every fixture's users.
func Users() []User {
	out := make([]User, len(fixtureUsers))
	for i, u := range fixtureUsers {
		out[i] = User{u.id, u.name, u.email, u.role}
	}
	return out
}

// EligibleUsers are the fixture users a development organization gets,
// sorted.
func EligibleUsers() []string {
	out := []string{AdminID, UserID, OAuthID}
	sort.Strings(out)
	return out
}

// Model rows of every fixture: an admin's override of a connection model
// (same id, no base), a deactivated override, a custom model built on a
// connection model, and a deactivated custom model.
const (
	ModelOverride         = "openai/gpt-4.1"
	ModelDeactivated      = "x-ai/grok-4"
	ModelCustom           = "acme-assistant"
	ModelCustomDeactivate = "legacy-summarizer"
)

// ExistingModels are the ids of the fixture's model rows, sorted.
func ExistingModels() []string {
	out := []string{ModelOverride, ModelDeactivated, ModelCustom, ModelCustomDeactivate}
	sort.Strings(out)
	return out
}

// DefaultSettings are the fixture's OpenAI connection settings, by key,
// as raw JSON. Connection 0 (OpenRouter) lists four models, connection 1
// serves its one model under prefix "lab", connection 2 is disabled, and
// api_configs holds a stale key "3" beyond the three URLs.
func DefaultSettings() map[string]string {
	return map[string]string{
		"openai.enable":        `true`,
		"openai.api_base_urls": `["https://openrouter.ai/api/v1", "http://vllm.internal:8000/v1", "http://ollama.internal:11434/v1"]`,
		"openai.api_keys":      `["sk-or-v1-fixture-not-a-key", "", ""]`,
		"openai.api_configs": `{"0": {"enable": true, "tags": [], "prefix_id": "", "model_ids": ["openai/gpt-4.1", "anthropic/claude-sonnet-4", "x-ai/grok-4", "openai/gpt-4o-mini"], "connection_type": "external"},
 "1": {"enable": true, "tags": [], "prefix_id": "lab", "model_ids": ["llama-3.1-8b"], "connection_type": "local"},
 "2": {"enable": false, "model_ids": ["qwen2.5:7b"]},
 "3": {"enable": true, "model_ids": ["stale/model"]}}`,
	}
}

// ConfiguredModels are the ids Open WebUI serves from DefaultSettings, in
// its order: connection 0's four, then connection 1's with its prefix.
func ConfiguredModels() []string {
	return []string{"openai/gpt-4.1", "anthropic/claude-sonnet-4", "x-ai/grok-4", "openai/gpt-4o-mini", "lab.llama-3.1-8b"}
}

// Option adjusts the rows Load writes.
type Option func(*loadOptions)

type loadOptions struct {
	settings map[string]string
	noConfig bool
	rawData  string
}

// NoConfig writes no config row at all: a brand-new install.
func NoConfig() Option { return func(o *loadOptions) { o.noConfig = true } }

// Settings replaces keys of DefaultSettings with raw JSON text ("" removes
// the key). Text that is not JSON can only be stored on SQLite: each
// generation writes the keys in its own layout, and PostgreSQL's json
// type rejects it.
func Settings(keys map[string]string) Option {
	return func(o *loadOptions) {
		for k, v := range keys {
			if v == "" {
				delete(o.settings, k)
				continue
			}
			o.settings[k] = v
		}
	}
}

// RawConfigData stores text as the single config row's data (v0.6.40 and
// v0.8-like), whatever it is.
func RawConfigData(text string) Option { return func(o *loadOptions) { o.rawData = text } }

// Load creates a generation's schema (LoadSchema) and writes the
// fixture's rows as that generation stores them: users (with their auth
// rows), a group, models with their access rules, and the config.
func Load(ctx context.Context, db *sql.DB, dialect, generation string, opts ...Option) error {
	o := loadOptions{settings: DefaultSettings()}
	for _, opt := range opts {
		opt(&o)
	}
	if err := LoadSchema(ctx, db, dialect, generation); err != nil {
		return err
	}
	var rows []row
	switch generation {
	case V0_6_40:
		rows = rows0640(o)
	case V0_10_2:
		rows = rows0102(o, true)
	case V0_8_Like:
		rows = rows0102(o, false)
	default:
		return fmt.Errorf("openwebuitest: no rows for generation %q", generation)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("openwebuitest: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, r.sql(dialect), r.args...); err != nil {
			return fmt.Errorf("openwebuitest: %s %s: insert into %s: %w", dialect, generation, r.table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("openwebuitest: %w", err)
	}
	return nil
}

// row is one INSERT; json marks the columns whose value is JSON text
// (cast on PostgreSQL, where the column is json).
type row struct {
	table string
	cols  []string
	args  []any
	json  map[string]bool
}

func (r row) sql(dialect string) string {
	ph := make([]string, len(r.cols))
	cols := make([]string, len(r.cols))
	for i, c := range r.cols {
		cols[i] = `"` + c + `"`
		ph[i] = "?"
		if dialect == "postgres" {
			ph[i] = "$" + strconv.Itoa(i+1)
			if r.json[c] {
				ph[i] += "::json"
			}
		}
	}
	return `INSERT INTO "` + r.table + `" (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(ph, ", ") + `)`
}

func insert(table string, json []string, kv ...any) row {
	r := row{table: table, json: map[string]bool{}}
	for i := 0; i < len(kv); i += 2 {
		r.cols = append(r.cols, kv[i].(string))
		r.args = append(r.args, kv[i+1])
	}
	for _, c := range json {
		r.json[c] = true
	}
	return r
}

// Epoch seconds of the fixture's history: sign-up, last activity.
const (
	t0 = int64(1735689600) // 2025-01-01
	t1 = int64(1751328000) // 2025-07-01
)

type fixtureUser struct {
	id, name, email, role string
	oauthSub              string // "" for a password account
}

var fixtureUsers = []fixtureUser{
	{AdminID, "Ada Admin", "ada@example.com", "admin", ""},
	{UserID, "Ben User", "ben@example.com", "user", ""},
	{PendingID, "Pia Pending", "pia@example.com", "pending", ""},
	{OAuthID, "Olu OAuth", "olu@example.com", "user", "248289761001"},
	{SystemID, "System", SystemEmail, "admin", ""},
}

// bcrypt-shaped, not a real hash of anything.
const passwordHash = "$2b$12$fixturefixturefixturefiu0k2kq3s6PqSx1bq3o0m8H5Gv1c6r2"

// rows0640 are the rows of a v0.6.40 database: api_key and oauth_sub on
// user, every user column NOT NULL, models' access in
// model.access_control, the config one row of JSON.
func rows0640(o loadOptions) []row {
	var rows []row
	for i, u := range fixtureUsers {
		var apiKey, oauthSub any
		if u.role == "admin" && u.id != SystemID {
			apiKey = "sk-fixture0640admin"
		}
		if u.oauthSub != "" {
			oauthSub = "oidc@" + u.oauthSub
		}
		rows = append(rows, insert("user", nil,
			"id", u.id, "name", u.name, "email", u.email, "role", u.role,
			"profile_image_url", "/user.png", "api_key", apiKey,
			"created_at", t0+int64(i), "updated_at", t1, "last_active_at", t1+int64(i),
			"settings", `{"ui": {"models": ["openai/gpt-4.1"]}}`, "info", `{}`, "oauth_sub", oauthSub))
		if u.id != SystemID {
			rows = append(rows, insert("auth", nil, "id", u.id, "email", u.email, "password", passwordHash, "active", true))
		}
	}
	rows = append(rows, groupRows()...)
	private := `{"read": {"group_ids": ["grp-engineering"], "user_ids": []}, "write": {"group_ids": [], "user_ids": []}}`
	for _, m := range fixtureModels() {
		var access any // NULL: public, as 0.6 stores it
		if m.private {
			access = private
		}
		rows = append(rows, insert("model", []string{"access_control"},
			"id", m.id, "user_id", AdminID, "base_model_id", m.base, "name", m.name,
			"meta", m.meta, "params", m.params, "created_at", t0, "updated_at", t1,
			"access_control", access, "is_active", m.active))
	}
	if !o.noConfig {
		data := o.rawData
		if data == "" {
			data = singleRowData(o.settings)
		}
		rows = append(rows, insert("config", []string{"data"}, "id", 1, "data", data, "version", 0))
	}
	return rows
}

// rows0102 are the rows of a v0.10.2 database: profile JSON columns on
// user (oauth instead of oauth_sub, API keys in their own table), models'
// access in access_grant, the config one row per key, and config_old
// still holding the single row an upgrade left behind (stale: it names a
// model the current config does not). Without perKey (v0.8-like) the
// config is the single row, and there is no config_old.
func rows0102(o loadOptions, perKey bool) []row {
	var rows []row
	for i, u := range fixtureUsers {
		var oauth any
		if u.oauthSub != "" {
			oauth = `{"oidc": {"sub": "` + u.oauthSub + `"}}`
		}
		rows = append(rows, insert("user", []string{"oauth", "info", "settings"},
			"id", u.id, "name", u.name, "email", u.email, "role", u.role,
			"profile_image_url", "/user.png", "last_active_at", t1+int64(i), "updated_at", t1, "created_at", t0+int64(i),
			"timezone", "Europe/Warsaw", "oauth", oauth, "info", `{}`, "settings", `{"ui": {"models": ["openai/gpt-4.1"]}}`))
		if u.id != SystemID {
			rows = append(rows, insert("auth", nil, "id", u.id, "email", u.email, "password", passwordHash, "active", true))
		}
	}
	rows = append(rows, insert("api_key", nil, "id", "key-admin", "user_id", AdminID, "key", "sk-fixture0102admin", "created_at", t0, "updated_at", t1))
	rows = append(rows, groupRows()...)
	for _, m := range fixtureModels() {
		rows = append(rows, insert("model", nil,
			"id", m.id, "user_id", AdminID, "base_model_id", m.base, "name", m.name,
			"params", m.params, "meta", m.meta, "updated_at", t1, "created_at", t0, "is_active", m.active))
		principal, id := "user", "*"
		if m.private {
			principal, id = "group", "grp-engineering"
		}
		rows = append(rows, insert("access_grant", nil, "id", "grant-"+m.id, "resource_type", "model", "resource_id", m.id,
			"principal_type", principal, "principal_id", id, "permission", "read", "created_at", t0))
	}
	if !perKey {
		if !o.noConfig {
			data := o.rawData
			if data == "" {
				data = singleRowData(o.settings)
			}
			rows = append(rows, insert("config", []string{"data"}, "id", 1, "data", data, "version", 0))
		}
		return rows
	}
	if !o.noConfig {
		keys := make([]string, 0, len(o.settings))
		for k := range o.settings {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range append(keys, "ui.default_locale") {
			v := o.settings[k]
			if k == "ui.default_locale" {
				v = `""`
			}
			rows = append(rows, insert("config", []string{"value"}, "key", k, "value", v, "updated_at", t1))
		}
	}
	stale := DefaultSettings()
	stale["openai.api_configs"] = `{"0": {"enable": true, "model_ids": ["stale/from-config-old"]}}`
	rows = append(rows, insert("config_old", []string{"data"}, "id", 1, "data", singleRowData(stale), "version", 0))
	return rows
}

func groupRows() []row {
	return []row{
		insert("group", []string{"permissions"}, "id", "grp-engineering", "user_id", AdminID, "name", "Engineering",
			"description", "Engineers", "permissions", `{"workspace": {"models": false}}`, "created_at", t0, "updated_at", t1),
		insert("group_member", nil, "id", "gm-ben", "group_id", "grp-engineering", "user_id", UserID, "created_at", t0, "updated_at", t1),
		insert("group_member", nil, "id", "gm-olu", "group_id", "grp-engineering", "user_id", OAuthID, "created_at", t0, "updated_at", t1),
	}
}

type fixtureModel struct {
	id           string
	base         any // NULL for an override of a connection model
	name         string
	meta, params string
	active       bool
	private      bool
}

func fixtureModels() []fixtureModel {
	return []fixtureModel{
		{ModelOverride, nil, "GPT-4.1 (company default)", `{"profile_image_url": "/static/favicon.png", "description": "Approved for company data", "capabilities": {"vision": true}}`, `{}`, true, false},
		{ModelDeactivated, nil, "Grok 4", `{"description": "Not approved"}`, `{}`, false, false},
		{ModelCustom, "anthropic/claude-sonnet-4", "Acme Assistant", `{"description": "Answers about Acme", "tags": [{"name": "internal"}]}`, `{"system": "You are Acme's assistant.", "temperature": 0.2}`, true, true},
		{ModelCustomDeactivate, "openai/gpt-4o-mini", "Legacy Summarizer", `{"description": "Replaced"}`, `{"temperature": 0}`, false, true},
	}
}

// singleRowData is the config as 0.6–0.9 store it: one JSON document, the
// settings nested by the dotted key ("openai.api_configs" → openai →
// api_configs). Invalid JSON text is spliced in as it is.
func singleRowData(settings map[string]string) string {
	sections := map[string][]string{}
	for k, v := range settings {
		sec, name, _ := strings.Cut(k, ".")
		sections[sec] = append(sections[sec], strconv.Quote(name)+": "+v)
	}
	sections["ui"] = append(sections["ui"], `"default_locale": ""`)
	names := make([]string, 0, len(sections))
	for s := range sections {
		names = append(names, s)
	}
	sort.Strings(names)
	parts := []string{`"version": 0`}
	for _, s := range names {
		sort.Strings(sections[s])
		parts = append(parts, strconv.Quote(s)+": {"+strings.Join(sections[s], ", ")+"}")
	}
	doc := "{" + strings.Join(parts, ", ") + "}"
	if json.Valid([]byte(doc)) {
		var v any
		_ = json.Unmarshal([]byte(doc), &v)
		b, _ := json.Marshal(v) // as Python's json.dumps would store it: one line
		return string(b)
	}
	return doc
}
