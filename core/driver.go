package core

import (
	"context"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

// The contract between the runner and a dialect lives in package driver
// (drivers import it and package model, never core); these names keep
// core the one import a step or an application needs.

type (
	Capabilities       = driver.Capabilities
	CapabilityReporter = driver.CapabilityReporter
	CatalogIndexer     = driver.CatalogIndexer
	ConflictReporter   = driver.ConflictReporter
	Counter            = driver.Counter
	DDL                = driver.DDL
	DataSQL            = driver.DataSQL
	Driver             = driver.Driver
	ErrorExplainer     = driver.ErrorExplainer
	Excepter           = driver.Excepter
	Fencer             = driver.Fencer
	ForeignKeyAdder    = driver.ForeignKeyAdder
	ForeignKeyReplacer = driver.ForeignKeyReplacer
	InspectReader      = driver.InspectReader
	ListAggregator     = driver.ListAggregator
	ListBinder         = driver.ListBinder
	RowBinder          = driver.RowBinder
	Lock               = driver.Lock
	LockChecker        = driver.LockChecker
	LockError          = driver.LockError
	LockPoll           = driver.LockPoll
	Placeholders       = driver.Placeholders
	QueryCounter       = driver.QueryCounter
	ReadResult         = driver.ReadResult
	ScopedInspector    = driver.ScopedInspector
	SerialScanner      = driver.SerialScanner
	SessionLock        = driver.SessionLock
	SingleWriter       = driver.SingleWriter
	Statement          = driver.Statement
	StatsRefresher     = driver.StatsRefresher
)

const (
	MaxScopedNames = driver.MaxScopedNames
)

var (
	ErrLockLost    = driver.ErrLockLost
	ErrLockTimeout = driver.ErrLockTimeout
	ErrUnsupported = driver.ErrUnsupported
)

// WithCounter is driver.WithCounter.
func WithCounter(ctx context.Context, c *driver.Counter) context.Context {
	return driver.WithCounter(ctx, c)
}

// ParamList is driver.ParamList.
func ParamList(n int) string { return driver.ParamList(n) }

// QuoteList is driver.QuoteList.
func QuoteList(q model.Quoter, idents []string) string { return driver.QuoteList(q, idents) }

// JSONStrings is driver.JSONStrings.
func JSONStrings(values []string) (string, bool) { return driver.JSONStrings(values) }

// JSONTable is driver.JSONTable.
func JSONTable(rows [][]string) (string, bool) { return driver.JSONTable(rows) }

func capabilities(d Driver) Capabilities {
	if cr, ok := d.(CapabilityReporter); ok {
		return cr.Capabilities()
	}
	return Capabilities{TransactionalDDL: true}
}
