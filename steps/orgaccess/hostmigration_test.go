package orgaccess_test

import (
	"database/sql"
	"testing"

	"github.com/groundworkdb/groundwork/steps/orgaccess/packtest"
)

// The host's own migrations live in packtest (hostmigration.go), shared
// with the Kubernetes manifests' upgrade test; these are their names here.
const (
	revV0_6_40 = packtest.RevV0_6_40
	revUser    = packtest.RevUser
	revPK      = packtest.RevPK
)

var (
	sqliteHostUpgrade            = packtest.SQLiteHostUpgrade
	sqliteHostUpgradeFrom        = packtest.SQLiteHostUpgradeFrom
	pgHostUpgrade                = packtest.PostgresHostUpgrade
	execAll                      = packtest.ExecAll
	sqliteResumeAfterUserRebuild = packtest.SQLiteResumeAfterUserRebuild
)

// seedHostUsers adds the users of the suites, in the columns every
// generation has.
func seedHostUsers(t *testing.T, db *sql.DB, bind func(string) string) {
	t.Helper()
	for _, u := range []struct{ id, name, role string }{{"alice", "Alice", "user"}, {"bob", "Bob", "admin"}, {"pat", "Pat", "pending"}} {
		_, err := db.Exec(bind(`INSERT INTO "user" (id, name, email, role, profile_image_url, created_at, updated_at, last_active_at) VALUES (?, ?, ?, ?, '', 1, 1, 1)`),
			u.id, u.name, u.id+"@example.com", u.role)
		if err != nil {
			t.Fatalf("seed user %s: %v", u.id, err)
		}
	}
}
