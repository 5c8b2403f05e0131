// Package history records groundwork runs in the database they ran
// against: one row per apply run in the table groundwork_runs, written
// while the runner holds its lock, so rows arrive one run at a time.
//
// The table is ensured like any other object (core.PlanTable and the
// driver's DDL), so it exists on every dialect without a migration.
package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// TableName is the run-history table.
const TableName = "groundwork_runs"

// maxError bounds the stored error text.
const maxError = 4000

// Table is the spec of the run-history table. Times are Unix epoch
// milliseconds.
func Table() core.Table {
	return core.Table{
		Name: TableName,
		Columns: []core.Column{
			{Name: "id", Type: core.Integer, NotNull: true, AutoIncrement: true},
			{Name: "started_at", Type: core.BigInt, NotNull: true},
			{Name: "finished_at", Type: core.BigInt, NotNull: true},
			{Name: "host", Type: core.Text},
			{Name: "version", Type: core.Text},
			{Name: "mode", Type: core.Text, NotNull: true},
			{Name: "status", Type: core.Text, NotNull: true},
			{Name: "changed", Type: core.Integer, NotNull: true, Default: 0},
			{Name: "steps_changed", Type: core.Integer, NotNull: true, Default: 0},
			{Name: "plan_hash", Type: core.Text},
			{Name: "error", Type: core.Text},
		},
		PrimaryKey: []string{"id"},
	}
}

var columns = []string{"started_at", "finished_at", "host", "version", "mode", "status", "changed", "steps_changed", "plan_hash", "error"}

// Run is one recorded run.
type Run struct {
	ID           int64     `json:"id"`
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at"`
	Host         string    `json:"host"`
	Version      string    `json:"version"`
	Mode         string    `json:"mode"`
	Status       string    `json:"status"`
	Changed      bool      `json:"changed"`
	StepsChanged int       `json:"steps_changed"`
	PlanHash     string    `json:"plan_hash"`
	Error        string    `json:"error,omitempty"`
}

// Duration is how long the run took.
func (r Run) Duration() time.Duration { return r.FinishedAt.Sub(r.StartedAt) }

// Recorder implements core.Recorder.
type Recorder struct {
	// Host and Version are stored with every run.
	Host    string
	Version string
	// Mask, when set, is applied to the error text before it is stored:
	// a last line of defence against a secret in an error message.
	Mask func(string) string
}

var (
	_ core.Recorder      = (*Recorder)(nil)
	_ core.CatalogScoper = (*Recorder)(nil)
)

// CatalogNames implements core.CatalogScoper: the history table, which
// Record ensures before inserting.
func (r *Recorder) CatalogNames() []string { return []string{TableName} }

// NewRecorder returns a recorder for this host (os.Hostname).
func NewRecorder(version string, mask func(string) string) *Recorder {
	host, _ := os.Hostname()
	return &Recorder{Host: host, Version: version, Mask: mask}
}

// Record implements core.Recorder: it ensures the table, then inserts
// one row for the run.
func (r *Recorder) Record(ctx context.Context, s *core.Session, rep *core.Report) error {
	if err := ensure(ctx, s); err != nil {
		return err
	}
	errText := rep.Error
	if errText == "" && rep.Status == core.RunFailed {
		for _, st := range rep.Steps {
			if st.Error != "" {
				errText = st.Error
				break
			}
		}
	}
	if r.Mask != nil {
		errText = r.Mask(errText)
	}
	if len(errText) > maxError {
		errText = strings.ToValidUTF8(errText[:maxError], "")
	}
	started := rep.StartedAt
	finished := started.Add(time.Duration(rep.DurationMS * float64(time.Millisecond)))
	args := []any{
		started.UnixMilli(), finished.UnixMilli(), r.Host, r.Version, rep.Mode, rep.Status,
		boolInt(rep.Changed), StepsChanged(rep), PlanHash(rep), nullIfEmpty(errText),
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", s.Quote(TableName), core.QuoteList(s.Driver, columns),
		core.ParamList(len(columns)))
	if _, err := s.Exec(ctx, core.Statement{SQL: q, Args: args}); err != nil {
		return fmt.Errorf("history: insert run: %w", err)
	}
	return nil
}

func ensure(ctx context.Context, s *core.Session) error {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	plan := core.PlanTable(s.Driver, cat, Table())
	if len(plan.Drift) > 0 {
		return fmt.Errorf("history: table %s cannot be used: %s", TableName, plan.Drift[0])
	}
	for _, c := range plan.Changes {
		for _, st := range c.Statements {
			if _, err := s.Exec(ctx, st); err != nil {
				return fmt.Errorf("history: %s: %w", c.Summary, err)
			}
		}
	}
	if len(plan.Changes) > 0 {
		s.Refresh()
	}
	return nil
}

// PlanHash is the SHA-256, in hex, of the run's planned SQL: every
// statement of every step, in order, each followed by a newline. Secrets
// appear in it as '***', so the hash does not depend on them.
func PlanHash(rep *core.Report) string {
	h := sha256.New()
	for _, st := range rep.Steps {
		for _, q := range st.SQL {
			h.Write([]byte(q))
			h.Write([]byte{'\n'})
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StepsChanged counts the steps that changed something.
func StepsChanged(rep *core.Report) int {
	n := 0
	for _, st := range rep.Steps {
		if st.Status == core.StatusApplied || (st.Status == core.StatusDrift && len(st.Changes) > 0 && rep.Mode == core.ModeApply) {
			n++
		}
	}
	return n
}

// List returns the last limit runs, newest first. A database with no
// history table has no runs: the result is empty, not an error.
func List(ctx context.Context, d core.Driver, limit int) ([]Run, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("history: limit %d: must be positive: %w", limit, core.ErrInvalid)
	}
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		return nil, fmt.Errorf("history: inspect: %w", err)
	}
	if _, ok := cat.Tables[TableName]; !ok {
		return []Run{}, nil
	}
	q := fmt.Sprintf("SELECT id, %s FROM %s ORDER BY id DESC LIMIT ?", core.QuoteList(d, columns), d.Quote(TableName))
	rows, err := d.DB().DB.QueryContext(ctx, core.Rebind(d, q), limit)
	if err != nil {
		return nil, fmt.Errorf("history: list runs: %w", err)
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		var (
			r                              Run
			started, finished, changed, sc int64
			host, version, hash, errText   sql.NullString
		)
		if err := rows.Scan(&r.ID, &started, &finished, &host, &version, &r.Mode, &r.Status, &changed, &sc, &hash, &errText); err != nil {
			return nil, fmt.Errorf("history: read run: %w", err)
		}
		r.StartedAt, r.FinishedAt = time.UnixMilli(started).UTC(), time.UnixMilli(finished).UTC()
		r.Host, r.Version, r.PlanHash, r.Error = host.String, version.String, hash.String, errText.String
		r.Changed, r.StepsChanged = changed != 0, int(sc)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history: list runs: %w", err)
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
