package postgres

import (
	"fmt"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/model"
	"github.com/jackc/pgx/v5"
)

// LockMode chooses how Lock keeps other runners out.
type LockMode string

// Lock modes.
const (
	// LockAuto is LockLease when the connection looks like it goes
	// through a transaction-pooling proxy (see PoolerHint), else
	// LockSession.
	LockAuto LockMode = "auto"
	// LockSession is a session advisory lock on a dedicated connection:
	// released by the server the moment the holder's connection ends.
	// Behind PgBouncer in transaction (or statement) mode it is unsafe:
	// the session that holds it is shared with other clients.
	LockSession LockMode = "session"
	// LockLease is a lease row in the table LeaseTable, renewed by a
	// heartbeat and fenced: every step's transaction checks, just before
	// it commits, that the lease is still this runner's. It works through
	// any pooler; a holder that dies keeps others out until its lease
	// expires (the lease TTL).
	LockLease LockMode = "lease"
)

// ParseLockMode reads "auto", "session" or "lease".
func ParseLockMode(s string) (LockMode, error) {
	switch m := LockMode(strings.ToLower(strings.TrimSpace(s))); m {
	case LockAuto, LockSession, LockLease:
		return m, nil
	case "":
		return LockAuto, nil
	}
	return "", fmt.Errorf("drivers/postgres: lock mode %q: want auto, session or lease: %w", s, model.ErrInvalid)
}

// DefaultLeaseTTL is how long a lease lasts without a heartbeat; the
// holder renews it every third of that.
const DefaultLeaseTTL = 15 * time.Second

// MinLeaseTTL is the shortest lease TTL accepted.
const MinLeaseTTL = time.Second

// Option configures Open and New.
type Option func(*lockConfig)

// lockConfig is how the driver locks.
type lockConfig struct {
	mode LockMode
	ttl  time.Duration
	// why says how the mode was chosen, for the logs.
	why string
	// stepTimeout sets the sessions' timeouts (see WithStepTimeout).
	stepTimeout time.Duration
	// schema is the schema of WithSchema (schema.go).
	schema string
}

func newLockConfig(opts []Option) lockConfig {
	c := lockConfig{mode: LockAuto, ttl: DefaultLeaseTTL}
	for _, o := range opts {
		o(&c)
	}
	if c.ttl < MinLeaseTTL {
		c.ttl = MinLeaseTTL
	}
	return c
}

// WithLockMode sets the lock mode (default LockAuto).
func WithLockMode(m LockMode) Option { return func(c *lockConfig) { c.mode = m } }

// WithLeaseTTL sets the lease TTL of LockLease (default DefaultLeaseTTL,
// at least MinLeaseTTL).
func WithLeaseTTL(d time.Duration) Option { return func(c *lockConfig) { c.ttl = d } }

// Pooler hints: run-time parameters of the URL that say the connection
// goes through a transaction-pooling proxy. They are taken out of the
// parameters sent to the server, which would refuse them.
var poolerParams = []string{"pgbouncer", "pool_mode"}

// PgBouncerPort is PgBouncer's default port.
const PgBouncerPort = 6432

// PoolerHint says why cfg looks like a connection through a
// transaction-pooling proxy, or "" when it does not: the URL's port is
// 6432 (PgBouncer's default), or it carries pgbouncer=true (Prisma's
// spelling) or pool_mode=transaction / pool_mode=statement.
func PoolerHint(cfg *pgx.ConnConfig) string {
	if v := strings.ToLower(cfg.RuntimeParams["pgbouncer"]); v == "true" || v == "1" || v == "yes" || v == "on" {
		return "the URL has pgbouncer=" + cfg.RuntimeParams["pgbouncer"]
	}
	if v := strings.ToLower(cfg.RuntimeParams["pool_mode"]); v == "transaction" || v == "statement" {
		return "the URL has pool_mode=" + v
	}
	if cfg.Port == PgBouncerPort {
		return fmt.Sprintf("the port is %d, PgBouncer's", PgBouncerPort)
	}
	return ""
}

// resolve turns LockAuto into a concrete mode for cfg (nil when the
// driver was made by New from a handle: no URL to look at), and removes
// the pooler hints from the parameters sent to the server.
func (c *lockConfig) resolve(cfg *pgx.ConnConfig) {
	hint := ""
	if cfg != nil {
		hint = PoolerHint(cfg)
		for _, p := range poolerParams {
			delete(cfg.RuntimeParams, p)
		}
	}
	switch {
	case c.mode == LockLease || c.mode == LockSession:
		c.why = "chosen"
	case hint != "":
		c.mode, c.why = LockLease, "auto: "+hint
	default:
		c.mode, c.why = LockSession, "auto: no sign of a transaction pooler in the URL"
	}
}

// LockMode is the lock mode in use and how it was chosen.
func (d *Driver) LockMode() (LockMode, string) { return d.lock.mode, d.lock.why }
