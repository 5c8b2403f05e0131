package core_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite/sqlitetest"
)

// readStep wants row id of table kv to hold v. It declares its read
// unless old is set (an old-style step); dep, when set, is a step whose
// read's result is the id this one reads (a read depending on another).
type readStep struct {
	id, table string
	key       string
	v         string
	old       bool
	dep       *readStep
	// got is the value its last Check read.
	got string
}

var _ core.Reader = (*readStep)(nil)

func (s *readStep) Info() core.StepInfo { return core.StepInfo{ID: s.id} }

func (s *readStep) read(ctx context.Context, sess *core.Session) (core.Read, error) {
	key := s.key
	if s.dep != nil {
		if err := sess.ReadRow(ctx, s.dep.read0(sess), &key); err != nil {
			return core.Read{}, err
		}
	}
	return core.Read{Columns: []string{"v"}, From: "FROM " + sess.Quote(s.table) + " WHERE id = ?", Args: []any{key}}, nil
}

func (s *readStep) read0(sess *core.Session) core.Read {
	return core.Read{Columns: []string{"v"}, From: "FROM " + sess.Quote(s.table) + " WHERE id = ?", Args: []any{s.key}}
}

func (s *readStep) Reads(ctx context.Context, sess *core.Session) ([]core.Read, error) {
	if s.old {
		return nil, nil
	}
	r, err := s.read(ctx, sess)
	if err != nil {
		return nil, err
	}
	return []core.Read{r}, nil
}

func (s *readStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	r, err := s.read(ctx, sess)
	if err != nil {
		return nil, err
	}
	var v sql.NullString
	switch err := sess.ReadRow(ctx, r, &v); {
	case errors.Is(err, sql.ErrNoRows):
		s.got = "<none>"
	case err != nil:
		return nil, err
	default:
		s.got = v.String
	}
	if s.got == s.v {
		return &core.Plan{}, nil
	}
	return &core.Plan{Changes: []core.Change{{Summary: "set " + s.id, DataOnly: true, Statements: []core.Statement{
		{SQL: "DELETE FROM " + sess.Quote(s.table) + " WHERE id = ?", Args: r.Args},
		{SQL: "INSERT INTO " + sess.Quote(s.table) + " (id, v) VALUES (?, ?)", Args: []any{r.Args[0], s.v}},
	}}}}, nil
}

func readsDB(t *testing.T) core.Driver {
	t.Helper()
	d := sqlitetest.Open(t)
	if _, err := d.DB().ExecContext(context.Background(), "CREATE TABLE kv (id TEXT PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	return d
}

func runReads(t *testing.T, d core.Driver, mode string, steps ...core.Step) *core.Report {
	t.Helper()
	reg, err := core.NewRegistry(steps...)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRunner(d, reg)
	run := map[string]func(context.Context) (*core.Report, error){core.ModeApply: r.Apply, core.ModeVerify: r.Verify, core.ModePlan: r.Plan}[mode]
	rep, err := run(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", mode, err)
	}
	return rep
}

func readSteps(n int, old bool) []core.Step {
	var out []core.Step
	for i := range n {
		out = append(out, &readStep{id: fmt.Sprintf("test:read-%d", i), table: "kv", key: fmt.Sprint(i), v: fmt.Sprint("v", i), old: old})
	}
	return out
}

// The declared reads of every step cost one round trip together: a warm
// apply and a verify of five Readers make one query more than none;
// five old-style steps make five.
func TestReadsOneRoundTrip(t *testing.T) {
	d := readsDB(t)
	base := runReads(t, d, core.ModeApply).Queries
	cold := runReads(t, d, core.ModeApply, readSteps(5, false)...)
	if !cold.Changed {
		t.Fatalf("cold apply changed nothing: %+v", cold)
	}
	for _, mode := range []string{core.ModeApply, core.ModeVerify} {
		steps := readSteps(5, false)
		warm := runReads(t, d, mode, steps...)
		if warm.Changed || warm.Status != core.RunConverged {
			t.Fatalf("warm %s: %+v", mode, warm)
		}
		if warm.Queries != base+1 {
			t.Fatalf("warm %s of 5 Readers: %d queries, want %d (the runner's %d and one for every read)", mode, warm.Queries, base+1, base)
		}
		for i, st := range steps {
			if got := st.(*readStep).got; got != fmt.Sprint("v", i) {
				t.Fatalf("step %d read %q", i, got)
			}
		}
		old := runReads(t, d, mode, readSteps(5, true)...)
		if old.Queries != base+5 {
			t.Fatalf("warm %s of 5 old-style steps: %d queries, want %d", mode, old.Queries, base+5)
		}
	}
}

// A Check after an apply reads the database again, not the pass's reads:
// a step changing what a later one reads is seen by it.
func TestReadsAfterApplyAreFresh(t *testing.T) {
	d := readsDB(t)
	first := &readStep{id: "test:first", table: "kv", key: "k", v: "new"}
	// second wants what first writes: it converges in the same run only
	// if its check reads after first's apply.
	second := &readStep{id: "test:second", table: "kv", key: "k", v: "new"}
	rep := runReads(t, d, core.ModeApply, first, second)
	if rep.Steps[0].Status != core.StatusApplied || rep.Steps[1].Status != core.StatusOK || second.got != "new" {
		t.Fatalf("second read %q after first's apply: %+v", second.got, rep.Steps)
	}
}

// A read whose declaration needs another's result is fetched in a second
// round, still before any Check: two round trips for both.
func TestReadsDependentRound(t *testing.T) {
	d := readsDB(t)
	if _, err := d.DB().ExecContext(context.Background(), "INSERT INTO kv (id, v) VALUES ('ptr', 'target'), ('target', 'x')"); err != nil {
		t.Fatal(err)
	}
	base := runReads(t, d, core.ModeVerify).Queries
	ptr := &readStep{id: "test:ptr", table: "kv", key: "ptr", v: "target"}
	dep := &readStep{id: "test:dep", table: "kv", key: "ptr", dep: ptr, v: "x"}
	rep := runReads(t, d, core.ModeVerify, ptr, dep)
	if dep.got != "x" || rep.Status != core.RunConverged {
		t.Fatalf("dependent read %q: %+v", dep.got, rep)
	}
	if rep.Queries != base+2 {
		t.Fatalf("%d queries, want %d (two rounds)", rep.Queries, base+2)
	}
}

// A combined statement that fails (a table is missing) falls back to
// every Check reading on its own: the good read is still right, the bad
// one fails its own step.
func TestReadsFallBack(t *testing.T) {
	d := readsDB(t)
	if _, err := d.DB().ExecContext(context.Background(), "INSERT INTO kv (id, v) VALUES ('a', 'va')"); err != nil {
		t.Fatal(err)
	}
	good := &readStep{id: "test:good", table: "kv", key: "a", v: "va"}
	bad := &readStep{id: "test:bad", table: "missing", key: "a", v: "va"}
	reg, err := core.NewRegistry(good, bad)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.NewRunner(d, reg).Verify(context.Background())
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("verify: %v, want the missing table named", err)
	}
	if good.got != "va" || rep.Steps[0].Status != core.StatusOK {
		t.Fatalf("good step read %q: %+v", good.got, rep.Steps)
	}
}

// ReadStatements splits at MaxReadParams bind parameters; a OneRow read
// sends no EXISTS probe.
func TestReadStatementsSplit(t *testing.T) {
	var reads []core.Read
	for i := range 600 {
		reads = append(reads, core.Read{Columns: []string{"v"}, From: "FROM kv WHERE id = ?", Args: []any{i}})
	}
	stmts, sizes := core.ReadStatements(reads)
	if len(stmts) != 2 || sizes[0] != 500 || sizes[1] != 100 {
		t.Fatalf("%d statements of %v reads, want 500 + 100", len(stmts), sizes)
	}
	for _, st := range stmts {
		if len(st.Args) > core.MaxReadParams || strings.Count(st.SQL, "?") != len(st.Args) {
			t.Fatalf("%d args, %d placeholders", len(st.Args), strings.Count(st.SQL, "?"))
		}
	}
	one, _ := core.ReadStatements([]core.Read{{Columns: []string{"COUNT(*)"}, From: "FROM kv", OneRow: true}})
	if len(one) != 1 || one[0].SQL != "SELECT\n (SELECT COUNT(*) FROM kv)" {
		t.Fatalf("OneRow: %q", one[0].SQL)
	}
}

// A prefetched value is stored as Scan would store it: converted to the
// destination's type, NULL refused but by a nullable destination.
func TestReadRowConverts(t *testing.T) {
	d := readsDB(t)
	if _, err := d.DB().ExecContext(context.Background(), "INSERT INTO kv (id, v) VALUES ('n', '42')"); err != nil {
		t.Fatal(err)
	}
	var n int
	var f float64
	var b bool
	var s string
	var null sql.NullString
	var raw any
	st := &convertStep{check: func(ctx context.Context, sess *core.Session) error {
		r := convertRead(sess)
		if err := sess.ReadRow(ctx, r, &n, &f, &b, &s, &null, &raw); err != nil {
			return err
		}
		var bad string
		if err := sess.ReadRow(ctx, r, &n, &f, &b, &s, &bad, &raw); err == nil {
			return errors.New("NULL into a string: no error")
		}
		return nil
	}}
	rep := runReads(t, d, core.ModeVerify, st)
	if rep.Queries != runReads(t, d, core.ModeVerify).Queries+1 {
		t.Fatalf("%d queries: the read was not prefetched", rep.Queries)
	}
	if n != 42 || f != 42 || !b || s != "42" || null.Valid || raw == nil {
		t.Fatalf("n %d, f %v, b %t, s %q, null %+v, raw %v", n, f, b, s, null, raw)
	}
}

func convertRead(sess *core.Session) core.Read {
	return core.Read{Columns: []string{"CAST(v AS INTEGER)", "CAST(v AS REAL)", "v = '42'", "v", "NULL", "v"}, From: "FROM kv WHERE id = ?", Args: []any{"n"}}
}

type convertStep struct {
	check func(context.Context, *core.Session) error
}

func (*convertStep) Info() core.StepInfo { return core.StepInfo{ID: "test:convert"} }

func (*convertStep) Reads(_ context.Context, sess *core.Session) ([]core.Read, error) {
	return []core.Read{convertRead(sess)}, nil
}

func (c *convertStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	return &core.Plan{}, c.check(ctx, sess)
}
