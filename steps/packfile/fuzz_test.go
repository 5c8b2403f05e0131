package packfile_test

import (
	"errors"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/packfile"
)

// FuzzParse: whatever the bytes, Parse returns steps that the registry
// accepts, or a *packfile.Error wrapping core.ErrInvalid; it never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{good, "pack: x\n", "pack: x\ntables: [{name: t, columns: [{name: a, type: text}]}]\n",
		"pack: &a x\n", "pack: x\nrows: [{table: t, key: [k], values: [{k: 1}]}]\n", "[[[[", "pack: {{}}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pk, err := packfile.Parse("fuzz.yaml", data)
		if err != nil {
			var pe *packfile.Error
			if !errors.As(err, &pe) || !errors.Is(err, core.ErrInvalid) {
				t.Fatalf("error %v (%T) is not a packfile.Error wrapping ErrInvalid", err, err)
			}
			return
		}
		if _, err := core.NewRegistry(pk.Steps...); err != nil && !errors.Is(err, core.ErrUnknownDependency) && !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("a pack Parse accepted is refused by the registry: %v", err)
		}
	})
}
