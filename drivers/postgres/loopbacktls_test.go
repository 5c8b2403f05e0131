package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestLoopbackAllow(t *testing.T) {
	noEnv := func(string) (string, bool) { return "", false }
	for _, tc := range []struct {
		name, conn string
		env        func(string) (string, bool)
		allow      bool // plaintext first, TLS as the fallback
	}{
		{"url localhost", "postgres://u:p@localhost:5432/db", noEnv, true},
		{"url 127.0.0.1", "postgresql://u:p@127.0.0.1/db?application_name=x", noEnv, true},
		{"url ::1", "postgres://u:p@[::1]:5432/db", noEnv, true},
		{"dsn loopback", "host=127.0.0.1 port=5432 user=u password=p dbname=db", noEnv, true},
		{"multi-host all loopback", "postgres://u:p@127.0.0.1:5432,localhost:5433/db", noEnv, true},
		{"remote host keeps prefer", "postgres://u:p@db.example.internal/db", noEnv, false},
		{"one remote host keeps prefer", "postgres://u:p@127.0.0.1:5432,10.0.0.7:5432/db", noEnv, false},
		{"explicit sslmode obeyed", "postgres://u:p@localhost/db?sslmode=prefer", noEnv, false},
		{"explicit require obeyed", "host=localhost sslmode=require user=u", noEnv, false},
		{"PGSSLMODE obeyed", "postgres://u:p@localhost/db", func(k string) (string, bool) { return "prefer", k == "PGSSLMODE" }, false},
		{"unix socket untouched", "host=/var/run/postgresql user=u", noEnv, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := pgx.ParseConfig(tc.conn)
			if err != nil {
				t.Fatal(err)
			}
			got := loopbackAllow(tc.conn, cfg, tc.env)
			if !tc.allow {
				if got != cfg {
					t.Fatalf("config changed for %q", tc.conn)
				}
				return
			}
			if got.TLSConfig != nil {
				t.Fatalf("%q: first attempt still TLS", tc.conn)
			}
			tlsFallback := false
			for _, fb := range got.Fallbacks {
				tlsFallback = tlsFallback || fb.TLSConfig != nil
			}
			if !tlsFallback {
				t.Fatalf("%q: no TLS fallback for a server that refuses plaintext", tc.conn)
			}
			if got.User != cfg.User || got.Password != cfg.Password || got.Database != cfg.Database || got.Host != cfg.Host ||
				got.RuntimeParams["application_name"] != cfg.RuntimeParams["application_name"] {
				t.Fatalf("%q: settings lost: %+v", tc.conn, got)
			}
		})
	}
}
