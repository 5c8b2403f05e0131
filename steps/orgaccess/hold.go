package orgaccess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// HoldsTable is groundwork's record of the objects it holds back while
// the host migrates: one row per object, naming the revision it waits
// for. Every groundwork process reads it, so a replica of an older
// version (or its readiness probe) leaves alone a view that a newer
// replica took away for its host's upgrade, instead of putting it back
// in the middle of that upgrade. It holds no data of anyone's: dropping
// it only forgets the holds.
const HoldsTable = "groundwork_host_holds"

func holdsTable() core.Table {
	return core.Table{
		Name: HoldsTable,
		Columns: []core.Column{
			{Name: "object", Type: core.Text, NotNull: true},
			// target is the revision the hold waits for, "" when unknown.
			{Name: "target", Type: core.Text, NotNull: true},
			{Name: "reason", Type: core.Text},
			{Name: "held_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"object"},
	}
}

// holdObject is the row of the view in HoldsTable.
const holdObject = "view " + ViewName

// querier is what *sql.DB, *bun.DB and a session adapter share.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// sessionQuerier runs queries through the session, which counts them and
// binds arguments for the dialect.
type sessionQuerier struct{ s *core.Session }

func (q sessionQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.s.Query(ctx, query, args...)
}

// hold is the view's row in HoldsTable.
type hold struct {
	held   bool
	target string
	since  int64
}

func readHold(ctx context.Context, s *core.Session, cat *core.Catalog) (hold, error) {
	if cat.Tables[HoldsTable] == nil {
		return hold{}, nil
	}
	var h hold
	err := s.ReadRow(ctx, holdRead(s), &h.target, &h.since)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return hold{}, nil
	case err != nil:
		return hold{}, fmt.Errorf("steps/orgaccess: read %s: %w", HoldsTable, err)
	}
	h.held = true
	return h, nil
}

// hostView is the view step made safe for the host's migrations. The
// view joins Open WebUI's user and model tables, and Open WebUI's own
// upgrades trip over it: SQLite re-checks every view when a batch
// migration renames the rebuilt table into place (and fails half-way,
// leaving a half-migrated table), PostgreSQL refuses to change the type
// of a column a view selects. So while the host is about to migrate
// (its target revision differs from the database's, or is unknown) the
// view is dropped, which loses nothing, and its hold recorded; once the
// database is at the target, the hold is released and the view created
// again. Anything else is the plain view step.
type hostView struct {
	view core.Step
	cfg  Config
	now  func() time.Time
}

func (h *hostView) Info() core.StepInfo { return h.view.Info() }

// Validate passes the view step's validation through.
func (h *hostView) Validate() error {
	if v, ok := h.view.(core.Validator); ok {
		return v.Validate()
	}
	return nil
}

func (h *hostView) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	missing, err := missingHost(ctx, s, h.cfg.HostWait, "user", "model")
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return hostSkip(missing), nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	rev, err := sessionRevision(ctx, s, cat)
	if err != nil {
		return nil, err
	}
	held, err := readHold(ctx, s, cat)
	if err != nil {
		return nil, err
	}
	state, why := h.cfg.Host.state(rev)
	if state.holdsBack() {
		return h.holdBack(s, cat, held, why), nil
	}
	if held.held && held.target != "" && held.target != rev.String() {
		// A newer host than this one is migrating (this is an older
		// replica, or its readiness probe): its view stays away until
		// that upgrade is done.
		return &core.Plan{Skip: fmt.Sprintf("waiting for the host upgrade: another groundwork holds the view back until the database reaches revision %s (since %s); it is at %s",
			held.target, time.Unix(held.since, 0).UTC().Format(time.RFC3339), rev), Notice: true}, nil
	}
	plan, err := h.view.Check(ctx, s)
	if err != nil || plan == nil || plan.Skip != "" {
		return plan, err
	}
	if held.held {
		plan.Changes = append(plan.Changes, core.Change{
			Summary:    "release the hold on view " + ViewName + ": " + why,
			Statements: []core.Statement{{SQL: "DELETE FROM " + s.Quote(HoldsTable) + " WHERE object = ?", Args: []any{holdObject}}},
			DataOnly:   true,
		})
	}
	if state == stateAhead {
		plan.Notes = append(plan.Notes, why)
	}
	return plan, nil
}

// holdBack plans the hold: its row first, then the drop, so that a run
// killed between the two (MySQL commits each statement) leaves the hold
// recorded and the next run drops the view.
func (h *hostView) holdBack(s *core.Session, cat *core.Catalog, held hold, why string) *core.Plan {
	target := strings.Join(h.cfg.Host.Heads, ",")
	p := &core.Plan{}
	if !held.held || held.target != target {
		now := time.Now
		if h.now != nil {
			now = h.now
		}
		tbl := s.Quote(HoldsTable)
		p.Changes = append(p.Changes, core.Change{
			Summary: "hold view " + ViewName + " back until the host has migrated",
			Statements: []core.Statement{
				{SQL: "DELETE FROM " + tbl + " WHERE object = ?", Args: []any{holdObject}},
				{SQL: "INSERT INTO " + tbl + " (object, target, reason, held_at) VALUES (?, ?, ?, ?)", Args: []any{holdObject, target, why, now().Unix()}},
			},
			DataOnly: true,
		})
	}
	if _, isView := cat.Views[ViewName]; isView {
		p.Add("drop view "+ViewName+" while the host migrates (a view holds no data; it is created again once the database is at the host's revision)",
			"DROP VIEW IF EXISTS "+s.Quote(ViewName))
	}
	if p.Empty() {
		return &core.Plan{Skip: "waiting for the host upgrade: " + why, Notice: true}
	}
	p.Notes = append(p.Notes, "waiting for the host upgrade: "+why)
	return p
}
