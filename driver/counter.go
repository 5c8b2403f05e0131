package driver

import (
	"context"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// Counter counts round trips to the database made with a context that
// carries it (see WithCounter).
type Counter struct{ n atomic.Int64 }

// Load returns the count so far.
func (c *Counter) Load() int64 { return c.n.Load() }

type counterKey struct{}

// WithCounter returns a context whose queries are counted by c.
func WithCounter(ctx context.Context, c *Counter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

// CountRoundTrip counts one round trip on the Counter ctx carries, if
// any: for a query sent outside bun (a pgx batch, a raw connection),
// which QueryCounter does not see.
func CountRoundTrip(ctx context.Context) {
	if c, ok := ctx.Value(counterKey{}).(*Counter); ok {
		c.n.Add(1)
	}
}

// QueryCounter is a bun query hook that counts every query made through
// bun with a context carrying a Counter. Drivers add it to their DB once.
type QueryCounter struct{}

var _ bun.QueryHook = QueryCounter{}

// BeforeQuery implements bun.QueryHook.
func (QueryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (QueryCounter) AfterQuery(ctx context.Context, _ *bun.QueryEvent) {
	CountRoundTrip(ctx)
}
