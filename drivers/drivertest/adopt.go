package drivertest

import (
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/model"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// testAdoptedColumnTypes: a table another tool made, in the spellings
// ORMs and hand-written schemas use on every dialect, is adopted as it is.
// The rule each driver implements is one and portable: an existing column
// serves a declared one when it stores every value of the portable type
// without loss. A flag fits an integer column (0/1), a JSON document a
// text column, an integer a bigint one, a real a numeric one; the reverse
// (a bigint declared over a 32-bit column) is drift, see
// IncompatibleTypeIsDrift. Nothing is altered and verify is clean.
func testAdoptedColumnTypes(t *testing.T, open coretest.Opener) {
	d := open(t)
	const name = "gw_adopted"
	exec(t, d, "CREATE TABLE "+d.Quote(name)+` (
		id VARCHAR(64) NOT NULL PRIMARY KEY,
		label VARCHAR(200),
		flag INTEGER NOT NULL DEFAULT 1,
		small_flag SMALLINT,
		doc TEXT,
		n BIGINT,
		big BIGINT,
		r NUMERIC(12, 4)
	)`)
	steps := []core.Step{schema.Table(model.Table{Name: name, Columns: []model.Column{
		{Name: "id", Type: model.Text, NotNull: true},
		{Name: "label", Type: model.Text},
		{Name: "flag", Type: model.Boolean, NotNull: true, Default: true},
		{Name: "small_flag", Type: model.Boolean},
		{Name: "doc", Type: model.JSON},
		{Name: "n", Type: model.Integer},
		{Name: "big", Type: model.BigInt},
		{Name: "r", Type: model.Real},
	}, PrimaryKey: []string{"id"}})}
	rep := apply(t, d, steps)
	wantStatus(t, rep, core.RunConverged)
	if rep.Changed {
		t.Fatalf("adopting the table changed it\n%s", coretest.Dump(rep))
	}
	for _, s := range rep.Steps {
		if len(s.SQL) > 0 || len(s.Drift) > 0 {
			t.Fatalf("step %s: SQL %v, drift %v over columns that serve", s.ID, s.SQL, s.Drift)
		}
	}
	wantStatus(t, verify(t, d, steps), core.RunConverged)
}
