package mysql

import (
	"strings"

	"github.com/groundworkdb/groundwork/drivers/internal/sqlkit"

	"github.com/groundworkdb/groundwork/model"
)

// ViewsTable is groundwork's table of view fingerprints. MySQL and
// MariaDB keep no comment on a view and rewrite its query (backticks,
// the database name before every table, their own spacing), so the
// fingerprint the PostgreSQL driver stamps in a comment lives here: one
// row per view groundwork created, with the hash of the query as declared
// and the md5 of the definition as the server stored it right after.
// Views hold no data, and neither does this table: dropping it makes the
// next run replace each view once.
const ViewsTable = "groundwork_views"

// markerPrefix starts the Marker Inspect builds from a view's row:
// groundwork:v1:<sha256 of the normalized query>:<md5 of the definition>.
const markerPrefix = "groundwork:v1:"

const createViewsTable = "CREATE TABLE IF NOT EXISTS `" + ViewsTable + "` (\n" +
	"  name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,\n" +
	"  query_hash CHAR(64) CHARACTER SET ascii NOT NULL,\n" +
	"  definition_md5 CHAR(32) CHARACTER SET ascii NOT NULL\n" +
	") ENGINE=InnoDB"

// CreateView implements driver.DDL with three statements, each committing
// on its own: the fingerprint table if it is missing, the view (CREATE OR
// REPLACE, one statement, so the view is never missing), then its
// fingerprint, whose md5 the server computes from the definition it just
// stored. A run killed between the last two leaves a view without its
// fingerprint (or with the previous one): the next run replaces it once
// more and records it.
func (d *Driver) CreateView(v model.View) []string {
	name := stringLiteral(v.Name)
	return []string{
		createViewsTable,
		"CREATE OR REPLACE VIEW " + d.Quote(v.Name) + " AS " + v.SQL(d),
		"REPLACE INTO `" + ViewsTable + "` (name, query_hash, definition_md5)\n" +
			"SELECT " + name + ", '" + sqlkit.QueryFingerprint(v.SQL(d)) + "', COALESCE(MD5(VIEW_DEFINITION), '')\n" +
			"FROM information_schema.VIEWS\n" +
			"WHERE TABLE_SCHEMA = DATABASE() AND CONVERT(TABLE_NAME USING utf8mb4) COLLATE utf8mb4_bin = " + name,
	}
}

// ReplaceView implements driver.DDL: CREATE OR REPLACE VIEW may change a
// view's columns on MySQL and MariaDB, so replacing is creating.
func (d *Driver) ReplaceView(v model.View) []string { return d.CreateView(v) }

// ViewMatches implements driver.DDL. It never compares SQL text. The view
// matches when its fingerprint row carries the hash of the declared query
// and the md5 of the definition the server holds now. A view without a
// row (made by someone else) is replaced once, then stable; one replaced
// behind groundwork's back no longer has the md5 its row says and is
// replaced too; a changed declaration has another hash.
func (d *Driver) ViewMatches(want model.View, have *model.ViewState) bool {
	rest, ok := strings.CutPrefix(have.Marker, markerPrefix)
	if !ok {
		return false
	}
	qh, dh, ok := strings.Cut(rest, ":")
	if !ok || qh != sqlkit.QueryFingerprint(want.SQL(d)) {
		return false
	}
	// A user without SHOW VIEW (a SELECT-only readiness probe) cannot see
	// the server's definition: the recorded declaration is all it can
	// compare, and a change made behind groundwork's back shows to apply.
	return have.Definition == "" || dh == have.Definition
}
