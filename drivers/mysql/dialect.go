package mysql

import (
	"database/sql"
	"sync"

	"github.com/uptrace/bun/dialect/feature"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/schema"
)

// lazyDialect is bun's MySQL dialect whose Init runs when bun first asks
// for the dialect's features, not when the handle is made. bun's Init is
// one query (SELECT version()) to tell MariaDB's features from MySQL 8's,
// and only bun's query builders read them (RETURNING, CTEs, CREATE INDEX
// IF NOT EXISTS): groundwork writes its SQL itself and never builds a
// query with them, so a start no longer pays that round trip, while a
// step that uses a builder on the handle still gets the features of the
// server it talks to.
type lazyDialect struct {
	*mysqldialect.Dialect

	once sync.Once
	db   *sql.DB
}

var _ schema.Dialect = (*lazyDialect)(nil)

func newLazyDialect() *lazyDialect {
	return &lazyDialect{Dialect: mysqldialect.New()}
}

// Init implements schema.Dialect: it keeps the handle for the first
// Features.
func (d *lazyDialect) Init(db *sql.DB) { d.db = db }

// Features implements schema.Dialect, asking the server its version the
// first time (without a context, as bun's Init does).
func (d *lazyDialect) Features() feature.Feature {
	d.once.Do(func() {
		if d.db != nil {
			d.Dialect.Init(d.db)
		}
	})
	return d.Dialect.Features()
}
