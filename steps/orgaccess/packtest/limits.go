package packtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// manyModels is above what one statement of nine parameters a row can
// carry on SQLite (32766 parameters: 3640 models).
const manyModels = 10000

// testManyModels: 10,000 configured models are registered and linked in
// statements under every dialect's parameter limit, and the report
// names a few of them, not all.
func testManyModels(t *testing.T, d core.Driver) {
	setupHost(t, d)
	cfg := DevConfig()
	for i := 0; i < manyModels; i++ {
		cfg.Models = append(cfg.Models, fmt.Sprintf("vendor/model-%05d", i))
	}
	rep := apply(t, d, cfg)
	if rep.Status != core.RunConverged {
		t.Fatalf("apply with %d models:\n%s", manyModels, coretest.Dump(rep))
	}
	for _, id := range []string{orgaccess.RegisterStepID, orgaccess.LinkStepID} {
		sr := rep.Step(id)
		if len(sr.Changes) != 1 || len(sr.Changes[0]) > 300 || !strings.Contains(sr.Changes[0], fmt.Sprintf("and %d more", manyModels-3)) {
			t.Fatalf("step %s: want one short change naming 3 models and %d more, got %.400q", id, manyModels-3, sr.Changes)
		}
	}
	if n := scalar(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.OrgModelsTable)); n != manyModels {
		t.Fatalf("%d links, want %d", n, manyModels)
	}
	if rep := apply(t, d, cfg); rep.Changed || rep.Statements != 0 {
		t.Fatalf("second run: changed %t, %d statements", rep.Changed, rep.Statements)
	}
}

// testCollidingModelIDs: a configured model id that differs from an
// existing row only in case or trailing spaces is the same row where the
// collation says so (MySQL's defaults): it is reported and kept as
// stored, and apply converges instead of failing every run. Elsewhere
// it is another model, registered and linked.
func testCollidingModelIDs(t *testing.T, d core.Driver) {
	setupHost(t, d)
	cfg := DevConfig()
	cfg.Models = []string{"openai/gpt-4o"}
	apply(t, d, cfg)
	cfg.Models = []string{"openai/gpt-4o", "OpenAI/GPT-4o", "openai/gpt-4o "}
	for run := 1; run <= 2; run++ {
		rep := apply(t, d, cfg)
		if rep.Status != core.RunConverged {
			t.Fatalf("run %d with colliding ids:\n%s", run, coretest.Dump(rep))
		}
		if run == 2 && (rep.Changed || rep.Statements != 0) {
			t.Fatalf("run 2 changed something:\n%s", coretest.Dump(rep))
		}
		if d.Dialect() == "mysql" {
			notes := strings.Join(rep.Step(orgaccess.RegisterStepID).Notes, "\n")
			if !strings.Contains(notes, `"OpenAI/GPT-4o" (stored as "openai/gpt-4o")`) {
				t.Fatalf("run %d: want the collision noted, got %q", run, notes)
			}
		}
	}
}
