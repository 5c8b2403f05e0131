package orgaccess

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// ensureGroup creates the organization's group in Open WebUI once: a
// deterministic id (GroupID) and groundwork's marker in its meta JSON, so
// it is never confused with a group an admin made, even one of the same
// name. It never updates the group: an admin may rename it. A group
// groundwork made and an admin deleted is not made again.
type ensureGroup struct{ cfg Config }

func (g *ensureGroup) Info() core.StepInfo {
	return core.StepInfo{
		ID:          GroupStepID,
		Description: "create the organization's group in Open WebUI (groups mode)",
		After:       []string{OrgStepID, schema.TableID(LedgerTable)},
		Tags:        []string{Tag, TagGroups},
	}
}

func (g *ensureGroup) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if skip, err := groupSkip(ctx, s, g.cfg); err != nil || skip != nil {
		return skip, err
	}
	gid := GroupID(g.cfg.OrgID)
	made, err := ledger(ctx, s, LedgerGroup, gid)
	if err != nil {
		return nil, err
	}
	recorded := made[gid+"\x00"+g.cfg.OrgID]
	exists, ours, err := ourGroup(ctx, s, g.cfg.OrgID)
	if err != nil {
		return nil, err
	}
	p := &core.Plan{}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	record := ledgerRows(data, g.cfg.OrgID, now, LedgerGroup, [][2]string{{gid, g.cfg.OrgID}})
	switch {
	case exists && !ours:
		p.AddDrift("group "+gid, "exists without groundwork's marker in its meta: not groundwork's, left alone; groups mode does nothing for organization %s", g.cfg.OrgID)
	case exists && recorded:
	case exists:
		// Ours by its marker, but not in the ledger (a restored backup of
		// the host): record it, so a later deletion is remembered.
		p.Changes = append(p.Changes, core.Change{DataOnly: true, Summary: "record the existing group " + gid + " of organization " + g.cfg.OrgID, Statements: record})
	case recorded:
		p.Notes = append(p.Notes, fmt.Sprintf("group %s of organization %s was deleted by an admin: groundwork does not make it again (delete its %s rows to have it made again)", gid, g.cfg.OrgID, LedgerTable))
	default:
		cat, err := s.Catalog(ctx)
		if err != nil {
			return nil, err
		}
		cols := []string{"id", "user_id", "name", "description", "meta", "permissions", "created_at", "updated_at"}
		vals := []string{"?", "?", "?", "?", data.Cast("?", core.JSON), data.Cast("?", core.JSON), "?", "?"}
		args := []any{gid, SystemUserID, g.cfg.OrgName, groupDescription(g.cfg.OrgID), groupMarker(g.cfg.OrgID), "{}", now, now}
		if cat.Tables["group"].Column("user_ids") != nil {
			// Before 0.6.37 the members are a JSON list on the group.
			cols, vals, args = append(cols, "user_ids"), append(vals, data.Cast("?", core.JSON)), append(args, "[]")
		}
		p.Changes = append(p.Changes, core.Change{
			DataOnly: true,
			Summary:  fmt.Sprintf("create group %q (%s) of organization %s in Open WebUI", g.cfg.OrgName, gid, g.cfg.OrgID),
			Statements: append([]core.Statement{
				{SQL: data.InsertIgnore("group", cols, "VALUES ("+strings.Join(vals, ", ")+")"), Args: args},
			}, record...),
		})
	}
	return p, nil
}

func groupDescription(orgID string) string {
	return "Organization " + orgID + ": members and model access managed by groundwork"
}

// groupMembers makes every eligible user a member of a development
// organization's group, once: a membership groundwork made and an admin
// removed stays removed. With Open WebUI's ENABLE_OAUTH_GROUP_MANAGEMENT
// on, the identity provider owns memberships and this step writes none.
type groupMembers struct{ cfg Config }

func (m *groupMembers) Info() core.StepInfo {
	return core.StepInfo{
		ID:          GroupMembersID,
		Description: "make every eligible user a member of a development organization's Open WebUI group (groups mode)",
		After:       []string{GroupStepID},
		Tags:        []string{Tag, TagGroups, TagDevelopment},
	}
}

func (m *groupMembers) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if skip, err := groupSkip(ctx, s, m.cfg, "user"); err != nil || skip != nil {
		return skip, err
	}
	if !m.cfg.IsDevelopment() {
		return &core.Plan{Skip: "organization " + m.cfg.OrgID + " is not a development organization: groundwork adds no members to its group"}, nil
	}
	if m.cfg.OAuthGroupManagement {
		return &core.Plan{Skip: EnvOAuthGroupManagement + " is on: the identity provider owns Open WebUI's group memberships, groundwork writes none"}, nil
	}
	exists, ours, err := ourGroup(ctx, s, m.cfg.OrgID)
	if err != nil {
		return nil, err
	}
	if !exists || !ours {
		return &core.Plan{Skip: "the organization's group is not there (see " + GroupStepID + ")"}, nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	gid := GroupID(m.cfg.OrgID)
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	if cat.Tables["group_member"] == nil {
		if cat.Tables["group"].Column("user_ids") == nil {
			return &core.Plan{Skip: "Open WebUI has neither group_member nor group.user_ids: no way to store members"}, nil
		}
		users, err := m.todoUsers(ctx, s, gid)
		if err != nil || len(users) == 0 {
			return &core.Plan{}, err
		}
		return m.jsonMembers(ctx, s, data, gid, users, now)
	}
	n := int64(-1) // unknown until the ledger exists (a plan of a first run)
	if cat.Tables[LedgerTable] != nil {
		c := m.countSQL(s, gid, keyRange{})
		if n, err = s.Count(ctx, c.SQL, c.Args...); err != nil {
			return nil, fmt.Errorf("count missing group members: %w", err)
		}
		if n == 0 {
			return &core.Plan{}, nil
		}
	}
	summary := "add every eligible user to the Open WebUI group of development organization " + m.cfg.OrgID
	if n > 0 {
		summary = fmt.Sprintf("add %d eligible users to the Open WebUI group of development organization %s", n, m.cfg.OrgID)
	}
	// Users who sign up are the host's doing: their membership is pending
	// until the next apply, not a readiness failure. The inserts run in
	// batches of user-id ranges, each committed on its own and proven in
	// its own transaction, as dev-members does.
	return &core.Plan{Changes: []core.Change{{
		Summary: summary, DataOnly: true, Convergence: true, Count: max(n, 0),
		Statements: m.insertSQL(s, data, gid, keyRange{}, now),
		Batches:    &groupMemberBatches{m: m, gid: gid, data: data, ranges: memberBatches{size: firstBatchUsers}},
	}}}, nil
}

// todoSQL selects, as column id, the eligible users in r the ledger has
// no membership of the group for: groundwork's to add. A user the ledger
// has was added once; gone from the group now means an admin removed
// them, and they stay removed. With notInGroup, users an admin made
// members already are left out too (they are recorded, not inserted).
func (m *groupMembers) todoSQL(s *core.Session, gid string, r keyRange, notInGroup bool) (string, []any) {
	ur, uargs := r.where("u.id")
	args := append([]any{SystemUserID, SystemUserEmail}, uargs...)
	users := "SELECT u.id AS id FROM " + s.Quote("user") + " u WHERE " + eligible(s, "u") + ur
	lr, largs := r.where("l.principal_id")
	ledgerQ := "SELECT l.principal_id FROM " + s.Quote(LedgerTable) + " l WHERE l.kind = ? AND l.resource_id = ?" + lr
	gr, gargs := r.where("gm.user_id")
	groupQ := "SELECT gm.user_id FROM " + s.Quote("group_member") + " gm WHERE gm.group_id = ?" + gr
	if ex, ok := s.Driver.(core.Excepter); ok {
		// The difference is computed whole before the INSERT reads it
		// (see devMembers.missingSQL).
		q := ex.Except(users, ledgerQ)
		args = append(append(args, LedgerMember, gid), largs...)
		if notInGroup {
			q = ex.Except(q, groupQ)
			args = append(append(args, gid), gargs...)
		}
		return q, args
	}
	q := users + " AND NOT EXISTS (SELECT 1 FROM " + s.Quote(LedgerTable) + " l WHERE l.kind = ? AND l.resource_id = ? AND l.principal_id = u.id)"
	args = append(args, LedgerMember, gid)
	if notInGroup {
		q += " AND NOT EXISTS (SELECT 1 FROM " + s.Quote("group_member") + " gm WHERE gm.group_id = ? AND gm.user_id = u.id)"
		args = append(args, gid)
	}
	return q, args
}

// countSQL counts the users in r still to be added (or recorded).
func (m *groupMembers) countSQL(s *core.Session, gid string, r keyRange) core.Statement {
	q, args := m.todoSQL(s, gid, r, false)
	return core.Statement{SQL: "SELECT COUNT(*) FROM (" + q + ") x", Args: args}
}

// insertSQL adds the users in r to the group (those not members yet),
// then records them all in the ledger: two set-based statements with a
// handful of parameters, whatever the number of users.
func (m *groupMembers) insertSQL(s *core.Session, data core.DataSQL, gid string, r keyRange, now int64) []core.Statement {
	join, jargs := m.todoSQL(s, gid, r, true)
	sel := "SELECT " + data.Concat(data.Cast("?", core.Text), "x.id") + " AS id, " + data.Cast("?", core.Text) + " AS group_id, x.id AS user_id, " +
		data.Cast("?", core.BigInt) + " AS created_at, " + data.Cast("?", core.BigInt) + " AS updated_at FROM (" + join + ") x"
	rec, rargs := m.todoSQL(s, gid, r, false)
	ledgerSel := "SELECT " + data.Concat(data.Cast("?", core.Text), "x.id") + " AS id, " + data.Cast("?", core.Text) + " AS organization_id, " +
		data.Cast("?", core.Text) + " AS kind, " + data.Cast("?", core.Text) + " AS resource_id, x.id AS principal_id, " +
		data.Cast("?", core.BigInt) + " AS created_at FROM (" + rec + ") x"
	return []core.Statement{
		{
			SQL:  data.InsertIgnore("group_member", []string{"id", "group_id", "user_id", "created_at", "updated_at"}, sel),
			Args: append([]any{GroupMemberIDPrefix(gid), gid, now, now}, jargs...),
		},
		{
			SQL:  data.InsertIgnore(LedgerTable, []string{"id", "organization_id", "kind", "resource_id", "principal_id", "created_at"}, ledgerSel),
			Args: append([]any{memberLedgerPrefix(gid), m.cfg.OrgID, LedgerMember, gid, now}, rargs...),
		},
	}
}

// GroupMemberIDPrefix starts the id of every group_member row groundwork
// makes in a group; the user id completes it, in SQL. Open WebUI's ids
// are opaque text (it makes UUIDs, and only ever compares them).
func GroupMemberIDPrefix(gid string) string { return "gw-" + digest(gid, "")[:12] + "-" }

// memberLedgerPrefix starts the id of a membership's ledger row.
func memberLedgerPrefix(gid string) string { return "acm_" + digest(gid, "")[:12] + "_" }

// groupMemberBatches cuts the users into ranges of ids, as memberBatches
// does for the seed's members: each batch adds one range's members and
// proves, in its own transaction, that none of them is left out.
type groupMemberBatches struct {
	m      *groupMembers
	gid    string
	data   core.DataSQL
	ranges memberBatches
}

var _ core.Batcher = (*groupMemberBatches)(nil)

func (b *groupMemberBatches) NextBatch(ctx context.Context, s *core.Session, prev *core.BatchResult) (*core.Batch, error) {
	if b.ranges.done {
		return nil, nil
	}
	if prev != nil {
		b.ranges.size = nextBatchSize(b.ranges.size, prev.Duration)
	}
	hi, err := b.ranges.upper(ctx, s)
	if err != nil {
		return nil, err
	}
	r := keyRange{lo: b.ranges.lo, hi: hi}
	b.ranges.lo, b.ranges.done = hi, hi == nil
	proof := b.m.countSQL(s, b.gid, r)
	return &core.Batch{Statements: b.m.insertSQL(s, b.data, b.gid, r, time.Now().Unix()), Proof: &proof, Label: r.String()}, nil
}

// todoUsers lists the users to add to a group's user_ids JSON list
// (before 0.6.37, when a group's members are one value).
func (m *groupMembers) todoUsers(ctx context.Context, s *core.Session, gid string) ([]string, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	made := map[string]bool{}
	if cat.Tables[LedgerTable] != nil {
		if made, err = ledger(ctx, s, LedgerMember, gid); err != nil {
			return nil, err
		}
	}
	users, err := eligibleUsers(ctx, s)
	if err != nil {
		return nil, err
	}
	var todo []string
	for _, u := range users {
		if !made[gid+"\x00"+u] {
			todo = append(todo, u)
		}
	}
	return todo, nil
}

// jsonMembers adds users to the group's user_ids JSON list (Open WebUI
// before 0.6.37), only if the list is still what was read.
func (m *groupMembers) jsonMembers(ctx context.Context, s *core.Session, data core.DataSQL, gid string, todo []string, now int64) (*core.Plan, error) {
	var raw sql.NullString
	if err := s.QueryRow(ctx, "SELECT "+castText(s, "user_ids")+" FROM "+s.Quote("group")+" WHERE id = ?", gid).Scan(&raw); err != nil {
		return nil, fmt.Errorf("read group members: %w", err)
	}
	list := []jsonValue{}
	have := map[string]bool{}
	if raw.Valid && strings.TrimSpace(raw.String) != "" && strings.TrimSpace(raw.String) != "null" {
		v, err := decodeOrdered(raw.String)
		arr, ok := v.([]jsonValue)
		if err != nil || !ok {
			return &core.Plan{Notes: []string{"group " + gid + ": user_ids is not a JSON list: left as it is"}}, nil
		}
		list = arr
		for _, e := range arr {
			if u, ok := e.(string); ok {
				have[u] = true
			}
		}
	}
	var pairs [][2]string
	added := 0
	for _, u := range todo {
		pairs = append(pairs, [2]string{gid, u})
		if !have[u] {
			list = append(list, u)
			added++
		}
	}
	sts := []core.Statement{}
	if added > 0 {
		where := castText(s, "user_ids") + " = ?"
		args := []any{encodePy(list), now, gid, raw.String}
		if !raw.Valid {
			where, args = s.Quote("user_ids")+" IS NULL", args[:3]
		}
		sts = append(sts, core.Statement{
			SQL:  "UPDATE " + s.Quote("group") + " SET " + s.Quote("user_ids") + " = " + data.Cast("?", core.JSON) + ", " + s.Quote("updated_at") + " = ? WHERE id = ? AND " + where,
			Args: args,
		})
	}
	sts = append(sts, ledgerRows(data, m.cfg.OrgID, now, LedgerMember, pairs)...)
	return &core.Plan{Changes: []core.Change{{
		DataOnly: true, Convergence: true, Count: int64(len(todo)),
		Summary:    fmt.Sprintf("add %d eligible users to the Open WebUI group of development organization %s (group.user_ids)", added, m.cfg.OrgID),
		Statements: sts,
	}}}, nil
}

// eligibleUsers are the ids of the users a development organization gets,
// sorted: the same rule as the seed's members (not the system user, not
// pending).
func eligibleUsers(ctx context.Context, s *core.Session) ([]string, error) {
	rows, err := s.Query(ctx, "SELECT u.id FROM "+s.Quote("user")+" u WHERE "+eligible(s, "u")+" ORDER BY u.id", SystemUserID, SystemUserEmail)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read users: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
