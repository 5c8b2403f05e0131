package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/mysql"
	"github.com/groundworkdb/groundwork/drivers/postgres"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
	"github.com/groundworkdb/groundwork/internal/dburl"
)

// Backoff of --wait: the first retry after firstRetry, doubling up to maxRetry.
const (
	firstRetry = 250 * time.Millisecond
	maxRetry   = 5 * time.Second
)

// database is an open driver and how to close it.
type database struct {
	driver core.Driver
	close  func()
}

// open connects to u and checks that the database answers. With --wait it
// retries with backoff until the wait is over; an invalid URL is never
// retried. A read-only command on an SQLite file that does not exist
// leaves no empty file behind.
func (a *app) open(ctx context.Context, u dburl.URL, readOnly bool) (*database, error) {
	var ephemeral string
	if u.Dialect == dburl.SQLite && readOnly {
		if _, err := os.Stat(u.Path); errors.Is(err, fs.ErrNotExist) {
			ephemeral = u.Path
		}
	}
	cleanup := func() {
		if ephemeral != "" {
			removeIfEmpty(ephemeral)
		}
	}
	if a.st.DBSchema != "" && u.Dialect != dburl.Postgres {
		a.log.Warn("DATABASE_SCHEMA is for PostgreSQL; ignored", "dialect", u.Dialect)
	}
	wait := a.st.Wait
	deadline := time.Now().Add(wait)
	delay := firstRetry
	for attempt := 1; ; attempt++ {
		d, closeFn, err := openOnce(ctx, u, a.st.LockTimeout, append(a.postgresOptions(), postgres.WithSchema(a.st.DBSchema))...)
		if err == nil {
			return &database{driver: d, close: func() { closeFn(); cleanup() }}, nil
		}
		cleanup()
		switch {
		case errors.Is(err, core.ErrInvalid):
			return nil, fmt.Errorf("cli: open %s: %w", u.Redacted(), err)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("cli: cannot connect to %s: %w (%w)", u.Redacted(), err, ctx.Err())
		case wait <= 0:
			return nil, fmt.Errorf("cli: cannot connect to %s: %w", u.Redacted(), err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("cli: %s still unreachable after waiting %s (%d attempts): %w", u.Redacted(), wait, attempt, err)
		}
		pause := min(delay, left)
		a.log.Info("database not reachable yet; retrying", "db", u.Redacted(), "attempt", attempt, "retry_in", pause.Round(time.Millisecond).String(), "err", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cli: cannot connect to %s: %w (%w)", u.Redacted(), err, ctx.Err())
		case <-time.After(pause):
		}
		delay = min(delay*2, maxRetry)
	}
}

// openOnce opens u once. lockWait is --lock-timeout: SQLite's busy wait
// for the host's write lock follows it.
func openOnce(ctx context.Context, u dburl.URL, lockWait time.Duration, pgOpts ...postgres.Option) (core.Driver, func(), error) {
	switch u.Dialect {
	case dburl.SQLite:
		if dir := filepath.Dir(u.Path); dir != "." {
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				hint := ""
				if !filepath.IsAbs(u.Path) {
					hint = " (the path is relative to the working directory; sqlite:////abs/path.db names an absolute path)"
				}
				return nil, nil, fmt.Errorf("directory %s does not exist%s", dir, hint)
			}
		}
		d, err := sqlite.Open(u.Path, sqlite.WithBusyTimeout(lockWait))
		if err != nil {
			return nil, nil, err
		}
		if err := d.DB().PingContext(ctx); err != nil {
			_ = d.Close()
			return nil, nil, err
		}
		return d, func() { _ = d.Close() }, nil
	case dburl.Postgres:
		d, err := postgres.Open(ctx, u.DSN, pgOpts...)
		if err != nil {
			return nil, nil, err
		}
		return d, func() { _ = d.Close() }, nil
	case dburl.MySQL:
		d, err := mysql.Open(ctx, u.DSN)
		if err != nil {
			return nil, nil, err
		}
		return d, func() { _ = d.Close() }, nil
	}
	return nil, nil, fmt.Errorf("dialect %s is not supported yet: %w: %w", u.Dialect, core.ErrUnsupported, core.ErrInvalid)
}

func removeIfEmpty(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		_ = os.Remove(path)
	}
}
