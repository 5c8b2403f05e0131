// Package driver is the contract between groundwork's runner and a
// database dialect, as database/sql/driver is database/sql's: one small
// required interface (Driver, with its Lock and DDL) and optional ones a
// driver may implement (DataSQL, InspectReader, Fencer, ListBinder, …),
// each found by type assertion and each saying what the runner does
// without it.
//
// A driver imports this package and package model, never package core:
// the runner depends on drivers through these interfaces only. core
// re-exports every name here (core.Driver is driver.Driver), so steps and
// applications need one import.
package driver
