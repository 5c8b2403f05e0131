package sqlkit

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/uptrace/bun"
)

// EachRow runs a query without arguments and calls row for every result
// row with that row's Scan. Drivers read the catalog with it.
func EachRow(ctx context.Context, db bun.IDB, query string, row func(scan func(...any) error) error) error {
	rows, err := db.QueryContext(ctx, query)
	return eachRow(rows, err, row)
}

// EachRowArgs is EachRow with arguments, bound natively by the database
// driver rather than inlined by bun: the query is written with the
// driver's own placeholders ($1 on PostgreSQL, ? elsewhere). It counts
// its round trip as bun's hook would. Drivers read scoped catalogs with it.
func EachRowArgs(ctx context.Context, db bun.IDB, query string, args []any, row func(scan func(...any) error) error) error {
	var raw rawDB
	switch h := db.(type) {
	case *bun.DB:
		raw = h.DB
	case bun.Tx:
		raw = h.Tx
	case *bun.Tx:
		raw = h.Tx
	case bun.Conn:
		raw = h.Conn
	case *bun.Conn:
		raw = h.Conn
	default:
		return fmt.Errorf("sqlkit: cannot bind arguments natively through %T", db)
	}
	driver.CountRoundTrip(ctx)
	rows, err := raw.QueryContext(ctx, query, args...)
	return eachRow(rows, err, row)
}

func eachRow(rows *sql.Rows, err error, row func(scan func(...any) error) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// rawDB is what *sql.DB, *sql.Tx and *sql.Conn share.
type rawDB interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
