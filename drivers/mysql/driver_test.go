package mysql

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/drivers/drivertest"
	"github.com/groundworkdb/groundwork/model"
)

// TestOpenNeverShowsPassword: neither a DSN go-sql-driver cannot parse nor
// a server it cannot reach gives an error with the password in it.
func TestOpenNeverShowsPassword(t *testing.T) {
	const secret = "Hunter2-s3cret"
	drivertest.RunOpenSecretTests(t, drivertest.OpenSecrets{
		Open:   func(ctx context.Context, dsn string) (io.Closer, error) { return Open(ctx, dsn) },
		Secret: secret,
		Invalid: []string{
			"app:" + secret + "@tcp(127.0.0.1:1)/app?parseTime=maybe",
			"app:" + secret + "@tcp(127.0.0.1:1/app",
			"app:" + secret + "@tcp(127.0.0.1:1)",
			"app:" + secret + "@tcp(127.0.0.1:1)/",
			"app:" + url.QueryEscape(secret+"/@") + "@tcp(127.0.0.1:1)/app?tls=nosuchconfig",
			"app:" + secret + "@tcp(127.0.0.1:1)/app?timeout=soon",
		},
		Unreachable: "app:" + secret + "@tcp(127.0.0.1:1)/app?timeout=2s",
		Host:        "127.0.0.1:1",
	})
}

func TestScrub(t *testing.T) {
	const dsn = "u:p@ss:w/rd@tcp(h:3306)/db"
	for _, msg := range []string{"x p@ss:w/rd y", "x " + url.QueryEscape("p@ss:w/rd") + " y"} {
		if got := scrub(msg, dsn); strings.Contains(got, "ss:w") {
			t.Errorf("scrub(%q) = %q", msg, got)
		}
	}
	if got := scrub("nothing secret", "u@tcp(h)/db"); got != "nothing secret" {
		t.Errorf("scrub without a password changed the message: %s", got)
	}
}

// TestOpenRefusesUnsafeCharsets: a charset in which a backslash byte can
// end a character is refused before anything is sent, since arguments are
// interpolated by the driver; utf8mb4 and the like are not.
func TestOpenRefusesUnsafeCharsets(t *testing.T) {
	for _, dsn := range []string{
		"app:pw@tcp(127.0.0.1:1)/app?charset=gbk",
		"app:pw@tcp(127.0.0.1:1)/app?parseTime=true&charset=utf8mb4,SJIS",
	} {
		_, err := Open(context.Background(), dsn)
		if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "charset") {
			t.Errorf("%s: %v, want ErrInvalid naming the charset", dsn, err)
		}
	}
	for _, dsn := range []string{
		"app:pw@tcp(127.0.0.1:1)/app",
		"app:pw@tcp(127.0.0.1:1)/app?charset=utf8mb4,utf8",
		"app:p?charset=gbk/x@tcp(127.0.0.1:1)/app",
	} {
		if cs := unsafeCharset(dsn); cs != "" {
			t.Errorf("%s: unsafe charset %q", dsn, cs)
		}
	}
}
