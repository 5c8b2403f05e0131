package packtest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/coretest"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// groupsTests run groups mode (Config.Access = groups) on the real Open
// WebUI schema and rows of each generation: every one of them has groups
// and group_member; v0.8-like and v0.10.2 have access_grant, v0.6.40 the
// access_control JSON.
var groupsTests = []struct {
	name string
	fn   func(*testing.T, core.Driver, string)
}{
	{"ConvergesOnlyAdds", testGroupsConverge},
	{"MemberReadsNonMemberDoesNot", testGroupsNonMember},
	{"RevokedStaysRevoked", testGroupsRevoked},
	{"OAuthGroupManagementNoMemberships", testGroupsOAuth},
	{"BaseModelFrom011", testGroupsBase011},
	{"UserIDsListBefore0637", testGroupsUserIDs},
	{"ManyUsersInBatches", testGroupsMany},
	{"SignupIsPending", testGroupsSignupPending},
}

func runGroups(t *testing.T, h coretest.Harness) {
	t.Run("OpenWebUIGroups", func(t *testing.T) {
		dialect := h.NewDatabase(t)(t).Dialect()
		for _, gen := range openwebuitest.Generations() {
			if _, err := openwebuitest.Schema(dialect, gen); err != nil {
				t.Skipf("no Open WebUI %s schema on %s", gen, dialect)
			}
			for _, tc := range groupsTests {
				t.Run(gen+"/"+tc.name, func(t *testing.T) { tc.fn(t, h.NewDatabase(t)(t), gen) })
			}
		}
	})
}

// GroupsConfig is DevConfig in groups mode.
func GroupsConfig() orgaccess.Config {
	c := DevConfig()
	c.Access = orgaccess.AccessGroups
	return c
}

func hasGrants(gen string) bool { return gen != openwebuitest.V0_6_40 }

// readable is the models a user may read, as Open WebUI decides it for a
// user (not an admin) picking a model: active model rows the user owns or
// has read access to. From 0.8 (AccessGrants.has_access): a read grant to
// user '*', to the user, or to a group the user is a member of
// (group_member). Before (utils/access_control.has_access, strict): a NULL
// access_control is public; otherwise the user is in read.user_ids or one
// of the user's groups is in read.group_ids.
func readable(t *testing.T, d core.Driver, gen, userID string) []string {
	t.Helper()
	ctx := context.Background()
	db := d.DB().DB
	q := d.Quote
	if hasGrants(gen) {
		return strs(t, d, `SELECT m.id FROM `+q("model")+` m WHERE m.is_active = TRUE AND (m.user_id = '`+userID+`' OR EXISTS (
 SELECT 1 FROM access_grant g WHERE g.resource_type = 'model' AND g.resource_id = m.id AND g.permission = 'read' AND (
  (g.principal_type = 'user' AND g.principal_id IN ('*', '`+userID+`')) OR
  (g.principal_type = 'group' AND g.principal_id IN (SELECT gm.group_id FROM group_member gm WHERE gm.user_id = '`+userID+`')))))
 ORDER BY m.id`)
	}
	groups := map[string]bool{}
	for _, g := range strs(t, d, `SELECT group_id FROM group_member WHERE user_id = '`+userID+`'`) {
		groups[g] = true
	}
	rows, err := db.QueryContext(ctx, `SELECT id, user_id, CAST(access_control AS TEXT) FROM `+q("model")+` WHERE is_active = TRUE`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, owner string
		var ac sql.NullString
		if err := rows.Scan(&id, &owner, &ac); err != nil {
			t.Fatal(err)
		}
		if owner == userID || !ac.Valid || ac.String == "null" {
			out = append(out, id)
			continue
		}
		var acl struct {
			Read struct {
				GroupIDs []string `json:"group_ids"`
				UserIDs  []string `json:"user_ids"`
			} `json:"read"`
		}
		if err := json.Unmarshal([]byte(ac.String), &acl); err != nil {
			t.Fatalf("model %s: access_control %q: %v", id, ac.String, err)
		}
		if slices.Contains(acl.Read.UserIDs, userID) || slices.ContainsFunc(acl.Read.GroupIDs, func(g string) bool { return groups[g] }) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func strs(t *testing.T, d core.Driver, query string) []string {
	t.Helper()
	rows, err := d.DB().DB.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func groupMembersOf(t *testing.T, d core.Driver, gid string) []string {
	return strs(t, d, `SELECT user_id FROM group_member WHERE group_id = '`+gid+`' ORDER BY user_id`)
}

// requireOnlyAdditions fails unless the host's tables changed by added
// rows only, in the tables groups mode writes, but for the model rows
// whose access_control it extended (v0.6.40): those may differ.
func requireOnlyAdditions(t *testing.T, before, after openwebuitest.Snapshot, extended []string) {
	t.Helper()
	for table, d := range before.Diff(after) {
		switch {
		case !slices.Contains([]string{"model", "group", "group_member", "access_grant"}, table):
			t.Errorf("host table %s changed: %d rows gone or altered %q, %d added %q", table, len(d.Removed), d.RemovedIDs(), len(d.Added), d.AddedIDs())
		case len(d.Removed) == 0:
		case table == "model" && isSubset(d.RemovedIDs(), extended):
		default:
			t.Errorf("host table %s lost or altered rows %q (allowed: %q)", table, d.RemovedIDs(), extended)
		}
	}
}

func isSubset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func requireNoop(t *testing.T, d core.Driver, cfg orgaccess.Config) {
	t.Helper()
	again := apply(t, d, cfg)
	if again.Changed || again.Statements != 0 || again.Status != core.RunConverged {
		t.Fatalf("second run changed something:\n%s", coretest.Dump(again))
	}
	verifyClean(t, d, cfg)
}

// Groups mode on a real host: the group is made with its id and marker
// (beside an admin's group of the same name, left alone), the eligible
// users join it, every linked active model is readable by a member; only
// additions to the host's tables; a second run is a no-op, verify clean.
func testGroupsConverge(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	cfg := GroupsConfig()
	// An admin's group of the organization's very name.
	exec(t, d, `INSERT INTO `+d.Quote("group")+` (id, user_id, name, description, permissions, created_at, updated_at) VALUES
 ('grp-admin-same-name', '`+openwebuitest.AdminID+`', '`+strings.ReplaceAll(cfg.OrgName, "'", "''")+`', 'made by an admin', '{}', 1, 1)`)
	before := snapshot(t, d, gen)
	rep := apply(t, d, cfg)
	if rep.Status != core.RunConverged {
		t.Fatalf("apply:\n%s", coretest.Dump(rep))
	}
	gid := orgaccess.GroupID(cfg.OrgID)
	var name, meta, perms string
	var created, updated int64
	if err := d.DB().DB.QueryRowContext(context.Background(), `SELECT name, CAST(meta AS TEXT), CAST(permissions AS TEXT), created_at, updated_at FROM `+d.Quote("group")+` WHERE id = '`+gid+`'`).
		Scan(&name, &meta, &perms, &created, &updated); err != nil {
		t.Fatalf("the organization's group %s: %v", gid, err)
	}
	if name != cfg.OrgName || !strings.Contains(meta, `"organization_id": "`+cfg.OrgID+`"`) || perms != "{}" {
		t.Fatalf("group %s: name %q meta %s permissions %s", gid, name, meta, perms)
	}
	if created < 1_700_000_000 || created > 10_000_000_000 || updated != created {
		t.Fatalf("group timestamps %d, %d: want epoch seconds, as Open WebUI writes them", created, updated)
	}
	if got := groupMembersOf(t, d, gid); !slices.Equal(got, openwebuitest.EligibleUsers()) {
		t.Fatalf("group members %q, want %q", got, openwebuitest.EligibleUsers())
	}
	active := strs(t, d, `SELECT m.id FROM organization_models om JOIN `+d.Quote("model")+` m ON m.id = om.model_id WHERE om.organization_id = '`+cfg.OrgID+`' AND m.is_active = TRUE ORDER BY m.id`)
	if len(active) == 0 {
		t.Fatal("no active linked model")
	}
	got := readable(t, d, gen, openwebuitest.UserID)
	for _, m := range active {
		if !slices.Contains(got, m) {
			t.Errorf("member %s cannot read linked model %s in Open WebUI (reads %q)", openwebuitest.UserID, m, got)
		}
	}
	after := snapshot(t, d, gen)
	requireOnlyAdditions(t, before, after, nil)
	if hasGrants(gen) {
		n := scalar(t, d, `SELECT COUNT(*) FROM access_grant WHERE principal_type = 'group' AND principal_id = '`+gid+`' AND resource_type = 'model' AND permission = 'read'`)
		if n != len(links(t, d)) {
			t.Fatalf("%d grants to the group, want one per linked model (%d)", n, len(links(t, d)))
		}
	}
	requireNoop(t, d, cfg)
	if diff := after.Diff(snapshot(t, d, gen)); len(diff) != 0 {
		t.Fatalf("the second run changed host tables: %v", diff)
	}
	t.Logf("%s %s: first run %d statements; member reads %d models", d.Dialect(), gen, rep.Statements, len(got))
}

// makePrivate takes away a model's public read, as an admin would.
func makePrivate(t *testing.T, d core.Driver, gen, model string) {
	if hasGrants(gen) {
		exec(t, d, `DELETE FROM access_grant WHERE resource_type = 'model' AND resource_id = '`+model+`' AND principal_type = 'user' AND principal_id = '*'`)
		return
	}
	exec(t, d, `UPDATE `+d.Quote("model")+` SET access_control = '{}' WHERE id = '`+model+`'`)
}

func addMember(t *testing.T, d core.Driver, gid, user string) {
	exec(t, d, `INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) VALUES ('gm-admin-added', '`+gid+`', '`+user+`', 1, 1)`)
}

// A production organization: groundwork adds no member. An admin adds one
// user to the group: that user reads the organization's models through
// it, another does not (a private model, a registered one on 0.8+); on
// v0.6.40 the access_control JSON is extended in Open WebUI's own shape.
func testGroupsNonMember(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	cfg := GroupsConfig()
	cfg.Environment = orgaccess.Production
	cfg.Models = []string{openwebuitest.ModelOverride, openwebuitest.ModelCustom, "openai/o3"}
	makePrivate(t, d, gen, openwebuitest.ModelOverride)
	before := snapshot(t, d, gen)
	rep := apply(t, d, cfg)
	if rep.Status != core.RunConverged {
		t.Fatalf("apply:\n%s", coretest.Dump(rep))
	}
	gid := orgaccess.GroupID(cfg.OrgID)
	if got := groupMembersOf(t, d, gid); len(got) != 0 {
		t.Fatalf("production organization's group has members %q", got)
	}
	extended := []string{openwebuitest.ModelOverride, openwebuitest.ModelCustom}
	if hasGrants(gen) {
		extended = nil
	}
	requireOnlyAdditions(t, before, snapshot(t, d, gen), extended)
	if !hasGrants(gen) {
		for model, want := range map[string]string{
			openwebuitest.ModelOverride: `{"read": {"group_ids": ["` + gid + `"], "user_ids": []}, "write": {"group_ids": [], "user_ids": []}}`,
			openwebuitest.ModelCustom:   `{"read": {"group_ids": ["grp-engineering", "` + gid + `"], "user_ids": []}, "write": {"group_ids": [], "user_ids": []}}`,
		} {
			if got := strs(t, d, `SELECT CAST(access_control AS TEXT) FROM model WHERE id = '`+model+`'`); len(got) != 1 || got[0] != want {
				t.Errorf("model %s access_control = %q, want %s", model, got, want)
			}
		}
	}
	member, other := openwebuitest.UserID, openwebuitest.OAuthID
	if slices.Contains(readable(t, d, gen, member), openwebuitest.ModelOverride) {
		t.Fatalf("before joining the group, %s reads the private model", member)
	}
	addMember(t, d, gid, member)
	mine := readable(t, d, gen, member)
	for _, m := range cfg.Models {
		if !slices.Contains(mine, m) {
			t.Errorf("member reads %q, not linked model %s", mine, m)
		}
	}
	theirs := readable(t, d, gen, other)
	if slices.Contains(theirs, openwebuitest.ModelOverride) {
		t.Errorf("non-member %s reads the organization's private model %s", other, openwebuitest.ModelOverride)
	}
	if hasGrants(gen) && slices.Contains(theirs, "openai/o3") {
		t.Errorf("non-member %s reads the model groundwork registered for the organization", other)
	}
	// The admin's member is theirs: a second run leaves it and adds none.
	requireNoop(t, d, cfg)
	if got := groupMembersOf(t, d, gid); !slices.Equal(got, []string{member}) {
		t.Fatalf("members %q after the second run, want the admin's one", got)
	}
}

// An admin revokes a grant groundwork made and removes a member it added:
// both stay so, the next run is a no-op and verify is clean.
func testGroupsRevoked(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	cfg := GroupsConfig()
	cfg.Models = []string{openwebuitest.ModelOverride, "openai/o3"}
	makePrivate(t, d, gen, openwebuitest.ModelOverride)
	apply(t, d, cfg)
	gid := orgaccess.GroupID(cfg.OrgID)
	if !slices.Contains(readable(t, d, gen, openwebuitest.UserID), openwebuitest.ModelOverride) {
		t.Fatal("member cannot read the private linked model after apply")
	}
	if hasGrants(gen) {
		exec(t, d, `DELETE FROM access_grant WHERE resource_id = '`+openwebuitest.ModelOverride+`' AND principal_id = '`+gid+`'`)
	} else {
		exec(t, d, `UPDATE model SET access_control = '{}' WHERE id = '`+openwebuitest.ModelOverride+`'`)
	}
	exec(t, d, `DELETE FROM group_member WHERE group_id = '`+gid+`' AND user_id = '`+openwebuitest.UserID+`'`)
	requireNoop(t, d, cfg)
	if slices.Contains(readable(t, d, gen, openwebuitest.OAuthID), openwebuitest.ModelOverride) {
		t.Fatal("a revoked grant was made again")
	}
	if slices.Contains(groupMembersOf(t, d, gid), openwebuitest.UserID) {
		t.Fatal("a removed member was added again")
	}
	if hasGrants(gen) && !slices.Contains(readable(t, d, gen, openwebuitest.OAuthID), "openai/o3") {
		t.Fatal("the grant not revoked is gone")
	}
}

// With Open WebUI's ENABLE_OAUTH_GROUP_MANAGEMENT on, groundwork makes the
// group and its grants but no membership, and says so.
func testGroupsOAuth(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	cfg := GroupsConfig()
	cfg.OAuthGroupManagement = true
	rep := apply(t, d, cfg)
	sr := rep.Step(orgaccess.GroupMembersID)
	if sr == nil || !strings.Contains(sr.Reason, orgaccess.EnvOAuthGroupManagement) {
		t.Fatalf("the members step does not say why it wrote none:\n%s", coretest.Dump(rep))
	}
	gid := orgaccess.GroupID(cfg.OrgID)
	if got := groupMembersOf(t, d, gid); len(got) != 0 {
		t.Fatalf("memberships %q written with OAuth group management on", got)
	}
	if n := scalar(t, d, `SELECT COUNT(*) FROM `+d.Quote("group")+` WHERE id = '`+gid+`'`); n != 1 {
		t.Fatal("no group")
	}
	requireNoop(t, d, cfg)
}

// From 0.11 a custom model's base model is granted too; before, not.
func testGroupsBase011(t *testing.T, d core.Driver, gen string) {
	if !hasGrants(gen) {
		t.Skip("no access_grant before 0.8")
	}
	for _, rev := range []string{openwebuitest.Revision(gen), "f0bd01a18a3d"} {
		t.Run(rev, func(t *testing.T) {
			if rev != openwebuitest.Revision(gen) {
				exec(t, d, "DELETE FROM access_grant")
				exec(t, d, "DELETE FROM "+orgaccess.LedgerTable)
				exec(t, d, "UPDATE alembic_version SET version_num = '"+rev+"'")
			} else {
				load(t, d, gen)
			}
			cfg := GroupsConfig()
			cfg.Models = []string{openwebuitest.ModelCustom}
			apply(t, d, cfg)
			got := strs(t, d, `SELECT resource_id FROM access_grant WHERE principal_id = '`+orgaccess.GroupID(cfg.OrgID)+`' ORDER BY resource_id`)
			want := []string{openwebuitest.ModelCustom}
			if rev == "f0bd01a18a3d" {
				want = []string{openwebuitest.ModelCustom, "anthropic/claude-sonnet-4"}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("revision %s: grants on %q, want %q", rev, got, want)
			}
		})
	}
}

// Before 0.6.37 the members are the group's user_ids JSON list (derived
// from v0.6.40: no group_member, a user_ids column): groundwork writes the
// list in Open WebUI's spelling, and a user an admin took out stays out.
func testGroupsUserIDs(t *testing.T, d core.Driver, gen string) {
	if gen != openwebuitest.V0_6_40 {
		t.Skip("a pre-0.6.37 layout is derived from v0.6.40 only")
	}
	load(t, d, gen)
	exec(t, d, "DROP TABLE group_member")
	exec(t, d, `ALTER TABLE `+d.Quote("group")+` ADD COLUMN user_ids JSON`)
	cfg := GroupsConfig()
	apply(t, d, cfg)
	gid := orgaccess.GroupID(cfg.OrgID)
	ids := openwebuitest.EligibleUsers()
	want := `["` + strings.Join(ids, `", "`) + `"]`
	got := strs(t, d, `SELECT CAST(user_ids AS TEXT) FROM `+d.Quote("group")+` WHERE id = '`+gid+`'`)
	if len(got) != 1 || got[0] != want {
		t.Fatalf("user_ids %q, want %s", got, want)
	}
	rest := `["` + strings.Join(ids[1:], `", "`) + `"]`
	exec(t, d, `UPDATE `+d.Quote("group")+` SET user_ids = '`+rest+`' WHERE id = '`+gid+`'`)
	again := apply(t, d, cfg)
	if again.Changed {
		t.Fatalf("second run changed something:\n%s", coretest.Dump(again))
	}
	if got := strs(t, d, `SELECT CAST(user_ids AS TEXT) FROM `+d.Quote("group")+` WHERE id = '`+gid+`'`); got[0] != rest {
		t.Fatalf("user_ids %q after an admin removed one, want %s", got, rest)
	}
}

// Many users join in set-based batches over ranges of user ids (each a
// few bind parameters, whatever the number of users, committed and proven
// on its own); the next run reads them and writes nothing.
func testGroupsMany(t *testing.T, d core.Driver, gen string) {
	if gen != openwebuitest.V0_10_2 {
		t.Skip("one generation is enough for the batching")
	}
	load(t, d, gen)
	rows := make([]string, bulkUsers)
	for i := range rows {
		rows[i] = fmt.Sprintf("('bulk%04d', 'Bulk %d', 'bulk%d@example.com', 'user', 1)", i, i, i)
	}
	exec(t, d, "INSERT INTO "+d.Quote("user")+" (id, name, email, role, created_at) VALUES "+strings.Join(rows, ", "))
	cfg := GroupsConfig()
	rep := apply(t, d, cfg)
	sr := rep.Step(orgaccess.GroupMembersID)
	if sr == nil || len(sr.Changes) != 1 || sr.Batches < 1 {
		t.Fatalf("want one batched change of memberships:\n%s", coretest.Dump(rep))
	}
	all := bulkUsers + len(openwebuitest.EligibleUsers())
	if n := len(groupMembersOf(t, d, orgaccess.GroupID(cfg.OrgID))); n != all {
		t.Fatalf("%d members, want %d", n, all)
	}
	again := apply(t, d, cfg)
	if again.Changed || again.Statements != 0 {
		t.Fatalf("second run:\n%s", coretest.Dump(again))
	}
	t.Logf("%s: %d users joined in %d batches (%d rows with the ledger's); no-op run %d queries", d.Dialect(), all, sr.Batches, sr.RowsAffected, again.Queries)
}

// A user who signs up after apply is the host's doing: verify reports the
// membership pending (with its count), not drift, and the next apply adds
// it.
func testGroupsSignupPending(t *testing.T, d core.Driver, gen string) {
	load(t, d, gen)
	cfg := GroupsConfig()
	apply(t, d, cfg)
	// Every column v0.6.40 has NOT NULL is given; the later ones accept it.
	exec(t, d, "INSERT INTO "+d.Quote("user")+" (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at, settings, info) "+
		"VALUES ('carol', 'Carol', 'carol@example.com', 'user', '/user.png', 2, 2, 2, '{}', '{}')")
	rep, err := core.NewRunner(d, registry(t, cfg, false)).Verify(context.Background())
	if err != nil || rep.Status != core.RunPending || len(rep.Drift()) > 0 {
		t.Fatalf("verify after a sign-up: want pending and no drift: %v\n%s", err, coretest.Dump(rep))
	}
	if sr := rep.Step(orgaccess.GroupMembersID); sr == nil || sr.Status != core.StatusPending || sr.Pending != 1 {
		t.Fatalf("group members: want pending (1)\n%s", coretest.Dump(rep))
	}
	apply(t, d, cfg)
	if !slices.Contains(groupMembersOf(t, d, orgaccess.GroupID(cfg.OrgID)), "carol") {
		t.Fatal("carol did not join the group on the next apply")
	}
	verifyClean(t, d, cfg)
}
