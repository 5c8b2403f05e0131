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
	"encoding/json"
	"errors"
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
			// steps is what each step that was not simply ok did, as JSON
			// (StepRecord); nullable, so an older table gains it in place.
			{Name: "steps", Type: core.Text},
		},
		PrimaryKey: []string{"id"},
	}
}

var columns = []string{"started_at", "finished_at", "host", "version", "mode", "status", "changed", "steps_changed", "plan_hash", "error", "steps"}

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
	// Steps are the steps that changed, drifted, skipped or failed (every
	// other step was ok), read by Get; List leaves them out.
	Steps []StepRecord `json:"steps,omitempty"`
}

// StepRecord is what one step did in a recorded run.
type StepRecord struct {
	ID      string       `json:"id"`
	Status  string       `json:"status"`
	Changes []string     `json:"changes,omitempty"`
	Drift   []core.Drift `json:"drift,omitempty"`
	Reason  string       `json:"reason,omitempty"`
	Error   string       `json:"error,omitempty"`
}

// ErrNotFound: no run has the id asked for.
var ErrNotFound = errors.New("history: no such run")

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
	steps, err := stepRecords(rep, r.Mask)
	if err != nil {
		return err
	}
	args := []any{
		started.UnixMilli(), finished.UnixMilli(), r.Host, r.Version, rep.Mode, rep.Status,
		boolInt(rep.Changed), StepsChanged(rep), nullIfEmpty(PlanHash(rep)), nullIfEmpty(errText), nullIfEmpty(steps),
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

// maxSteps bounds the stored steps JSON; past it the changes and drift
// lists are cut, the statuses kept.
const maxSteps = 60000

// stepRecords is the JSON of the steps that were not simply ok, masked,
// or "" when every step was ok.
func stepRecords(rep *core.Report, mask func(string) string) (string, error) {
	if mask == nil {
		mask = func(s string) string { return s }
	}
	var out []StepRecord
	for _, st := range rep.Steps {
		if st.Status == core.StatusOK && len(st.Drift) == 0 {
			continue
		}
		rec := StepRecord{ID: st.ID, Status: st.Status, Reason: mask(st.Reason), Error: mask(st.Error)}
		for _, c := range st.Changes {
			rec.Changes = append(rec.Changes, mask(c))
		}
		for _, d := range st.Drift {
			rec.Drift = append(rec.Drift, core.Drift{Object: d.Object, Detail: mask(d.Detail)})
		}
		out = append(out, rec)
	}
	if len(out) == 0 {
		return "", nil
	}
	data, err := json.Marshal(out)
	if err == nil && len(data) > maxSteps {
		for i := range out {
			out[i].Changes, out[i].Drift = cut(out[i].Changes), cutDrift(out[i].Drift)
		}
		data, err = json.Marshal(out)
	}
	if err != nil {
		return "", fmt.Errorf("history: encode steps: %w", err)
	}
	return string(data), nil
}

func cut(list []string) []string {
	if len(list) <= 3 {
		return list
	}
	return append(list[:3:3], fmt.Sprintf("… and %d more", len(list)-3))
}

func cutDrift(list []core.Drift) []core.Drift {
	if len(list) <= 3 {
		return list
	}
	return append(list[:3:3], core.Drift{Object: "…", Detail: fmt.Sprintf("and %d more", len(list)-3)})
}

// PlanHash is the SHA-256, in hex, of the run's planned SQL: every
// statement of every step, in order, each followed by a newline; "" when
// the run planned no statement (the hash of nothing would tell nothing).
// Secrets appear in it as '***', so the hash does not depend on them.
func PlanHash(rep *core.Report) string {
	n := 0
	for _, st := range rep.Steps {
		n += len(st.SQL)
	}
	if n == 0 {
		return ""
	}
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

// List returns the last limit runs, newest first, without their steps.
// A database with no history table has no runs: the result is empty, not
// an error.
func List(ctx context.Context, d core.Driver, limit int) ([]Run, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("history: limit %d: must be positive: %w", limit, core.ErrInvalid)
	}
	return query(ctx, d, false, "ORDER BY id DESC LIMIT ?", limit)
}

// Get returns the run with id, with its steps, or an error wrapping
// ErrNotFound.
func Get(ctx context.Context, d core.Driver, id int64) (*Run, error) {
	runs, err := query(ctx, d, true, "WHERE id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("history: run %d: %w", id, ErrNotFound)
	}
	return &runs[0], nil
}

// query reads runs; withSteps reads the steps column, which a table an
// older version made may not have yet (then no run has steps).
func query(ctx context.Context, d core.Driver, withSteps bool, where string, args ...any) ([]Run, error) {
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		return nil, fmt.Errorf("history: inspect: %w", err)
	}
	table, ok := cat.Tables[TableName]
	if !ok {
		return []Run{}, nil
	}
	stepsCol := "NULL"
	if withSteps && table.Column("steps") != nil {
		stepsCol = d.Quote("steps")
	}
	q := fmt.Sprintf("SELECT id, %s, %s FROM %s %s", core.QuoteList(d, columns[:len(columns)-1]), stepsCol, d.Quote(TableName), where)
	rows, err := d.DB().DB.QueryContext(ctx, core.Rebind(d, q), args...)
	if err != nil {
		return nil, fmt.Errorf("history: list runs: %w", err)
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		var (
			r                                   Run
			started, finished, changed, sc      int64
			host, version, hash, errText, steps sql.NullString
		)
		if err := rows.Scan(&r.ID, &started, &finished, &host, &version, &r.Mode, &r.Status, &changed, &sc, &hash, &errText, &steps); err != nil {
			return nil, fmt.Errorf("history: read run: %w", err)
		}
		r.StartedAt, r.FinishedAt = time.UnixMilli(started).UTC(), time.UnixMilli(finished).UTC()
		r.Host, r.Version, r.PlanHash, r.Error = host.String, version.String, hash.String, errText.String
		r.Changed, r.StepsChanged = changed != 0, int(sc)
		if steps.Valid && steps.String != "" {
			if err := json.Unmarshal([]byte(steps.String), &r.Steps); err != nil {
				return nil, fmt.Errorf("history: run %d: steps: %w", r.ID, err)
			}
		}
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
