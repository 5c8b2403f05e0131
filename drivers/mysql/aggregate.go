package mysql

import "github.com/groundworkdb/groundwork/driver"

var _ driver.ListAggregator = (*Driver)(nil)

// ListAgg implements driver.ListAggregator: JSON_ARRAYAGG (MySQL 5.7.22,
// MariaDB 10.5), which, unlike GROUP_CONCAT, no group_concat_max_len
// cuts short.
func (d *Driver) ListAgg(expr string) string { return "JSON_ARRAYAGG(" + expr + ")" }
