// Package core holds what every groundwork run shares whatever the database:
// the Step contract, the registry that orders steps, the runner
// (check → lock → re-check → apply → verify), the shared ensure algorithm
// for declarative objects (PlanTable, PlanIndex, PlanView), the report,
// telemetry and the errors.
//
// The schema model (package model) and the contract with a dialect
// (package driver) live apart, so drivers import neither core nor one
// another; core re-exports their names (model.go, driver.go), so a step or
// an application needs this one import.
package core
