package orgaccess

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// ErrHostNotMigrated is wrapped by the error of WaitForHost when the
// database did not reach the host's target in time.
var ErrHostNotMigrated = errors.New("the host has not migrated the database")

// HostWaitError says how far the host got.
type HostWaitError struct {
	Target string
	At     string
	Waited time.Duration
}

func (e *HostWaitError) Error() string {
	return fmt.Sprintf("steps/orgaccess: the database is at Open WebUI revision %s after %s, not at %s: %v", e.At, e.Waited.Round(time.Second), e.Target, ErrHostNotMigrated)
}

func (e *HostWaitError) Unwrap() error { return ErrHostNotMigrated }

// AfterHostPoll is how often WaitForHost reads the host's revision.
const AfterHostPoll = 2 * time.Second

// WaitForHost is the after-host phase's wait, run before the runner (and
// so before its lock, which other replicas need meanwhile): it returns
// once the database is at t's revision, or newer than the host knows,
// reading alembic_version every poll, for at most wait. Then an apply
// creates what the pre-host phase held back. A target that is unknown is
// an error wrapping core.ErrInvalid: nothing says when the host is done.
func WaitForHost(ctx context.Context, d core.Driver, t HostTarget, wait, poll time.Duration, log *slog.Logger) error {
	if t.Unknown() {
		return fmt.Errorf("steps/orgaccess: waiting for the host needs the revision it migrates to: set %s or %s (no Open WebUI migrations at %s): %w",
			EnvHostRevision, EnvHostMigrations, OpenWebUIMigrations, core.ErrInvalid)
	}
	if t.Current {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if poll <= 0 {
		poll = AfterHostPoll
	}
	start := time.Now()
	deadline := start.Add(wait)
	for {
		rev, err := currentRevision(ctx, d)
		if err != nil {
			return err
		}
		if st, why := t.state(rev); st == stateCurrent || st == stateAhead {
			log.Info("the host has migrated", "revision", rev.String(), "why", why)
			return nil
		}
		if !time.Now().Before(deadline) {
			return &HostWaitError{Target: strings.Join(t.Heads, ","), At: rev.String(), Waited: time.Since(start)}
		}
		log.Info("waiting for the host to migrate", "at", rev.String(), "target", t.Heads)
		select {
		case <-ctx.Done():
			return fmt.Errorf("steps/orgaccess: waiting for the host: %w", context.Cause(ctx))
		case <-time.After(poll):
		}
	}
}

// currentRevision inspects the catalog (is alembic_version there yet?)
// and reads the revision.
func currentRevision(ctx context.Context, d core.Driver) (hostRevision, error) {
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		return hostRevision{}, fmt.Errorf("steps/orgaccess: inspect: %w", err)
	}
	return readHostRevision(ctx, d.DB(), d, cat)
}
