package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/lazyre"
)

// internalPrefix matches the package prefixes of wrapped errors
// ("cli: core: select: "), which say where in the code an error was made:
// useful in a library's error, noise to an operator.
var internalPrefix = lazyre.New(`(^|: )((cli|core|history|dburl|drivers/[a-z]+|steps/[a-z]+|openwebuitest): )+(select: )?`)

// userMessage is the error as one sentence for the operator: without
// internal prefixes, and without the sentinel text a caller branches on
// (": invalid input").
func userMessage(err error) string {
	msg := internalPrefix().ReplaceAllString(oneLine(err.Error()), "$1")
	for _, sentinel := range []error{core.ErrInvalid} {
		msg = strings.ReplaceAll(msg, ": "+sentinel.Error()+":", ":")
		msg = strings.TrimSuffix(msg, ": "+sentinel.Error())
	}
	return msg
}

// oneLine joins a multi-line error (pgx lists every address it tried,
// often the same twice) into one line, each distinct line once.
func oneLine(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	var parts []string
	seen := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || seen[l] {
			continue
		}
		seen[l] = true
		parts = append(parts, l)
	}
	return strings.TrimSuffix(strings.Join(parts, " "), ":")
}

// connectionHint is the hint of a database that did not answer.
func (a *app) connectionHint(err error) string {
	var re *retryableError
	if !errors.As(err, &re) {
		return ""
	}
	if a.st != nil && a.st.Wait > 0 {
		return fmt.Sprintf("the database did not answer within --wait %s: check the host and port, or wait longer (exit %d means: retry later)", a.st.Wait, ExitRetryable)
	}
	return fmt.Sprintf("the database did not answer: if it is still starting, let groundwork retry with --wait 60s (GROUNDWORK_WAIT); exit %d means: retry later", ExitRetryable)
}

// orgHint explains the organization checks.
func orgHint(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "only half configured"):
		return "a misspelt variable (ORGANISATION_NAME) counts as unset; flags --org-id, --org-name, --api-key work too"
	case strings.Contains(msg, "verify would check no organization"):
		return "in Kubernetes, give the probe's container the init container's envFrom/env (examples/kubernetes)"
	case errors.Is(err, errDrift):
		return "fix the objects by hand (each drift line says what differs; groundwork never drops a table, column or row), or leave the step out with --step/--tag; groundwork history show ID records what each run found"
	case errors.Is(err, errVerifyDrift):
		return "groundwork apply heals what is missing; what it cannot heal without losing data it reports, and a person decides"
	case errors.Is(err, errHostNotReady):
		return "start Open WebUI (its first start creates user, model and config), then apply; exit 75 means: retry later"
	case errors.Is(err, errNoDatabase):
		return "Open WebUI's DATABASE_URL works as it is, e.g. postgresql://user:pw@host:5432/db or sqlite:////app/backend/data/webui.db"
	}
	return ""
}

// printError shows err as one line and, when there is one, a hint; with
// --log-format json both are one JSON object, like every other line on
// stderr.
func (a *app) printError(err error) {
	a.errPrinted = true
	msg := a.mask.mask(userMessage(err))
	h := hint(err)
	if h == "" {
		h = a.connectionHint(err)
	}
	if h == "" {
		h = orgHint(err)
	}
	var ue *usageError
	if errors.As(err, &ue) {
		h = "run 'groundwork --help' for usage"
	}
	h = a.mask.mask(h)
	if a.jsonLogs() {
		writeJSONLine(a.stderr, "ERROR", msg, "hint", h)
		return
	}
	fmt.Fprintf(a.stderr, "error: %s\n", msg)
	if h != "" {
		fmt.Fprintf(a.stderr, "hint: %s\n", h)
	}
}

// jsonLogs reports whether stderr is JSON: --log-format json, or
// GROUNDWORK_LOG_FORMAT=json when the settings could not be resolved.
func (a *app) jsonLogs() bool {
	if a.st != nil {
		return a.st.LogFormat == "json"
	}
	return LogFormat(a.args, a.getenv) == "json"
}

// LogFormat is the stderr format the arguments and the environment ask
// for ("text" or "json"), read without resolving the other settings:
// for lines written before, or without, a resolved configuration (an
// invalid flag, a signal).
func LogFormat(args []string, getenv func(string) string) string {
	for i, arg := range args {
		switch {
		case arg == "--log-format" && i+1 < len(args):
			return strings.ToLower(strings.TrimSpace(args[i+1]))
		case strings.HasPrefix(arg, "--log-format="):
			return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(arg, "--log-format=")))
		}
	}
	if getenv != nil {
		if v := strings.ToLower(strings.TrimSpace(getenv("GROUNDWORK_LOG_FORMAT"))); v != "" {
			return v
		}
	}
	return "text"
}

// writeJSONLine writes one slog-shaped JSON line (time, level, msg, then
// the attributes whose value is not empty).
func writeJSONLine(w io.Writer, level, msg string, attrs ...string) {
	rec := []string{kv("time", time.Now().Format(time.RFC3339Nano)), kv("level", level), kv("msg", msg)}
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] != "" {
			rec = append(rec, kv(attrs[i], attrs[i+1]))
		}
	}
	fmt.Fprintln(w, "{"+strings.Join(rec, ",")+"}")
}

func kv(k, v string) string {
	kb, _ := json.Marshal(k)
	vb, _ := json.Marshal(v)
	return string(kb) + ":" + string(vb)
}

// Notice writes one line for the operator to w, stderr, in the format
// args and getenv ask for: package main's signal messages.
func Notice(w io.Writer, args []string, getenv func(string) string, msg string) {
	if LogFormat(args, getenv) == "json" {
		writeJSONLine(w, "WARN", msg)
		return
	}
	fmt.Fprintln(w, "groundwork: "+msg)
}

// usageError is cobra's own error: an unknown command or flag.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }
