package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
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
	} else if err := startServer(); err != nil {
		serverWhy = err.Error()
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

// startServer runs initdb and pg_ctl start in a temporary directory, as
// the postgres user when running as root (the server refuses root).
func startServer() error {
	initdb, err := findBinary("initdb")
	if err != nil {
		return err
	}
	pgctl := filepath.Join(filepath.Dir(initdb), "pg_ctl")
	dir, err := os.MkdirTemp("", "groundwork-pg-")
	if err != nil {
		return err
	}
	run := func(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("running as root and there is no postgres user to run the server: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return err
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("running as root without runuser: %v", err)
		}
		run = func(name string, args ...string) *exec.Cmd {
			return exec.Command(runuser, append([]string{"-u", "postgres", "--", name}, args...)...)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := run(initdb, "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("initdb: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", port, dir)
	if out, err := run(pgctl, "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		os.RemoveAll(dir)
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	serverURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	serverStop = func() {
		_ = run(pgctl, "-D", data, "-m", "immediate", "-w", "stop").Run()
		_ = os.RemoveAll(dir)
	}
	return nil
}

func findBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		return "", fmt.Errorf("GROUNDWORK_PG_URL is not set and %s is not installed", name)
	}
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) > version(matches[j]) })
	return matches[0], nil
}

func version(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func requireServer(t *testing.T) {
	t.Helper()
	if serverURL == "" {
		t.Skip("no PostgreSQL server: " + serverWhy)
	}
}

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// newSchema creates an empty schema for one test, dropped when it ends,
// and returns a connection URL whose search_path puts it first.
func newSchema(t *testing.T) string {
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
func openURL(t *testing.T, url string) *Driver {
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
func openTest(t *testing.T) *Driver {
	t.Helper()
	return openURL(t, newSchema(t))
}

func mustExec(t *testing.T, d *Driver, query string) {
	t.Helper()
	if _, err := d.DB().ExecContext(context.Background(), query); err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
}
