package quotas

import (
	"fmt"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// seedStep ensures the configured organization has a quota row: one
// declarative Rows step in insert-missing mode, so a limit an
// administrator changed is never overwritten and a restart cannot undo
// their work. The row is looked up by organization_id, the unique key its
// insert conflicts on, so it is still found after someone changed its id.
// Without an organization it declares no row, and the runner skips it
// after the organization step, which skips too.
func seedStep(cfg Config) core.Step {
	var rows []schema.Row
	if cfg.OrgID != "" {
		rows = []schema.Row{{"id": "quota:" + cfg.OrgID, "organization_id": cfg.OrgID, "monthly_token_limit": cfg.limit(), "is_active": 1}}
	}
	return validated{cfg: cfg, Step: schema.Rows(TableName, []string{"organization_id"}, rows,
		schema.ID(SeedStepID), schema.Tags(Tag), schema.InsertOnly("created_at", "updated_at"),
		schema.Describe("ensure the configured organization has a monthly token quota"),
		schema.After(schema.TableID(TableName), orgaccess.OrgStepID))}
}

func (c Config) limit() int64 {
	if c.MonthlyTokens == 0 {
		return DefaultMonthlyTokens
	}
	return c.MonthlyTokens
}

// validated adds the pack's own check to the Rows step's: a bad limit
// stops the program when the registry is built, before anything is
// written.
type validated struct {
	core.Step
	cfg Config
}

var _ core.Validator = validated{}

func (v validated) Validate() error {
	if v.cfg.MonthlyTokens < 0 {
		return fmt.Errorf("quotas: monthly token limit %d is negative: %w", v.cfg.MonthlyTokens, core.ErrInvalid)
	}
	return v.Step.(core.Validator).Validate()
}
