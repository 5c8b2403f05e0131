package orgaccess

import (
	"context"
	"errors"

	"github.com/groundworkdb/groundwork/core"
)

// HostTableSpecs are minimal Open WebUI–compatible user, model and config
// tables: the columns the pack reads and writes, with Open WebUI's types.
func HostTableSpecs() []core.Table {
	return []core.Table{
		{
			Name: "user",
			Columns: []core.Column{
				{Name: "id", Type: core.Text, NotNull: true},
				{Name: "name", Type: core.Text},
				{Name: "email", Type: core.Text},
				{Name: "role", Type: core.Text},
				{Name: "profile_image_url", Type: core.Text},
				{Name: "last_active_at", Type: core.BigInt},
				{Name: "updated_at", Type: core.BigInt},
				{Name: "created_at", Type: core.BigInt},
				{Name: "api_key", Type: core.Text},
				{Name: "settings", Type: core.JSON},
				{Name: "info", Type: core.JSON},
				{Name: "oauth_sub", Type: core.Text},
			},
			PrimaryKey: []string{"id"},
		},
		{
			Name: "model",
			Columns: []core.Column{
				{Name: "id", Type: core.Text, NotNull: true},
				{Name: "user_id", Type: core.Text},
				{Name: "base_model_id", Type: core.Text},
				{Name: "name", Type: core.Text},
				{Name: "params", Type: core.JSON},
				{Name: "meta", Type: core.JSON},
				{Name: "access_control", Type: core.JSON},
				{Name: "is_active", Type: core.Boolean, NotNull: true, Default: true},
				{Name: "updated_at", Type: core.BigInt},
				{Name: "created_at", Type: core.BigInt},
			},
			PrimaryKey: []string{"id"},
		},
		{
			Name: "config",
			Columns: []core.Column{
				{Name: "id", Type: core.Integer, NotNull: true, AutoIncrement: true},
				{Name: "data", Type: core.JSON, NotNull: true},
				{Name: "version", Type: core.Integer, NotNull: true, Default: 0},
				{Name: "created_at", Type: core.Timestamp},
				{Name: "updated_at", Type: core.Timestamp},
			},
			PrimaryKey: []string{"id"},
		},
	}
}

type hostTables struct{}

// HostTables returns the opt-in step creating the minimal host tables, for
// demos and tests. It never runs unless selected: in production Open
// WebUI owns these tables.
func HostTables() core.Step { return hostTables{} }

func (hostTables) Info() core.StepInfo {
	return core.StepInfo{ID: HostTablesID, Description: "create minimal Open WebUI host tables (user, model, config) for demos and tests", Tags: []string{"host"}, OptIn: true}
}

func (hostTables) Validate() error {
	var errs []error
	for _, t := range HostTableSpecs() {
		errs = append(errs, t.Validate())
	}
	return errors.Join(errs...)
}

func (hostTables) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	out := &core.Plan{}
	for _, t := range HostTableSpecs() {
		p := core.PlanTable(s.Driver, cat, t)
		out.Changes = append(out.Changes, p.Changes...)
		out.Drift = append(out.Drift, p.Drift...)
	}
	return out, nil
}
