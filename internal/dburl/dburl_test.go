package dburl

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/groundworkdb/groundwork/core"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in       string
		dialect  string
		dsn      string
		redacted string
	}{
		{"sqlite://groundwork.db", SQLite, "groundwork.db", "sqlite://groundwork.db"},
		{"sqlite://data/app.db", SQLite, "data/app.db", "sqlite://data/app.db"},
		{"sqlite:///relative.db", SQLite, "relative.db", "sqlite://relative.db"},
		{"sqlite:////abs/path.db", SQLite, "/abs/path.db", "sqlite:////abs/path.db"},
		{"SQLITE:///x.db", SQLite, "x.db", "sqlite://x.db"},
		{"sqlite+pysqlite:///x.db", SQLite, "x.db", "sqlite://x.db"},
		{"sqlite3://x.db", SQLite, "x.db", "sqlite://x.db"},
		{"sqlite://dir with space/é.db", SQLite, "dir with space/é.db", "sqlite://dir with space/é.db"},
		{"postgres://u:pw@db:5432/app?sslmode=disable", Postgres,
			"postgres://u:pw@db:5432/app?sslmode=disable", "postgres://u:***@db:5432/app?sslmode=disable"},
		{"postgresql://u:pw@db/app", Postgres, "postgres://u:pw@db/app", "postgres://u:***@db/app"},
		{"postgresql+psycopg2://u:pw@db/app", Postgres, "postgres://u:pw@db/app", "postgres://u:***@db/app"},
		{"postgresql+asyncpg://u:pw@db/app", Postgres, "postgres://u:pw@db/app", "postgres://u:***@db/app"},
		{"postgres+pgx://u@db/app", Postgres, "postgres://u@db/app", "postgres://u@db/app"},
		{"postgres://db/app", Postgres, "postgres://db/app", "postgres://db/app"},
		{"postgres:///app", Postgres, "postgres:///app", "postgres:///app"},
		{"postgres://u:@db/app", Postgres, "postgres://u:@db/app", "postgres://u:***@db/app"},
		{"postgres://u:p%40ss%2Fw%3Fo%23rd@db/app", Postgres, "postgres://u:p%40ss%2Fw%3Fo%23rd@db/app", "postgres://u:***@db/app"},
		{"postgres://us%40er:pw@db/app", Postgres, "postgres://us%40er:pw@db/app", "postgres://us%40er:***@db/app"},
		{"postgres://u@db/app?password=hunter2&sslmode=require", Postgres,
			"postgres://u@db/app?password=hunter2&sslmode=require", "postgres://u@db/app?password=***&sslmode=require"},
		{"postgres://u:pw@[::1]:5432/app", Postgres, "postgres://u:pw@[::1]:5432/app", "postgres://u:***@[::1]:5432/app"},
		{"  postgres://u:pw@db/app  ", Postgres, "postgres://u:pw@db/app", "postgres://u:***@db/app"},
		// Every DATABASE_URL form of Open WebUI (FACTS.md).
		{"postgresql+psycopg://u:pw@db/app", Postgres, "postgres://u:pw@db/app", "postgres://u:***@db/app"},
		{"postgres://u:pw@db/app?ssl=require", Postgres, "postgres://u:pw@db/app?sslmode=require", "postgres://u:***@db/app?ssl=require"},
		{"postgres://u:pw@db/app?ssl=true&application_name=x", Postgres, "postgres://u:pw@db/app?sslmode=require&application_name=x", "postgres://u:***@db/app?ssl=true&application_name=x"},
		{"postgres://u:pw@db/app?ssl=false", Postgres, "postgres://u:pw@db/app?sslmode=disable", "postgres://u:***@db/app?ssl=false"},
		{"postgres://u:pw@db/app?sslmode=verify-full&ssl=true", Postgres, "postgres://u:pw@db/app?sslmode=verify-full", "postgres://u:***@db/app?sslmode=verify-full&ssl=true"},
		{"postgres://app:Tr0ub4dor%40prod-Zebra99@host/db", Postgres, "postgres://app:Tr0ub4dor%40prod-Zebra99@host/db", "postgres://app:***@host/db"},
		{"mysql://u:pw@db:3307/app?parseTime=true", MySQL, "u:pw@tcp(db:3307)/app?parseTime=true", "mysql://u:***@db:3307/app?parseTime=true"},
		{"mysql+pymysql://u:pw@db/app", MySQL, "u:pw@tcp(db:3306)/app", "mysql://u:***@db/app"},
		{"mariadb://u@db/app", MySQL, "u@tcp(db:3306)/app", "mysql://u@db/app"},
		{"mysql://u:pw@db/app?loc=Europe/Warsaw&tls=true", MySQL, "u:pw@tcp(db:3306)/app?loc=Europe%2FWarsaw&tls=true", "mysql://u:***@db/app?loc=Europe/Warsaw&tls=true"},
		{"mysql://u:pw@db/my%3Fdb", MySQL, "u:pw@tcp(db:3306)/my%3Fdb", "mysql://u:***@db/my%3Fdb"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if u.Dialect != tt.dialect || u.DSN != tt.dsn || u.Redacted() != tt.redacted {
				t.Fatalf("got dialect %q dsn %q redacted %q; want %q %q %q", u.Dialect, u.DSN, u.Redacted(), tt.dialect, tt.dsn, tt.redacted)
			}
			if tt.dialect == SQLite && u.Path != tt.dsn {
				t.Fatalf("Path = %q, want %q", u.Path, tt.dsn)
			}
			for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
				if got := fmt.Sprintf(f, u); strings.Contains(got, "pw") || strings.Contains(got, "hunter2") {
					t.Fatalf("%s of the URL shows the password: %s", f, got)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"   ", "empty"},
		{"groundwork.db", "no scheme"},
		{"host=db password=secretpw", "no scheme"},
		{"://x", "no scheme"},
		{"1pg://x", "scheme is malformed"},
		{"pg sql://x", "scheme is malformed"},
		{"oracle://u:secretpw@db/x", `unsupported scheme "oracle"`},
		{"sqlite://", "no file path"},
		{"sqlite:///", "no file path"},
		{"sqlite://:memory:", "in-memory"},
		{"sqlite:///:memory:", "in-memory"},
		{"sqlite:///x.db?mode=ro", "query parameters"},
		{"postgres://u:secretpw@db:port/x", "port is not a number"},
		{"postgres://u:secretpw@db:99999/x", "port is not a number"},
		{"postgres://u:secretpw", "port is not a number"},
		{"postgres://u:secret pw@db/x", "percent-encoded"},
		{"postgres://u:secret/pw@db/x", "'@' after the host"},
		{"postgres://u:12/secretpw@db/x", "'@' after the host"},
		{"postgres://u:12?secretpw@db/x", "'@' after the host"},
		{"postgres://u:secret#pw@db/x", "'#' is not allowed"},
		{"postgres://u:secr@tpw@db/x", "more than one '@'"},
		{"postgresql://app:Tr0ub4dor@prod-Zebra99@host/db", "percent-encode '@' in the user name and password as %40"},
		{"mysql://app:Tr0ub4dor@prod-Zebra99@host/db", "more than one '@'"},
		{"postgres://u@secretpw:pw@db/x", "more than one '@'"},
		{"postgres://u:pw@db/x?ssl=maybe", "ssl= must be"},
		{"sqlite+sqlcipher:///secretdb.db", "SQLCipher"},
		{"sqlite+sqlcipher:////data/webui.db", "nothing was written"},
		{"postgres://u:secret%zzpw@db/x", "percent-escape"},
		{"postgres://u:pw@db/x?a=%zz", "malformed query"},
		{"postgres://u:pw\n@db/x", "control characters"},
		{"mysql://u:secretpw@db", "no database name"},
		{"mysql://u:secretpw@db/x?flag", "key=value"},
		{"mysql://a%3Ab:secretpw@db/x", "user name contains ':'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if !errors.Is(err, core.ErrInvalid) {
				t.Fatalf("error %v does not wrap core.ErrInvalid", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "dburl: ") || !strings.Contains(msg, tt.want) {
				t.Fatalf("error %q: want prefix dburl: and %q", msg, tt.want)
			}
			if strings.Contains(msg, "secret") || strings.Contains(msg, "pw") || strings.Contains(msg, "Zebra") || strings.Contains(msg, "Tr0ub") {
				t.Fatalf("error %q shows the password", msg)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	u, err := Parse("postgres://u:p%40ss@db/x?sslpassword=k3y&password=other")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(u.Secrets(), ",")
	if got != "p@ss,k3y,other" {
		t.Fatalf("Secrets() = %q", got)
	}
	if r := u.Redacted(); r != "postgres://u:***@db/x?sslpassword=***&password=***" {
		t.Fatalf("Redacted() = %q", r)
	}
}

// TestMySQLDSNParses: go-sql-driver reads back from the DSN exactly the
// user, password, address, database and parameters the URL spells,
// whatever characters the password holds.
func TestMySQLDSNParses(t *testing.T) {
	tests := []struct {
		url, user, pass, addr, db string
		params                    map[string]string
	}{
		{"mysql://u:pw@db:3307/app", "u", "pw", "db:3307", "app", nil},
		{"mysql://us%40er:p%40ss%3Aw%2Frd%3F%23%28%29@db/app", "us@er", "p@ss:w/rd?#()", "db:3306", "app", nil},
		{"mariadb://u:pw@[::1]:3306/my%3Fdb%20x?loc=Europe/Warsaw&time_zone=%27%2B00%3A00%27", "u", "pw", "[::1]:3306", "my?db x",
			map[string]string{"time_zone": "'+00:00'"}},
		{"mysql://u@db/app", "u", "", "db:3306", "app", nil},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := mysql.ParseDSN(u.DSN)
			if err != nil {
				t.Fatalf("go-sql-driver cannot read %q: %v", u.DSN, err)
			}
			if cfg.User != tt.user || cfg.Passwd != tt.pass || cfg.Addr != tt.addr || cfg.DBName != tt.db {
				t.Fatalf("read back user %q pass %q addr %q db %q", cfg.User, cfg.Passwd, cfg.Addr, cfg.DBName)
			}
			for k, v := range tt.params {
				if cfg.Params[k] != v {
					t.Fatalf("param %s = %q, want %q", k, cfg.Params[k], v)
				}
			}
			if strings.Contains(u.Redacted(), "pw") || strings.Contains(u.Redacted(), "ss") {
				t.Fatalf("Redacted() = %q shows the password", u.Redacted())
			}
		})
	}
}
