package kit

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

func TestWithPostgresDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h:5432/app?sslmode=require": "postgres://u:p@h:5432/gw_x?sslmode=require",
		"postgresql://u@h/app":                      "postgresql://u@h/gw_x",
		"host=h user=u dbname=app":                  "host=h user=u dbname=app dbname='gw_x'",
	} {
		if got := withPostgresDatabase(in, "u", "p", "gw_x"); got != want {
			t.Errorf("withPostgresDatabase(%q) = %q, want %q", in, got, want)
		}
	}
	// DSNAs: another user.
	if got := withPostgresDatabase("postgres://u:p@h/app", "ro", "x'y", "db"); got != "postgres://ro:x%27y@h/db" {
		t.Errorf("as another user: %q", got)
	}
	if got := withPostgresDatabase("host=h user=u", "ro", "x'y", "db"); got != `host=h user=u dbname='db' user='ro' password='x\'y'` {
		t.Errorf("as another user, key=value: %q", got)
	}
}

func TestConnectRejectsBadDSN(t *testing.T) {
	ctx := context.Background()
	if _, err := ConnectPostgres(ctx, "postgres://u:secret@h:99999/db"); !errors.Is(err, core.ErrInvalid) || strings.Contains(err.Error(), "secret") {
		t.Errorf("ConnectPostgres: %v; want ErrInvalid without the password", err)
	}
	for _, dsn := range []string{"postgres://u:secret@h/db", "mysql://u:secret@h:3306", "not a dsn"} {
		if _, err := ConnectMySQL(ctx, dsn); !errors.Is(err, core.ErrInvalid) || strings.Contains(err.Error(), "secret") {
			t.Errorf("ConnectMySQL(%q): %v; want ErrInvalid without the password", dsn, err)
		}
	}
}

// TestSkipMessageSaysHow: the skip message names every way to get a
// server of each kind.
func TestSkipMessageSaysHow(t *testing.T) {
	for kind, wants := range map[serverKind][]string{
		kindPostgres: {EnvPostgresURL, EnvPostgresSource + "=host", EnvPostgresImage},
		kindMariaDB:  {EnvMySQLURL, EnvMariaDBImage},
	} {
		msg := howToEnable(kind)
		for _, w := range wants {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not mention %s", kind, msg, w)
			}
		}
	}
}

func TestExternalDatabaseNames(t *testing.T) {
	a, b := externalPrefix(), externalPrefix()
	if a == b || !dbNameRE.MatchString(a+"_1_1") {
		t.Fatalf("prefixes %q, %q: want distinct valid names", a, b)
	}
}
