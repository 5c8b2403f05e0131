package orgaccess

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// grantModels makes every model linked to the organization readable by its
// group, as the host's generation stores access: an access_grant row
// (resource_type 'model', principal_type 'group', permission 'read') from
// 0.8, the group in the model's access_control JSON before. From 0.11 a
// custom model's base model is granted too. Each grant is made once: one
// an admin revoked stays revoked (the ledger remembers it).
type grantModels struct{ cfg Config }

func (g *grantModels) Info() core.StepInfo {
	return core.StepInfo{
		ID:          GrantsStepID,
		Description: "let the organization's Open WebUI group read every model linked to it (groups mode)",
		After:       []string{GroupStepID, LinkStepID},
		Tags:        []string{Tag, TagGroups},
	}
}

// linkedModel is a model linked to the organization, with its base.
type linkedModel struct {
	id   string
	base sql.NullString
}

func (g *grantModels) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if skip, err := groupSkip(ctx, s, g.cfg, "model"); err != nil || skip != nil {
		return skip, err
	}
	exists, ours, err := ourGroup(ctx, s, g.cfg.OrgID)
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
	if cat.Tables[OrgModelsTable] == nil {
		return &core.Plan{Skip: "no models linked yet"}, nil
	}
	models, err := linkedModels(ctx, s, g.cfg.OrgID)
	if err != nil {
		return nil, err
	}
	gid := GroupID(g.cfg.OrgID)
	made, err := ledger(ctx, s, LedgerGrant, "")
	if err != nil {
		return nil, err
	}
	if cat.Tables["access_grant"] != nil {
		return g.grantRows(ctx, s, models, gid, made)
	}
	if cat.Tables["model"].Column("access_control") != nil {
		return g.accessControl(ctx, s, models, gid, made)
	}
	return &core.Plan{Skip: "Open WebUI has neither access_grant nor model.access_control: no way to grant access"}, nil
}

// linkedModels are the organization's active links to models that exist.
func linkedModels(ctx context.Context, s *core.Session, orgID string) ([]linkedModel, error) {
	rows, err := s.Query(ctx, "SELECT m.id, m.base_model_id FROM "+s.Quote(OrgModelsTable)+" om JOIN "+s.Quote("model")+
		" m ON m.id = om.model_id WHERE om.organization_id = ? AND om.is_active = 1 ORDER BY m.id", orgID)
	if err != nil {
		return nil, fmt.Errorf("read linked models: %w", err)
	}
	defer rows.Close()
	var out []linkedModel
	for rows.Next() {
		var m linkedModel
		if err := rows.Scan(&m.id, &m.base); err != nil {
			return nil, fmt.Errorf("read linked models: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// grantRows writes access_grant rows (0.8 and later).
func (g *grantModels) grantRows(ctx context.Context, s *core.Session, models []linkedModel, gid string, made map[string]bool) (*core.Plan, error) {
	from011, err := From011(ctx, s)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, m := range models {
		want[m.id] = true
		// 0.11 checks the base model of a custom model too.
		if from011 && m.base.Valid && m.base.String != "" && m.base.String != m.id {
			want[m.base.String] = true
		}
	}
	var todo []string
	for id := range want {
		if !made[id+"\x00"+gid] {
			todo = append(todo, id)
		}
	}
	sort.Strings(todo)
	p := &core.Plan{}
	if len(todo) == 0 {
		return p, nil
	}
	present, err := existing(ctx, s, "SELECT resource_id FROM "+s.Quote("access_grant")+
		" WHERE resource_type = 'model' AND principal_type = 'group' AND principal_id = ? AND permission = 'read' AND ", "resource_id", todo, []any{gid})
	if err != nil {
		return nil, fmt.Errorf("read access grants: %w", err)
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	cols := []string{"id", "resource_type", "resource_id", "principal_type", "principal_id", "permission", "created_at"}
	var pairs [][2]string
	var granted []string
	for _, id := range todo {
		pairs = append(pairs, [2]string{id, gid})
		if !present[id] {
			granted = append(granted, id)
		}
	}
	// Bounded statements (maxParams each), in the runner's one fenced
	// transaction: the grants and their ledger rows commit together.
	var sts []core.Statement
	for _, part := range chunk(granted, maxParams/len(cols)) {
		var rows []string
		var args []any
		for _, id := range part {
			rows = append(rows, "(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, hostID(LedgerGrant, id, gid), "model", id, "group", gid, "read", now)
		}
		sts = append(sts, core.Statement{SQL: data.InsertIgnore("access_grant", cols, "VALUES "+strings.Join(rows, ", ")), Args: args})
	}
	sts = append(sts, ledgerRows(data, g.cfg.OrgID, now, LedgerGrant, pairs)...)
	summary := fmt.Sprintf("grant the Open WebUI group of organization %s read access to %d models: %s", g.cfg.OrgID, len(granted), fewIDs(granted))
	if len(granted) == 0 {
		summary = fmt.Sprintf("record %d read grants the Open WebUI group of organization %s has already", len(pairs), g.cfg.OrgID)
	}
	// A model newly linked (an admin configured it) is the host's doing:
	// its grant is pending until the next apply, as its link is.
	p.Changes = append(p.Changes, core.Change{DataOnly: true, Convergence: true, Count: int64(len(pairs)), Summary: summary, Statements: sts})
	return p, nil
}

// accessControl adds the group to the read.group_ids of each linked
// model's access_control JSON (before 0.8). A model whose access_control
// is NULL is public in Open WebUI (everyone reads it): it is left so,
// since adding a group would make it private to that group.
func (g *grantModels) accessControl(ctx context.Context, s *core.Session, models []linkedModel, gid string, made map[string]bool) (*core.Plan, error) {
	p := &core.Plan{}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	var public []string
	for _, m := range models {
		if made[m.id+"\x00"+gid] {
			continue
		}
		var raw sql.NullString
		if err := s.QueryRow(ctx, "SELECT "+castText(s, "access_control")+" FROM "+s.Quote("model")+" WHERE id = ?", m.id).Scan(&raw); err != nil {
			return nil, fmt.Errorf("read access_control of model %s: %w", m.id, err)
		}
		if !raw.Valid || strings.TrimSpace(raw.String) == "null" {
			public = append(public, m.id)
			continue
		}
		record := ledgerRows(data, g.cfg.OrgID, now, LedgerGrant, [][2]string{{m.id, gid}})
		updated, already, err := withReadGroup(raw.String, gid)
		if err != nil {
			p.Notes = append(p.Notes, fmt.Sprintf("model %s: access_control is %s: left as it is", m.id, err))
			continue
		}
		if already {
			p.Changes = append(p.Changes, core.Change{DataOnly: true, Convergence: true, Count: 1, Summary: "record that the group of organization " + g.cfg.OrgID + " reads model " + m.id, Statements: record})
			continue
		}
		// Only if access_control is still what was read: an admin's edit
		// meanwhile wins.
		p.Changes = append(p.Changes, core.Change{
			DataOnly: true, Convergence: true, Count: 1,
			Summary: "let the Open WebUI group of organization " + g.cfg.OrgID + " read model " + m.id + " (model.access_control)",
			Statements: append([]core.Statement{{
				SQL: "UPDATE " + s.Quote("model") + " SET " + s.Quote("access_control") + " = " + data.Cast("?", core.JSON) +
					" WHERE id = ? AND " + castText(s, "access_control") + " = ?",
				Args: []any{updated, m.id, raw.String},
			}}, record...),
		})
	}
	if len(public) > 0 {
		p.Notes = append(p.Notes, fmt.Sprintf("public in Open WebUI (access_control NULL), readable by the group already, left as they are: %s", strings.Join(public, ", ")))
	}
	return p, nil
}

// withReadGroup returns access_control with gid added to read.group_ids,
// every other key kept in its place; already is true when it is there.
// {} (private) becomes the shape Open WebUI's editor writes.
func withReadGroup(text, gid string) (updated string, already bool, err error) {
	v, err := decodeOrdered(text)
	if err != nil {
		return "", false, fmt.Errorf("not JSON")
	}
	ac, ok := v.(*orderedObject)
	if !ok {
		return "", false, fmt.Errorf("not a JSON object")
	}
	emptyPerm := func() *orderedObject {
		o := newObject()
		o.set("group_ids", []jsonValue{})
		o.set("user_ids", []jsonValue{})
		return o
	}
	if len(ac.keys) == 0 {
		ac.set("read", emptyPerm())
		ac.set("write", emptyPerm())
	}
	rv, ok := ac.get("read")
	if !ok || rv == nil {
		rv = emptyPerm()
		ac.set("read", rv)
	}
	read, ok := rv.(*orderedObject)
	if !ok {
		return "", false, fmt.Errorf(`a JSON object whose "read" is not an object`)
	}
	gv, ok := read.get("group_ids")
	if !ok || gv == nil {
		gv = []jsonValue{}
	}
	ids, ok := gv.([]jsonValue)
	if !ok {
		return "", false, fmt.Errorf(`a JSON object whose "read.group_ids" is not a list`)
	}
	for _, e := range ids {
		if e == gid {
			return "", true, nil
		}
	}
	read.set("group_ids", append(ids, gid))
	if _, ok := read.get("user_ids"); !ok {
		read.set("user_ids", []jsonValue{})
	}
	return encodePy(ac), false, nil
}
