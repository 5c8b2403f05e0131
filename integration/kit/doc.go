// Package kit gives groundwork's integration tests, and an integrator's own
// tests, real databases: an SQLite file, or a database on a throw-away
// PostgreSQL or MariaDB server in a Docker container (testcontainers-go);
// and one call that proves a registry of steps converges.
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
// # Containers
//
// The images are built locally by integration/images/build.sh (no container
// registry is needed or used): PostgreSQL 15 and MariaDB 10.11 from Debian
// bookworm packages. Their tags come from GROUNDWORK_POSTGRES_IMAGE and
// GROUNDWORK_MARIADB_IMAGE (see [PostgresImage] and [MariaDBImage]), so the
// official postgres:15 and mariadb:10.11 images work unchanged where a
// registry is reachable.
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
// Without Docker (or without the image) a test skips with a message; when
// the environment variable CI is "true" it fails instead.
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
