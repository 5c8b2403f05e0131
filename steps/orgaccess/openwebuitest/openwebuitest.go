// Package openwebuitest holds Open WebUI's databases as its own migrations
// make them, one per release generation and dialect, so the pack's tests
// run against the host as it really is rather than against an imitation.
//
// The schema files under schema/ are the output of `sqlite3 .schema` and
// `pg_dump --schema-only` on fresh installs of each release (no rows but
// the migrations' own bookkeeping); see their first lines.
package openwebuitest

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"regexp"
	"strings"
)

// Generations of Open WebUI with a schema here, oldest first.
const (
	// V0_6_40 is the last release whose tables were first made by peewee:
	// user and model have no primary key (a unique index on id), config is
	// one row of JSON.
	V0_6_40 = "v0.6.40"
	// V0_10_2 is a fresh install of 2026-07: primary keys everywhere,
	// config one row per key, groups and access grants.
	V0_10_2 = "v0.10.2"
	// V0_8_Like is derived, not dumped: the v0.10.2 schema with the config
	// of 0.8–0.9 (one row of JSON: the table 0.10's migration renamed to
	// config_old, renamed back), stamped with a 0.8.0 revision. It has
	// what tells 0.8–0.9 apart (access_grant, config one row of JSON); its
	// other tables are 0.10's.
	V0_8_Like = "v0.8-like"
)

// Revision is the alembic head a generation's migrations stamp.
func Revision(generation string) string {
	return map[string]string{V0_6_40: "37f288994c47", V0_8_Like: "f1e2d3c4b5a6", V0_10_2: "42e2978c7933"}[generation]
}

// Generations lists every generation held, oldest first.
func Generations() []string { return []string{V0_6_40, V0_8_Like, V0_10_2} }

// derive08 turns a v0.10.2 database into the v0.8-like one.
const derive08 = `
-- v0.8-like (derived by openwebuitest): the single-row config back in place.
DROP TABLE config;
ALTER TABLE config_old RENAME TO config;
DELETE FROM alembic_version;
INSERT INTO alembic_version (version_num) VALUES ('f1e2d3c4b5a6');
`

//go:embed schema/*.sql
var schemas embed.FS

// Schema returns the schema dump of a generation on a dialect ("sqlite"
// or "postgres").
func Schema(dialect, generation string) (string, error) {
	if generation == V0_8_Like {
		text, err := Schema(dialect, V0_10_2)
		return text + derive08, err
	}
	prefix := map[string]string{"sqlite": "sqlite", "postgres": "pg"}[dialect]
	if prefix == "" {
		return "", fmt.Errorf("openwebuitest: no schema for dialect %q", dialect)
	}
	b, err := schemas.ReadFile("schema/" + prefix + "_" + generation + "_schema.sql")
	if err != nil {
		return "", fmt.Errorf("openwebuitest: no schema for %s %s: %w", dialect, generation, err)
	}
	return string(b), nil
}

// publicQualifier is the dump's schema prefix on every name it creates or
// refers to ("public.config", 'public.config_id_seq').
var publicQualifier = regexp.MustCompile(`\bpublic\.`)

// LoadSchema creates a generation's tables, indexes and bookkeeping rows
// (alembic_version, peewee's migratehistory) in an empty database. On
// PostgreSQL they land in the first schema of the connection's
// search_path (public unless the connection says otherwise, as Open
// WebUI's DATABASE_SCHEMA would): the dump's "public." qualifiers are
// dropped.
func LoadSchema(ctx context.Context, db *sql.DB, dialect, generation string) error {
	text, err := Schema(dialect, generation)
	if err != nil {
		return err
	}
	if dialect == "sqlite" {
		// One transaction: one sync to disk instead of one per statement.
		text = "BEGIN;\n" + text + "\nCOMMIT;"
	}
	if dialect == "postgres" {
		// The dump empties search_path for the rest of its session; on a
		// pooled connection that would outlive the load.
		text = strings.ReplaceAll(text, "SELECT pg_catalog.set_config('search_path', '', false);", "")
		text = publicQualifier.ReplaceAllString(text, "")
	}
	// One connection: SQLite's Exec runs every statement of the text, and
	// pgx sends a text without arguments in the simple protocol, which
	// does too.
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("openwebuitest: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, text); err != nil {
		return fmt.Errorf("openwebuitest: load %s %s: %w", dialect, generation, err)
	}
	return nil
}
