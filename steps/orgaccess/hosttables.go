package orgaccess

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
// WebUI owns these tables. It only ever creates them in a database that
// has none of Open WebUI's tables, or completes its own: on a real Open
// WebUI database it refuses (an error wrapping core.ErrInvalid) and
// changes nothing.
func HostTables() core.Step { return hostTables{} }

func (hostTables) Info() core.StepInfo {
	return core.StepInfo{ID: HostTablesID, Description: "create minimal Open WebUI host tables (user, model, config) for demos and tests, never on a real Open WebUI database", Tags: []string{"host"}, OptIn: true}
}

func (hostTables) Validate() error {
	var errs []error
	for _, t := range HostTableSpecs() {
		errs = append(errs, t.Validate())
	}
	return errors.Join(errs...)
}

// realHostMarkers are tables only Open WebUI's own migrations make.
var realHostMarkers = []string{"alembic_version", "migratehistory", "auth", "chat"}

func (hostTables) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if found := realHost(cat); len(found) > 0 {
		return nil, fmt.Errorf("steps/orgaccess: %s creates demo tables and refuses to run on a real Open WebUI database (found %s); leave it out there, Open WebUI owns its tables: %w",
			HostTablesID, strings.Join(found, ", "), core.ErrInvalid)
	}
	// What exists is this step's own work (an earlier run, or one killed
	// part-way on a dialect without transactional DDL): create what is
	// missing, never alter what is there.
	out := &core.Plan{}
	for _, t := range HostTableSpecs() {
		if cat.Tables[t.Name] != nil {
			continue
		}
		p := core.PlanTable(s.Driver, cat, t)
		out.Changes = append(out.Changes, p.Changes...)
		out.Drift = append(out.Drift, p.Drift...)
	}
	return out, nil
}

// realHost names what marks the database as Open WebUI's own: a table its
// migrations make, or a user, model or config table that is not exactly
// one this step makes (Open WebUI's have other columns in every release).
func realHost(cat *core.Catalog) []string {
	var found []string
	for _, n := range realHostMarkers {
		if cat.Tables[n] != nil {
			found = append(found, "table "+n)
		}
	}
	if len(found) > 0 {
		return found // enough said: only Open WebUI makes these
	}
	for _, spec := range HostTableSpecs() {
		t := cat.Tables[spec.Name]
		if t == nil {
			continue
		}
		if diff := columnDiff(spec, t); diff != "" {
			found = append(found, "table "+spec.Name+" ("+diff+")")
		}
	}
	return found
}

// columnDiff says how t's columns differ from spec's, or "" when they are
// the same set.
func columnDiff(spec core.Table, t *core.TableState) string {
	var extra, missing []string
	for _, c := range t.Columns {
		if !slices.ContainsFunc(spec.Columns, func(sc core.Column) bool { return strings.EqualFold(sc.Name, c.Name) }) {
			extra = append(extra, c.Name)
		}
	}
	for _, c := range spec.Columns {
		if t.Column(c.Name) == nil {
			missing = append(missing, c.Name)
		}
	}
	var parts []string
	if len(extra) > 4 {
		extra = append(extra[:4], "…")
	}
	if len(extra) > 0 {
		parts = append(parts, "columns "+strings.Join(extra, ", ")+" not of the demo")
	}
	if len(missing) > 0 {
		parts = append(parts, "no column "+strings.Join(missing, ", "))
	}
	return strings.Join(parts, "; ")
}
