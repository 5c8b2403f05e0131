package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/drivers/sqlite"
)

// insufficientPrivilege is PostgreSQL's SQLSTATE for "permission denied".
const insufficientPrivilege = "42501"

// hint is one line telling the operator which setting or document to
// look at for err, or "". The error itself already says what happened.
func hint(err error) string {
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, core.ErrStepTimeout):
		return "a step ran longer than --step-timeout (GROUNDWORK_STEP_TIMEOUT): raise it, or look for what blocks the step (a lock held by the application, say)"
	case errors.Is(err, sqlite.ErrBusy):
		return "another process (the host application, say) held the SQLite database's write lock longer than --lock-timeout (GROUNDWORK_LOCK_TIMEOUT): raise it, or look for what keeps a write transaction open; the run is recorded only if the lock is free again within " + core.RecordTimeout.String()
	case errors.Is(err, core.ErrLockTimeout):
		return "another runner held the lock longer than --lock-timeout (GROUNDWORK_LOCK_TIMEOUT): raise it if that runner is busy, or stop it if it is stuck"
	case errors.Is(err, core.ErrLockLost):
		return "the run's lock was lost (its connection ended: idle_session_timeout, a proxy, pg_terminate_backend or KILL; or the lease expired: a pause longer than --lease-ttl?); the step was stopped before it wrote or rolled back; run apply again"
	// A refused connection arrives as text: the driver does not wrap
	// connection errors, which carry the whole configuration.
	case errors.As(err, &pgErr) && pgErr.Code == insufficientPrivilege,
		strings.Contains(err.Error(), "(SQLSTATE "+insufficientPrivilege+")"):
		return fmt.Sprintf("the database role lacks a privilege (SQLSTATE %s): see docs/privileges.md for the grants apply and verify need", insufficientPrivilege)
	}
	return ""
}
