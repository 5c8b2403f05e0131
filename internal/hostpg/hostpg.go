// Package hostpg starts a throwaway PostgreSQL server for tests from the
// host's server programs (initdb, pg_ctl; Debian puts them in
// /usr/lib/postgresql/N/bin) in a temporary directory, on a free port of
// 127.0.0.1. Running as root, the server runs as the postgres user (it
// refuses root).
package hostpg

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// ErrUnavailable says the host cannot run a server: the programs are not
// installed, or this runs as root without a postgres user or runuser.
// Tests skip on it; any other error of Start is a failure.
var ErrUnavailable = errors.New("hostpg: no PostgreSQL server programs to run")

// Server is a running throwaway server.
type Server struct {
	Port     int
	User     string
	Password string // empty with trust authentication
	dir      string
	data     string
	pgctl    string
	// wrap makes the command of a server program (as the postgres user
	// when running as root).
	wrap func(ctx context.Context, name string, args ...string) *exec.Cmd
}

type config struct {
	user, password string
	settings       []string
}

// Option changes how Start sets the server up.
type Option func(*config)

// WithPassword makes user the superuser, logging in with password
// (scram-sha-256); without it the superuser is postgres, trusted.
func WithPassword(user, password string) Option {
	return func(c *config) { c.user, c.password = user, password }
}

// WithSetting adds a server setting (name=value, as postgres -c takes it).
func WithSetting(nameValue string) Option {
	return func(c *config) { c.settings = append(c.settings, nameValue) }
}

// Binary finds a PostgreSQL program: in PATH, else the newest of
// /usr/lib/postgresql/*/bin. A missing one is ErrUnavailable.
func Binary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		return "", fmt.Errorf("%w: %s is not installed", ErrUnavailable, name)
	}
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) > version(matches[j]) })
	return matches[0], nil
}

func version(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

// Start runs initdb and pg_ctl start and returns the running server.
func Start(ctx context.Context, opts ...Option) (*Server, error) {
	cfg := config{user: "postgres"}
	for _, o := range opts {
		o(&cfg)
	}
	initdb, err := Binary("initdb")
	if err != nil {
		return nil, err
	}
	s := &Server{User: cfg.user, Password: cfg.password, pgctl: filepath.Join(filepath.Dir(initdb), "pg_ctl"), wrap: exec.CommandContext}
	if s.dir, err = os.MkdirTemp("", "groundwork-hostpg-"); err != nil {
		return nil, fmt.Errorf("hostpg: %w", err)
	}
	if err := s.start(ctx, initdb, cfg); err != nil {
		_ = os.RemoveAll(s.dir)
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, initdb string, cfg config) error {
	if os.Geteuid() == 0 {
		if err := s.asPostgres(); err != nil {
			return err
		}
	}
	s.data = filepath.Join(s.dir, "data")
	args := []string{"-D", s.data, "-U", cfg.user, "-E", "UTF8", "--no-locale", "--no-sync"}
	if cfg.password != "" {
		pwfile := filepath.Join(s.dir, "pw")
		if err := os.WriteFile(pwfile, []byte(cfg.password+"\n"), 0o644); err != nil {
			return fmt.Errorf("hostpg: %w", err)
		}
		defer os.Remove(pwfile)
		args = append(args, "--pwfile", pwfile, "-A", "scram-sha-256")
	} else {
		args = append(args, "-A", "trust")
	}
	if out, err := s.wrap(ctx, initdb, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("hostpg: initdb: %w\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return fmt.Errorf("hostpg: %w", err)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", port, s.dir)
	for _, kv := range cfg.settings {
		opts += " -c " + kv
	}
	logFile := filepath.Join(s.dir, "server.log")
	if out, err := s.wrap(ctx, s.pgctl, "-D", s.data, "-l", logFile, "-w", "-t", "60", "-o", opts, "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(logFile)
		return fmt.Errorf("hostpg: pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	s.Port = port
	return nil
}

// asPostgres hands the directory to the postgres user and runs the
// programs as that user.
func (s *Server) asPostgres() error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("%w: running as root and there is no postgres user to run the server as: %v", ErrUnavailable, err)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		return fmt.Errorf("%w: running as root without runuser: %v", ErrUnavailable, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(s.dir, uid, gid); err != nil {
		return fmt.Errorf("hostpg: %w", err)
	}
	s.wrap = func(ctx context.Context, name string, args ...string) *exec.Cmd {
		return exec.CommandContext(ctx, runuser, append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return nil
}

// URL is the server's URL for database db, as the superuser.
func (s *Server) URL(db string) string {
	u := &url.URL{Scheme: "postgres", User: url.User(s.User), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)),
		Path: "/" + db, RawQuery: "sslmode=disable"}
	if s.Password != "" {
		u.User = url.UserPassword(s.User, s.Password)
	}
	return u.String()
}

// Stop stops the server at once and removes its directory.
func (s *Server) Stop() {
	_ = s.wrap(context.Background(), s.pgctl, "-D", s.data, "-m", "immediate", "-w", "stop").Run()
	_ = os.RemoveAll(s.dir)
}

// Require starts a server for a test, stopped when it ends: without the
// programs the test skips, saying why; any other failure fails it.
func Require(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(context.Background(), opts...)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("skipping: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
