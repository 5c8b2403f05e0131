//go:build integration

// Package pgbouncer_test runs groundwork through a real PgBouncer (Debian's
// package, on 127.0.0.1) in transaction mode, in front of the kit's
// PostgreSQL container: the lease lock with many replicas, the session
// lock's failure there, step timeouts and signals through the pooler.
//
// PgBouncer is installed with apt-get when it is missing and this runs as
// root (.ci/run installs it too); without it the tests skip, or fail
// under CI=true.
package pgbouncer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

func TestMain(m *testing.M) {
	code := m.Run()
	bouncer.stop()
	if err := kit.TerminateShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	testbin.Cleanup()
	os.Exit(code)
}

// The role the runs log in as through the pooler: a superuser made for
// these tests, whose password is not a word groundwork prints (the
// kit's is "groundwork", which the masker would hide everywhere).
const (
	pgUser     = "gw_pooler"
	pgPassword = "pooler-Secret-7"
	// singleDB is served by a pool of one server connection.
	singleDB = "gw_single"
)

// bouncerState is the package's PgBouncer: its configuration and, while
// it runs, its process. The tests share it; a test that finds it gone
// restarts it (see requireBouncer).
type bouncerState struct {
	mu       sync.Mutex
	started  bool
	err      error
	bin      string
	port     int
	dir      string
	proc     *bouncerProc
	restarts int
}

// bouncerProc is one PgBouncer process: exited is closed once it has
// exited, with state then set; out is what it wrote to stdout/stderr.
type bouncerProc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
	state  *os.ProcessState
	err    error
}

// alive tells whether the process still runs.
func (p *bouncerProc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// syncBuffer is a bytes.Buffer safe for the copying goroutine of
// exec.Cmd and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// maxRestarts bounds how often the package restarts a PgBouncer that
// died: more is not a flake of the pooler but something to look at.
const maxRestarts = 3

// bouncer is the package's one PgBouncer.
var bouncer bouncerState

func (b *bouncerState) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.proc; p != nil && p.alive() {
		_ = p.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	if b.dir != "" {
		_ = os.RemoveAll(b.dir)
	}
}

// logText is the bouncer's exit status and the tail of its log file
// (its own output when the file is empty: a failure before it opened it),
// for a failure.
func (b *bouncerState) logText() string {
	var status, out string
	if b.proc != nil {
		out = b.proc.out.String()
		if !b.proc.alive() {
			status = fmt.Sprintf("process %d exited: %v\n", b.proc.cmd.Process.Pid, b.proc.state)
		}
	}
	log, _ := os.ReadFile(filepath.Join(b.dir, "pgbouncer.log"))
	if len(log) == 0 {
		log = []byte(out)
	}
	return status + "--- pgbouncer.log (tail)\n" + tail(string(log), 40)
}

func tail(s string, lines int) string {
	parts := strings.SplitAfter(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "")
}

// requireBouncer returns the PgBouncer in transaction mode in front of
// the shared PostgreSQL server, starting both on first use. A bouncer
// that died since (PgBouncer 1.18, Debian bookworm's, can exit on a
// FATAL assertion while a cancel request races a server connection's
// release: pgbouncer issues #801 and #822, fixed in 1.19) is restarted
// on its port, its log shown, at most maxRestarts times; past that, or
// when it does not come back, the test fails with the log. A test that
// leaves it dead says so when it ends.
func requireBouncer(t *testing.T) (*kit.Server, int) {
	t.Helper()
	srv := kit.SharedPostgres(t)
	bouncer.mu.Lock()
	defer bouncer.mu.Unlock()
	if !bouncer.started {
		bouncer.started = true
		bouncer.err = startBouncer(srv)
	}
	if bouncer.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgbouncer: %v", bouncer.err)
		}
		t.Skipf("pgbouncer: %v (set CI=true to make this a failure)", bouncer.err)
	}
	if !bouncer.proc.alive() {
		log := bouncer.logText()
		if bouncer.restarts >= maxRestarts {
			t.Fatalf("pgbouncer died again after %d restarts:\n%s", bouncer.restarts, log)
		}
		bouncer.restarts++
		t.Logf("pgbouncer on port %d had exited; restarting it (%d of %d):\n%s", bouncer.port, bouncer.restarts, maxRestarts, log)
		if err := bouncer.launch(); err != nil {
			t.Fatalf("pgbouncer: restart: %v", err)
		}
	}
	proc := bouncer.proc
	t.Cleanup(func() {
		if !proc.alive() {
			// Not this test's failure by itself (the next test restarts
			// it), but its log belongs here: the pooler died during it.
			bouncer.mu.Lock()
			defer bouncer.mu.Unlock()
			t.Logf("pgbouncer exited during %s:\n%s", t.Name(), bouncer.logText())
		} else if t.Failed() {
			bouncer.mu.Lock()
			defer bouncer.mu.Unlock()
			t.Logf("pgbouncer's log at the failure:\n%s", bouncer.logText())
		}
	})
	return srv, bouncer.port
}

// pgbouncerBinary finds pgbouncer, installing Debian's package when it is
// missing and this process may (root, apt-get present).
func pgbouncerBinary() (string, error) {
	find := func() (string, error) {
		if p, err := exec.LookPath("pgbouncer"); err == nil {
			return p, nil
		}
		if _, err := os.Stat("/usr/sbin/pgbouncer"); err == nil {
			return "/usr/sbin/pgbouncer", nil
		}
		return "", errors.New("pgbouncer is not installed")
	}
	if p, err := find(); err == nil {
		return p, nil
	}
	apt, err := exec.LookPath("apt-get")
	if err != nil || os.Geteuid() != 0 {
		return "", errors.New("pgbouncer is not installed and cannot be installed here (apt-get install pgbouncer as root)")
	}
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	install := func() ([]byte, error) {
		cmd := exec.Command(apt, "install", "-y", "-qq", "pgbouncer")
		cmd.Env = env
		return cmd.CombinedOutput()
	}
	if out, err := install(); err != nil {
		upd := exec.Command(apt, "update", "-qq")
		upd.Env = env
		if uout, uerr := upd.CombinedOutput(); uerr != nil {
			return "", fmt.Errorf("apt-get update: %v\n%s", uerr, uout)
		}
		if out2, err := install(); err != nil {
			return "", fmt.Errorf("apt-get install pgbouncer: %v\n%s\n%s", err, out, out2)
		}
	}
	return find()
}

// startBouncer writes a configuration and starts PgBouncer on a free
// port of 127.0.0.1, in transaction mode, with at most 10 server
// connections per database (fewer than the clients, as in production)
// and one for singleDB. PgBouncer refuses to run as root: it runs as the
// postgres user (or nobody) then.
func startBouncer(srv *kit.Server) error {
	bin, err := pgbouncerBinary()
	if err != nil {
		return err
	}
	ctx := context.Background()
	if _, err := srv.CreateDatabase(ctx, singleDB); err != nil {
		return err
	}
	admin, err := pgx.Connect(ctx, srv.AdminDSN())
	if err != nil {
		return err
	}
	_, err = admin.Exec(ctx, "CREATE ROLE "+pgUser+" LOGIN SUPERUSER PASSWORD '"+pgPassword+"'")
	_ = admin.Close(ctx)
	if err != nil {
		return fmt.Errorf("create role %s: %w", pgUser, err)
	}
	dir, err := os.MkdirTemp("", "groundwork-pgbouncer-")
	if err != nil {
		return err
	}
	bouncer.dir = dir
	port, err := freePort()
	if err != nil {
		return err
	}
	bouncer.port = port
	backend := fmt.Sprintf("host=%s port=%s", srv.Host(), srv.Port())
	ini := fmt.Sprintf(`[databases]
%[1]s = %[2]s dbname=%[1]s pool_size=1
* = %[2]s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %[3]d
unix_socket_dir =
auth_type = scram-sha-256
auth_file = %[4]s/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 10
ignore_startup_parameters = extra_float_digits
logfile = %[4]s/pgbouncer.log
pidfile = %[4]s/pgbouncer.pid
`, singleDB, backend, port, dir)
	if err := os.WriteFile(filepath.Join(dir, "pgbouncer.ini"), []byte(ini), 0o644); err != nil {
		return err
	}
	users := fmt.Sprintf("%q %q\n", pgUser, pgPassword)
	if err := os.WriteFile(filepath.Join(dir, "userlist.txt"), []byte(users), 0o600); err != nil {
		return err
	}
	bouncer.bin = bin
	if os.Geteuid() == 0 {
		uid, gid, err := unprivileged()
		if err != nil {
			return err
		}
		for _, p := range []string{dir, filepath.Join(dir, "pgbouncer.ini"), filepath.Join(dir, "userlist.txt")} {
			if err := os.Chown(p, uid, gid); err != nil {
				return err
			}
		}
	}
	return bouncer.launch()
}

// launch starts the PgBouncer process on b's configuration and returns
// once a query goes through it to the server. Its own process group: a
// signal to the test's group (a terminal's ^C) does not reach it, only
// stop does.
func (b *bouncerState) launch() error {
	cmd := exec.Command(b.bin, filepath.Join(b.dir, "pgbouncer.ini"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if os.Geteuid() == 0 {
		uid, gid, err := unprivileged()
		if err != nil {
			return err
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", b.bin, err)
	}
	p := &bouncerProc{cmd: cmd, out: out, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	b.proc = p
	// Ready when a query goes through it to the server.
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(cctx, bouncerURL(b.port, singleDB, ""))
		if err == nil {
			_, err = conn.Exec(cctx, "SELECT 1", pgx.QueryExecModeSimpleProtocol)
			_ = conn.Close(cctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		if !p.alive() || time.Now().After(deadline) {
			return fmt.Errorf("pgbouncer did not come up: %v\n%s", err, b.logText())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func unprivileged() (int, int, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return uid, gid, nil
	}
	return 0, 0, errors.New("running as root and there is no postgres or nobody user for pgbouncer")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// bouncerURL is the URL of database db through the pooler, with extra
// query parameters (for example "pgbouncer=true").
func bouncerURL(port int, db, extra string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(pgUser, pgPassword),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Path: "/" + db, RawQuery: "sslmode=disable"}
	if extra != "" {
		u.RawQuery += "&" + extra
	}
	return u.String()
}

// newDatabase creates a fresh database on the server, reached through
// the pooler by the wildcard entry.
func newDatabase(t *testing.T, srv *kit.Server) string {
	t.Helper()
	name := fmt.Sprintf("gw_%s_%d", strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())), time.Now().UnixNano()%1e6)
	if len(name) > 60 {
		name = name[len(name)-60:]
		name = "gw" + name[2:]
	}
	if _, err := srv.CreateDatabase(context.Background(), name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return name
}

// directDB connects straight to the server (not through the pooler), for
// the test's own checks.
func directDB(t *testing.T, srv *kit.Server, db string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, srv.DSN(db))
	if err != nil {
		t.Fatalf("connect to %s: %v", db, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func mustExec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryInt(t *testing.T, conn *pgx.Conn, sql string) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// orgEnv configures a development organization.
var orgEnv = []string{
	"OPENROUTER_EXTERNAL_USER=acme-dev",
	"ORGANIZATION_NAME=Acme Development",
	"OPENROUTER_API_KEY=sk-or-v1-pgbouncer-test-key",
}

// command is the binary in a fresh directory with only PATH, HOME and env
// in its environment.
func command(t *testing.T, env []string, args ...string) *testbin.Cmd {
	t.Helper()
	dir := t.TempDir()
	return testbin.Command(context.Background(), t, dir, testbin.Env(dir, env...), args...)
}

// TestBouncerRestartsAfterDeath: the suite's supervision itself. The
// bouncer is killed (as a FATAL exit of PgBouncer would end it); the next
// test that needs it finds it dead, restarts it on the same port, and
// queries go through again.
func TestBouncerRestartsAfterDeath(t *testing.T) {
	_, port := requireBouncer(t)
	bouncer.mu.Lock()
	p := bouncer.proc
	bouncer.mu.Unlock()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	// This death is the test's own: it does not spend the budget of
	// restarts that real deaths have.
	defer func() {
		bouncer.mu.Lock()
		bouncer.restarts--
		bouncer.mu.Unlock()
	}()
	t.Run("next test", func(t *testing.T) {
		_, again := requireBouncer(t)
		if again != port {
			t.Fatalf("restarted on port %d, want %d: the tests' URLs name the port", again, port)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, bouncerURL(again, singleDB, ""))
		if err != nil {
			t.Fatalf("through the restarted bouncer: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "SELECT 1", pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("through the restarted bouncer: %v", err)
		}
	})
}
