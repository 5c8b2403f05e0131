package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
	"github.com/groundworkdb/groundwork/examples/customstep/quotas"
	"github.com/groundworkdb/groundwork/examples/customstep/quotas/quotastest"
)

// TestConvergesOnSQLite: the pack beside the built-in one converges on
// SQLite. PostgreSQL and MariaDB run the same tests in integration/examples.
func TestConvergesOnSQLite(t *testing.T) {
	quotastest.Run(t, sqlitetest.Harness())
}

// TestRun runs the example's main logic twice on one file: the first run
// seeds the quota, the second changes nothing.
func TestRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "customstep.db")
	env := map[string]string{
		"OPENROUTER_EXTERNAL_USER": "acme-dev",
		"ORGANIZATION_NAME":        "Acme Dev",
		"OPENROUTER_API_KEY":       "sk-or-v1-customstep-test-key",
		envQuota:                   "750000",
	}
	getenv := func(k string) string { return env[k] }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for i, wantChanged := range []bool{true, false} {
		var out bytes.Buffer
		if code := run(context.Background(), db, true, getenv, &out, log); code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, out.String())
		}
		var rep core.Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("run %d: report: %v\n%s", i+1, err, out.String())
		}
		if rep.Changed != wantChanged || rep.Status != core.RunConverged {
			t.Fatalf("run %d: status %s, changed %t; want converged, changed %t", i+1, rep.Status, rep.Changed, wantChanged)
		}
		if st := rep.Step(quotas.SeedStepID); st == nil || (wantChanged && st.Status != core.StatusApplied) || (!wantChanged && st.Status != core.StatusOK) {
			t.Fatalf("run %d: seed step %+v", i+1, st)
		}
		if bytes.Contains(out.Bytes(), []byte(env["OPENROUTER_API_KEY"])) {
			t.Fatalf("run %d: the report shows the API key", i+1)
		}
	}
}

func TestRegistryRejectsBadInput(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"negative quota": {envQuota: "-1"},
		"not a number":   {envQuota: "lots"},
		"blank model":    {"GROUNDWORK_MODELS": "a,,b"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := registry(func(k string) string { return env[k] }); err == nil {
				t.Fatal("registry accepted bad input")
			}
		})
	}
}

// TestPackNeedsTheBuiltInPack: the quotas pack declares its dependencies
// on the built-in pack's steps, so a registry without them is an error
// naming the missing id, before anything runs.
func TestPackNeedsTheBuiltInPack(t *testing.T) {
	_, err := core.NewRegistry(quotas.Steps(quotas.Config{OrgID: "acme"})...)
	if !errors.Is(err, core.ErrUnknownDependency) || !strings.Contains(err.Error(), "table:client_organizations") {
		t.Fatalf("registry without the built-in pack: %v; want an unknown dependency naming table:client_organizations", err)
	}
}
