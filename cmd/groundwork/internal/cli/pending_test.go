package cli

import (
	"encoding/json"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
)

// TestVerifyPendingIsReady: a user who signs up after apply makes verify
// report the development population pending, and exit 0: readiness does
// not depend on rows the application creates.
func TestVerifyPendingIsReady(t *testing.T) {
	db := tempDB(t)
	u := sqliteURL(db)
	env := map[string]string{"OPENROUTER_EXTERNAL_USER": "acme-dev", "ORGANIZATION_NAME": "Acme Dev", "OPENROUTER_API_KEY": "sk-or-v1-pending-test"}
	mustCode(t, run(t, env, "apply", "--db", u, "--include", "host:openwebui-tables"), ExitOK)
	signUp := func(id string) {
		t.Helper()
		d, err := sqlite.Open(db)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.DB().DB.Exec(`INSERT INTO "user" (id, name, email, role, created_at) VALUES (?, 'New', ?, 'user', 1)`, id, id+"@example.com"); err != nil {
			t.Fatal(err)
		}
	}
	signUp("alice")
	mustCode(t, run(t, env, "apply", "--db", u), ExitOK)
	mustCode(t, run(t, env, "verify", "--db", u), ExitOK)

	signUp("carol")
	r := run(t, env, "verify", "--db", u, "--output", "json")
	mustCode(t, r, ExitOK)
	var rep core.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("verify JSON: %v\n%s", err, r)
	}
	if sr := rep.Step("orgaccess:dev-members"); rep.Status != core.RunPending || sr == nil || sr.Status != core.StatusPending || sr.Pending != 1 {
		t.Fatalf("verify after a sign-up: want pending (1), exit 0\n%s", r)
	}
	mustCode(t, run(t, env, "plan", "--db", u), ExitDrift) // plan still says apply has work
}
