package main

import (
	"context"
	"errors"
)

// Exit statuses of hrmg. Scripts may rely on them.
const (
	exitOK = 0
	// exitFailure is any error not listed below.
	exitFailure = 1
	// exitUsage is a bad command line: an unknown flag, a missing required
	// flag or an invalid flag value.
	exitUsage = 2
	// exitData is input data that cannot be used: a parse error, a missing
	// column or too few rows.
	exitData = 3
	// exitDiverged is training that stopped on a non-finite loss or gradient.
	exitDiverged = 4
	// exitInterrupted is a run stopped by SIGINT or SIGTERM after saving
	// what it could.
	exitInterrupted = 130
)

// exitError attaches an exit status to an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(err error) error    { return &exitError{exitUsage, err} }
func dataError(err error) error     { return &exitError{exitData, err} }
func divergedError(err error) error { return &exitError{exitDiverged, err} }

// exitCode maps an error returned by a command to the process exit status.
func exitCode(err error) int {
	var e *exitError
	switch {
	case errors.As(err, &e):
		return e.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	default:
		return exitFailure
	}
}
