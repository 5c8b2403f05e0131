package drivertest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/groundworkdb/groundwork/model"
)

// OpenSecrets is what RunOpenSecretTests needs of a driver with a server:
// its Open, and connection strings in its own syntax that carry Secret as
// the password.
type OpenSecrets struct {
	// Open opens (and connects, as the driver's Open does) dsn; what it
	// opens is closed.
	Open func(ctx context.Context, dsn string) (io.Closer, error)
	// Secret is the password every connection string carries.
	Secret string
	// Invalid are connection strings that cannot be opened as written.
	Invalid []string
	// Unreachable is a well-formed connection string to a server that is
	// not there (port 1 on loopback), with a connect timeout of seconds.
	Unreachable string
	// Host is what the error of Unreachable must name instead.
	Host string
}

// RunOpenSecretTests is the case every networked driver passes: a
// connection string it cannot read fails as model.ErrInvalid, a server it
// cannot reach fails as something else (the CLI retries that, not this),
// and neither error shows the password, whole or in part, in whatever
// escaping the driver underneath echoes it.
func RunOpenSecretTests(t *testing.T, c OpenSecrets) {
	t.Helper()
	shows := func(msg string) bool {
		if strings.Contains(msg, c.Secret) {
			return true
		}
		for _, part := range strings.FieldsFunc(c.Secret, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if len(part) >= 4 && strings.Contains(msg, part) {
				return true
			}
		}
		return false
	}
	open := func(ctx context.Context, dsn string) error {
		d, err := c.Open(ctx, dsn)
		if err == nil {
			_ = d.Close()
		}
		return err
	}
	for _, dsn := range c.Invalid {
		err := open(context.Background(), dsn)
		if err == nil {
			t.Errorf("%s: opened", dsn)
			continue
		}
		if !errors.Is(err, model.ErrInvalid) {
			t.Errorf("%s: %v is not ErrInvalid", dsn, err)
		}
		if msg := err.Error(); shows(msg) {
			t.Errorf("error shows the password: %s", msg)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := open(ctx, c.Unreachable)
	if err == nil {
		t.Fatalf("%s: connected to a server that is not there", c.Host)
	}
	if errors.Is(err, model.ErrInvalid) {
		t.Errorf("an unreachable server is not invalid input: %v", err)
	}
	if msg := err.Error(); shows(msg) || !strings.Contains(msg, c.Host) {
		t.Errorf("connect error shows the password or does not name %s: %s", c.Host, msg)
	}
}
