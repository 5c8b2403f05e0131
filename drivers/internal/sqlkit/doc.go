// Package sqlkit is what the three drivers share to render and read SQL
// alike: identifier quoting, the table-level constraints every dialect
// spells the same, the fingerprint of a view's text, and the loops that
// read a catalog query's rows. It is internal to the drivers: the runner
// and the steps never need it, and an outside driver copies what it uses.
package sqlkit
