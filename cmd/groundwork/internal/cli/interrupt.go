package cli

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// Exit codes of a run stopped by a signal: 128 + the signal's number, the
// shell's convention, so a supervisor can tell "stopped" from "failed".
const (
	ExitSIGINT  = 128 + int(syscall.SIGINT)  // 130
	ExitSIGTERM = 128 + int(syscall.SIGTERM) // 143
)

// Interrupt is the cause package main gives the command's context when a
// signal arrives; the command then stops (see core.StepGrace) and exits
// with the signal's code.
type Interrupt struct {
	Signal os.Signal
}

func (i *Interrupt) Error() string { return "received " + SignalName(i.Signal) }

// ExitCode is 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
func (i *Interrupt) ExitCode() int {
	if s, ok := i.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return ExitSIGINT
}

// SignalName is the conventional name of the signals groundwork handles.
func SignalName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// interruptCode is the exit code of a command that did not succeed: the
// signal's code when a signal stopped it, else code.
func interruptCode(ctx context.Context, code int) int {
	var in *Interrupt
	if code != ExitOK && errors.As(context.Cause(ctx), &in) {
		return in.ExitCode()
	}
	return code
}
