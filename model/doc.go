// Package model is the schema model groundwork declares and compares: the
// declarative specs a step asks for (Table, Column, Index, View, ForeignKey)
// and the catalog snapshot a driver reads back (Catalog, TableState,
// IndexState, ViewState). It is plain data with validation and no I/O, so
// the runner (package core), the driver contract (package driver) and
// every driver share it without importing one another.
//
// core re-exports every name here (core.Table is model.Table), so code
// written against core keeps working; new code may import either.
package model
