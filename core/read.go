package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"time"
)

// Read is one single-row read a step declares (see Reader): the query
// SELECT Columns… From, with Args bound to the `?` placeholders of From
// (Columns bind nothing: each becomes a scalar subquery over From). Each
// column is a scalar expression; the query returns at most one row (an
// aggregate, a lookup by key, or ORDER BY … LIMIT 1). Identifiers are
// quoted through the dialect, values always bound.
type Read struct {
	Columns []string
	// From is the rest of the query: "FROM t WHERE id = ?", possibly
	// ending in "ORDER BY … LIMIT 1".
	From string
	Args []any
	// OneRow says the query always returns exactly one row (an aggregate
	// without GROUP BY): the combined statement then sends no EXISTS
	// probe for it.
	OneRow bool
}

// width is the read's number of items in a combined statement.
func (r Read) width() int {
	if r.OneRow {
		return len(r.Columns)
	}
	return 1 + len(r.Columns)
}

// SQL is the read's own query, as Session.ReadRow runs it when it was
// not prefetched.
func (r Read) SQL() string { return "SELECT " + strings.Join(r.Columns, ", ") + " " + r.From }

// key identifies a read within a run: its SQL and its arguments' values
// (in memory only; a Secret's value is part of it, never printed).
func (r Read) key() string {
	var b strings.Builder
	b.WriteString(r.SQL())
	// The common types are written as fmt's "%T=%v" writes them, without
	// fmt: a check of 1,000 models keys reads of 1,000 arguments, on
	// every ReadRow.
	for _, a := range execArgs(r.Args) {
		b.WriteByte(0)
		switch v := a.(type) {
		case string:
			b.WriteString("string=")
			b.WriteString(v)
		case int64:
			b.WriteString("int64=")
			b.WriteString(strconv.FormatInt(v, 10))
		case int:
			b.WriteString("int=")
			b.WriteString(strconv.Itoa(v))
		case bool:
			b.WriteString("bool=")
			b.WriteString(strconv.FormatBool(v))
		default:
			fmt.Fprintf(&b, "%T=%v", a, a)
		}
	}
	return b.String()
}

// Reader is optional on a Step: Reads declares the single-row reads its
// Check and Verify make, given the session (the run's settings and the
// catalog snapshot). The runner collects the reads of every selected step
// once per pass and sends them together (one statement per about
// MaxReadParams bind parameters, see ReadStatements); Check then takes
// each result with Session.ReadRow, which answers from what was
// prefetched and otherwise runs the read itself. A step without Reader
// works as before: it just costs its own round trips.
//
// Reads is called again while it returns an error wrapping
// ErrReadPending: a read whose declaration depends on another read's
// result (a model list stored in the host's config, say) calls ReadRow
// for that one, which returns ErrReadPending until it is fetched. Any
// other error is ignored: Check runs and reports it.
//
// A read must not depend on an object missing from the catalog: if the
// combined statement fails, the run falls back to every Check running its
// own reads.
type Reader interface {
	Reads(ctx context.Context, s *Session) ([]Read, error)
}

// ErrReadPending is what ReadRow returns inside Reader.Reads for a read
// not fetched yet; the runner fetches it and calls Reads again.
var ErrReadPending = errors.New("core: read not fetched yet")

// declare calls rd.Reads while the session collects reads: pending are
// the reads it asked ReadRow for that are not fetched yet (of this round
// too: it needs them before it can declare the rest), reads what it
// returned.
func (s *Session) declare(ctx context.Context, rd Reader) (pending, reads []Read, err error) {
	c := s.reads
	c.declaring, c.pending = true, nil
	reads, err = rd.Reads(ctx, s)
	pending, c.declaring, c.pending = c.pending, false, nil
	return pending, reads, err
}

// MaxReadParams bounds the bind parameters of one combined read
// statement (the project's limit per statement).
const MaxReadParams = 1000

// maxReadRounds bounds the rounds of dependent reads of one pass.
const maxReadRounds = 3

// readCache holds the prefetched results of a pass; copies of a
// session (withTx) share it.
type readCache struct {
	// rows maps a read's key to its row; a nil row: the read returned none.
	rows map[string][]any
	// declaring is set while the runner calls Reads: ReadRow then
	// records reads it has not fetched instead of running them.
	declaring bool
	pending   []Read
	// fetches counts the combined statements sent (tests, debug logs).
	fetches int
}

// invalidate drops every prefetched result: something was applied, so a
// later Check reads the database again.
func (c *readCache) invalidate() {
	if c != nil {
		c.rows = nil
	}
}

// ReadRow runs the read and scans its row into dests, as
// QueryRow(r.SQL(), r.Args...).Scan(dests...) would (sql.ErrNoRows when
// there is no row), answering from the pass's prefetched results when the
// runner fetched it (see Reader).
func (s *Session) ReadRow(ctx context.Context, r Read, dests ...any) error {
	if len(dests) != len(r.Columns) {
		return fmt.Errorf("core: read has %d columns, %d destinations", len(r.Columns), len(dests))
	}
	if c := s.reads; c != nil {
		k := r.key()
		if row, ok := c.rows[k]; ok {
			if row == nil {
				return sql.ErrNoRows
			}
			for i, d := range dests {
				if err := assignRead(d, row[i]); err != nil {
					return fmt.Errorf("core: read column %d (%s): %w", i+1, r.Columns[i], err)
				}
			}
			return nil
		}
		if c.declaring {
			c.pending = append(c.pending, r)
			return ErrReadPending
		}
	}
	return s.QueryRow(ctx, r.SQL(), r.Args...).Scan(dests...)
}

// HasRead reports whether ReadRow answers r without a round trip of its
// own: the runner prefetched it, or it is collecting reads (ReadRow then
// returns ErrReadPending). A check with a cheaper way to read many rows
// at once than one ReadRow each uses that way otherwise.
func (s *Session) HasRead(r Read) bool {
	if s.reads == nil {
		return false
	}
	_, ok := s.reads.rows[r.key()]
	return ok || s.reads.declaring
}

// assignRead stores a prefetched value as Scan would store it.
func assignRead(dst, v any) error {
	switch d := dst.(type) {
	case sql.Scanner:
		return d.Scan(v)
	case *any:
		*d = v
		return nil
	case *string:
		return assign(d, v)
	case *[]byte:
		return assign(d, v)
	case *int64:
		return assign(d, v)
	case *int:
		return assign(d, v)
	case *int32:
		return assign(d, v)
	case *float64:
		return assign(d, v)
	case *bool:
		return assign(d, v)
	case *time.Time:
		return assign(d, v)
	}
	return fmt.Errorf("unsupported destination %T: %w", dst, ErrUnsupported)
}

func assign[T any](dst *T, v any) error {
	var n sql.Null[T]
	if err := n.Scan(v); err != nil {
		return err
	}
	if !n.Valid {
		return fmt.Errorf("converting NULL to %T is unsupported", *dst)
	}
	*dst = n.V
	return nil
}

// ReadStatements renders reads as the fewest statements that hold at
// most MaxReadParams bind parameters each: one row of scalar subqueries,
// for each read EXISTS (SELECT 1 From) (whether it has a row, unless
// OneRow) and (SELECT column From) per column. Scalar subqueries are standard SQL
// and one round trip on every dialect. The second result tells, for
// each statement, how many reads it holds, in order.
func ReadStatements(reads []Read) ([]Statement, []int) {
	var out []Statement
	var sizes []int
	var items []string
	var args []any
	n := 0
	flush := func() {
		if len(items) > 0 {
			out = append(out, Statement{SQL: "SELECT\n " + strings.Join(items, ",\n "), Args: args})
			sizes = append(sizes, n)
		}
		items, args, n = nil, nil, 0
	}
	for _, r := range reads {
		cost := len(r.Args) * r.width()
		if len(args)+cost > MaxReadParams {
			flush()
		}
		if !r.OneRow {
			items = append(items, "EXISTS (SELECT 1 "+r.From+")")
			args = append(args, r.Args...)
		}
		for _, c := range r.Columns {
			items = append(items, "(SELECT "+c+" "+r.From+")")
			args = append(args, r.Args...)
		}
		n++
	}
	flush()
	return out, sizes
}

// prefetch collects the reads of every Reader among steps and fetches
// them, in rounds while some step's reads depend on others' results. A
// combined statement that fails is logged and dropped: each Check then
// runs its own reads (correctness first).
func (s *Session) prefetch(ctx context.Context, steps []Step) { s.prefetchUpTo(ctx, steps, true) }

// prefetchFirst is the part of prefetch that costs no round trip of its
// own: the catalog read, with the first round of reads when the driver
// can send them together (guess.go). prefetch then sends the rest.
func (s *Session) prefetchFirst(ctx context.Context, steps []Step) { s.prefetchUpTo(ctx, steps, false) }

// prefetchUpTo is prefetch, without the rounds after the catalog's
// unless rounds is set.
func (s *Session) prefetchUpTo(ctx context.Context, steps []Step, rounds bool) {
	c := s.reads
	if c == nil {
		return
	}
	if c.rows == nil {
		c.rows = map[string][]any{}
	}
	// The reads are the checks' own: traced as a check of the run.
	ctx, end := s.tel.phase(ctx, PhaseCheck) // telemetry
	defer end(nil)                           // telemetry
	// The first round may travel with the catalog read (guess.go).
	s.prefetchWithCatalog(ctx, steps)
	if rounds {
		s.prefetchRounds(ctx, steps)
	}
}

// prefetchRounds declares and fetches the reads in rounds (see prefetch).
func (s *Session) prefetchRounds(ctx context.Context, steps []Step) {
	c := s.reads
	done := make([]bool, len(steps))
	for range maxReadRounds {
		var todo []Read
		seen := map[string]bool{}
		more := false
		for i, st := range steps {
			rd, ok := st.(Reader)
			if !ok || done[i] {
				continue
			}
			pending, reads, err := s.declare(ctx, rd)
			if errors.Is(err, ErrReadPending) {
				more = true
			} else {
				done[i] = true
				if err != nil {
					s.Logger.Debug("reads not declared", "step", st.Info().ID, "err", err)
					reads = nil
				}
			}
			for _, r := range append(pending, reads...) {
				k := r.key()
				if _, have := c.rows[k]; have || seen[k] {
					continue
				}
				seen[k] = true
				todo = append(todo, r)
			}
		}
		if len(todo) == 0 {
			if more {
				// Fetched with the catalog: the next round declares
				// what depends on them.
				continue
			}
			return
		}
		if err := s.fetchReads(ctx, todo); err != nil {
			s.Logger.Debug("combined reads failed; each step reads on its own", "reads", len(todo), "err", err)
			return
		}
		if !more {
			return
		}
	}
}

// fetchReads sends reads as ReadStatements renders them and stores the
// rows.
func (s *Session) fetchReads(ctx context.Context, reads []Read) error {
	stmts, sizes := ReadStatements(reads)
	next := 0
	for i, st := range stmts {
		group := reads[next : next+sizes[i]]
		next += sizes[i]
		width := 0
		for _, r := range group {
			width += r.width()
		}
		vals := make([]any, width)
		ptrs := make([]any, width)
		for j := range vals {
			ptrs[j] = &vals[j]
		}
		s.reads.fetches++
		if err := s.QueryRow(ctx, st.SQL, st.Args...).Scan(ptrs...); err != nil {
			return err
		}
		if err := s.storeReads(group, vals); err != nil {
			return err
		}
	}
	return nil
}

// storeReads stores the row of one combined statement (ReadStatements)
// as the results of its reads.
func (s *Session) storeReads(group []Read, vals []any) error {
	width := 0
	for _, r := range group {
		width += r.width()
	}
	if len(vals) != width {
		return fmt.Errorf("core: combined read returned %d values for %d", len(vals), width)
	}
	at := 0
	rows := make(map[string][]any, len(group))
	for _, r := range group {
		found := true
		if !r.OneRow {
			if err := assignRead(&found, vals[at]); err != nil {
				return fmt.Errorf("core: read's EXISTS: %w", err)
			}
			at++
		}
		var row []any
		if found {
			row = make([]any, len(r.Columns))
			for j := range row {
				row[j] = own(vals[at+j])
			}
		}
		rows[r.key()] = row
		at += len(r.Columns)
	}
	maps.Copy(s.reads.rows, rows)
	return nil
}

// own copies driver-owned bytes (Scan into *any keeps a reference).
func own(v any) any {
	if b, ok := v.([]byte); ok {
		return append([]byte(nil), b...)
	}
	return v
}

// DeclaredReads returns the reads st declares against the catalog cat,
// with no database: the SQL a check sends, for golden files and review.
// Reads declared in later rounds (see ErrReadPending) are included, the
// earlier ones answered as returning no row (a OneRow read: zeros).
func DeclaredReads(ctx context.Context, d Driver, cat *Catalog, st Step) ([]Read, error) {
	rd, ok := st.(Reader)
	if !ok {
		return nil, nil
	}
	s := &Session{
		Driver: d, DB: d.DB(), raw: d.DB().DB, Logger: slog.New(slog.DiscardHandler),
		catalog: &catalogCache{cat: cat}, memo: map[any]any{}, proven: map[string]bool{},
		reads: &readCache{rows: map[string][]any{}},
	}
	var out []Read
	seen := map[string]bool{}
	for range maxReadRounds {
		pending, reads, err := s.declare(ctx, rd)
		if err != nil && !errors.Is(err, ErrReadPending) {
			return out, err
		}
		for _, r := range append(pending, reads...) {
			if k := r.key(); !seen[k] {
				seen[k] = true
				out = append(out, r)
				s.reads.rows[k] = nil
				if r.OneRow {
					s.reads.rows[k] = make([]any, len(r.Columns))
					for i := range r.Columns {
						s.reads.rows[k][i] = int64(0)
					}
				}
			}
		}
		if err == nil {
			return out, nil
		}
	}
	return out, nil
}
