package core

import (
	"context"

	"github.com/uptrace/bun"
)

// EachRow runs a query without arguments and calls row for every result
// row with that row's Scan. Drivers read the catalog with it.
func EachRow(ctx context.Context, db bun.IDB, query string, row func(scan func(...any) error) error) error {
	rows, err := db.QueryContext(ctx, query)
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
