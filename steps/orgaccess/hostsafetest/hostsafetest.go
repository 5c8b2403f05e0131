// Package hostsafetest proves, on any dialect, that the
// organization-access pack never blocks the host's deletes: Open WebUI
// deletes a user or a model with one DELETE, and the pack's rows that
// refer to it must go with it (ON DELETE CASCADE), not refuse it. The
// SQLite run is part of `go test ./...`; PostgreSQL runs on the host's
// server programs (internal/hostpg) and MariaDB from integration/.
package hostsafetest

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// Users the caller seeds in the host's user table before calling the
// suites: both eligible members of a development organization.
const (
	Alice = "alice"
	Bob   = "bob"
)

// Models the suites configure (registered by the pack when missing).
var Models = []string{"openai/gpt-4.1", "x-ai/grok-4"}

// Config is the development organization of the suites. The host's
// revision is taken as current: these suites are about deletes, not
// upgrades.
func Config() orgaccess.Config {
	return orgaccess.Config{
		OrgID: "acme-dev", OrgName: "Acme Dev", APIKey: "sk-or-v1-hostsafe-SECRET",
		Models: Models, Host: orgaccess.HostTarget{Current: true, Source: "test"},
	}
}

// Apply runs the pack and fails the test unless it converged.
func Apply(t *testing.T, d core.Driver, cfg orgaccess.Config) *core.Report {
	t.Helper()
	reg, err := core.NewRegistry(orgaccess.Steps(cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.NewRunner(d, reg).Apply(context.Background())
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("apply: %v\n%s", err, coretest.Dump(rep))
	}
	return rep
}

// Verify runs the pack's verify and fails the test unless it is clean.
func Verify(t *testing.T, d core.Driver, cfg orgaccess.Config) {
	t.Helper()
	reg, err := core.NewRegistry(orgaccess.Steps(cfg)...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.NewRunner(d, reg).Verify(context.Background())
	if err != nil || rep.Status != core.RunConverged {
		t.Fatalf("verify: %v\n%s", err, coretest.Dump(rep))
	}
}

// Count runs a COUNT query through d.
func Count(t *testing.T, d core.Driver, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.DB().DB.QueryRowContext(context.Background(), core.Rebind(d, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// HostExec runs a statement on the host's own connection, placeholders
// rebound for d's dialect.
func HostExec(t *testing.T, d core.Driver, host *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := host.ExecContext(context.Background(), core.Rebind(d, query), args...); err != nil {
		t.Fatalf("the host's %q failed: %v", query, err)
	}
}

// HostDeletesUser runs Open WebUI's deletion of a user: its chats, its
// group memberships (where the generation has those tables), then the
// user.
func HostDeletesUser(t *testing.T, d core.Driver, host *sql.DB, id string) {
	t.Helper()
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	for _, child := range []string{"chat", "group_member"} {
		if cat.Tables[child] != nil {
			HostExec(t, d, host, "DELETE FROM "+d.Quote(child)+" WHERE user_id = ?", id)
		}
	}
	HostExec(t, d, host, "DELETE FROM "+d.Quote("user")+" WHERE id = ?", id)
}

// HostDeletesModel runs Open WebUI's deletion of a model.
func HostDeletesModel(t *testing.T, d core.Driver, host *sql.DB, id string) {
	t.Helper()
	HostExec(t, d, host, "DELETE FROM "+d.Quote("model")+" WHERE id = ?", id)
}

// cascadeKeys checks that the pack's keys to user and model, as the
// catalog reads them back, delete with their parent.
func cascadeKeys(t *testing.T, d core.Driver) {
	t.Helper()
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	for table, ref := range map[string]string{orgaccess.MembersTable: "user", orgaccess.OrgModelsTable: "model"} {
		found := false
		for _, fk := range cat.Tables[table].ForeignKeys {
			if strings.EqualFold(fk.RefTable, ref) {
				found = true
				if fk.OnDelete != core.Cascade {
					t.Errorf("%s → %s is ON DELETE %s, want CASCADE", table, ref, fk.OnDelete)
				}
			}
		}
		if !found {
			t.Errorf("%s has no foreign key to %s", table, ref)
		}
	}
}

// Deletes converges the pack on d, whose host tables exist with Alice and
// Bob in them, then runs the host's deletes of Alice and of one linked
// model on host, the connection as the host opens it. They must succeed;
// with cascade the pack's rows that referred to them are gone, without
// (SQLite, where the host never enables foreign keys) they stay, inert,
// and break nothing: the next apply and verify are clean. Either way a
// delete made through groundwork's own connection (foreign keys on)
// cascades.
func Deletes(t *testing.T, d core.Driver, host *sql.DB, cascade bool) {
	cfg := Config()
	Apply(t, d, cfg)
	cascadeKeys(t, d)
	members := "SELECT COUNT(*) FROM " + d.Quote(orgaccess.MembersTable) + " WHERE user_id = ?"
	links := "SELECT COUNT(*) FROM " + d.Quote(orgaccess.OrgModelsTable) + " WHERE model_id = ?"
	if Count(t, d, members, Alice) != 1 || Count(t, d, links, Models[1]) != 1 {
		t.Fatalf("the pack did not link %s and %s", Alice, Models[1])
	}

	HostDeletesUser(t, d, host, Alice)
	HostDeletesModel(t, d, host, Models[1])
	if n := Count(t, d, "SELECT COUNT(*) FROM "+d.Quote("user")+" WHERE id = ?", Alice); n != 0 {
		t.Fatalf("the host's delete left the user")
	}
	if n := Count(t, d, "SELECT COUNT(*) FROM "+d.Quote("model")+" WHERE id = ?", Models[1]); n != 0 {
		t.Fatalf("the host's delete left the model")
	}
	want := 1
	if cascade {
		want = 0
	}
	if n := Count(t, d, members, Alice); n != want {
		t.Errorf("%d memberships of the deleted user, want %d", n, want)
	}
	if n := Count(t, d, links, Models[1]); n != want {
		t.Errorf("%d links of the deleted model, want %d", n, want)
	}

	// groundwork's own connection enforces the keys: the same delete
	// through it cascades on every dialect.
	if _, err := d.DB().DB.ExecContext(context.Background(), core.Rebind(d, "DELETE FROM "+d.Quote("user")+" WHERE id = ?"), Bob); err != nil {
		t.Fatalf("delete through groundwork's connection: %v", err)
	}
	if n := Count(t, d, members, Bob); n != 0 {
		t.Errorf("%d memberships of %s after a delete with foreign keys on, want 0", n, Bob)
	}

	// The model is configured, so the next apply registers it again and
	// links it; nothing fails on the rows the deletes left.
	cfg.Models = Models[:1]
	rep := Apply(t, d, cfg)
	_ = rep
	Verify(t, d, cfg)
}

// legacyTables are the pack's tables as groundwork created them before
// its keys cascaded.
func legacyTables() []core.Table {
	var out []core.Table
	for _, t := range orgaccess.Tables() {
		t.ForeignKeys = append([]core.ForeignKey(nil), t.ForeignKeys...)
		for i := range t.ForeignKeys {
			t.ForeignKeys[i].OnDelete = core.NoAction
		}
		out = append(out, t)
	}
	return out
}

// ReplacesOldKeys starts from the pack's tables as an older groundwork
// made them (keys to user and model that refuse the delete), with rows in
// them, and converges. With replace (PostgreSQL, MySQL) the keys become
// CASCADE without losing a row and the host's delete goes through;
// without (SQLite) the report says so in a note and nothing changes. A
// second apply changes nothing either way.
func ReplacesOldKeys(t *testing.T, d core.Driver, host *sql.DB, replace bool) {
	for _, tb := range legacyTables() {
		for _, q := range d.CreateTable(tb) {
			if _, err := d.DB().ExecContext(context.Background(), q); err != nil {
				t.Fatalf("legacy table: %v", err)
			}
		}
	}
	cfg := Config()
	rep := Apply(t, d, cfg)
	before := Count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable))
	for _, id := range []string{"table:" + orgaccess.MembersTable, "table:" + orgaccess.OrgModelsTable} {
		sr := rep.Step(id)
		text := strings.Join(append(append([]string{}, sr.Changes...), sr.Notes...), "\n")
		if !strings.Contains(text, "ON DELETE NO ACTION → CASCADE") && !strings.Contains(text, "ON DELETE RESTRICT → CASCADE") &&
			!strings.Contains(text, "declared CASCADE") {
			t.Errorf("%s does not say what it did with the old key:\n%s", id, coretest.Dump(rep))
		}
		if replace != (sr.Status == core.StatusApplied) {
			t.Errorf("%s is %s, want applied=%t:\n%s", id, sr.Status, replace, coretest.Dump(rep))
		}
	}
	if rep := Apply(t, d, cfg); rep.Changed {
		t.Fatalf("second run changed something:\n%s", coretest.Dump(rep))
	}
	if !replace {
		return
	}
	cascadeKeys(t, d)
	if after := Count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)); after != before || after == 0 {
		t.Fatalf("%d members after replacing the key, %d before", after, before)
	}
	HostDeletesUser(t, d, host, Alice)
	if n := Count(t, d, "SELECT COUNT(*) FROM "+d.Quote(orgaccess.MembersTable)+" WHERE user_id = ?", Alice); n != 0 {
		t.Errorf("the replaced key did not cascade")
	}
}

// GroupsDeletes converges groups mode on d (a real Open WebUI schema of
// any generation, with Alice and Bob in it), then runs the host's own
// deletes of a member, of a granted model and of the organization's
// group, as Open WebUI runs them: every one must succeed, since nothing
// of groundwork's refers to the host's rows (the ledger has no foreign
// key, groups mode no view or trigger). The next apply makes nothing
// again that the host deleted (the group stays deleted) and verify is
// clean.
func GroupsDeletes(t *testing.T, d core.Driver, host *sql.DB) {
	cfg := Config()
	cfg.Access = orgaccess.AccessGroups
	Apply(t, d, cfg)
	gid := orgaccess.GroupID(cfg.OrgID)
	cat, err := d.Inspect(context.Background(), d.DB())
	if err != nil {
		t.Fatal(err)
	}
	if fks := cat.Tables[orgaccess.LedgerTable].ForeignKeys; len(fks) != 0 {
		t.Fatalf("the ledger has foreign keys %v: the host's deletes must not depend on it", fks)
	}
	members := "SELECT COUNT(*) FROM " + d.Quote("group_member") + " WHERE group_id = ? AND user_id = ?"
	if Count(t, d, members, gid, Alice) != 1 || Count(t, d, members, gid, Bob) != 1 {
		t.Fatalf("groups mode did not make %s and %s members", Alice, Bob)
	}
	grants := cat.Tables["access_grant"] != nil
	if grants {
		n := Count(t, d, "SELECT COUNT(*) FROM "+d.Quote("access_grant")+" WHERE principal_type = 'group' AND principal_id = ? AND resource_id = ?", gid, Models[1])
		if n != 1 {
			t.Fatalf("%d grants of %s to the group, want 1", n, Models[1])
		}
	}

	HostDeletesUser(t, d, host, Alice)
	// Open WebUI deletes a model's grants with it (from 0.8), then the
	// model; a group's members and grants, then the group.
	if grants {
		HostExec(t, d, host, "DELETE FROM "+d.Quote("access_grant")+" WHERE resource_type = 'model' AND resource_id = ?", Models[1])
	}
	HostDeletesModel(t, d, host, Models[1])
	HostExec(t, d, host, "DELETE FROM "+d.Quote("group_member")+" WHERE group_id = ?", gid)
	if grants {
		HostExec(t, d, host, "DELETE FROM "+d.Quote("access_grant")+" WHERE principal_type = 'group' AND principal_id = ?", gid)
	}
	HostExec(t, d, host, "DELETE FROM "+d.Quote("group")+" WHERE id = ?", gid)
	for q, args := range map[string][]any{
		"SELECT COUNT(*) FROM " + d.Quote("user") + " WHERE id = ?":  {Alice},
		"SELECT COUNT(*) FROM " + d.Quote("model") + " WHERE id = ?": {Models[1]},
		"SELECT COUNT(*) FROM " + d.Quote("group") + " WHERE id = ?": {gid},
	} {
		if n := Count(t, d, q, args...); n != 0 {
			t.Fatalf("the host's delete left a row: %s %v", q, args)
		}
	}

	cfg.Models = Models[:1]
	rep := Apply(t, d, cfg)
	if sr := rep.Step(orgaccess.GroupStepID); sr == nil || len(sr.Changes) != 0 || len(sr.Notes) == 0 {
		t.Fatalf("the deleted group: want a note and no change\n%s", coretest.Dump(rep))
	}
	if n := Count(t, d, "SELECT COUNT(*) FROM "+d.Quote("group")+" WHERE id = ?", gid); n != 0 {
		t.Fatal("groundwork made the group an admin deleted again")
	}
	Verify(t, d, cfg)
}
