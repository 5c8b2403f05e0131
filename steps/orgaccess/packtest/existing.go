package packtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// legacySchema is what the original Python initializer left behind:
// timestamped link ids, a view without the model and organization
// filters, one index missing.
func legacySchema(q core.Quoter) []string {
	return []string{
		`CREATE TABLE client_organizations (id VARCHAR(255) PRIMARY KEY, name TEXT NOT NULL, openrouter_api_key VARCHAR(255) NOT NULL UNIQUE, openrouter_key_hash TEXT, markup_rate REAL DEFAULT 1.3, monthly_limit REAL, billing_email TEXT, timezone TEXT DEFAULT 'Europe/Warsaw', is_active INTEGER DEFAULT 1, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
		`CREATE TABLE organization_models (id VARCHAR(255) PRIMARY KEY, organization_id VARCHAR(255) NOT NULL, model_id VARCHAR(255) NOT NULL, is_active INTEGER DEFAULT 1, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (organization_id, model_id))`,
		`CREATE TABLE organization_members (id VARCHAR(255) PRIMARY KEY, organization_id VARCHAR(255) NOT NULL, user_id VARCHAR(255) NOT NULL, role TEXT DEFAULT 'member', is_active INTEGER DEFAULT 1, joined_at BIGINT NOT NULL, UNIQUE (organization_id, user_id))`,
		`CREATE INDEX idx_org_members_user_active ON organization_members (user_id, is_active)`,
		`CREATE VIEW user_available_models AS SELECT m.user_id AS user_id, u.name AS user_name, u.email AS user_email, om.model_id AS model_id, md.name AS model_name, o.name AS organization_name, o.id AS organization_id FROM organization_members m JOIN client_organizations o ON o.id = m.organization_id JOIN organization_models om ON om.organization_id = m.organization_id JOIN ` + q.Quote("user") + ` u ON u.id = m.user_id JOIN model md ON md.id = om.model_id WHERE m.is_active = 1`,
		`INSERT INTO client_organizations (id, name, openrouter_api_key, created_at, updated_at) VALUES ('acme-dev', 'Acme Dev', 'sk-or-v1-old', 1722283221, 1722283221)`,
		`INSERT INTO model (id, user_id, base_model_id, name, params, meta, is_active, created_at, updated_at) VALUES ('openai/gpt-4.1', 'system', 'openai/gpt-4.1', 'Admin Renamed', '{}', '{}', TRUE, 1722283221, 1722283221)`,
		`INSERT INTO organization_models (id, organization_id, model_id, is_active, created_at, updated_at) VALUES ('acme-dev_openai/gpt-4.1_1722283221', 'acme-dev', 'openai/gpt-4.1', 1, 1722283221, 1722283221)`,
		`INSERT INTO organization_members (id, organization_id, user_id, role, is_active, joined_at) VALUES ('acme-dev_alice_1722283221', 'acme-dev', 'alice', 'admin', 1, 1722283221)`,
	}
}

// checksums returns a digest of every row of each table, in key order, so
// "every pre-existing row still there, byte for byte" can be compared.
func checksums(t *testing.T, d core.Driver, tables map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for table, cols := range tables {
		rows, err := d.DB().QueryContext(context.Background(), "SELECT "+cols+" FROM "+d.Quote(table)+" ORDER BY id")
		if err != nil {
			t.Fatalf("checksum %s: %v", table, err)
		}
		h := sha256.New()
		n := len(strings.Split(cols, ","))
		for rows.Next() {
			vals := make([]any, n)
			ptrs := make([]any, n)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%v\n", vals)
		}
		rows.Close()
		out[table] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

func testExisting(t *testing.T, d core.Driver) {
	setupHost(t, d)
	for _, q := range legacySchema(d) {
		exec(t, d, q)
	}
	cols := map[string]string{
		"client_organizations": "id, name, openrouter_api_key, created_at",
		"organization_models":  "id, organization_id, model_id, is_active, created_at, updated_at",
		"organization_members": "id, organization_id, user_id, role, is_active, joined_at",
		"model":                "id, name, is_active, created_at",
		"user":                 "id, name, email, role",
	}
	before := checksums(t, d, cols)
	cfg := DevConfig()
	cfg.OrgID, cfg.OrgName, cfg.APIKey = "acme-dev", "Acme Dev", "sk-or-v1-old"
	rep := apply(t, d, cfg)
	if rep.Status != core.RunConverged {
		t.Fatalf("upgrade did not converge:\n%s", coretest.Dump(rep))
	}
	for _, table := range []string{"client_organizations", "user"} {
		if after := checksums(t, d, map[string]string{table: cols[table]}); after[table] != before[table] {
			t.Errorf("rows of %s changed", table)
		}
	}
	// Old rows keep their ids and values; new rows are only added.
	if n := scalar(t, d, "SELECT COUNT(*) FROM organization_models WHERE id = 'acme-dev_openai/gpt-4.1_1722283221'"); n != 1 {
		t.Fatalf("the timestamped link was lost or rewritten")
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM organization_members WHERE id = 'acme-dev_alice_1722283221' AND role = 'admin'"); n != 1 {
		t.Fatalf("the existing membership was lost or rewritten")
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM model WHERE id = 'openai/gpt-4.1' AND name = 'Admin Renamed'"); n != 1 {
		t.Fatalf("an existing model row was overwritten")
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM organization_models"); n != 12 {
		t.Fatalf("%d links, want 12 (1 old + 11 new, no duplicate)", n)
	}
	if sr := rep.Step("view:" + orgaccess.ViewName); sr == nil || sr.Status != core.StatusApplied {
		t.Fatalf("the old view definition was not replaced:\n%s", coretest.Dump(rep))
	}
	if sr := rep.Step("index:idx_org_models_org_model"); sr == nil || sr.Status != core.StatusApplied {
		t.Fatalf("the missing index was not created:\n%s", coretest.Dump(rep))
	}
	if n := viewPairs(t, d); n != 24 {
		t.Fatalf("view holds %d pairs after upgrade, want 24", n)
	}
	rep = apply(t, d, cfg)
	if rep.Changed {
		t.Fatalf("second run after upgrade changed something:\n%s", coretest.Dump(rep))
	}
}
