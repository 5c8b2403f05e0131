package kit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

// BuildFunc fills a template database through a driver the kit opens on it
// and closes afterwards.
type BuildFunc func(ctx context.Context, d core.Driver) error

// Template is a database built once per test binary and copied for each
// test that starts from it: copying is much cheaper than building (one
// server-side CREATE DATABASE … TEMPLATE on PostgreSQL, a file copy for
// SQLite), so tests can each have a private, identical database.
type Template struct {
	target Target
	key    string
	build  BuildFunc

	once sync.Once
	err  error
	// name is the template's database name on the server, or its file.
	name string
}

// templates are the test binary's templates by target and key; the SQLite
// ones live in dir, removed by TerminateShared.
var templates struct {
	mu  sync.Mutex
	m   map[string]*Template
	dir string
}

var templateKeyRE = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// Template returns the target's template named key, building it with build
// the first time any test asks for it. Later calls with the same key return
// the same template, whatever build they pass. Keys are lower-case letters,
// digits and underscores. A failed build fails every test that uses the
// template. On a server target it skips the test when Docker or the image is
// missing (fails it when CI=true).
func (tg Target) Template(t testing.TB, key string, build BuildFunc) *Template {
	t.Helper()
	if !templateKeyRE.MatchString(key) {
		t.Fatalf("integration/kit: invalid template key %q: want [a-z0-9_], at most 40 characters", key)
	}
	var srv *Server
	if tg.server != nil {
		srv = tg.server(t)
	}
	templates.mu.Lock()
	if templates.m == nil {
		templates.m = map[string]*Template{}
	}
	id := tg.name + "/" + key
	tpl, ok := templates.m[id]
	if !ok {
		tpl = &Template{target: tg, key: key, build: build}
		templates.m[id] = tpl
	}
	templates.mu.Unlock()
	if tg.noTemplates {
		return tpl // every copy is built afresh (see NewDatabase)
	}
	tpl.once.Do(func() { tpl.err = tpl.create(srv) })
	if tpl.err != nil {
		t.Fatalf("integration/kit: template %s on %s: %v", key, tg.name, tpl.err)
	}
	return tpl
}

// create makes and fills the template database.
func (tpl *Template) create(srv *Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	var dsn string
	if srv == nil {
		dir, err := templateDir()
		if err != nil {
			return err
		}
		tpl.name = filepath.Join(dir, tpl.target.name+"_"+tpl.key+".db")
		dsn = tpl.name
	} else {
		tpl.name = "gwtpl_" + tpl.key
		var err error
		if dsn, err = srv.CreateDatabase(ctx, tpl.name); err != nil {
			return err
		}
	}
	d, err := tpl.target.open(ctx, dsn)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	// The driver is closed before any copy: PostgreSQL copies only a
	// template nobody is connected to.
	return errors.Join(tpl.build(ctx, d), closeDriver(d))
}

func templateDir() (string, error) {
	templates.mu.Lock()
	defer templates.mu.Unlock()
	if templates.dir == "" {
		dir, err := os.MkdirTemp("", "groundwork-kit-templates-")
		if err != nil {
			return "", fmt.Errorf("integration/kit: template directory: %w", err)
		}
		templates.dir = dir
	}
	return templates.dir, nil
}

// forgetTemplates drops the registry of templates (their server is gone)
// and removes the SQLite template files.
func forgetTemplates() error {
	templates.mu.Lock()
	defer templates.mu.Unlock()
	templates.m = nil
	dir := templates.dir
	templates.dir = ""
	if dir == "" {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("integration/kit: remove template directory: %w", err)
	}
	return nil
}

// NewDatabase returns a private copy of the template, removed when the test
// ends.
func (tpl *Template) NewDatabase(t testing.TB) *Database {
	t.Helper()
	tg := tpl.target
	if tg.noTemplates {
		return tpl.rebuild(t)
	}
	if tg.server == nil {
		path := filepath.Join(t.TempDir(), sqliteFile)
		if err := copySQLite(tpl.name, path); err != nil {
			t.Fatalf("%v", err)
		}
		return tg.database(path, path)
	}
	srv := tg.server(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	name, err := srv.databaseName("")
	if err != nil {
		t.Fatalf("%v", err)
	}
	dsn, err := srv.CreateDatabaseFromTemplate(ctx, name, tpl.name)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { dropAfterTest(t, srv, name) })
	return tg.database(name, dsn)
}

// rebuild makes a "copy" on a server without template databases (MariaDB)
// by building a fresh database the same way.
func (tpl *Template) rebuild(t testing.TB) *Database {
	t.Helper()
	db := tpl.target.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	d, err := db.Connect(ctx)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if err := errors.Join(tpl.build(ctx, d), closeDriver(d)); err != nil {
		t.Fatalf("integration/kit: template %s on %s: %v", tpl.key, tpl.target.name, err)
	}
	return db
}
