package schema

import (
	"context"
	"fmt"

	"github.com/groundworkdb/groundwork/core"
)

var _ core.Reader = (*rowsStep)(nil)

// Reads implements core.Reader: per batch of declared rows, how many
// exist and how many of them are as declared (countReads), the converged
// case in one row. A table with other unique constraints declares none:
// telling a row another one blocks needs the rows themselves.
func (r *rowsStep) Reads(ctx context.Context, sess *core.Session) ([]core.Read, error) {
	cat, err := sess.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	have := cat.Tables[r.table]
	data, derr := sess.Data()
	if have == nil || derr != nil || !cat.HasUniqueOn(r.table, r.key) || len(r.otherUniques(cat)) > 0 {
		return nil, nil
	}
	var out []core.Read
	for _, batch := range r.lookupBatches() {
		out = append(out, r.countReads(sess, data, have, batch)...)
	}
	return out, nil
}

// lookupBatches are the batches lookup reads, with its parameter budget.
func (r *rowsStep) lookupBatches() [][]Row {
	per := len(r.key) + len(r.compared()) + len(r.key)
	return lookupBatches(r.rows, per)
}

// countReads count the rows of batch that exist (by key) and, when
// values are compared, the ones whose compared columns are as declared:
// the batch is converged when both are its length.
func (r *rowsStep) countReads(sess *core.Session, data core.DataSQL, have *core.TableState, batch []Row) []core.Read {
	where, whereArgs := r.matchSet(sess, data, have, batch, r.key)
	if where == "" {
		where = "1 = 0"
	}
	from := "FROM " + sess.Quote(r.table) + " WHERE "
	out := []core.Read{{Columns: []string{"COUNT(*)"}, From: from + where, Args: whereArgs, OneRow: true}}
	if compare := r.compared(); len(compare) > 0 && r.s.mode != InsertMissing {
		var same []string
		var sameArgs []any
		for _, row := range batch {
			s, a := r.match(sess, data, have, row, append(append([]string{}, r.key...), compare...))
			same, sameArgs = append(same, s), append(sameArgs, a...)
		}
		out = append(out, core.Read{Columns: []string{"COUNT(*)"}, From: from + anyOf(same), Args: sameArgs, OneRow: true})
	}
	return out
}

// converged tells, from the batch's countReads, whether every row of it
// exists as declared: lookup then reads no rows of it.
func (r *rowsStep) converged(ctx context.Context, sess *core.Session, data core.DataSQL, have *core.TableState, batch []Row) (bool, error) {
	for _, rd := range r.countReads(sess, data, have, batch) {
		var n int64
		if err := sess.ReadRow(ctx, rd, &n); err != nil {
			return false, fmt.Errorf("steps/schema: rows of %s: count existing rows: %w", r.table, err)
		}
		if n != int64(len(batch)) {
			return false, nil
		}
	}
	return true, nil
}
