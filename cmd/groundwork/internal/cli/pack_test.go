package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const examplePack = "../../../../examples/pack/tenants.yaml"

// TestPackFlag: --pack runs a pack file beside the built-in packs in
// steps, plan, apply and verify; --tag selects it alone.
func TestPackFlag(t *testing.T) {
	db := sqliteURL(tempDB(t))
	r := run(t, nil, "steps", "--pack", examplePack)
	mustCode(t, r, ExitOK)
	for _, id := range []string{"table:tenant_settings", "index:idx_tenant_settings_plan", "view:tenant_paid_seats", "tenants:default-tenant", "table:client_organizations"} {
		if !strings.Contains(r.stdout, id) {
			t.Fatalf("steps does not list %s:\n%s", id, r.stdout)
		}
	}
	mustCode(t, run(t, nil, "plan", "--db", db, "--pack", examplePack, "--tag", "tenants"), ExitDrift)
	mustCode(t, run(t, nil, "verify", "--db", db, "--pack", examplePack, "--tag", "tenants"), ExitDrift)
	mustCode(t, run(t, nil, "apply", "--db", db, "--pack", examplePack, "--tag", "tenants"), ExitOK)
	mustCode(t, run(t, nil, "verify", "--db", db, "--pack", examplePack, "--tag", "tenants"), ExitOK)
	mustCode(t, run(t, nil, "plan", "--db", db, "--pack", examplePack, "--tag", "tenants"), ExitOK)
}

// TestBadPackExits2: a bad pack is exit 2 naming the file, line and key,
// and nothing is written (the database file is not even created).
func TestBadPackExits2(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("pack: x\ntables:\n  - name: t\n    colums: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gw.db")
	for _, cmd := range []string{"apply", "plan", "verify", "steps"} {
		r := run(t, nil, cmd, "--db", sqliteURL(path), "--pack", examplePack, "--pack", bad)
		mustCode(t, r, ExitInvalid)
		if !strings.Contains(r.stderr, "bad.yaml:4: tables[0].colums: unknown key") {
			t.Fatalf("%s: the error does not name file, line and key:\n%s", cmd, r.stderr)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a bad pack left a database file behind: %v", err)
	}
}

// TestPackFromConfigAndEnv: packs come from the config file (a list) and
// from GROUNDWORK_PACKS (comma-separated) too; a relative path in the
// config file is relative to the config file.
func TestPackFromConfigAndEnv(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "groundwork.yaml")
	abs, _ := filepath.Abs(examplePack)
	body, err := os.ReadFile(abs)
	if err != nil {
		t.Fatal(err)
	}
	// A relative path in the config file is relative to the config file.
	if err := os.WriteFile(filepath.Join(dir, "tenants.yaml"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("pack:\n  - tenants.yaml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]result{
		"config": run(t, nil, "steps", "--config", cfg),
		"env":    run(t, map[string]string{"GROUNDWORK_PACKS": abs}, "steps"),
	} {
		mustCode(t, r, ExitOK)
		if !strings.Contains(r.stdout, "tenants:default-tenant") {
			t.Fatalf("%s: the pack's steps are not listed:\n%s", name, r.stdout)
		}
	}
}
