package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/core/history"
)

const reportDocPath = "../../../../docs/report.md"

// jsonFields are the JSON names of a struct's fields.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// docFields are the first-column names of the table under the heading
// "## section" of the page.
func docFields(t *testing.T, doc, section string) []string {
	t.Helper()
	i := strings.Index(doc, "\n## "+section+"\n")
	if i < 0 {
		t.Fatalf("%s: no section %q", reportDocPath, section)
	}
	body := doc[i+len(section)+5:]
	if j := strings.Index(body, "\n## "); j >= 0 {
		body = body[:j]
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|")
	var out []string
	for _, m := range row.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

// TestReportDoc: docs/report.md documents every field of the report, its
// steps, drift and the history, and nothing else.
func TestReportDoc(t *testing.T) {
	raw, err := os.ReadFile(reportDocPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, tt := range []struct {
		section string
		typ     reflect.Type
	}{
		{"Report", reflect.TypeOf(core.Report{})},
		{"Step", reflect.TypeOf(core.StepReport{})},
		{"Drift", reflect.TypeOf(core.Drift{})},
		{"History run", reflect.TypeOf(history.Run{})},
		{"History step", reflect.TypeOf(history.StepRecord{})},
	} {
		got, want := docFields(t, doc, tt.section), jsonFields(tt.typ)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s, section %q: documents %v, the struct %s has %v", reportDocPath, tt.section, got, tt.typ, want)
		}
	}
	if !strings.Contains(doc, "(now **"+strconv.Itoa(core.ReportFormatVersion)+"**)") {
		t.Errorf("%s does not give format_version %d", reportDocPath, core.ReportFormatVersion)
	}
}

// normalize replaces what differs from run to run (times, durations,
// the temporary path) so the JSON can be compared with a golden file.
func normalize(t *testing.T, out, dir string) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, out)
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, val := range x {
				switch k {
				case "started_at":
					if s, _ := val.(string); s != "" && !strings.HasPrefix(s, "0001-") {
						x[k] = "<time>"
					}
				case "duration_ms", "lock_wait_ms":
					x[k] = 0
				default:
					walk(val)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b.Bytes(), []byte(dir), []byte("<dir>"))
}

// TestReportGolden pins the JSON of a plan, an apply, a verify and a
// failed connection: a renamed or removed field fails here (and then
// format_version must change). go test -run TestReportGolden -update
// rewrites testdata/golden/.
func TestReportGolden(t *testing.T) {
	dir := t.TempDir()
	u := sqliteURL(filepath.Join(dir, "gw.db"))
	sel := []string{"--step", "table:client_organizations", "--step", "index:idx_api_key", "-o", "json"}
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"plan", append([]string{"plan", "--db", u}, sel...), ExitDrift},
		{"apply", append([]string{"apply", "--db", u}, sel...), ExitOK},
		{"verify", append([]string{"verify", "--db", u}, sel...), ExitOK},
		{"failure", []string{"apply", "--db", "postgres://app:" + password + "@127.0.0.1:1/app?sslmode=disable", "-o", "json"}, ExitRetryable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, tt.args...)
			mustCode(t, r, tt.code)
			got := normalize(t, r.stdout, dir)
			if tt.name == "failure" && !bytes.Contains(got, []byte(`"started_at": "<time>"`)) {
				t.Fatalf("a failed connection's started_at is not a real time:\n%s", r.stdout)
			}
			path := filepath.Join("testdata", "golden", "report-"+tt.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -run TestReportGolden -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs (go test -run TestReportGolden -update rewrites it):\n--- got\n%s--- want\n%s", path, got, want)
			}
		})
	}
}
