package cli

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/internal/dburl"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// DemoDB is the demo's database file when --db is not given.
const DemoDB = "groundwork-demo.db"

// demoOrg is the development organization of the demo, as the seed's
// environment variables would give it. The key is fake, and masked
// like a real one.
var demoOrg = orgaccess.Config{
	OrgID:       "demo-dev",
	OrgName:     "Demo Dev Org",
	APIKey:      "sk-or-v1-demo-0000000000000000-not-a-real-key",
	Environment: orgaccess.Development,
}

// SampleUsersID is the id of the demo's step inserting sample users.
const SampleUsersID = "demo:sample-users"

type sampleUser struct {
	id, name, email, role string // email "" is NULL
}

// sampleUsers are the demo's users: Open WebUI's system user and a
// pending user, who must not become members, and two eligible users, one
// of them without an email (NULL must not exclude anyone).
var sampleUsers = []sampleUser{
	{orgaccess.SystemUserID, "System", orgaccess.SystemUserEmail, "admin"},
	{"pending-user", "Pending User", "pending@example.com", "pending"},
	{"alice", "Alice", "alice@example.com", "user"},
	{"bob", "Bob", "", "admin"},
}

// sampleUsersStep inserts the sample users that are missing, in one
// INSERT … SELECT that skips existing ids.
type sampleUsersStep struct{}

func (sampleUsersStep) Info() core.StepInfo {
	return core.StepInfo{
		ID:          SampleUsersID,
		Description: "insert the demo's sample users (system, a pending user, alice, bob)",
		After:       []string{orgaccess.HostTablesID},
		Tags:        []string{"demo"},
	}
}

func (sampleUsersStep) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	if cat.Tables["user"] != nil {
		ids := make([]any, len(sampleUsers))
		for i, u := range sampleUsers {
			ids[i] = u.id
		}
		n, err := s.Count(ctx, "SELECT COUNT(*) FROM "+s.Quote("user")+" WHERE id IN ("+core.ParamList(len(ids))+")", ids...)
		if err != nil {
			return nil, fmt.Errorf("cli: count sample users: %w", err)
		}
		if n == int64(len(sampleUsers)) {
			return &core.Plan{}, nil
		}
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	cols := []string{"id", "name", "email", "role", "profile_image_url", "last_active_at", "updated_at", "created_at"}
	types := []core.ColumnType{core.Text, core.Text, core.Text, core.Text, core.Text, core.BigInt, core.BigInt, core.BigInt}
	now := time.Now().Unix()
	var selects []string
	var args []any
	for i, u := range sampleUsers {
		var exprs []string
		for j, c := range cols {
			e := data.Cast("?", types[j])
			if i == 0 {
				e += " AS " + s.Quote(c)
			}
			exprs = append(exprs, e)
		}
		selects = append(selects, "SELECT "+strings.Join(exprs, ", "))
		var email any
		if u.email != "" {
			email = u.email
		}
		args = append(args, u.id, u.name, email, u.role, "/user.png", now, now, now)
	}
	p := &core.Plan{}
	p.Changes = append(p.Changes, core.Change{
		Summary:    fmt.Sprintf("insert the %d sample users that are missing", len(sampleUsers)),
		Statements: []core.Statement{{SQL: data.InsertIgnore("user", cols, strings.Join(selects, " UNION ALL ")), Args: args}},
	})
	return p, nil
}

// viewRow is one row of user_available_models.
type viewRow struct {
	UserID       string  `json:"user_id"`
	UserEmail    *string `json:"user_email"`
	ModelID      string  `json:"model_id"`
	Organization string  `json:"organization_name"`
}

// viewSummary is what the demo shows of the view.
type viewSummary struct {
	Rows   int       `json:"rows"`
	Users  int       `json:"users"`
	Models int       `json:"models"`
	Sample []viewRow `json:"sample"`
}

// demoResult is the demo's JSON output.
type demoResult struct {
	Database string       `json:"database"`
	Report   *core.Report `json:"report"`
	View     *viewSummary `json:"user_available_models,omitempty"`
}

func (a *app) demoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run everything on a local SQLite file with sample users (" + DemoDB + " unless --db)",
		Long: `demo creates minimal Open WebUI host tables (user, model, config) in an SQLite
file, inserts sample users (the system user, a pending user, alice and bob),
configures a development organization (demo-dev, "Demo Dev Org", a fake API
key), runs apply and shows what the view user_available_models holds: with
two eligible users and the 12 built-in models, 24 user-model pairs. Run it
again: nothing changes.

Only --db (a file path or an sqlite:// URL) chooses the file; GROUNDWORK_DB,
DATABASE_URL and the organization settings are ignored.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runDemo(cmd) },
	}
}

func (a *app) runDemo(cmd *cobra.Command) error {
	ctx, cancel := a.commandContext(cmd.Context())
	defer cancel()
	a.mask.add(demoOrg.APIKey)
	path, from := DemoDB, "default"
	if f := cmd.Flags().Lookup("db"); f != nil && f.Changed {
		path, from = f.Value.String(), "--db"
	}
	raw := path
	if !strings.Contains(path, "://") {
		raw = "sqlite://" + path
		if filepath.IsAbs(path) {
			raw = "sqlite:///" + path
		}
	}
	u, err := a.parseDB(raw, from)
	if err != nil {
		return a.fail(core.ModeApply, err)
	}
	if u.Dialect != dburl.SQLite {
		return a.fail(core.ModeApply, fmt.Errorf("cli: demo runs on an SQLite file; --db must be a file path or an sqlite:// URL, not %s: %w", u.Redacted(), core.ErrInvalid))
	}
	reg, err := registry(demoOrg, sampleUsersStep{})
	if err != nil {
		return a.fail(core.ModeApply, err)
	}
	db, err := a.open(ctx, u, false)
	if err != nil {
		return a.fail(core.ModeApply, err)
	}
	defer db.close()
	sel := core.Selection{Include: []string{orgaccess.HostTablesID}}
	runner := core.NewRunner(db.driver, reg, append(a.runnerOptions(sel), core.WithEnvironment(demoOrg.Environment))...)
	stop := a.progress("demo")
	rep, runErr := runner.Apply(ctx)
	stop()
	a.maskReport(rep)
	view, verr := readView(ctx, db.driver)
	if verr != nil {
		a.log.Warn("cannot read the view", "view", orgaccess.ViewName, "err", verr)
	}
	if a.st.Output == "json" {
		a.printJSON(demoResult{Database: u.Path, Report: rep, View: view})
	} else {
		fmt.Fprintf(a.stdout, "demo database: %s (organization %s %q, %s)\n\n", u.Path, demoOrg.OrgID, demoOrg.OrgName, demoOrg.Environment)
		a.verbose = true // the demo shows what a run does, changed or not
		a.printReportText(rep)
		if view != nil {
			a.printView(view)
			fmt.Fprintf(a.stdout, "\nnext: run the same command again: nothing changes, and it says so\n")
		}
	}
	code := a.exitCode(rep, runErr)
	if code == ExitOK {
		return nil
	}
	return &exitError{code: code, err: runErr}
}

// readView reads what the view holds: counts and up to three rows per
// user for the first users. It returns nil when the view does not exist.
func readView(ctx context.Context, d core.Driver) (*viewSummary, error) {
	cat, err := d.Inspect(ctx, d.DB())
	if err != nil {
		return nil, err
	}
	if cat.Views[orgaccess.ViewName] == nil {
		return nil, nil
	}
	db := d.DB().DB
	v := d.Quote(orgaccess.ViewName)
	out := &viewSummary{Sample: []viewRow{}}
	err = db.QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT user_id), COUNT(DISTINCT model_id) FROM "+v).Scan(&out.Rows, &out.Users, &out.Models)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT user_id, user_email, model_id, organization_name FROM "+v+" ORDER BY user_id, model_id LIMIT 1000")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	perUser := map[string]int{}
	for rows.Next() {
		var r viewRow
		var email sql.NullString
		if err := rows.Scan(&r.UserID, &email, &r.ModelID, &r.Organization); err != nil {
			return nil, err
		}
		if email.Valid {
			r.UserEmail = &email.String
		}
		n, seen := perUser[r.UserID]
		if (seen || len(perUser) < 4) && n < 3 {
			perUser[r.UserID] = n + 1
			out.Sample = append(out.Sample, r)
		}
	}
	return out, rows.Err()
}

func (a *app) printView(v *viewSummary) {
	fmt.Fprintf(a.stdout, "\n%s: %s (%s × %s)\n", orgaccess.ViewName, plural(v.Rows, "user-model pair", "user-model pairs"),
		pluralize(v.Users, "user"), pluralize(v.Models, "model"))
	if len(v.Sample) == 0 {
		return
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tEMAIL\tMODEL\tORGANIZATION")
	for _, r := range v.Sample {
		email := "(null)"
		if r.UserEmail != nil {
			email = *r.UserEmail
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.UserID, email, r.ModelID, r.Organization)
	}
	if v.Rows > len(v.Sample) {
		fmt.Fprintf(tw, "…\t\t(%d more)\t\n", v.Rows-len(v.Sample))
	}
	_ = tw.Flush()
}
