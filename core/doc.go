// Package core holds what every groundwork run shares whatever the database:
// the Step contract, the registry that orders steps, the runner
// (lock → inspect → check → plan → apply → verify), the declarative object
// specs the schema steps use, the catalog snapshot drivers fill in, the
// report, and the errors.
//
// core imports no database driver. A dialect plugs in through the Driver
// interface (see driver.go); everything a driver may do beyond it is
// discovered by type assertion.
package core
