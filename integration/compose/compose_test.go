//go:build integration

// Package compose_test brings up examples/compose with docker-compose: the
// locally built PostgreSQL image, the groundwork image built FROM scratch
// from a static binary of this tree, then checks what the database holds
// and that a second run changes nothing.
package compose_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/integration/kit"
	"github.com/groundworkdb/groundwork/internal/testbin"
)

const (
	exampleDir = "../../examples/compose"
	orgID      = "compose-dev"
	orgName    = "Compose Dev Org"
	// builtinModels is the length of orgaccess.BuiltinModels; eligible the
	// sample users of initdb/ who become members (alice and bob).
	builtinModels = 12
	eligible      = 2
)

func TestMain(m *testing.M) {
	code := m.Run()
	testbin.Cleanup()
	os.Exit(code)
}

// skipOrFail skips the test, or fails it under CI=true: CI must not skip
// silently.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("integration/compose: %s, and CI=true", msg)
	}
	t.Skipf("integration/compose: skipping: %s (set CI=true to make this a failure)", msg)
}

// composeCommand finds docker-compose (v1) or the docker compose plugin (v2).
func composeCommand(t *testing.T) []string {
	t.Helper()
	if p, err := exec.LookPath("docker-compose"); err == nil {
		if exec.Command(p, "version").Run() == nil {
			return []string{p}
		}
	}
	if exec.Command("docker", "compose", "version").Run() == nil {
		return []string{"docker", "compose"}
	}
	skipOrFail(t, "neither docker-compose nor the docker compose plugin is installed")
	return nil
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// project is one docker-compose project of the example.
type project struct {
	t    *testing.T
	cmd  []string
	name string
	env  []string
}

// run runs a compose command and returns stdout and stderr.
func (p *project) run(ctx context.Context, args ...string) (string, string, error) {
	full := append(append([]string{}, p.cmd[1:]...), "-p", p.name, "-f", filepath.Join(exampleDir, "docker-compose.yml"))
	cmd := exec.CommandContext(ctx, p.cmd[0], append(full, args...)...)
	cmd.Env = p.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func (p *project) must(ctx context.Context, args ...string) string {
	p.t.Helper()
	out, errOut, err := p.run(ctx, args...)
	if err != nil {
		p.t.Fatalf("%s %s: %v\n%s%s", strings.Join(p.cmd, " "), strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// containerState is the status and exit code of the container of service.
func (p *project) containerState(ctx context.Context, service string) (string, int) {
	p.t.Helper()
	id := strings.TrimSpace(p.must(ctx, "ps", "-q", service))
	if id == "" {
		return "missing", -1
	}
	out, err := exec.CommandContext(ctx, "docker", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id).Output()
	if err != nil {
		p.t.Fatalf("docker inspect %s: %v", service, err)
	}
	var status string
	var code int
	if _, err := fmt.Sscan(string(out), &status, &code); err != nil {
		p.t.Fatalf("docker inspect %s: %q: %v", service, out, err)
	}
	return status, code
}

// waitExited waits until the container of service has exited and returns
// its exit code.
func (p *project) waitExited(ctx context.Context, service string) int {
	p.t.Helper()
	for {
		status, code := p.containerState(ctx, service)
		if status == "exited" || status == "dead" {
			return code
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("%s did not exit (last status %s): %v", service, status, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// buildImage builds the image the way the README says, make image: the
// static binary of this tree, its version stamped, in the example's FROM
// scratch Dockerfile. It returns the tag, and checks the version in it.
func buildImage(ctx context.Context, t *testing.T) string {
	t.Helper()
	version := "it-" + randomHex(t, 6)
	const repo = "groundwork/groundwork"
	bin := filepath.Join(t.TempDir(), "groundwork")
	make := exec.CommandContext(ctx, "make", "-C", "../..", "image", "IMAGE="+repo, "VERSION="+version, "BIN="+bin)
	if out, err := make.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	tag := repo + ":" + version
	t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "-f", tag).Run() })
	out, err := exec.CommandContext(ctx, "docker", "run", "--rm", tag, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "groundwork "+version+" ") {
		t.Fatalf("docker run %s version: %v: %q, want the stamped version %s", tag, err, out, version)
	}
	return tag
}

func TestComposeExample(t *testing.T) {
	kit.RequireDocker(t)
	cmd := composeCommand(t)
	pgImage := kit.PostgresImage()
	if err := exec.Command("docker", "image", "inspect", pgImage).Run(); err != nil {
		skipOrFail(t, "image %s is missing; build it with integration/images/build.sh", pgImage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	t0 := time.Now()
	image := buildImage(ctx, t)
	t.Logf("binary and image built in %s", time.Since(t0).Round(time.Millisecond))

	apiKey := "sk-or-v1-compose-" + randomHex(t, 12)
	dbPassword := "pw-" + randomHex(t, 12)
	p := &project{t: t, cmd: cmd, name: "gwcompose" + randomHex(t, 4), env: append(os.Environ(),
		"GROUNDWORK_IMAGE="+image,
		"GROUNDWORK_POSTGRES_IMAGE="+pgImage,
		"POSTGRES_PASSWORD="+dbPassword,
		"OPENROUTER_API_KEY="+apiKey,
		"OPENROUTER_EXTERNAL_USER="+orgID,
		"ORGANIZATION_NAME="+orgName,
		"GROUNDWORK_ENV=development",
		"GROUNDWORK_COMPOSE_DB_PORT=",
	)}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer ccancel()
		if t.Failed() {
			out, _, _ := p.run(cctx, "logs", "--no-color")
			t.Logf("compose logs:\n%s", out)
		}
		if out, errOut, err := p.run(cctx, "down", "-v", "--remove-orphans", "-t", "5"); err != nil {
			t.Errorf("compose down: %v\n%s%s", err, out, errOut)
		}
	})

	// First start: the database initialises (host tables from initdb/),
	// groundwork waits for it, applies and exits 0, then the app (verify)
	// starts and exits 0.
	t1 := time.Now()
	p.must(ctx, "up", "-d")
	wctx, wcancel := context.WithTimeout(ctx, 3*time.Minute)
	defer wcancel()
	if code := p.waitExited(wctx, "groundwork"); code != 0 {
		t.Fatalf("groundwork apply exited %d", code)
	}
	if code := p.waitExited(wctx, "app"); code != 0 {
		t.Fatalf("the app (groundwork verify) exited %d", code)
	}
	t.Logf("up, apply and verify in %s", time.Since(t1).Round(time.Millisecond))

	conn := connect(ctx, t, p, dbPassword)
	defer conn.Close(context.Background())
	checkDatabase(ctx, t, conn, apiKey)
	if n, changed := lastRun(ctx, t, conn); n != 1 || !changed {
		t.Fatalf("history after the first start: %d runs, last changed %t; want 1, true", n, changed)
	}

	// Second run, as a restarted deployment would: nothing to do.
	t2 := time.Now()
	out, errOut, err := p.run(ctx, "run", "--rm", "-T", "groundwork", "apply", "--output", "json")
	if err != nil {
		t.Fatalf("second apply: %v\n%s%s", err, out, errOut)
	}
	t.Logf("second apply (docker-compose run) in %s", time.Since(t2).Round(time.Millisecond))
	var rep struct {
		Status     string `json:"status"`
		Changed    bool   `json:"changed"`
		Statements int    `json:"statements"`
		Steps      []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("second apply's report: %v\n%s", err, out)
	}
	if rep.Status != core.RunConverged || rep.Changed || rep.Statements != 0 || len(rep.Steps) == 0 {
		t.Fatalf("second apply: status %s, changed %t, %d statements, %d steps; want converged, unchanged, 0\n%s",
			rep.Status, rep.Changed, rep.Statements, len(rep.Steps), out)
	}
	for _, st := range rep.Steps {
		if st.Status != core.StatusOK {
			t.Fatalf("second apply: step %s is %s, want ok", st.ID, st.Status)
		}
	}
	checkDatabase(ctx, t, conn, apiKey)
	// A run that found everything in place writes nothing, not even its
	// history row.
	if n, changed := lastRun(ctx, t, conn); n != 1 || !changed {
		t.Fatalf("history after the second run: %d runs, last changed %t; want only the first start's, 1, true", n, changed)
	}

	// Secrets: not in any container's output, nor in the history table.
	logs := p.must(ctx, "logs", "--no-color")
	history := historyText(ctx, t, conn)
	for what, text := range map[string]string{"compose logs": logs, "second apply": out + errOut, "history table": history} {
		if strings.Contains(text, apiKey) || strings.Contains(text, dbPassword) {
			t.Fatalf("%s shows a secret:\n%s", what, text)
		}
	}
	if !strings.Contains(logs, "postgres://openwebui:***@db:5432") {
		t.Fatalf("the --wait retries do not show the masked URL:\n%s", logs)
	}
}

// connect opens the example's database on its published loopback port.
func connect(ctx context.Context, t *testing.T, p *project, password string) *pgx.Conn {
	t.Helper()
	addr := strings.TrimSpace(p.must(ctx, "port", "db", "5432"))
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("published port %q: %v", addr, err)
	}
	if host != "127.0.0.1" {
		t.Fatalf("the database is published on %s, want 127.0.0.1 only", host)
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword("openwebui", password), Host: net.JoinHostPort(host, port),
		Path: "/openwebui", RawQuery: "sslmode=disable"}
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("connect to the example's database on %s: %v", addr, err)
	}
	return conn
}

// checkDatabase checks the organization, its 12 model links and the view.
func checkDatabase(ctx context.Context, t *testing.T, conn *pgx.Conn, apiKey string) {
	t.Helper()
	var name, key string
	if err := conn.QueryRow(ctx, `SELECT name, openrouter_api_key FROM client_organizations WHERE id = $1`, orgID).Scan(&name, &key); err != nil {
		t.Fatalf("organization %s: %v", orgID, err)
	}
	if name != orgName || key != apiKey {
		t.Fatalf("organization %s: name %q (want %q), key stored as given: %t", orgID, name, orgName, key == apiKey)
	}
	var links int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM organization_models WHERE organization_id = $1 AND is_active = 1`, orgID).Scan(&links); err != nil {
		t.Fatal(err)
	}
	if links != builtinModels {
		t.Fatalf("%d active model links, want %d", links, builtinModels)
	}
	var rows, users, models int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT user_id), COUNT(DISTINCT model_id) FROM user_available_models WHERE organization_id = $1`, orgID).
		Scan(&rows, &users, &models); err != nil {
		t.Fatalf("view user_available_models: %v", err)
	}
	if rows != eligible*builtinModels || users != eligible || models != builtinModels {
		t.Fatalf("user_available_models: %d rows, %d users, %d models; want %d, %d, %d",
			rows, users, models, eligible*builtinModels, eligible, builtinModels)
	}
	var strangers int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM user_available_models WHERE user_id NOT IN ('alice', 'bob')`).Scan(&strangers); err != nil {
		t.Fatal(err)
	}
	if strangers != 0 {
		t.Fatalf("%d view rows for users other than alice and bob (system and pending users must not be members)", strangers)
	}
}

// lastRun returns how many runs the history holds and whether the newest
// changed anything.
func lastRun(ctx context.Context, t *testing.T, conn *pgx.Conn) (int, bool) {
	t.Helper()
	var n int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM groundwork_runs`).Scan(&n); err != nil {
		t.Fatalf("groundwork_runs: %v", err)
	}
	var changed int
	var status string
	if err := conn.QueryRow(ctx, `SELECT changed, status FROM groundwork_runs ORDER BY id DESC LIMIT 1`).Scan(&changed, &status); err != nil {
		t.Fatalf("groundwork_runs: %v", err)
	}
	if status != core.RunConverged {
		t.Fatalf("the last recorded run is %s, want converged", status)
	}
	return n, changed != 0
}

// historyText is every row of the history table as text.
func historyText(ctx context.Context, t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	rows, err := conn.Query(ctx, `SELECT CAST(r.* AS text) FROM groundwork_runs r`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
