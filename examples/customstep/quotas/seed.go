package quotas

import (
	"context"
	"fmt"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// seedQuota ensures the configured organization has a quota row. It only
// inserts: a limit an administrator changed is never overwritten, so a
// restart cannot undo their work.
type seedQuota struct{ cfg Config }

var (
	_ core.Step      = (*seedQuota)(nil)
	_ core.Validator = (*seedQuota)(nil)
)

func (q *seedQuota) Info() core.StepInfo {
	return core.StepInfo{
		ID:          SeedStepID,
		Description: "ensure the configured organization has a monthly token quota",
		After:       []string{schema.TableID(TableName), orgaccess.OrgStepID},
		Tags:        []string{Tag},
	}
}

// Validate runs when the registry is built, so a bad limit stops the
// program before anything is written.
func (q *seedQuota) Validate() error {
	if q.cfg.MonthlyTokens < 0 {
		return fmt.Errorf("quotas: monthly token limit %d is negative: %w", q.cfg.MonthlyTokens, core.ErrInvalid)
	}
	return nil
}

func (q *seedQuota) limit() int64 {
	if q.cfg.MonthlyTokens == 0 {
		return DefaultMonthlyTokens
	}
	return q.cfg.MonthlyTokens
}

// Check is read-only: it looks for the row and, when it is missing,
// returns the one statement that inserts it.
func (q *seedQuota) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if q.cfg.OrgID == "" {
		return &core.Plan{Skip: "no organization configured (" + orgaccess.EnvOrgID + " is not set)"}, nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	// In a dry run on an empty database the table does not exist yet:
	// the row is then certainly missing.
	if cat.Tables[TableName] != nil {
		n, err := s.Count(ctx, "SELECT COUNT(*) FROM "+s.Quote(TableName)+" WHERE organization_id = ?", q.cfg.OrgID)
		if err != nil {
			return nil, fmt.Errorf("quotas: count quota rows: %w", err)
		}
		if n > 0 {
			return &core.Plan{}, nil
		}
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	// One INSERT … SELECT that skips a conflicting row: when two replicas
	// race, the second inserts nothing instead of failing. Placeholders in
	// a SELECT list have no type on PostgreSQL, hence the casts; the id is
	// deterministic, so every replica would write the same row.
	cols := []string{"id", "organization_id", "monthly_token_limit", "is_active", "created_at", "updated_at"}
	types := []core.ColumnType{core.Text, core.Text, core.BigInt, core.Integer, core.BigInt, core.BigInt}
	sel := "SELECT "
	for i, c := range cols {
		if i > 0 {
			sel += ", "
		}
		sel += data.Cast("?", types[i]) + " AS " + s.Quote(c)
	}
	now := time.Now().Unix()
	p := &core.Plan{}
	p.Changes = append(p.Changes, core.Change{
		Summary: fmt.Sprintf("insert the default quota of organization %s (%d tokens a month)", q.cfg.OrgID, q.limit()),
		Statements: []core.Statement{{
			SQL:  data.InsertIgnore(TableName, cols, sel),
			Args: []any{"quota:" + q.cfg.OrgID, q.cfg.OrgID, q.limit(), 1, now, now},
		}},
	})
	return p, nil
}
