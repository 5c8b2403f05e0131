package orgaccess

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// SystemUserID and SystemUserEmail identify Open WebUI's system user,
// who is never made a member.
const (
	SystemUserID    = "system"
	SystemUserEmail = "system@mai.local"
)

// devMembers makes every eligible user an active member of a development
// organization: one INSERT … SELECT, whatever the number of users.
type devMembers struct{ cfg Config }

func (d *devMembers) Info() core.StepInfo {
	return core.StepInfo{
		ID:          MembersStepID,
		Description: "make every eligible user a member of a development organization",
		After:       []string{OrgStepID, schema.TableID(MembersTable)},
		Tags:        []string{Tag, TagDevelopment},
	}
}

// eligible is the WHERE clause choosing users: not the system user, not
// pending. A NULL email or role does not exclude anyone (SQL's NULL <> x
// would, silently).
func eligible(s *core.Session, alias string) string {
	return fmt.Sprintf("%[1]s.id <> ? AND (%[1]s.email IS NULL OR %[1]s.email <> ?) AND (%[1]s.role IS NULL OR %[1]s.role <> 'pending')", alias)
}

func (d *devMembers) missingSQL(s *core.Session) string {
	return " FROM " + s.Quote("user") + " u WHERE " + eligible(s, "u") +
		" AND NOT EXISTS (SELECT 1 FROM " + s.Quote(MembersTable) + " m WHERE m.organization_id = ? AND m.user_id = u.id)"
}

func (d *devMembers) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if missing := d.cfg.Missing(); len(missing) > 0 {
		return &core.Plan{Skip: strings.Join(missing, ", ") + " not set: no organization to populate"}, nil
	}
	if !d.cfg.IsDevelopment() {
		return &core.Plan{Skip: "organization " + d.cfg.OrgID + " is not a development organization (set " + EnvEnv + "=development to populate it)"}, nil
	}
	if missing, err := missingHost(ctx, s, d.cfg.HostWait, "user"); err != nil || len(missing) > 0 {
		return &core.Plan{Skip: hostSkip(missing)}, err
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	p := &core.Plan{}
	n := int64(-1) // unknown until the table exists
	if cat.Tables[MembersTable] != nil {
		n, err = s.Count(ctx, "SELECT COUNT(*)"+d.missingSQL(s), SystemUserID, SystemUserEmail, d.cfg.OrgID)
		if err != nil {
			return nil, fmt.Errorf("count missing members: %w", err)
		}
		if n == 0 {
			return p, nil
		}
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	prefix := MemberIDPrefix(d.cfg.OrgID)
	// Every column is named: SQLite's SELECT * over a subquery merges
	// unnamed columns that print alike.
	sel := "SELECT " + data.Concat(data.Cast("?", core.Text), "u.id") + " AS id, " + data.Cast("?", core.Text) +
		" AS organization_id, u.id AS user_id, 'member' AS role, 1 AS is_active, " + data.Cast("?", core.BigInt) + " AS joined_at" + d.missingSQL(s)
	summary := "add every eligible user as a member of development organization " + d.cfg.OrgID
	if n > 0 {
		summary = fmt.Sprintf("add %d eligible users as members of development organization %s", n, d.cfg.OrgID)
	}
	p.Changes = append(p.Changes, core.Change{Summary: summary, DataOnly: true, Statements: []core.Statement{{
		SQL:  data.InsertIgnore(MembersTable, []string{"id", "organization_id", "user_id", "role", "is_active", "joined_at"}, sel),
		Args: []any{prefix, d.cfg.OrgID, time.Now().Unix(), SystemUserID, SystemUserEmail, d.cfg.OrgID},
	}}})
	addStatsRefresh(p, s, MembersTable, n)
	return p, nil
}

// MemberIDPrefix starts the deterministic id of every membership of an
// organization; the user id completes it, in SQL.
func MemberIDPrefix(orgID string) string { return "mem_" + digest(orgID, "")[:12] + "_" }

// statsAfterRows is how many rows a step inserts before it also refreshes
// the table's planner statistics: without them SQLite and a freshly
// loaded PostgreSQL table pick a scan of every member for one user's
// lookup (measured: 0.5 s instead of 1 ms at 100,000 members on SQLite).
const statsAfterRows = 1000

// addStatsRefresh appends an ANALYZE of table when the plan inserts many
// rows, or an unknown number into a table this run creates (cheap while it
// is small), and the driver can render one.
func addStatsRefresh(p *core.Plan, s *core.Session, table string, n int64) {
	sr, ok := s.Driver.(core.StatsRefresher)
	if !ok || (n >= 0 && n < statsAfterRows) {
		return
	}
	p.Changes = append(p.Changes, core.Change{
		Summary:    "refresh the planner statistics of " + table,
		DataOnly:   true,
		Statements: []core.Statement{{SQL: sr.RefreshStats(table)}},
	})
}
