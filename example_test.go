package groundwork_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"

	"github.com/groundworkdb/groundwork"
	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

func appSteps() []core.Step {
	return []core.Step{schema.Table(core.Table{Name: "notes", PrimaryKey: []string{"id"},
		Columns: []core.Column{{Name: "id", Type: core.Text, NotNull: true}, {Name: "body", Type: core.Text}}})}
}

// The application opens its pool as it always does; one call makes sure
// the database has what the steps declare. The pool stays open: it is the
// application's.
func ExampleApply() {
	dir, _ := os.MkdirTemp("", "groundwork")
	defer os.RemoveAll(dir)
	db, _ := sql.Open("sqlite", filepath.Join(dir, "app.db"))
	defer db.Close()

	rep, err := groundwork.Apply(context.Background(), db, appSteps()...)
	fmt.Println(rep.Status, rep.Changed, err)
	fmt.Println(db.Ping() == nil)
	// Output:
	// converged true <nil>
	// true
}

// Open takes every URL form the CLI's --db does; the DB it returns owns
// its connection.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "groundwork")
	defer os.RemoveAll(dir)
	db, err := groundwork.Open(context.Background(), "sqlite:///"+filepath.Join(dir, "app.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	rep, _ := db.Verify(context.Background(), appSteps()...)
	fmt.Println(rep.Status) // nothing applied yet: drift
	// Output: drift
}
