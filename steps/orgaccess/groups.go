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
	if skip, err := groupSkip(ctx, s, g.cfg); err != nil || skip != "" {
		return &core.Plan{Skip: skip}, err
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
		p.Changes = append(p.Changes, core.Change{DataOnly: true, Summary: "record the existing group " + gid + " of organization " + g.cfg.OrgID, Statements: []core.Statement{record}})
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
			Statements: []core.Statement{
				{SQL: data.InsertIgnore("group", cols, "VALUES ("+strings.Join(vals, ", ")+")"), Args: args},
				record,
			},
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

// memberBatch is how many memberships one statement inserts.
const memberBatch = 200

func (m *groupMembers) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if skip, err := groupSkip(ctx, s, m.cfg, "user"); err != nil || skip != "" {
		return &core.Plan{Skip: skip}, err
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
	made, err := ledger(ctx, s, LedgerMember, gid)
	if err != nil {
		return nil, err
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
	// Users the ledger has are groundwork's once: gone from the group now
	// means an admin removed them, and they stay removed.
	p := &core.Plan{}
	if len(todo) == 0 {
		return p, nil
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	if cat.Tables["group_member"] != nil {
		for start := 0; start < len(todo); start += memberBatch {
			batch := todo[start:min(start+memberBatch, len(todo))]
			// Members an admin added before groundwork did are recorded,
			// not inserted again.
			present, err := existing(ctx, s, "SELECT user_id FROM "+s.Quote("group_member")+" WHERE group_id = ? AND user_id IN ", batch, []any{gid})
			if err != nil {
				return nil, fmt.Errorf("read group members: %w", err)
			}
			var rows []string
			var args []any
			var pairs [][2]string
			for _, u := range batch {
				pairs = append(pairs, [2]string{gid, u})
				if present[u] {
					continue
				}
				rows = append(rows, "(?, ?, ?, ?, ?)")
				args = append(args, hostID(LedgerMember, gid, u), gid, u, now, now)
			}
			var sts []core.Statement
			if len(rows) > 0 {
				sts = append(sts, core.Statement{SQL: data.InsertIgnore("group_member", []string{"id", "group_id", "user_id", "created_at", "updated_at"}, "VALUES "+strings.Join(rows, ", ")), Args: args})
			}
			sts = append(sts, ledgerRows(data, m.cfg.OrgID, now, LedgerMember, pairs))
			p.Changes = append(p.Changes, core.Change{
				DataOnly:   true,
				Summary:    fmt.Sprintf("add %d eligible users to the Open WebUI group of development organization %s", len(rows), m.cfg.OrgID),
				Statements: sts,
			})
		}
		return p, nil
	}
	if cat.Tables["group"].Column("user_ids") == nil {
		return &core.Plan{Skip: "Open WebUI has neither group_member nor group.user_ids: no way to store members"}, nil
	}
	return m.jsonMembers(ctx, s, data, gid, todo, now)
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
	sts = append(sts, ledgerRows(data, m.cfg.OrgID, now, LedgerMember, pairs))
	return &core.Plan{Changes: []core.Change{{
		DataOnly:   true,
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
