// Package proptest checks the organization-access pack with property
// tests (pgregory.net/rapid) against a real database of any dialect: the
// SQLite run is part of `go test ./...`, PostgreSQL runs it from
// integration/.
//
// Each case builds a random deployment, applies the pack, then damages it
// at random — any subset of the pack's tables, indexes and view dropped,
// links and memberships deleted or deactivated, the organization
// deactivated, models renamed or disabled by an admin, extra user rows,
// extra columns on host and pack tables, a changed model list, name or
// key — and asserts that one apply converges, verify is clean, a second
// apply changes nothing, the view serves exactly the pairs the tables
// imply, and no row that existed before the apply is lost or altered
// beyond what the pack owns (see checkRowsKept).
package proptest

import (
	"context"
	"flag"
	"os"
	"strconv"
	"testing"

	"pgregory.net/rapid"

	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// Option adjusts a Run.
type Option func(*options)

type options struct {
	cases      int
	generation string
}

// Cases sets how many random cases Run checks (rapid's -rapid.checks,
// default 100). A -rapid.checks flag or RAPID_CHECKS variable given by
// whoever runs the tests wins.
func Cases(n int) Option { return func(o *options) { o.cases = n } }

// Generation runs every case on a database made from the real Open WebUI
// schema of a generation with its rows (openwebuitest.Load) instead of
// the minimal host tables; the fixture's users and models join the
// case's. Run skips when the dialect has no schema for it (MySQL).
func Generation(gen string) Option { return func(o *options) { o.generation = gen } }

// Run checks the property on fresh databases from h, one per case.
func Run(t *testing.T, h coretest.Harness, opts ...Option) {
	t.Helper()
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.cases > 0 {
		defer setChecks(t, o.cases)()
	}
	rapid.Check(t, func(rt *rapid.T) { checkCase(rt, t, h, o.generation) })
}

// setChecks sets rapid's case count for this test unless the person
// running it chose one, and returns what restores it. rapid reads the
// count from its command-line flag only.
func setChecks(t *testing.T, n int) func() {
	f := flag.Lookup("rapid.checks")
	if f == nil || os.Getenv("RAPID_CHECKS") != "" {
		return func() {}
	}
	given := false
	flag.Visit(func(v *flag.Flag) { given = given || v.Name == f.Name })
	if given {
		return func() {}
	}
	old := f.Value.String()
	if err := f.Value.Set(strconv.Itoa(n)); err != nil {
		t.Fatalf("set rapid.checks: %v", err)
	}
	return func() { _ = f.Value.Set(old) }
}

// checkCase is one case: a random deployment, damaged at random, healed
// by one apply.
func checkCase(rt *rapid.T, t *testing.T, h coretest.Harness, generation string) {
	ctx := context.Background()
	d := h.NewDatabase(t)(t)
	// The opener closes the driver when the whole test ends; close it at
	// the end of the case too, so cases do not pile up connections.
	if c, ok := d.(interface{ Close() error }); ok {
		defer c.Close()
	}
	db := &database{t: rt, d: d, ctx: ctx, generation: generation}
	if generation != "" {
		if _, err := openwebuitest.Schema(d.Dialect(), generation); err != nil {
			t.Skipf("no Open WebUI %s schema on %s", generation, d.Dialect())
		}
	}

	dep := drawDeployment(rt, generation != "")
	db.setupHost(dep)
	db.apply(dep.cfg, "first apply")

	db.damage(dep)

	before := db.snapshot()
	rep := db.apply(dep.cfg, "apply after damage")
	db.verify(dep.cfg)
	after := db.snapshot()

	db.checkRowsKept(dep, before, after)
	db.checkPackRows(dep)
	db.checkView(dep)
	if again := db.apply(dep.cfg, "second apply"); again.Changed || again.Statements != 0 {
		rt.Fatalf("a second apply changed something:\n%s\nfirst:\n%s", coretest.Dump(again), coretest.Dump(rep))
	}
}
