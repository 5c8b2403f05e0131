package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/dburl"
	"github.com/groundworkdb/groundwork/internal/lazyre"
)

// Exit codes: what an orchestrator (an init container, a Job, a script)
// does next. The table in README.md and the help text are checked
// against exitCodes by a test.
const (
	// ExitOK: converged. verify also exits 0 when the run ends pending
	// (rows the next apply adds, a user who signed up since): the
	// application works, so the readiness probe passes; --fail-on-pending
	// makes that ExitPending. plan exits 0 when there is nothing to do.
	ExitOK = 0
	// ExitFailed: a step failed, or the run did; look at the error.
	ExitFailed = 1
	// ExitInvalid: a flag, the config file, the URL or an environment
	// variable is invalid or missing; nothing was written. Fix the input.
	ExitInvalid = 2
	// ExitDrift: verify or apply found drift that needs a person
	// (groundwork will not heal it without loss); plan: changes pending.
	ExitDrift = 3
	// ExitPending: with --fail-on-pending, verify ended pending (only
	// rows the next apply adds, core.Change.Convergence). apply never ends
	// pending: it adds them.
	ExitPending = 4
	// ExitRetryable: not ready yet, try again later: the database did not
	// answer (after --wait), another runner held the lock longer than
	// --lock-timeout, or (verify) Open WebUI has not created its tables
	// yet. 75 is EX_TEMPFAIL of sysexits.h.
	ExitRetryable = 75
	// A run stopped by SIGINT or SIGTERM exits with ExitSIGINT (130) or
	// ExitSIGTERM (143): see interrupt.go.
)

// exitCodes documents every exit code in one line each, for the help
// text; README.md's table is checked against it.
var exitCodes = []struct {
	code    int
	meaning string
}{
	{ExitOK, "converged (verify: also pending, i.e. rows the next apply adds; plan: nothing to do)"},
	{ExitFailed, "a step or the run failed"},
	{ExitInvalid, "invalid or missing input (flag, config file, URL, environment); nothing written"},
	{ExitDrift, "drift that needs a person (verify, apply); plan: changes pending"},
	{ExitPending, "verify --fail-on-pending: pending, i.e. only rows the next apply adds"},
	{ExitRetryable, "not ready yet, retry: database unreachable, lock wait timed out, verify: host tables missing"},
	{ExitSIGINT, "stopped by SIGINT"},
	{ExitSIGTERM, "stopped by SIGTERM"},
}

// exitCodeHelp is the exit-code table of the help text.
func exitCodeHelp() string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, c := range exitCodes {
		fmt.Fprintf(&b, "  %3d  %s\n", c.code, c.meaning)
	}
	return b.String()
}

// retryableError marks a failure that another attempt, later, may not
// have: the database not answering yet.
type retryableError struct{ err error }

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// sqlState finds a PostgreSQL SQLSTATE in an error's text: the drivers
// report connection errors as text, not wrapped.
var sqlState = lazyre.New(`\(SQLSTATE ([0-9A-Z]{5})\)`)

// notReady marks an error connecting to a database server retryable,
// unless retrying cannot help: invalid input, or a server that answered
// with a refusal (credentials, a privilege, an unknown database). Only
// PostgreSQL's connection, resource and "starting up" classes (08, 53,
// 57) are worth a retry among the server's answers. An SQLite file that
// cannot be opened is no server starting.
func notReady(u dburl.URL, err error) error {
	var pgErr *pgconn.PgError
	var myErr *mysql.MySQLError
	code := ""
	if errors.As(err, &pgErr) {
		code = pgErr.Code
	} else if m := sqlState().FindStringSubmatch(err.Error()); m != nil {
		code = m[1]
	}
	switch {
	case u.Dialect == dburl.SQLite, errors.Is(err, core.ErrInvalid):
		return err
	case code != "" && !strings.HasPrefix(code, "08") && !strings.HasPrefix(code, "53") && !strings.HasPrefix(code, "57"):
		return err
	// access denied, unknown database
	case errors.As(err, &myErr) && (myErr.Number == 1044 || myErr.Number == 1045 || myErr.Number == 1049):
		return err
	case strings.Contains(err.Error(), "Error 1044 ("), strings.Contains(err.Error(), "Error 1045 ("), strings.Contains(err.Error(), "Error 1049 ("):
		return err
	}
	return &retryableError{err: err}
}

// exitCode maps a run's outcome to the exit code.
func (a *app) exitCode(rep *core.Report, err error) int {
	return exitCodeOf(rep, err, a.failOnPending)
}

func exitCodeOf(rep *core.Report, err error, failOnPending bool) int {
	var re *retryableError
	if err != nil {
		switch {
		case errors.Is(err, core.ErrInvalid) && (rep == nil || !rep.Changed):
			return ExitInvalid
		case errors.Is(err, core.ErrLockTimeout), errors.As(err, &re):
			return ExitRetryable
		}
		return ExitFailed
	}
	if rep == nil {
		return ExitOK
	}
	if rep.Mode == core.ModeVerify && rep.Status != core.RunFailed && rep.Status != core.RunDrift && hostMissing(rep) != "" {
		return ExitRetryable
	}
	switch rep.Status {
	case core.RunFailed:
		return ExitFailed
	case core.RunDrift:
		return ExitDrift
	case core.RunPending:
		switch {
		case rep.Mode == core.ModePlan:
			return ExitDrift
		case failOnPending:
			return ExitPending
		}
	}
	return ExitOK
}

// hostMissing returns the skip reason of the first step that skipped
// because something it needs is not there yet (core.StepReport.NotReady:
// Open WebUI's tables), or "". verify then exits ExitRetryable: the
// application is not there yet, so neither is readiness, and a later
// probe will tell.
func hostMissing(rep *core.Report) string {
	for _, st := range rep.Steps {
		if st.Status == core.StatusSkipped && st.NotReady {
			return st.ID + ": " + st.Reason
		}
	}
	return ""
}
