package core

import "github.com/groundworkdb/groundwork/model"

// The schema model lives in package model (plain data, no I/O, shared by
// the runner, the driver contract and every driver); these names keep
// core the one import a step or an application needs.

type (
	Catalog           = model.Catalog
	Column            = model.Column
	ColumnState       = model.ColumnState
	ColumnType        = model.ColumnType
	ForeignKey        = model.ForeignKey
	ForeignKeyState   = model.ForeignKeyState
	Index             = model.Index
	IndexState        = model.IndexState
	Quoter            = model.Quoter
	ReferentialAction = model.ReferentialAction
	Table             = model.Table
	TableState        = model.TableState
	Unique            = model.Unique
	View              = model.View
	ViewState         = model.ViewState
)

const (
	Text          = model.Text
	Integer       = model.Integer
	BigInt        = model.BigInt
	Real          = model.Real
	Boolean       = model.Boolean
	JSON          = model.JSON
	Timestamp     = model.Timestamp
	Date          = model.Date
	NoAction      = model.NoAction
	Cascade       = model.Cascade
	SetNull       = model.SetNull
	SetDefault    = model.SetDefault
	Restrict      = model.Restrict
	ActionUnknown = model.ActionUnknown
	MaxIdentLen   = model.MaxIdentLen
)

// NewCatalog is model.NewCatalog.
func NewCatalog() *model.Catalog { return model.NewCatalog() }

// ParseReferentialAction is model.ParseReferentialAction.
func ParseReferentialAction(s string) model.ReferentialAction { return model.ParseReferentialAction(s) }

// SameAction is model.SameAction.
func SameAction(a, b model.ReferentialAction) bool { return model.SameAction(a, b) }

// ValidateIdent is model.ValidateIdent.
func ValidateIdent(kind, name string) error { return model.ValidateIdent(kind, name) }
