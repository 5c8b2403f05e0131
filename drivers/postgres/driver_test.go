package postgres

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/drivers/drivertest"
)

// TestOpenNeverShowsPassword: neither a URL pgx cannot parse nor a server
// it cannot reach gives an error with the password in it, in any spelling.
func TestOpenNeverShowsPassword(t *testing.T) {
	const secret = "Hunter2-s3cret"
	drivertest.RunOpenSecretTests(t, drivertest.OpenSecrets{
		Open:   func(ctx context.Context, dsn string) (io.Closer, error) { return Open(ctx, dsn) },
		Secret: secret,
		Invalid: []string{
			"postgres://app:" + secret + "@db.example:notaport/app",
			"postgres://app:" + secret + "%zz@db.example/app",
			"postgresql://app:" + secret + "@db.example/app?sslmode=bogus",
			"postgres://app:" + url.QueryEscape(secret+"/?#@") + "@db.example:99999/app",
			"postgres://app:" + secret + "@[::1/app",
			"host=db.example password=" + secret + " port=abc",
			"host=db.example password='" + secret + " x' port=abc",
			"host=db.example password=" + secret + " sslmode=bogus",
			"host=db.example password = " + secret + " port=abc",
			"postgres://app:" + secret + "@db.example/app?connect_timeout=x",
		},
		Unreachable: "postgres://app:" + secret + "@127.0.0.1:1/app?connect_timeout=2",
		Host:        "127.0.0.1",
	})
}

func TestScrub(t *testing.T) {
	const conn = "postgres://u:p%40ss@h/db"
	for _, msg := range []string{"x p%40ss y", "x p@ss y", "parse \"postgres://u:p%40ss@h/db\": bad"} {
		if got := scrub(msg, conn); strings.Contains(got, "p%40ss") || strings.Contains(got, "p@ss") {
			t.Errorf("scrub(%q) = %q", msg, got)
		}
	}
	if got := scrub("password=abc and abc", "host=h password=abc"); strings.Contains(got, "abc") {
		t.Errorf("key=value password left: %q", got)
	}
}

func TestOpenSettings(t *testing.T) {
	url := newSchema(t)
	d := openURL(t, url)
	ctx := context.Background()
	c := &driver.Counter{}
	var app string
	if err := d.DB().QueryRowContext(driver.WithCounter(ctx, c), "SELECT current_setting('application_name')").Scan(&app); err != nil {
		t.Fatal(err)
	}
	if app != ApplicationName {
		t.Errorf("application_name = %q, want %q", app, ApplicationName)
	}
	if c.Load() != 1 {
		t.Errorf("the query hook counted %d queries, want 1", c.Load())
	}
	// An application_name in the URL wins.
	d2 := openURL(t, withParam(url, "application_name", "host-app"))
	if err := d2.DB().QueryRowContext(ctx, "SELECT current_setting('application_name')").Scan(&app); err != nil {
		t.Fatal(err)
	}
	if app != "host-app" {
		t.Errorf("application_name = %q, want the URL's", app)
	}
	// No statement is prepared: pg_prepared_statements stays empty after
	// queries with arguments.
	conn, err := d.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.Conn.QueryRowContext(ctx, "SELECT $1::int + 1", 1).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_prepared_statements").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d prepared statements on the connection, want 0", n)
	}
}
