package coretest

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/core"
)

// TxCounter is a bun query hook counting the transactions begun on the
// DB it is added to (BEGIN through bun, as the runner begins them).
type TxCounter struct{ begins atomic.Int64 }

var _ bun.QueryHook = (*TxCounter)(nil)

// CountTransactions adds a TxCounter to d's handle.
func CountTransactions(d core.Driver) *TxCounter {
	c := &TxCounter{}
	//lint:ignore SA1019 the runner uses the driver's own handle: WithQueryHook would return a copy it never sees.
	d.DB().AddQueryHook(c)
	return c
}

// Begins returns the BEGINs counted so far.
func (c *TxCounter) Begins() int64 { return c.begins.Load() }

// Reset sets the count back to zero.
func (c *TxCounter) Reset() { c.begins.Store(0) }

// BeforeQuery implements bun.QueryHook.
func (c *TxCounter) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if strings.EqualFold(e.Query, "BEGIN") {
		c.begins.Add(1)
	}
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (*TxCounter) AfterQuery(context.Context, *bun.QueryEvent) {}
