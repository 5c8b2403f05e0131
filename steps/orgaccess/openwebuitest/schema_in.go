package openwebuitest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// LoadSchemaIn is LoadSchema on PostgreSQL into schema instead of public,
// as Open WebUI with DATABASE_SCHEMA makes its tables: the schema is
// created when missing, and every "public." of the dump names it instead
// (quoted, so any name works).
func LoadSchemaIn(ctx context.Context, db *sql.DB, generation, schema string) error {
	text, err := Schema("postgres", generation)
	if err != nil {
		return err
	}
	q := `"` + strings.ReplaceAll(schema, `"`, `""`) + `"`
	text = strings.ReplaceAll(text, "SELECT pg_catalog.set_config('search_path', '', false);", "")
	text = strings.ReplaceAll(text, "public.", q+".")
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("openwebuitest: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+q+";\n"+text); err != nil {
		return fmt.Errorf("openwebuitest: load postgres %s into schema %s: %w", generation, schema, err)
	}
	return nil
}
