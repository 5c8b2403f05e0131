package schema_test

import (
	"errors"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

func TestRowsValidate(t *testing.T) {
	key := []string{"k"}
	for name, st := range map[string]core.Step{
		"no key":          schema.Rows("t", nil, []schema.Row{{"k": "a"}}),
		"bad mode":        schema.Rows("t", key, []schema.Row{{"k": "a"}}, schema.Mode("overwrite")),
		"missing column":  schema.Rows("t", key, []schema.Row{{"k": "a", "v": 1}, {"k": "b"}}),
		"extra column":    schema.Rows("t", key, []schema.Row{{"k": "a"}, {"k": "b", "v": 1}}),
		"duplicate key":   schema.Rows("t", key, []schema.Row{{"k": "a"}, {"k": "a"}}),
		"null key":        schema.Rows("t", key, []schema.Row{{"k": nil}}),
		"float key":       schema.Rows("t", key, []schema.Row{{"k": 1.5}}),
		"bad value":       schema.Rows("t", key, []schema.Row{{"k": "a", "v": []int{1}}}),
		"bad table":       schema.Rows("sqlite_x", key, []schema.Row{{"k": "a"}}),
		"bad column":      schema.Rows("t", key, []schema.Row{{"k": "a", " v": 1}}),
		"key is touched":  schema.Rows("t", key, []schema.Row{{"k": "a"}}, schema.Touch("k")),
		"secret in a key": schema.Rows("t", key, []schema.Row{{"k": core.Secret("s")}}),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := core.NewRegistry(st); !errors.Is(err, core.ErrInvalid) {
				t.Fatalf("registry accepted it: %v", err)
			}
		})
	}
	if _, err := core.NewRegistry(schema.Rows("t", key, nil, schema.Mode(schema.SyncOwned))); err != nil {
		t.Fatalf("no rows in sync-owned (remove every owned row): %v", err)
	}
}
