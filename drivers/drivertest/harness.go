// Package drivertest is the conformance suite every groundwork driver
// passes: SQLite in every `go test ./...`, PostgreSQL and MariaDB in
// integration/. A driver's test calls RunConformanceTests with a
// coretest.Harness. It lives beside the drivers, not in core, because it
// drives them through the steps users declare (steps/schema), as go-cloud's
// drivertest drives a driver through its portable API.
package drivertest
