//go:build integration

package mariadb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/internal/redact"
)

// TestSecretEchoMasked: MariaDB quotes back, in its own spelling, the
// bytes of a value it cannot store ("Incorrect string value:
// '\xF0\x9F\x94\x91s3...'"). The redactor masks that spelling of the
// key too, so it reaches neither the output nor the history.
func TestSecretEchoMasked(t *testing.T) {
	_, dsn := newDatabase(t)
	d := open(t, dsn)
	ctx := context.Background()
	if _, err := d.DB().ExecContext(ctx, "CREATE TABLE echo_test (k VARCHAR(255) CHARACTER SET utf8mb3) "); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"sk-or-v1-\U0001F511s3cr3t-key", "sk-or-v1-abc\U0001F511\U0001F511"} {
		_, err := d.DB().ExecContext(ctx, "INSERT INTO echo_test (k) VALUES (?)", key)
		if err == nil {
			t.Fatalf("MariaDB stored a 4-byte character in utf8mb3: the test needs another unstorable value")
		}
		masked := redact.String(err.Error(), []string{key}, "***")
		t.Logf("server: %v\nmasked: %s", err, masked)
		if !strings.Contains(masked, "***") {
			t.Errorf("the server's echo of the key is not masked: %s", masked)
		}
		for _, frag := range []string{`\xF0\x9F\x94\x91`, "s3cr3t"} {
			if strings.Contains(masked, frag) {
				t.Errorf("masked text still holds %q: %s", frag, masked)
			}
		}
	}
}
