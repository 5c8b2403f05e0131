package orgaccess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// upsertOrg inserts the organization, or updates its name and key when
// they changed: one statement, so racing replicas cannot duplicate it.
type upsertOrg struct{ cfg Config }

func (u *upsertOrg) Info() core.StepInfo {
	return core.StepInfo{
		ID:          OrgStepID,
		Description: "upsert the organization from " + EnvOrgID + ", " + EnvOrgName + " and " + EnvAPIKey,
		After:       []string{schema.TableID(OrgTable)},
		Tags:        []string{Tag},
	}
}

func (u *upsertOrg) Validate() error { return u.cfg.Validate() }

func (u *upsertOrg) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if missing := u.cfg.Missing(); len(missing) > 0 {
		return &core.Plan{Skip: strings.Join(missing, ", ") + " not set: no organization to configure"}, nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	p := &core.Plan{}
	summary := "insert organization " + u.cfg.OrgID
	// A row that is there serves the application; a name or key that
	// differs from this run's settings (an old replica's, during a rolling
	// update) is for the next apply, not a readiness failure.
	update := false
	if cat.Tables[OrgTable] != nil {
		var name, key string
		err := s.ReadRow(ctx, orgRead(s, u.cfg.OrgID), &name, &key)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("read organization: %w", err)
		case name == u.cfg.OrgName && key == u.cfg.APIKey:
			return p, nil
		default:
			var what []string
			if name != u.cfg.OrgName {
				what = append(what, "name")
			}
			if key != u.cfg.APIKey {
				what = append(what, "API key")
			}
			summary, update = "update organization "+u.cfg.OrgID+": "+strings.Join(what, " and "), true
		}
		var other string
		err = s.QueryRow(ctx, "SELECT id FROM "+s.Quote(OrgTable)+" WHERE openrouter_api_key = ? AND id <> ?", core.Secret(u.cfg.APIKey), u.cfg.OrgID).Scan(&other)
		if err == nil {
			return nil, fmt.Errorf("organization %s already uses this %s; one key serves one organization: %w", other, EnvAPIKey, core.ErrInvalid)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("check key owner: %w", err)
		}
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	p.Changes = append(p.Changes, core.Change{Summary: summary, DataOnly: true, Convergence: update, Statements: []core.Statement{{
		SQL: data.Upsert(OrgTable,
			[]string{"id", "name", "openrouter_api_key", "created_at", "updated_at"},
			[]string{"id"}, []string{"name", "openrouter_api_key"}, []string{"updated_at"}),
		Args: []any{u.cfg.OrgID, u.cfg.OrgName, core.Secret(u.cfg.APIKey), now, now},
	}}})
	return p, nil
}
