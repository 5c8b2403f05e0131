package kit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

const (
	// envRyukDisabled is read by testcontainers-go once, on first use.
	envRyukDisabled = "TESTCONTAINERS_RYUK_DISABLED"
	// envHostOverride is the address at which testcontainers-go reaches
	// published ports (see setHostOverride).
	envHostOverride = "TESTCONTAINERS_HOST_OVERRIDE"
	// envCI makes a missing Docker engine or image a test failure.
	envCI = "CI"

	dockerCheckTimeout = 15 * time.Second
	// startTimeout bounds the start of a shared server.
	startTimeout = 3 * time.Minute
	// stopTimeout is how long Terminate lets a server shut down before the
	// engine kills it: the data are throw-away.
	stopTimeout = 2 * time.Second
)

type serverKind int

const (
	kindPostgres serverKind = iota
	kindMariaDB
)

func (k serverKind) String() string {
	if k == kindMariaDB {
		return "mariadb"
	}
	return "postgres"
}

// Server is a database server running in a container.
type Server struct {
	kind      serverKind
	container testcontainers.Container
	host      string
	port      string

	user      string // owner of the databases DSN connects to
	password  string
	adminUser string // superuser (postgres) or root (mariadb)
	adminPass string
	defaultDB string
	adminDB   string

	// dsnFor, when set, spells the DSN of a server the kit did not start
	// (from the DSN it was given); prefix starts its database names.
	dsnFor func(user, password, dbname string) string
	prefix string
	// stop ends a server the kit started without a container (the host's
	// PostgreSQL programs).
	stop func()

	mu     sync.Mutex
	nextDB int
}

// Host is the address at which the server's port is published.
func (s *Server) Host() string { return s.host }

// Port is the published port of the server on Host.
func (s *Server) Port() string { return s.port }

// DefaultDatabase is the database created when the server started.
func (s *Server) DefaultDatabase() string { return s.defaultDB }

// DSN returns the data source name of database dbname for the server's
// ordinary user.
//
// PostgreSQL: a URL postgres://user:pass@host:port/db?sslmode=disable, for
// pgx. MariaDB: a go-sql-driver/mysql DSN
// user:pass@tcp(host:port)/db?parseTime=true&multiStatements=false.
func (s *Server) DSN(dbname string) string {
	return s.dsn(s.user, s.password, dbname)
}

// DSNAs returns the data source name of database dbname for another user,
// such as a role a test created to prove what a restricted login can do.
func (s *Server) DSNAs(user, password, dbname string) string {
	return s.dsn(user, password, dbname)
}

// AdminDSN returns the data source name of the server's superuser
// (PostgreSQL: the bootstrap superuser on database postgres; MariaDB: root,
// with no default database).
func (s *Server) AdminDSN() string {
	return s.dsn(s.adminUser, s.adminPass, s.adminDB)
}

func (s *Server) dsn(user, password, dbname string) string {
	if s.dsnFor != nil {
		return s.dsnFor(user, password, dbname)
	}
	if s.kind == kindMariaDB {
		return mariadbDSN(user, password, s.host, s.port, dbname)
	}
	return postgresDSN(user, password, s.host, s.port, dbname)
}

// CreateDatabase creates a new empty database on the server and returns its
// DSN (as DSN would). An empty name picks a fresh unique one. Names are
// limited to lower-case letters, digits and underscores, starting with a
// letter or an underscore, at most 63 characters.
func (s *Server) CreateDatabase(ctx context.Context, name string) (string, error) {
	name, err := s.databaseName(name)
	if err != nil {
		return "", err
	}
	if s.kind == kindMariaDB {
		err = s.createMariaDBDatabase(ctx, name)
	} else {
		err = s.createPostgresDatabase(ctx, name, "")
	}
	if err != nil {
		return "", err
	}
	return s.DSN(name), nil
}

// DropDatabase removes database name from the server, ending the sessions
// still connected to it. A database that does not exist is not an error.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	if !dbNameRE.MatchString(name) {
		return fmt.Errorf("integration/kit: invalid database name %q", name)
	}
	if s.kind == kindMariaDB {
		return s.dropMariaDBDatabase(ctx, name)
	}
	return s.dropPostgresDatabase(ctx, name)
}

// Terminate stops and removes the server's container. It is safe to call on
// a nil Server and more than once.
func (s *Server) Terminate(ctx context.Context) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	ctr, stop := s.container, s.stop
	s.container, s.stop = nil, nil
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	if ctr == nil {
		return nil // an existing server (ConnectPostgres): not the kit's to stop
	}
	if err := ctr.Terminate(ctx, testcontainers.StopTimeout(stopTimeout)); err != nil {
		return fmt.Errorf("integration/kit: terminate %s container: %w", s.kind, err)
	}
	return nil
}

var dbNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func (s *Server) databaseName(name string) (string, error) {
	if name == "" {
		s.mu.Lock()
		s.nextDB++
		n := s.nextDB
		s.mu.Unlock()
		prefix := s.prefix
		if prefix == "" {
			prefix = "gw_test"
		}
		return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), n), nil
	}
	if !dbNameRE.MatchString(name) {
		return "", fmt.Errorf("integration/kit: invalid database name %q: want [a-z_][a-z0-9_]*, at most 63 characters", name)
	}
	return name, nil
}

// prepareEnv disables the reaper (see the package documentation) unless the
// environment says otherwise. It must run before testcontainers-go reads its
// configuration, which it does once per process.
func prepareEnv() error {
	if _, ok := os.LookupEnv(envRyukDisabled); ok {
		return nil
	}
	if err := os.Setenv(envRyukDisabled, "true"); err != nil {
		return fmt.Errorf("integration/kit: set %s: %w", envRyukDisabled, err)
	}
	return nil
}

var hostCheck sync.Once

// dockerClient returns testcontainers-go's Docker client, after prepareEnv
// and, once, setHostOverride.
func dockerClient(ctx context.Context) (*testcontainers.DockerClient, error) {
	if err := prepareEnv(); err != nil {
		return nil, err
	}
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("integration/kit: docker client: %w", err)
	}
	var overrideErr error
	hostCheck.Do(func() { overrideErr = setHostOverride(ctx, cli) })
	if overrideErr != nil {
		cli.Close()
		return nil, overrideErr
	}
	return cli, nil
}

// setHostOverride makes testcontainers-go reach published ports on
// 127.0.0.1 when the engine runs in this process's own network namespace
// but the process looks like it runs in a container (/.dockerenv exists), as
// on this project's machines. testcontainers-go would then use the default
// gateway's address (it expects a sibling container of the tests), which is
// wrong there (and a forbidden target): the ports are published on this
// namespace's loopback. The engine is taken to share the namespace when the
// gateway of its "bridge" network is an address of a local interface.
// TESTCONTAINERS_HOST_OVERRIDE, when set, is left alone.
func setHostOverride(ctx context.Context, cli *testcontainers.DockerClient) error {
	if _, ok := os.LookupEnv(envHostOverride); ok {
		return nil
	}
	if _, err := os.Stat("/.dockerenv"); err != nil {
		return nil // testcontainers-go uses localhost
	}
	if u, err := url.Parse(cli.DaemonHost()); err != nil || u.Scheme != "unix" {
		return nil // a remote engine: testcontainers-go uses its host name
	}
	res, err := cli.NetworkInspect(ctx, "bridge", client.NetworkInspectOptions{})
	if err != nil {
		return nil
	}
	local := localAddrs()
	for _, cfg := range res.Network.IPAM.Config {
		gw := cfg.Gateway
		if !gw.IsValid() && cfg.Subnet.IsValid() {
			// Docker 20.10 leaves the default bridge's gateway out; it is
			// the first address of the subnet.
			gw = cfg.Subnet.Masked().Addr().Next()
		}
		if gw.IsValid() && local[gw.Unmap()] {
			if err := os.Setenv(envHostOverride, "127.0.0.1"); err != nil {
				return fmt.Errorf("integration/kit: set %s: %w", envHostOverride, err)
			}
			return nil
		}
	}
	return nil
}

func localAddrs() map[netip.Addr]bool {
	m := make(map[netip.Addr]bool)
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return m
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			m[p.Addr().Unmap()] = true
		}
	}
	return m
}

// DockerAvailable reports whether a Docker engine answers, as testcontainers-go
// finds it (DOCKER_HOST, ~/.testcontainers.properties, the default socket).
// It returns nil when the engine answers a ping within 15 seconds.
func DockerAvailable() error {
	ctx, cancel := context.WithTimeout(context.Background(), dockerCheckTimeout)
	defer cancel()
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return fmt.Errorf("integration/kit: docker engine does not answer: %w", err)
	}
	return nil
}

// imageAvailable reports whether the engine has image img locally: the kit
// never pulls (the images are built by integration/images/build.sh), and
// without this check testcontainers-go would try to, and fail obscurely.
func imageAvailable(ctx context.Context, img string) error {
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.ImageInspect(ctx, img); err != nil {
		if cerrdefs.IsNotFound(err) {
			return &missingImageError{err: fmt.Errorf("integration/kit: image %s not found (the kit never pulls): %w", img, err)}
		}
		return fmt.Errorf("integration/kit: inspect image %s: %w", img, err)
	}
	return nil
}

var dockerCheck struct {
	once sync.Once
	err  error
}

// RequireDocker skips the test when no Docker engine answers, or fails it
// when the environment variable CI is "true" (CI must not skip silently).
func RequireDocker(t testing.TB) {
	t.Helper()
	dockerCheck.once.Do(func() { dockerCheck.err = DockerAvailable() })
	if dockerCheck.err != nil {
		skipOrFail(t, "no Docker engine", dockerCheck.err)
	}
}

func skipOrFail(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv(envCI) == "true" {
		t.Fatalf("integration/kit: %s, and CI=true: %v", what, err)
	}
	t.Skipf("integration/kit: skipping: %s (set CI=true to make this a failure): %v", what, err)
}

// shared is one lazily started server per test binary.
type shared struct {
	mu      sync.Mutex
	started bool
	srv     *Server
	err     error
}

var (
	sharedPostgres shared
	sharedMariaDB  shared
)

func (sh *shared) get(t testing.TB, kind serverKind, start func(context.Context) (*Server, error)) *Server {
	t.Helper()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if !sh.started {
		sh.started = true
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		sh.srv, sh.err = start(ctx)
	}
	if sh.err != nil {
		var missing *missingImageError
		var unavailable *unavailableError
		switch {
		case errors.As(sh.err, &missing):
			skipOrFail(t, "no "+kind.String()+" server: test image missing; "+howToEnable(kind), sh.err)
		case errors.As(sh.err, &unavailable):
			skipOrFail(t, "no "+kind.String()+" server; "+howToEnable(kind), sh.err)
		}
		t.Fatalf("%v", sh.err)
	}
	return sh.srv
}

func (sh *shared) terminate(ctx context.Context) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	srv := sh.srv
	sh.started, sh.srv, sh.err = false, nil, nil
	return srv.Terminate(ctx)
}

// SharedPostgres returns the test binary's PostgreSQL server, starting it on
// first use. Tests should not terminate it, but give it to TerminateShared
// in TestMain. Each test gets its own database with CreateDatabase. When
// no server can be had (see the package documentation: a DSN, the host's
// programs, a container) it skips the test, or fails it if CI=true.
func SharedPostgres(t testing.TB) *Server {
	t.Helper()
	return sharedPostgres.get(t, kindPostgres, startPostgresAny)
}

// SharedMariaDB is SharedPostgres for MariaDB.
func SharedMariaDB(t testing.TB) *Server {
	t.Helper()
	return sharedMariaDB.get(t, kindMariaDB, startMariaDBAny)
}

// TerminateShared terminates the servers started by SharedPostgres and
// SharedMariaDB, if any, and removes the templates (see Target.Template).
// Call it from TestMain after m.Run(); without it the containers outlive
// the test binary (the reaper is disabled). A later Shared* call starts a
// new server.
func TerminateShared() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := []error{sharedPostgres.terminate(ctx), sharedMariaDB.terminate(ctx), sharedHostPostgres.terminate(ctx)}
	externals.mu.Lock()
	for _, sh := range externals.srvs {
		errs = append(errs, sh.terminate(ctx))
	}
	externals.mu.Unlock()
	return errors.Join(append(errs, forgetTemplates())...)
}

// missingImageError marks a start failure due to an image that is not built.
type missingImageError struct{ err error }

func (e *missingImageError) Error() string { return e.err.Error() }
func (e *missingImageError) Unwrap() error { return e.err }

// newServer fills in the address of a started container.
func newServer(ctx context.Context, kind serverKind, ctr testcontainers.Container, port string) (*Server, error) {
	host, err := ctr.Host(ctx)
	if err != nil {
		return nil, fmt.Errorf("integration/kit: %s container host: %w", kind, err)
	}
	if host == "localhost" {
		// The engine publishes ports on IPv4; avoid a first try on ::1.
		host = "127.0.0.1"
	}
	mapped, err := ctr.MappedPort(ctx, port)
	if err != nil {
		return nil, fmt.Errorf("integration/kit: %s container port %s: %w", kind, port, err)
	}
	return &Server{kind: kind, container: ctr, host: host, port: mapped.Port()}, nil
}

// startFailed terminates a container that failed to start and returns err
// with the end of the container's log, which says why.
func startFailed(kind serverKind, ctr testcontainers.Container, err error) error {
	var tail string
	if ctr != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		tail = logTail(ctx, ctr, 4096)
		_ = ctr.Terminate(ctx, testcontainers.StopTimeout(0))
	}
	if tail != "" {
		return fmt.Errorf("integration/kit: start %s: %w; container log ends with:\n%s", kind, err, tail)
	}
	return fmt.Errorf("integration/kit: start %s: %w", kind, err)
}

func logTail(ctx context.Context, ctr testcontainers.Container, n int) string {
	rc, err := ctr.Logs(ctx)
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil && len(b) == 0 {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return strings.TrimRight(string(b), "\n")
}

// quoteIdent quotes an identifier checked by databaseName (so it holds no
// quote characters) for PostgreSQL (q = '"') or MariaDB (q = '`').
func quoteIdent(name string, q byte) string {
	return string(q) + name + string(q)
}
