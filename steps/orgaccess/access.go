package orgaccess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// Access modes (Config.Access).
const (
	// AccessSeed is the default: the seed's tables and view, read by the
	// seed's own fork of Open WebUI.
	AccessSeed = "seed"
	// AccessGroups also makes the access real in stock Open WebUI: the
	// organization's group, its members and read grants on its models.
	AccessGroups = "groups"
)

// Groups mode: its tag, step ids and the ledger of what groundwork wrote.
const (
	TagGroups      = "groups"
	GroupStepID    = "orgaccess:openwebui-group"
	GroupMembersID = "orgaccess:openwebui-group-members"
	GrantsStepID   = "orgaccess:openwebui-grants"
	// LedgerTable is groundwork's own record of every group, membership
	// and grant it wrote in Open WebUI's tables: what it made once and is
	// gone now was removed by an admin, and stays removed.
	LedgerTable = "organization_access_ledger"
)

// Kinds of ledger rows.
const (
	// LedgerGroup: resource_id the group's id, principal_id the organization.
	LedgerGroup = "group"
	// LedgerMember: resource_id the group, principal_id the user.
	LedgerMember = "member"
	// LedgerGrant: resource_id the model, principal_id the group; a read
	// grant (an access_grant row, or the group in the model's
	// access_control JSON).
	LedgerGrant = "grant"
)

// ParseOAuthGroupManagement reads ENABLE_OAUTH_GROUP_MANAGEMENT as Open
// WebUI does: on only when it is "true", in any case.
func ParseOAuthGroupManagement(v string) bool { return strings.EqualFold(strings.TrimSpace(v), "true") }

// Groups reports whether the configuration asks for groups mode.
func (c Config) Groups() bool { return c.Access == AccessGroups }

// groupSteps are the steps of groups mode, appended to the pack when it is
// on: the ledger table, then the group, its members and its grants.
func groupSteps(cfg Config) []core.Step {
	return []core.Step{
		schema.Table(ledgerTable(), schema.Tags(Tag, TagGroups), schema.After(schema.TableID(OrgTable)),
			schema.Describe("ensure table "+LedgerTable+" (what groundwork wrote in Open WebUI's groups and grants)")),
		&ensureGroup{cfg: cfg},
		&groupMembers{cfg: cfg},
		&grantModels{cfg: cfg},
	}
}

// ledgerTable is groundwork's own: no foreign key to the host's tables
// (invariant 7), so Open WebUI deletes users, groups and models freely.
func ledgerTable() core.Table {
	return core.Table{
		Name: LedgerTable,
		Columns: []core.Column{
			{Name: "id", Type: core.Text, NotNull: true},
			{Name: "organization_id", Type: core.Text, NotNull: true},
			{Name: "kind", Type: core.Text, NotNull: true},
			{Name: "resource_id", Type: core.Text, NotNull: true},
			{Name: "principal_id", Type: core.Text, NotNull: true},
			{Name: "created_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"id"},
		Uniques:    []core.Unique{{Columns: []string{"kind", "resource_id", "principal_id"}}},
	}
}

// groupNamespace roots every id groundwork derives for Open WebUI's rows.
var groupNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("groundwork:orgaccess"))

// hostID is a deterministic UUID (version 5) of parts: Open WebUI's ids
// are UUID strings, and replicas racing to insert the same row collide on
// its key instead of inserting it twice.
func hostID(parts ...string) string {
	return uuid.NewSHA1(groupNamespace, []byte(strings.Join(parts, "\x00"))).String()
}

// GroupID is the id of the organization's group in Open WebUI.
func GroupID(orgID string) string { return hostID(LedgerGroup, orgID) }

// ledgerID is the id of a ledger row.
func ledgerID(kind, resource, principal string) string {
	return "acl_" + digest(kind+"\x00"+resource, principal)
}

// groupMarker is the group's meta JSON: what says, beside its id, that the
// group is groundwork's and whose it is.
func groupMarker(orgID string) string {
	b, _ := json.Marshal(map[string]any{"groundwork": map[string]any{"organization_id": orgID, "managed_by": "groundwork"}})
	return pyJSON(b)
}

// isOurGroup reports whether a group's meta carries groundwork's marker
// for the organization.
func isOurGroup(meta sql.NullString, orgID string) bool {
	if !meta.Valid {
		return false
	}
	var m struct {
		Groundwork struct {
			OrganizationID string `json:"organization_id"`
		} `json:"groundwork"`
	}
	return json.Unmarshal([]byte(meta.String), &m) == nil && m.Groundwork.OrganizationID == orgID
}

// ledger reads the ledger rows of a kind for a resource (or every
// resource when resource is ""), as a set of resource+"\x00"+principal.
// Before the table exists (a plan of a first run) it is empty.
func ledger(ctx context.Context, s *core.Session, kind, resource string) (map[string]bool, error) {
	out := map[string]bool{}
	cat, err := s.Catalog(ctx)
	if err != nil || cat.Tables[LedgerTable] == nil {
		return out, err
	}
	q := "SELECT resource_id, principal_id FROM " + s.Quote(LedgerTable) + " WHERE kind = ?"
	args := []any{kind}
	if resource != "" {
		q += " AND resource_id = ?"
		args = append(args, resource)
	}
	rows, err := s.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", LedgerTable, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r, p string
		if err := rows.Scan(&r, &p); err != nil {
			return nil, fmt.Errorf("read %s: %w", LedgerTable, err)
		}
		out[r+"\x00"+p] = true
	}
	return out, rows.Err()
}

// ledgerRows renders the inserts of ledger rows (kind, resource, principal
// triples flattened), as many statements as maxParams needs.
func ledgerRows(data core.DataSQL, orgID string, now int64, kind string, pairs [][2]string) []core.Statement {
	cols := []string{"id", "organization_id", "kind", "resource_id", "principal_id", "created_at"}
	var out []core.Statement
	for _, part := range chunk(pairs, maxParams/len(cols)) {
		var rows []string
		var args []any
		for _, p := range part {
			rows = append(rows, "(?, ?, ?, ?, ?, ?)")
			args = append(args, ledgerID(kind, p[0], p[1]), orgID, kind, p[0], p[1], now)
		}
		out = append(out, core.Statement{SQL: data.InsertIgnore(LedgerTable, cols, "VALUES "+strings.Join(rows, ", ")), Args: args})
	}
	return out
}

// ourGroup reads the organization's group: whether it exists and whether
// it is groundwork's (the id alone could, in theory, be an admin's).
func ourGroup(ctx context.Context, s *core.Session, orgID string) (exists, ours bool, err error) {
	var meta sql.NullString
	err = s.ReadRow(ctx, groupRead(s, orgID), &meta)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, false, nil
	case err != nil:
		return false, false, fmt.Errorf("read group: %w", err)
	}
	return true, isOurGroup(meta, orgID), nil
}

// From011 reports whether the host is Open WebUI 0.11 or later, where a
// custom model also needs a grant on its base model: 0.11.0's head
// revision, or the index its migration f0bd01a18a3d adds
// (uq_user_email_lower), which every later release keeps.
func From011(ctx context.Context, s *core.Session) (bool, error) {
	host, err := ReadHost(ctx, s)
	if err != nil {
		return false, err
	}
	for _, r := range strings.Split(host.Revision, ",") {
		if r == revision0110 {
			return true, nil
		}
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return false, err
	}
	return cat.Indexes[index011] != nil, nil
}

const (
	revision0110 = "f0bd01a18a3d"
	index011     = "uq_user_email_lower"
)

// groupSkip is the plan that skips a groups step (nil when it runs): not
// configured, or the host has no groups yet (not ready: Open WebUI
// creates them).
func groupSkip(ctx context.Context, s *core.Session, cfg Config, hosts ...string) (*core.Plan, error) {
	if missing := cfg.Missing(); len(missing) > 0 {
		return &core.Plan{Skip: strings.Join(missing, ", ") + " not set: no organization to give a group"}, nil
	}
	missing, err := missingHost(ctx, s, cfg.HostWait, append([]string{"group"}, hosts...)...)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return hostSkip(missing), nil
	}
	return nil, nil
}
