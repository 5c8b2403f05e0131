package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"
	"github.com/groundworkdb/groundwork/model"

	"github.com/jackc/pgx/v5"
)

// maxIdentBytes is PostgreSQL's NAMEDATALEN - 1: a longer name is
// silently truncated by the server.
const maxIdentBytes = 63

// WithSchema makes Open work in schema, as Open WebUI's DATABASE_SCHEMA
// puts its tables there: every connection's search_path is that schema
// alone (quoted, so any name works), so the catalog read, the tables,
// views and history groundwork creates, and the host tables it reads are
// all there; the lock is scoped to it too, so deployments in two schemas
// of one database do not wait for each other. The schema must exist
// (the host creates it). Empty: the URL's or the server's search_path.
// It has no effect on New, whose connections the caller made.
func WithSchema(name string) Option { return func(c *lockConfig) { c.schema = name } }

// checkSchemaName refuses a name the server would truncate or refuse.
func checkSchemaName(name string) error {
	switch {
	case !utf8.ValidString(name) || strings.ContainsRune(name, 0):
		return fmt.Errorf("drivers/postgres: schema name is not valid UTF-8 or holds a NUL byte: %w", model.ErrInvalid)
	case len(name) > maxIdentBytes:
		return fmt.Errorf("drivers/postgres: schema name is %d bytes, more than PostgreSQL's %d: %w", len(name), maxIdentBytes, model.ErrInvalid)
	}
	return nil
}

// applySchema sets the search_path of every connection of cfg.
func (c *lockConfig) applySchema(cfg *pgx.ConnConfig) error {
	if c.schema == "" {
		return nil
	}
	if err := checkSchemaName(c.schema); err != nil {
		return err
	}
	cfg.RuntimeParams["search_path"] = sqlkit.QuoteIdent('"', c.schema)
	return nil
}

// requireSchema fails when the schema of WithSchema does not exist: with
// a search_path naming no schema, CREATE TABLE has nowhere to go.
func (d *Driver) requireSchema(ctx context.Context) error {
	if d.lock.schema == "" {
		return nil
	}
	var ok bool
	if err := d.DB().DB.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", d.lock.schema).Scan(&ok); err != nil {
		return fmt.Errorf("drivers/postgres: look up schema %q: %w", d.lock.schema, err)
	}
	if !ok {
		return fmt.Errorf("drivers/postgres: schema %q (DATABASE_SCHEMA) does not exist in this database: create it, or let the host application start first, or correct the setting: %w", d.lock.schema, model.ErrInvalid)
	}
	return nil
}

// scopedLockName is the lock name in the driver's schema: "groundwork"
// unchanged without WithSchema (the key must never change), else
// "groundwork in schema "x"".
func (d *Driver) scopedLockName(name string) string {
	if d.lock.schema == "" {
		return name
	}
	return fmt.Sprintf("%s in schema %q", name, d.lock.schema)
}

// Schema is the schema of WithSchema, "" without it.
func (d *Driver) Schema() string { return d.lock.schema }
