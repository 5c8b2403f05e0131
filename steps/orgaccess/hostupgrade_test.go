package orgaccess_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx", the host's connection on PostgreSQL

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/internal/hostpg"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/hostsafetest"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// One throwaway PostgreSQL server for the package's tests, started by
// the first that needs it; each test gets its own database.
var (
	pgOnce   sync.Once
	pgServer *hostpg.Server
	pgErr    error
	pgSeq    atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgServer != nil {
		pgServer.Stop()
	}
	os.Exit(code)
}

// pgDatabase returns the URL of a new, empty database, skipping the test
// when the host has no PostgreSQL server programs.
func pgDatabase(t *testing.T) string {
	t.Helper()
	pgOnce.Do(func() { pgServer, pgErr = hostpg.Start(context.Background()) })
	if errors.Is(pgErr, hostpg.ErrUnavailable) {
		t.Skipf("skipping: %v", pgErr)
	}
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	admin, err := sql.Open("pgx", pgServer.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("gw_hostsafe_%d", pgSeq.Add(1))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	return pgServer.URL(name)
}

// hostDB opens a connection as the host opens it and closes it at the
// end of the test. On SQLite that is without PRAGMA foreign_keys, which
// Open WebUI never sets, and with legacy_alter_table off, SQLite's
// default.
func hostDB(t *testing.T, driverName, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// sqliteHost is a v0.6.40 Open WebUI database file with the suites'
// users, and groundwork's driver on it.
func sqliteHost(t *testing.T, generation string) (*sqlite.Driver, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "webui.db")
	host := hostDB(t, "sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err := openwebuitest.LoadSchema(context.Background(), host, "sqlite", generation); err != nil {
		t.Fatal(err)
	}
	seedHostUsers(t, host, func(s string) string { return s })
	d, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d, host
}

func pgHost(t *testing.T, generation string) (*postgres.Driver, *sql.DB) {
	t.Helper()
	url := pgDatabase(t)
	host := hostDB(t, "pgx", url)
	if err := openwebuitest.LoadSchema(context.Background(), host, "postgres", generation); err != nil {
		t.Fatal(err)
	}
	seedHostUsers(t, host, func(s string) string {
		for i := 1; strings.Contains(s, "?"); i++ {
			s = strings.Replace(s, "?", fmt.Sprintf("$%d", i), 1)
		}
		return s
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d, host
}

func target(t *testing.T, rev string) orgaccess.HostTarget {
	t.Helper()
	ht, err := orgaccess.TargetFromRevision(rev, "test")
	if err != nil {
		t.Fatal(err)
	}
	return ht
}

func withTarget(ht orgaccess.HostTarget) orgaccess.Config {
	cfg := hostsafetest.Config()
	cfg.Host = ht
	return cfg
}

func run(t *testing.T, d core.Driver, cfg orgaccess.Config, mode string) *core.Report {
	t.Helper()
	reg, err := core.NewRegistry(orgaccess.Steps(cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRunner(d, reg)
	var rep *core.Report
	if mode == core.ModeVerify {
		rep, err = r.Verify(context.Background())
	} else {
		rep, err = r.Apply(context.Background())
	}
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("%s: %v\n%s", mode, err, coretest.Dump(rep))
	}
	return rep
}

func viewExists(t *testing.T, d core.Driver) bool {
	t.Helper()
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	return cat.Views[orgaccess.ViewName] != nil
}

const viewStep = "view:" + orgaccess.ViewName

// upgradeInDeploymentOrder is the deployment order the README documents,
// on a database the pack has converged with its view: the new host
// version starting runs groundwork's pre-host phase (its target is the
// new head), the host migrates, groundwork's after-host phase waits for
// the revision and creates what was held back; meanwhile an older
// replica's readiness probe and restart leave the view alone.
func upgradeInDeploymentOrder(t *testing.T, d core.Driver, host *sql.DB, migrate func(context.Context, *sql.DB) error) {
	upgradeInDeploymentOrderAs(t, d, host, migrate, orgaccess.AccessSeed)
}

// upgradeInDeploymentOrderAs is upgradeInDeploymentOrder in an access
// mode: groups mode adds nothing the host's migration could trip on.
func upgradeInDeploymentOrderAs(t *testing.T, d core.Driver, host *sql.DB, migrate func(context.Context, *sql.DB) error, access string) {
	withTarget := func(ht orgaccess.HostTarget) orgaccess.Config {
		cfg := withTarget(ht)
		cfg.Access = access
		return cfg
	}
	ctx := context.Background()
	oldHost, newHost := target(t, revV0_6_40), target(t, revPK)
	run(t, d, withTarget(oldHost), core.ModeApply)
	if !viewExists(t, d) {
		t.Fatal("the view was not created on a host at its revision")
	}
	pairs := hostsafetest.Count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.ViewName))

	// Pre-host phase of the new version.
	rep := run(t, d, withTarget(newHost), core.ModeApply)
	sr := rep.Step(viewStep)
	if sr.Status != core.StatusApplied || !strings.Contains(strings.Join(sr.Changes, "\n"), "drop view") ||
		!strings.Contains(strings.Join(sr.Notes, "\n"), "waiting for the host upgrade") {
		t.Fatalf("the pre-host phase did not hold the view back:\n%s", coretest.Dump(rep))
	}
	if viewExists(t, d) {
		t.Fatal("the view is still there for the host's migration")
	}
	rep = run(t, d, withTarget(newHost), core.ModeApply)
	if rep.Changed || rep.Step(viewStep).Status != core.StatusSkipped || !strings.Contains(rep.Step(viewStep).Reason, "waiting for the host upgrade") {
		t.Fatalf("a second pre-host run is not a clean wait:\n%s", coretest.Dump(rep))
	}
	// Readiness during the upgrade, new and old replicas: not a failure.
	run(t, d, withTarget(newHost), core.ModeVerify)
	run(t, d, withTarget(oldHost), core.ModeVerify)
	// An old replica restarting now leaves the view away.
	rep = run(t, d, withTarget(oldHost), core.ModeApply)
	if sr := rep.Step(viewStep); sr.Status != core.StatusSkipped || !strings.Contains(sr.Reason, revPK) || viewExists(t, d) {
		t.Fatalf("an older replica put the view back during the upgrade:\n%s", coretest.Dump(rep))
	}
	// The after-host phase, started with the host, waits for it.
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- orgaccess.WaitForHost(waitCtx, d, newHost, time.Minute, 20*time.Millisecond, nil) }()

	if err := migrate(ctx, host); err != nil {
		t.Fatalf("the host's migration failed with the pack in place: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("after-host wait: %v", err)
	}
	rep = run(t, d, withTarget(newHost), core.ModeApply)
	if sr := rep.Step(viewStep); sr.Status != core.StatusApplied || !viewExists(t, d) {
		t.Fatalf("the after-host phase did not bring the view back:\n%s", coretest.Dump(rep))
	}
	if n := hostsafetest.Count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.HoldsTable)); n != 0 {
		t.Fatalf("%d holds left after the upgrade", n)
	}
	run(t, d, withTarget(newHost), core.ModeVerify)
	if n := hostsafetest.Count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.ViewName)); n != pairs || n == 0 {
		t.Fatalf("the view has %d rows after the upgrade, %d before", n, pairs)
	}
	if rep := run(t, d, withTarget(newHost), core.ModeApply); rep.Changed {
		t.Fatalf("a run after the upgrade changed something:\n%s", coretest.Dump(rep))
	}
}

func TestHostUpgradeSQLite(t *testing.T) {
	d, host := sqliteHost(t, openwebuitest.V0_6_40)
	upgradeInDeploymentOrder(t, d, host, sqliteHostUpgrade)
	// The rebuilt tables kept their rows, and the pack's keys their text.
	if n := hostsafetest.Count(t, d, `SELECT COUNT(*) FROM "user"`); n != 3 {
		t.Fatalf("%d users after the host's rebuild, want 3", n)
	}
}

func TestHostUpgradePostgres(t *testing.T) {
	d, host := pgHost(t, openwebuitest.V0_6_40)
	upgradeInDeploymentOrder(t, d, host, pgHostUpgrade)
}

// Groups mode on the host's own migrations (SQLite's rebuilds of user and
// model, PostgreSQL's type changes): its group, members and ledger are in
// no way of them.
func TestHostUpgradeGroupsSQLite(t *testing.T) {
	d, host := sqliteHost(t, openwebuitest.V0_6_40)
	upgradeInDeploymentOrderAs(t, d, host, sqliteHostUpgrade, orgaccess.AccessGroups)
	if n := hostsafetest.Count(t, d, "SELECT COUNT(*) FROM group_member WHERE group_id = ?", orgaccess.GroupID(hostsafetest.Config().OrgID)); n != 2 {
		t.Fatalf("%d members of the group after the host's upgrade, want 2", n)
	}
}

func TestHostUpgradeGroupsPostgres(t *testing.T) {
	d, host := pgHost(t, openwebuitest.V0_6_40)
	upgradeInDeploymentOrderAs(t, d, host, pgHostUpgrade, orgaccess.AccessGroups)
}

// The controls: without the hold, the host's own migration fails on the
// pack's view, so the tests above do reproduce the problem.
func TestHostUpgradeFailsWithTheViewSQLite(t *testing.T) {
	d, host := sqliteHost(t, openwebuitest.V0_6_40)
	run(t, d, withTarget(orgaccess.HostTarget{Current: true}), core.ModeApply)
	err := sqliteHostUpgrade(context.Background(), host)
	if err == nil || !strings.Contains(err.Error(), "error in view "+orgaccess.ViewName) {
		t.Fatalf("the host's migration did not fail on the view: %v", err)
	}
	// Half-migrated, as FACTS.md says: user is gone, the copy is not in
	// place, and the next start cannot migrate either.
	var n int
	if err := host.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'user'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("user still there (%d, %v): the failure is not the one reported", n, err)
	}
}

// The README's recovery for an operator whose host migration failed on
// the view before this fix: drop the view, finish the rebuild the host
// left half-way (the copy holds every row), let the host migrate again,
// then groundwork's after-host phase. Every user is back, and so is the
// view.
func TestRecoveryAfterAFailedHostMigrationSQLite(t *testing.T) {
	ctx := context.Background()
	d, host := sqliteHost(t, openwebuitest.V0_6_40)
	run(t, d, withTarget(orgaccess.HostTarget{Current: true}), core.ModeApply)
	pairs := hostsafetest.Count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.ViewName))
	if err := sqliteHostUpgrade(ctx, host); err == nil {
		t.Fatal("the control did not fail")
	}
	// The README's commands, as sqlite3 would run them.
	recovery := []string{
		`DROP VIEW IF EXISTS user_available_models`,
		`ALTER TABLE _alembic_tmp_user RENAME TO user`,
		`CREATE UNIQUE INDEX IF NOT EXISTS user_id ON user (id)`,
	}
	if err := execAll(ctx, host, recovery...); err != nil {
		t.Fatalf("recovery: %v", err)
	}
	if err := sqliteHostUpgradeFrom(ctx, host, sqliteResumeAfterUserRebuild); err != nil {
		t.Fatalf("the host's migration after the recovery: %v", err)
	}
	if n := hostsafetest.Count(t, d, `SELECT COUNT(*) FROM "user"`); n != 3 {
		t.Fatalf("%d users after the recovery, want 3", n)
	}
	run(t, d, withTarget(target(t, revPK)), core.ModeApply)
	run(t, d, withTarget(target(t, revPK)), core.ModeVerify)
	if n := hostsafetest.Count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.ViewName)); n != pairs {
		t.Fatalf("the view has %d rows after the recovery, %d before", n, pairs)
	}
}

func TestHostUpgradeFailsWithTheViewPostgres(t *testing.T) {
	d, host := pgHost(t, openwebuitest.V0_6_40)
	run(t, d, withTarget(orgaccess.HostTarget{Current: true}), core.ModeApply)
	err := pgHostUpgrade(context.Background(), host)
	if err == nil || !strings.Contains(err.Error(), "cannot alter type of a column used by a view or rule") {
		t.Fatalf("the host's migration did not fail on the view: %v", err)
	}
}

// An operator who sets nothing: the database is Open WebUI's and
// nothing says which revision the host about to start migrates to, so
// the view stays away (and is dropped if there), and the report says why
// and what to set; waiting for the host cannot work and says so.
func TestUnknownHostTargetHoldsBack(t *testing.T) {
	d, _ := sqliteHost(t, openwebuitest.V0_6_40)
	run(t, d, withTarget(orgaccess.HostTarget{Current: true}), core.ModeApply)
	rep := run(t, d, withTarget(orgaccess.HostTarget{}), core.ModeApply)
	if viewExists(t, d) || !strings.Contains(strings.Join(rep.Step(viewStep).Notes, "\n"), orgaccess.EnvHostRevision) {
		t.Fatalf("an unknown target left the view in place:\n%s", coretest.Dump(rep))
	}
	rep = run(t, d, withTarget(orgaccess.HostTarget{}), core.ModeVerify)
	if sr := rep.Step(viewStep); sr.Status != core.StatusSkipped {
		t.Fatalf("readiness with an unknown target: %s", coretest.Dump(rep))
	}
	err := orgaccess.WaitForHost(context.Background(), d, orgaccess.HostTarget{}, time.Second, 0, nil)
	if !errors.Is(err, core.ErrInvalid) {
		t.Fatalf("waiting without a target: %v", err)
	}
	// Once the target is known and reached, any run releases the hold.
	run(t, d, withTarget(target(t, revV0_6_40)), core.ModeApply)
	if !viewExists(t, d) {
		t.Fatal("the view did not come back once the target was known")
	}
}

// A database that is no Open WebUI's (no alembic_version, as the demo's
// host tables) has no host migration to protect: the view is made as
// before, whatever the target.
func TestUnmanagedDatabaseKeepsTheView(t *testing.T) {
	d, host := sqliteHost(t, openwebuitest.V0_6_40)
	if _, err := host.Exec("DROP TABLE alembic_version; DROP TABLE migratehistory"); err != nil {
		t.Fatal(err)
	}
	run(t, d, withTarget(orgaccess.HostTarget{}), core.ModeApply)
	if !viewExists(t, d) {
		t.Fatal("no view on a database without host migrations")
	}
}

func TestWaitForHostTimesOut(t *testing.T) {
	d, _ := sqliteHost(t, openwebuitest.V0_6_40)
	err := orgaccess.WaitForHost(context.Background(), d, target(t, revPK), 50*time.Millisecond, 10*time.Millisecond, nil)
	var we *orgaccess.HostWaitError
	if !errors.As(err, &we) || !errors.Is(err, orgaccess.ErrHostNotMigrated) || we.At != revV0_6_40 || we.Target != revPK {
		t.Fatalf("err = %v", err)
	}
}

func TestHostDeletesSQLite(t *testing.T) {
	for _, gen := range openwebuitest.Generations() {
		t.Run(gen, func(t *testing.T) {
			d, host := sqliteHost(t, gen)
			// Open WebUI never enables foreign keys on SQLite: its deletes
			// go through and the pack's rows stay, inert.
			hostsafetest.Deletes(t, d, host, false)
		})
	}
}

func TestHostDeletesPostgres(t *testing.T) {
	for _, gen := range openwebuitest.Generations() {
		t.Run(gen, func(t *testing.T) {
			d, host := pgHost(t, gen)
			hostsafetest.Deletes(t, d, host, true)
		})
	}
}

func TestOldKeysReplacedPostgres(t *testing.T) {
	d, host := pgHost(t, openwebuitest.V0_6_40)
	hostsafetest.ReplacesOldKeys(t, d, host, true)
}

func TestOldKeysNotedSQLite(t *testing.T) {
	d, host := sqliteHost(t, openwebuitest.V0_6_40)
	hostsafetest.ReplacesOldKeys(t, d, host, false)
}

// Groups mode on every generation: the host's deletes of a member, a
// granted model and the group succeed, and stay done.
func TestHostDeletesGroupsSQLite(t *testing.T) {
	for _, gen := range openwebuitest.Generations() {
		t.Run(gen, func(t *testing.T) {
			d, host := sqliteHost(t, gen)
			hostsafetest.GroupsDeletes(t, d, host)
		})
	}
}

func TestHostDeletesGroupsPostgres(t *testing.T) {
	for _, gen := range openwebuitest.Generations() {
		t.Run(gen, func(t *testing.T) {
			d, host := pgHost(t, gen)
			hostsafetest.GroupsDeletes(t, d, host)
		})
	}
}
