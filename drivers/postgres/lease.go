package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/groundworkdb/groundwork/driver"
)

// LeaseTable holds the leases of LockLease, one row per lock name, in the
// current schema. Rows are never deleted: the token of a name only grows,
// so it fences every holder there ever was.
const LeaseTable = "groundwork_lock"

// The statements of the lease. Every one is a single statement in its own
// transaction (or the step's), so they work through a transaction pooler,
// and all times are the server's clock_timestamp(): runners' clocks may
// disagree, the server's is the one clock they share.
const (
	leaseCreate = `CREATE TABLE IF NOT EXISTS %[1]s (
  name text PRIMARY KEY,
  holder text NOT NULL,
  token bigint NOT NULL,
  acquired_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
)`
	leaseExists = `SELECT to_regclass($1::text) IS NOT NULL`
	// leaseAcquire inserts the lease or takes over an expired one, in one
	// statement: of two runners racing for an expired lease, the second
	// waits for the first's row lock, then sees a lease that has not
	// expired and gets no row back.
	leaseAcquire = `INSERT INTO %[1]s AS l (name, holder, token, acquired_at, expires_at)
VALUES ($1::text, $2::text, 1, clock_timestamp(), clock_timestamp() + $3::bigint * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE
SET holder = EXCLUDED.holder, token = l.token + 1, acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
WHERE l.expires_at <= clock_timestamp()
RETURNING token`
	// leaseRenew extends the lease while the token is still ours (no one
	// took it over, even if it lapsed for a moment).
	leaseRenew   = `UPDATE %[1]s SET expires_at = clock_timestamp() + $3::bigint * interval '1 millisecond' WHERE name = $1::text AND token = $2::bigint`
	leaseRelease = `UPDATE %[1]s SET expires_at = clock_timestamp() WHERE name = $1::text AND token = $2::bigint`
	leaseHolder  = `SELECT holder, token, acquired_at, EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000 FROM %[1]s WHERE name = $1::text`
)

// leaseLock is a held lease: a heartbeat renews it every third of its
// TTL until Unlock; Fence checks it inside each step's transaction.
type leaseLock struct {
	d     *Driver
	name  string
	token int64
	ttl   time.Duration
	stop  context.CancelFunc
	done  chan struct{}
	lost  atomic.Bool
}

var (
	_ driver.Fencer      = (*leaseLock)(nil)
	_ driver.LockChecker = (*leaseLock)(nil)
)

func (d *Driver) leaseSQL(format string) string { return fmt.Sprintf(format, d.Quote(LeaseTable)) }

func (d *Driver) leaseName(name string) string {
	return fmt.Sprintf("%s (lease in table %s)", name, LeaseTable)
}

// leaseLock takes the lease of name, polling with a backoff from 5 ms to
// 100 ms until wait has passed. A lease whose holder died is free once it
// expires, at most the TTL after the holder's last heartbeat.
func (d *Driver) leaseLock(ctx context.Context, name string, wait time.Duration) (driver.Lock, error) {
	start := time.Now()
	if err := d.ensureLeaseTable(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, &driver.LockError{Name: d.leaseName(name), Waited: since(start), Err: ctx.Err()}
		}
		return nil, fmt.Errorf("drivers/postgres: lock %q: %w", name, err)
	}
	host, _ := os.Hostname()
	self := fmt.Sprintf("pid %d on %s", os.Getpid(), host)
	ttlMS := d.lock.ttl.Milliseconds()
	var token int64
	err := driver.LockPoll{Name: d.leaseName(name), Start: start, Wait: wait,
		Try: func(ctx context.Context) (bool, error) {
			err := d.DB().DB.QueryRowContext(ctx, d.leaseSQL(leaseAcquire), name, self, ttlMS).Scan(&token)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return false, nil
			case err != nil:
				return false, fmt.Errorf("drivers/postgres: lock %q: take the lease: %w", name, err)
			}
			return true, nil
		},
		Holder: func(ctx context.Context) string { return d.describeLease(ctx, name) },
	}.Poll(ctx)
	if err != nil {
		return nil, err
	}
	hctx, stop := context.WithCancel(context.Background())
	l := &leaseLock{d: d, name: name, token: token, ttl: d.lock.ttl, stop: stop, done: make(chan struct{})}
	go l.heartbeat(hctx)
	return l, nil
}

// ensureLeaseTable creates the lease table when it is missing. Runners
// that race to create it may see the loser's error although the table
// now exists: that is success.
func (d *Driver) ensureLeaseTable(ctx context.Context) error {
	exists := func() (bool, error) {
		var ok bool
		err := d.DB().DB.QueryRowContext(ctx, leaseExists, d.Quote(LeaseTable)).Scan(&ok)
		return ok, err
	}
	if ok, err := exists(); err != nil || ok {
		return err
	}
	_, err := d.DB().DB.ExecContext(ctx, d.leaseSQL(leaseCreate))
	if err == nil {
		return nil
	}
	if ok, err2 := exists(); err2 == nil && ok {
		return nil
	}
	return fmt.Errorf("create the lease table %s: %w", LeaseTable, err)
}

// describeLease says who holds the lease: "pid 12 on web-7f9c, lease
// token 4 taken at …, expires in 9.2s unless renewed". Best effort: empty
// when it cannot be read.
func (d *Driver) describeLease(ctx context.Context, name string) string {
	var (
		holder   string
		token    int64
		acquired time.Time
		leftMS   float64
	)
	if err := d.DB().DB.QueryRowContext(ctx, d.leaseSQL(leaseHolder), name).Scan(&holder, &token, &acquired, &leftMS); err != nil {
		return ""
	}
	left := time.Duration(leftMS * float64(time.Millisecond)).Round(100 * time.Millisecond)
	expiry := fmt.Sprintf("expires in %s unless renewed", left)
	if left <= 0 {
		expiry = fmt.Sprintf("expired %s ago", -left)
	}
	return fmt.Sprintf("%s, lease token %d taken at %s, %s", holder, token, acquired.UTC().Format(time.RFC3339), expiry)
}

// execer is what *sql.DB and *sql.Tx share.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// renew extends the lease through db; false when the token is no longer
// current.
func (l *leaseLock) renew(ctx context.Context, db execer) (bool, error) {
	res, err := db.ExecContext(ctx, l.d.leaseSQL(leaseRenew), l.name, l.token, l.ttl.Milliseconds())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// heartbeat renews the lease every third of its TTL until stopped. A
// renewal that fails (the database unreachable for a moment) is tried
// again on the next tick; a lease found taken over is not renewed again,
// and Fence fails from then on.
func (l *leaseLock) heartbeat(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, l.ttl/3)
		ok, err := l.renew(rctx, l.d.DB().DB)
		cancel()
		if err == nil && !ok {
			l.lost.Store(true)
			return
		}
	}
}

func (l *leaseLock) lostError() error {
	return fmt.Errorf("drivers/postgres: lock %q: lease token %d is no longer current: it expired and another runner took it over: %w",
		l.name, l.token, driver.ErrLockLost)
}

// Fence implements driver.Fencer: inside the step's transaction it renews
// the lease for this token. The row lock that takes is held until the
// transaction ends, so no one takes the lease over before the step
// commits; a token that is no longer current fails the step, which
// rolls back.
func (l *leaseLock) Fence(ctx context.Context, tx *sql.Tx) error {
	if l.lost.Load() {
		return l.lostError()
	}
	ok, err := l.renew(ctx, tx)
	if err != nil {
		return fmt.Errorf("drivers/postgres: lock %q: check the lease: %w", l.name, err)
	}
	if !ok {
		l.lost.Store(true)
		return l.lostError()
	}
	return nil
}

// CheckLock implements driver.LockChecker: the lease is renewed for this
// token through the pool (the runner's check before it reports success).
func (l *leaseLock) CheckLock(ctx context.Context) error {
	if l.lost.Load() {
		return l.lostError()
	}
	ok, err := l.renew(ctx, l.d.DB().DB)
	if err != nil {
		return fmt.Errorf("drivers/postgres: lock %q: check the lease: %w", l.name, err)
	}
	if !ok {
		l.lost.Store(true)
		return l.lostError()
	}
	return nil
}

// Unlock implements driver.Lock: it stops the heartbeat and expires the
// lease at once, if the token is still ours, so the next runner need not
// wait for the TTL.
func (l *leaseLock) Unlock(ctx context.Context) error {
	l.stop()
	<-l.done
	res, err := l.d.DB().DB.ExecContext(ctx, l.d.leaseSQL(leaseRelease), l.name, l.token)
	if err != nil {
		return fmt.Errorf("drivers/postgres: unlock %q: %w (the lease expires by itself within %s)", l.name, err, l.ttl)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return l.lostError()
	}
	return nil
}
