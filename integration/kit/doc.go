// Package kit gives groundwork's integration tests, and an integrator's own
// tests in their own module, real databases: an SQLite file, or a database
// of its own on a PostgreSQL or MariaDB/MySQL server; and one call that
// proves a registry of steps converges.
//
// One call to get a database, one call to prove a registry converges:
//
//	func TestMyRegistry(t *testing.T) {
//		for _, target := range kit.Targets() { // SQLite, PostgreSQL, MariaDB
//			t.Run(target.Name(), func(t *testing.T) {
//				d := target.NewDatabase(t).Open(t) // fresh, empty; a core.Driver, closed after the test
//				reg, _ := core.NewRegistry(mySteps()...)
//				kit.RequireConverges(t, d, reg) // apply, apply again (no change), verify (clean)
//			})
//		}
//	}
//
// A database that many tests start from (host tables, an old deployment)
// is built once per test binary as a template and copied cheaply for each
// test: PostgreSQL copies it server-side (CREATE DATABASE … TEMPLATE), SQLite
// copies the file; MariaDB, which cannot copy a database, builds each copy
// afresh:
//
//	tpl := target.Template(t, "host", buildHostTables) // built on first use
//	db := tpl.NewDatabase(t)                           // a private copy
//
// # Where the servers come from
//
// For each kind the kit takes the first of:
//
//   - an existing server named by GROUNDWORK_TEST_POSTGRES_URL (a
//     postgres:// URL or key=value DSN) or GROUNDWORK_TEST_MYSQL_URL (a
//     mysql:// or mariadb:// URL, or a go-sql-driver DSN): a CI service
//     container, a developer's server. Each test gets its own database there
//     (its user needs the right to create databases), with a random name
//     prefix so parallel jobs never collide, dropped after the test. The kit
//     never stops such a server. [PostgresAt] and [MySQLAt] are targets on a
//     DSN given in code;
//   - PostgreSQL only: the host's server programs (initdb, pg_ctl, as
//     Debian's postgresql package installs them) when
//     GROUNDWORK_TEST_POSTGRES=host, or when no Docker engine answers: a
//     throwaway server in a temporary directory, on 127.0.0.1 only
//     ([HostPostgres], [StartHostPostgres]);
//   - a container (testcontainers-go) of the image GROUNDWORK_POSTGRES_IMAGE
//     or GROUNDWORK_MARIADB_IMAGE (see [PostgresImage] and [MariaDBImage]):
//     the official postgres and mariadb (10.5+) images work, and so do the
//     images integration/images/build.sh builds from Debian packages (the
//     defaults, as this project reaches no container registry). The kit never
//     pulls: an image that is not there is a skip.
//
// Without any of them a test skips with a message saying how to enable each;
// when the environment variable CI is "true" it fails instead.
//
// A test package shares one container per server kind for the whole test
// binary; its TestMain terminates them:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		if err := kit.TerminateShared(); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			code = 1
//		}
//		os.Exit(code)
//	}
//
// Lower level, [SharedPostgres] and [SharedMariaDB] return the shared
// [Server], whose CreateDatabase and CreateDatabaseFromTemplate return DSNs.
//
// testcontainers-go's reaper (Ryuk) runs from an image pulled from a registry,
// which this project cannot reach, so the kit sets
// TESTCONTAINERS_RYUK_DISABLED=true in the process environment before it talks
// to Docker, unless the variable is already set. Without the reaper, containers
// of a test binary that is killed are left behind: TerminateShared (or
// Server.Terminate) removes them on a normal exit, and
// `docker ps -a --filter label=org.testcontainers=true` finds any leftovers.
//
// When the engine shares this process's network namespace although
// /.dockerenv exists (as on this project's machines), the kit also sets
// TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1, unless it is set: testcontainers-go
// would otherwise reach published ports through the default gateway (see
// setHostOverride). The Docker client negotiates the API version by itself;
// Docker Engine 20.10 (API 1.41) needs no DOCKER_API_VERSION.
//
// The kit prints nothing itself; testcontainers-go prints one "Connected to
// docker" banner on stderr when it first connects. Container logs are not
// shown, except the end of them in the error of a failed start.
package kit
