// Package schema holds the generic schema steps: one step ensures one
// table, index or view through the shared algorithm of core (PlanTable,
// PlanIndex, PlanView) and the driver's DDL.
package schema

import (
	"context"

	"github.com/groundworkdb/groundwork/core"
)

// Option adjusts a step's id, description, dependencies or tags, and for
// Rows its mode and managed columns. The schema steps ignore the row
// options.
type Option func(*settings)

// settings is what the options set: the step's info, and what only Rows
// reads.
type settings struct {
	info       core.StepInfo
	mode       RowMode
	touch      []string
	insertOnly []string
}

// After makes the step run after the steps with these ids.
func After(ids ...string) Option {
	return func(s *settings) { s.info.After = append(s.info.After, ids...) }
}

// Tags adds tags to the step.
func Tags(tags ...string) Option {
	return func(s *settings) { s.info.Tags = append(s.info.Tags, tags...) }
}

// Describe replaces the default description.
func Describe(desc string) Option {
	return func(s *settings) { s.info.Description = desc }
}

// ID replaces the default id (TableID, IndexID, ViewID, RowsID), for two
// steps on one object or a pack that names its steps itself.
func ID(id string) Option {
	return func(s *settings) { s.info.ID = id }
}

// TableID, IndexID and ViewID are the ids the steps get, so other steps
// can name them in After.
func TableID(name string) string { return "table:" + name }

// IndexID is the id of the step ensuring index name.
func IndexID(name string) string { return "index:" + name }

// ViewID is the id of the step ensuring view name.
func ViewID(name string) string { return "view:" + name }

func apply(id, desc string, opts []Option) settings {
	s := settings{info: core.StepInfo{ID: id, Description: desc}, mode: InsertMissing}
	for _, o := range opts {
		o(&s)
	}
	return s
}

func info(id, desc string, opts []Option) core.StepInfo { return apply(id, desc, opts).info }

type tableStep struct {
	t    core.Table
	info core.StepInfo
}

// Table returns a step that ensures table t.
func Table(t core.Table, opts ...Option) core.Step {
	return &tableStep{t: t, info: info(TableID(t.Name), "ensure table "+t.Name, opts)}
}

func (s *tableStep) Info() core.StepInfo { return s.info }
func (s *tableStep) Validate() error     { return s.t.Validate() }

func (s *tableStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	cat, err := sess.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	return core.PlanTable(sess.Driver, cat, s.t), nil
}

type indexStep struct {
	ix   core.Index
	info core.StepInfo
}

// Index returns a step that ensures index ix; it runs after the step of
// its table when given After(TableID(table)).
func Index(ix core.Index, opts ...Option) core.Step {
	return &indexStep{ix: ix, info: info(IndexID(ix.Name), "ensure index "+ix.Name+" on "+ix.Table, opts)}
}

func (s *indexStep) Info() core.StepInfo { return s.info }
func (s *indexStep) Validate() error     { return s.ix.Validate() }

func (s *indexStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	cat, err := sess.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	return core.PlanIndex(sess.Driver, cat, s.ix), nil
}

type viewStep struct {
	v    core.View
	info core.StepInfo
}

// View returns a step that ensures view v.
func View(v core.View, opts ...Option) core.Step {
	return &viewStep{v: v, info: info(ViewID(v.Name), "ensure view "+v.Name, opts)}
}

func (s *viewStep) Info() core.StepInfo { return s.info }
func (s *viewStep) Validate() error     { return core.ValidateIdent("view", s.v.Name) }

func (s *viewStep) Check(ctx context.Context, sess *core.Session) (*core.Plan, error) {
	cat, err := sess.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	return core.PlanView(sess.Driver, cat, s.v), nil
}
