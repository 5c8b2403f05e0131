package orgaccess

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// hostWaitPoll is how often a step waiting for host tables looks again.
const hostWaitPoll = time.Second

// hostWaitKey memoizes the run's host wait deadline.
type hostWaitKey struct{}

// missingHost returns the host tables of names that do not exist, after
// waiting for the host application to create them until wait after the
// run first looked: one wait per run, however many steps look and
// whether they look again under the lock (the runner checks first
// without it), so a host that is not there yet costs wait once.
func missingHost(ctx context.Context, s *core.Session, wait time.Duration, names ...string) ([]string, error) {
	v, _ := s.Memo(hostWaitKey{}, func() (any, error) { return time.Now().Add(wait), nil })
	deadline := v.(time.Time)
	for {
		cat, err := s.Catalog(ctx)
		if err != nil {
			return nil, err
		}
		var missing []string
		for _, n := range names {
			if cat.Tables[n] == nil {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 || !time.Now().Before(deadline) {
			return missing, nil
		}
		// Commit what the run holds uncommitted first: the host cannot
		// create its tables behind our write lock (SQLite) or our locks
		// on its tables (PostgreSQL). Then say so: what the run applied
		// before the wait is committed once the line is logged.
		if err := s.BeforeWait(ctx); err != nil {
			return nil, err
		}
		s.Logger.Info("waiting for host tables", "missing", missing)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(hostWaitPoll):
		}
		s.Refresh()
	}
}

// hostSkip is the plan of a step that waits for host tables: NotReady,
// so verify says the application is not there yet.
func hostSkip(missing []string) *core.Plan {
	return &core.Plan{Skip: fmt.Sprintf("host table %s does not exist yet (Open WebUI creates it)", strings.Join(missing, ", ")), NotReady: true}
}

// guarded skips a schema step while a host table it refers to is missing:
// on PostgreSQL a foreign key to a missing table cannot even be created.
type guarded struct {
	core.Step
	wait  time.Duration
	hosts []string
}

func hostGuard(st core.Step, wait time.Duration, hosts ...string) core.Step {
	g := &guarded{Step: st, wait: wait, hosts: hosts}
	if _, ok := st.(core.CatalogScoper); ok {
		return scopedGuard{g}
	}
	return g
}

func (g *guarded) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	missing, err := missingHost(ctx, s, g.wait, g.hosts...)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return hostSkip(missing), nil
	}
	return g.Step.Check(ctx, s)
}

// Validate passes the wrapped step's validation through.
func (g *guarded) Validate() error {
	if v, ok := g.Step.(core.Validator); ok {
		return v.Validate()
	}
	return nil
}
