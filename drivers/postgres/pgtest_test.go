package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"github.com/groundworkdb/groundwork/internal/hostpg"
)

// The tests that need a server use GROUNDWORK_PG_URL when it is set (a
// URL whose user may create schemas), else a throwaway server this file
// starts from the PostgreSQL binaries on the host (initdb, pg_ctl) in a
// temporary directory, stopped when the tests end. Without either they
// are skipped, saying why.
var (
	serverURL  string // empty when no server is available
	serverWhy  string // why, then
	adminDB    *sql.DB
	schemaSeq  atomic.Int64
	serverStop = func() {}
)

func TestMain(m *testing.M) {
	if u := os.Getenv("GROUNDWORK_PG_URL"); u != "" {
		serverURL = u
	} else if srv, err := hostpg.Start(context.Background(), hostpg.WithSetting("max_connections=200")); err != nil {
		serverWhy = "GROUNDWORK_PG_URL is not set and no throwaway server: " + err.Error()
	} else {
		serverURL, serverStop = srv.URL("postgres"), srv.Stop
	}
	if serverURL != "" {
		db, err := sql.Open("pgx", serverURL)
		if err == nil {
			err = db.Ping()
		}
		if err != nil {
			serverWhy = "cannot reach the test server: " + scrub(err.Error(), serverURL)
			serverURL = ""
		}
		adminDB = db
	}
	code := m.Run()
	if adminDB != nil {
		_ = adminDB.Close()
	}
	serverStop()
	os.Exit(code)
}

func requireServer(t testing.TB) {
	t.Helper()
	if serverURL == "" {
		t.Skip("no PostgreSQL server: " + serverWhy)
	}
}

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// newSchema creates an empty schema for one test, dropped when it ends,
// and returns a connection URL whose search_path puts it first.
func newSchema(t testing.TB) string {
	t.Helper()
	requireServer(t)
	name := nonIdent.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	name = fmt.Sprintf("gw_%s_%d", name, schemaSeq.Add(1))
	ctx := context.Background()
	q := `"` + name + `"`
	if _, err := adminDB.ExecContext(ctx, "CREATE SCHEMA "+q); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := adminDB.ExecContext(context.Background(), "DROP SCHEMA "+q+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return withParam(serverURL, "search_path", name)
}

// withParam adds a run-time parameter to a URL or key=value DSN.
func withParam(connString, key, value string) string {
	if u, err := url.Parse(connString); err == nil && u.Scheme != "" {
		v := u.Query()
		v.Set(key, value)
		u.RawQuery = v.Encode()
		return u.String()
	}
	return connString + " " + key + "=" + value
}

// openURL opens a driver on url, closed when the test ends.
func openURL(t testing.TB, url string) *Driver {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// openTest opens a driver on a fresh schema.
func openTest(t testing.TB) *Driver {
	t.Helper()
	return openURL(t, newSchema(t))
}

func mustExec(t *testing.T, d *Driver, query string) {
	t.Helper()
	if _, err := d.DB().ExecContext(context.Background(), query); err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
}
