package sqlite

import (
	"context"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// Lock implements core.Driver with an flock on a file beside the
// database ("<db>.<name>.lock"): the kernel releases it when the holding
// process dies. SQLite's own write lock cannot serve, because it would
// also shut out the runner's own connections; the busy timeout still
// makes each statement wait for the host application's writers.
func (d *Driver) Lock(ctx context.Context, name string, wait time.Duration) (core.Lock, error) {
	return core.LockFile(ctx, d.path+"."+name+".lock", name, wait)
}
