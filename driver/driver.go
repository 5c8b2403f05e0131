package driver

import (
	"context"
	"time"

	"github.com/groundworkdb/groundwork/model"
	"github.com/uptrace/bun"
)

// Driver is what a dialect must provide. It is deliberately small: the
// runner needs a database handle, a catalog snapshot, a cross-process lock
// and the DDL for the declarative objects. Everything else is optional
// and discovered by type assertion (see doc.go and CapabilityReporter).
type Driver interface {
	// Dialect names the dialect: "postgres", "sqlite" or "mysql".
	Dialect() string
	// DB is the handle every statement goes through. Drivers install
	// QueryCounter on it so runs can count their round trips.
	DB() *bun.DB
	// Inspect reads tables, columns, indexes, views and foreign keys of the
	// current schema in a fixed number of queries.
	Inspect(ctx context.Context, db bun.IDB) (*model.Catalog, error)
	// Lock takes the cross-process lock named name, waiting at most wait.
	// A holder that dies must release it without anyone's help.
	Lock(ctx context.Context, name string, wait time.Duration) (Lock, error)
	DDL
}

// Lock is a held cross-process lock.
type Lock interface {
	Unlock(ctx context.Context) error
}

// DDL renders statements; it never runs them. Every identifier goes
// through Quote and every literal through the dialect's escaping.
type DDL interface {
	model.Quoter
	CreateTable(t model.Table) []string
	AddColumn(table string, c model.Column) string
	CreateIndex(ix model.Index) string
	DropIndex(ix *model.IndexState) string
	// CreateView creates a view that does not exist; ReplaceView replaces
	// one whose definition differs. Views hold no data, so replacing one
	// loses nothing.
	CreateView(v model.View) []string
	ReplaceView(v model.View) []string
	// ColumnMatches reports whether an existing column can serve as want:
	// the same type family and, for a primary key, the same role.
	ColumnMatches(want model.Column, have model.ColumnState) bool
	// ViewMatches compares the semantic definition, never raw text, so a
	// run does not loop on differences only the server's formatting made.
	ViewMatches(want model.View, have *model.ViewState) bool
}

// Capabilities describe dialect behaviour the runner must respect.
type Capabilities struct {
	// TransactionalDDL is true where CREATE/ALTER roll back with the
	// transaction. Without it each statement commits on its own and the
	// runner says so in the report.
	TransactionalDDL bool
}

// CapabilityReporter is optional. A driver without it is taken to have
// transactional DDL.
type CapabilityReporter interface {
	Capabilities() Capabilities
}

// DataSQL renders the dialect-specific pieces of data statements. Steps
// that write rows use it; a driver without it cannot run those steps, and
// they fail with ErrUnsupported.
type DataSQL interface {
	// InsertIgnore renders INSERT INTO table (cols) <source> that skips
	// rows conflicting with any unique constraint. source is a SELECT or a
	// VALUES list. Placeholders in a SELECT list have no type on
	// PostgreSQL: wrap them in Cast.
	InsertIgnore(table string, cols []string, source string) string
	// Cast renders expr converted to the native type of t.
	Cast(expr string, t model.ColumnType) string
	// Concat renders the string concatenation of exprs.
	Concat(exprs ...string) string
	// Upsert renders an INSERT of one row of len(cols) placeholders that,
	// on a conflict on key, sets the compare and touch columns from the
	// new row, but only when a compare column differs: an unchanged row is
	// not rewritten, so its touch columns (updated_at) keep their value.
	Upsert(table string, cols, key, compare, touch []string) string
}

// ForeignKeyAdder is optional: it renders the statement that adds a
// foreign key to an existing table without checking the rows already
// there (PostgreSQL's NOT VALID), so a table that lost a reference when
// the table it points to was dropped with CASCADE, and recreated by this
// run, gets it back. Without it, and for any other missing foreign key of
// an existing table, the key is a note: SQLite cannot add one, and MySQL
// would check (and refuse) every existing row.
type ForeignKeyAdder interface {
	AddForeignKey(table string, fk model.ForeignKey) string
}

// StatsRefresher is optional: it renders the statement that refreshes the
// planner's statistics of a table (ANALYZE), which a step adds after
// writing many rows so the application's next queries, and the proof of
// the verify phase, use the right indexes at once. Without it the
// database's own schedule (autovacuum, say) catches up later.
type StatsRefresher interface {
	RefreshStats(table string) string
}

// ForeignKeyReplacer is optional: it renders the statements that replace
// an existing foreign key (have, found by its columns and table) by the
// declared one, in one step, without checking or losing a row, so a key
// declared ON DELETE CASCADE reaches tables made before it was. Without
// it a key whose action differs is a note. Statements that lock the
// referenced table should bound their wait for it: that table belongs
// to the application, whose writes queue behind the lock.
type ForeignKeyReplacer interface {
	ReplaceForeignKey(table string, have model.ForeignKeyState, want model.ForeignKey) []string
}
