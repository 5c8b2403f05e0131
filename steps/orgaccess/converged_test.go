package orgaccess_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/hostsafetest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// reads counts the catalog reads of a driver: scoped (InspectNames) and
// whole (Inspect).
type reads struct{ scoped, whole atomic.Int64 }

type sqliteSpy struct {
	*sqlite.Driver
	r *reads
}

func (d sqliteSpy) Inspect(ctx context.Context, db bun.IDB) (*core.Catalog, error) {
	d.r.whole.Add(1)
	return d.Driver.Inspect(ctx, db)
}

func (d sqliteSpy) InspectNames(ctx context.Context, db bun.IDB, names []string) (*core.Catalog, error) {
	d.r.scoped.Add(1)
	return d.Driver.InspectNames(ctx, db, names)
}

type pgSpy struct {
	*postgres.Driver
	r *reads
}

func (d pgSpy) Inspect(ctx context.Context, db bun.IDB) (*core.Catalog, error) {
	d.r.whole.Add(1)
	return d.Driver.Inspect(ctx, db)
}

func (d pgSpy) InspectNames(ctx context.Context, db bun.IDB, names []string) (*core.Catalog, error) {
	d.r.scoped.Add(1)
	return d.Driver.InspectNames(ctx, db, names)
}

// InspectAndRead is scoped too (core.InspectReader).
func (d pgSpy) InspectAndRead(ctx context.Context, db bun.IDB, names []string, reads []core.Statement) (*core.Catalog, []core.ReadResult, error) {
	d.r.scoped.Add(1)
	return d.Driver.InspectAndRead(ctx, db, names, reads)
}

// unscoped is a step that declares no catalog names: with it in the
// registry the runner reads the whole catalog.
type unscoped struct{}

const unscopedID = "test:unscoped"

func (unscoped) Info() core.StepInfo { return core.StepInfo{ID: unscopedID} }
func (unscoped) Check(context.Context, *core.Session) (*core.Plan, error) {
	return &core.Plan{}, nil
}

// loadedSQLite is an Open WebUI database file of generation gen with the
// fixture's rows (users, models, config), and groundwork's driver on it.
func loadedSQLite(t *testing.T, gen string) *sqlite.Driver {
	t.Helper()
	path := filepath.Join(t.TempDir(), "webui.db")
	host := hostDB(t, "sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err := openwebuitest.Load(context.Background(), host, "sqlite", gen); err != nil {
		t.Fatal(err)
	}
	d, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// runPack runs steps in mode and returns the report (failing on an error).
func runPack(t *testing.T, d core.Driver, steps []core.Step, mode string) *core.Report {
	t.Helper()
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRunner(d, reg, core.WithEnvironment(orgaccess.Development))
	run := r.Apply
	if mode == core.ModeVerify {
		run = r.Verify
	}
	rep, err := run(context.Background())
	if err != nil {
		t.Fatalf("%s: %v\n%s", mode, err, coretest.Dump(rep))
	}
	return rep
}

// render is what a report says, step by step, without timings and the
// unscoped step.
func render(rep *core.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "status %s changed %t\n", rep.Status, rep.Changed)
	for _, s := range rep.Steps {
		if s.ID == unscopedID {
			continue
		}
		fmt.Fprintf(&b, "%s %s reason=%q notready=%t pending=%d rows=%d changes=%q drift=%v notes=%q\n",
			s.ID, s.Status, s.Reason, s.NotReady, s.Pending, s.RowsAffected, s.Changes, s.Drift, s.Notes)
	}
	return b.String()
}

// TestScopedCatalogMatchesFull runs the pack (seed and groups mode, with
// the model list from the host's config) on every Open WebUI generation
// twice, once reading the catalog of the declared names only and once
// reading it whole, and compares the reports of apply, apply again and
// verify exactly: a name a step looks up and does not declare would be
// seen as missing in the scoped run only.
func TestScopedCatalogMatchesFull(t *testing.T) {
	for _, gen := range openwebuitest.Generations() {
		for _, access := range []string{orgaccess.AccessSeed, orgaccess.AccessGroups} {
			t.Run(gen+"/"+access, func(t *testing.T) {
				cfg := hostsafetest.Config()
				cfg.Models = nil // read the host's config
				cfg.Access = access
				var out [2][]string
				for i, whole := range []bool{false, true} {
					d := loadedSQLite(t, gen)
					r := &reads{}
					spy := sqliteSpy{d, r}
					steps := orgaccess.Steps(cfg)
					if whole {
						steps = append(steps, unscoped{})
					}
					for _, mode := range []string{core.ModeApply, core.ModeApply, core.ModeVerify} {
						out[i] = append(out[i], render(runPack(t, spy, steps, mode)))
					}
					if whole && r.scoped.Load() != 0 || !whole && (r.whole.Load() != 0 || r.scoped.Load() == 0) {
						t.Fatalf("whole %t: %d scoped and %d whole catalog reads", whole, r.scoped.Load(), r.whole.Load())
					}
				}
				for i := range out[0] {
					if out[0][i] != out[1][i] {
						t.Errorf("run %d: the scoped read's report differs from the whole read's:\n--- scoped\n%s--- whole\n%s", i+1, out[0][i], out[1][i])
					}
				}
			})
		}
	}
}

// membersHost is a database with Open WebUI's tables of a generation and
// three users (alice and bob eligible, pat pending), on SQLite or
// PostgreSQL, with a bind function for the host's own statements.
func membersHost(t *testing.T, dialect string) (core.Driver, *sql.DB, func(string) string) {
	t.Helper()
	if dialect == "postgres" {
		d, host := pgHost(t, openwebuitest.V0_10_2)
		return d, host, pgBind
	}
	d, host := sqliteHost(t, openwebuitest.V0_10_2)
	return d, host, func(s string) string { return s }
}

func pgBind(s string) string {
	for i := 1; strings.Contains(s, "?"); i++ {
		s = strings.Replace(s, "?", fmt.Sprintf("$%d", i), 1)
	}
	return s
}

func isMember(t *testing.T, d core.Driver, user string) bool {
	t.Helper()
	return hostsafetest.Count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)+" WHERE organization_id = ? AND user_id = ?", hostsafetest.Config().OrgID, user) == 1
}

// TestMembersWatermarkEvents: after a converged apply, each event that
// leaves a user without membership is noticed by the next apply (the
// watermark's counts, or its set of users not eligible, moved); a
// restart with nothing moved reads no user beyond counts (a compensating
// sign-up and deletion stays unnoticed) until the watermark is older than
// FullProofEvery. A converged restart's query count stays what it was.
func TestMembersWatermarkEvents(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			d, host, bind := membersHost(t, dialect)
			cfg := hostsafetest.Config()
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := host.Exec(bind(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			addUser := func(id, role, email string) {
				exec(`INSERT INTO "user" (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at) VALUES (?, ?, ?, ?, '', 1, 1, 1)`, id, id, email, role)
			}
			first := hostsafetest.Apply(t, d, cfg)
			if !first.Changed || !isMember(t, d, "alice") || isMember(t, d, "pat") {
				t.Fatalf("first apply:\n%s", coretest.Dump(first))
			}
			converged := hostsafetest.Apply(t, d, cfg)
			if converged.Changed {
				t.Fatalf("second apply changed:\n%s", coretest.Dump(converged))
			}
			restart := func(what string, changed bool) *core.Report {
				t.Helper()
				rep := hostsafetest.Apply(t, d, cfg)
				if rep.Changed != changed {
					t.Fatalf("%s: changed %t, want %t:\n%s", what, rep.Changed, changed, coretest.Dump(rep))
				}
				if !changed && rep.Queries != converged.Queries {
					t.Fatalf("%s: a converged restart made %d queries, %d before", what, rep.Queries, converged.Queries)
				}
				return rep
			}

			// A sign-up.
			addUser("carol", "user", "carol@example.com")
			restart("sign-up", true)
			if !isMember(t, d, "carol") {
				t.Fatal("the sign-up was not made a member")
			}
			restart("after the sign-up", false)

			// A pending sign-up stays pending; its approval is noticed.
			addUser("dave", "pending", "dave@example.com")
			restart("pending sign-up", true) // a new proof, which records dave as not eligible
			if isMember(t, d, "dave") {
				t.Fatal("a pending user was made a member")
			}
			restart("after the pending sign-up", false)
			exec(`UPDATE "user" SET role = 'user' WHERE id = ?`, "dave")
			restart("approval", true)
			if !isMember(t, d, "dave") {
				t.Fatal("the approved user was not made a member")
			}
			restart("after the approval", false)

			// The approval of pat, pending since before the first proof.
			exec(`UPDATE "user" SET role = 'user' WHERE id = ?`, "pat")
			restart("approval of an older pending user", true)
			if !isMember(t, d, "pat") {
				t.Fatal("pat was not made a member")
			}

			// An email changed away from the system's.
			addUser("erin", "user", orgaccess.SystemUserEmail)
			restart("sign-up with the system's email", true)
			if isMember(t, d, "erin") {
				t.Fatal("a user with the system's email was made a member")
			}
			exec(`UPDATE "user" SET email = ? WHERE id = ?`, "erin@example.com", "erin")
			restart("email changed", true)
			if !isMember(t, d, "erin") {
				t.Fatal("erin was not made a member after leaving the system's email")
			}

			// A membership an admin deleted is noticed (and, in a
			// development organization, made again).
			exec(`DELETE FROM organization_members WHERE user_id = ?`, "alice")
			restart("membership deleted", true)
			if !isMember(t, d, "alice") {
				t.Fatal("the deleted membership was not noticed")
			}
			restart("after the membership", false)

			// A user deleted: nothing is missing, a new proof is recorded;
			// then the restart is cheap again.
			exec(`DELETE FROM organization_members WHERE user_id = ?`, "carol")
			exec(`DELETE FROM "user" WHERE id = ?`, "carol")
			restart("user deleted", true)
			restart("after the deletion", false)

			// A sign-up and a deletion between two runs, and a membership
			// deleted while an admin adds another: the counts cannot tell,
			// so the next restart does not notice ...
			addUser("gina", "pending", "gina@example.com")
			restart("another pending sign-up", true)
			exec(`DELETE FROM organization_members WHERE user_id = ?`, "erin")
			exec(`DELETE FROM "user" WHERE id = ?`, "erin")
			exec(`INSERT INTO organization_members (id, organization_id, user_id, role, is_active, joined_at) VALUES (?, ?, ?, 'member', 1, 1)`, "admin-made", cfg.OrgID, "gina")
			addUser("frank", "user", "frank@example.com")
			restart("compensating events", false)
			if isMember(t, d, "frank") {
				t.Fatal("frank is a member: the restart read every user")
			}
			// ... until the watermark is older than FullProofEvery.
			exec(`UPDATE `+orgaccess.WatermarkTable+` SET proven_at = proven_at - ? WHERE organization_id = ?`, int64(orgaccess.FullProofEvery.Seconds())+60, cfg.OrgID)
			reg, err := core.NewRegistry(orgaccess.Steps(cfg)...)
			if err != nil {
				t.Fatal(err)
			}
			v, err := core.NewRunner(d, reg).Verify(context.Background())
			if err != nil || v.Status != core.RunPending || v.Step(orgaccess.MembersStepID).Status != core.StatusPending {
				t.Fatalf("verify with an old watermark: %v\n%s", err, coretest.Dump(v))
			}
			restart("old watermark", true)
			if !isMember(t, d, "frank") {
				t.Fatal("the full proof did not add frank")
			}
			restart("after the full proof", false)
			hostsafetest.Verify(t, d, cfg)
		})
	}
}

// TestScopedCatalogIgnoresHostTables: 500 tables of the host's own change
// a warm start's query count by zero on SQLite and PostgreSQL, and every
// catalog read of the pack is the scoped one (its names bound).
func TestScopedCatalogIgnoresHostTables(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			d, host, _ := membersHost(t, dialect)
			r := &reads{}
			var spy core.Driver
			switch d := d.(type) {
			case *sqlite.Driver:
				spy = sqliteSpy{d, r}
			case *postgres.Driver:
				spy = pgSpy{d, r}
			}
			cfg := hostsafetest.Config()
			hostsafetest.Apply(t, spy, cfg)
			before := hostsafetest.Apply(t, spy, cfg)
			for i := range 500 {
				if _, err := host.Exec(fmt.Sprintf(`CREATE TABLE host_extra_%d (id INTEGER PRIMARY KEY, note TEXT)`, i)); err != nil {
					t.Fatal(err)
				}
			}
			r.scoped.Store(0)
			after := hostsafetest.Apply(t, spy, cfg)
			if before.Changed || after.Changed || after.Queries != before.Queries {
				t.Fatalf("warm start: %d queries before the host's 500 tables, %d after (changed %t, %t)", before.Queries, after.Queries, before.Changed, after.Changed)
			}
			if r.whole.Load() != 0 || r.scoped.Load() == 0 {
				t.Fatalf("%d scoped and %d whole catalog reads", r.scoped.Load(), r.whole.Load())
			}
		})
	}
}
