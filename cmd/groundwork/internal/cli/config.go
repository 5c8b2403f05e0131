package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// Setting kinds.
const (
	kindString   = "string"
	kindDuration = "duration"
	kindBool     = "bool"
	kindList     = "list"
)

// setting is one configuration setting: a flag and a YAML key of the same
// name, the environment variables read for it (first set wins), its
// default and what it does. The table in docs/configuration.md is
// generated from these.
type setting struct {
	name    string
	envs    []string
	def     string
	kind    string
	secret  bool
	choices []string
	usage   string
}

// settingsSpec lists every setting. Precedence: flag, then environment,
// then the config file, then the default.
var settingsSpec = []setting{
	{name: "db", envs: []string{"GROUNDWORK_DB", "DATABASE_URL"}, kind: kindString,
		usage: "database URL, required by apply, plan, verify and history: postgres://, postgresql://, postgresql+psycopg2://, postgresql+psycopg://, postgresql+asyncpg:// (sslmode= or ssl=), mysql://, mariadb://, sqlite://relative.db, sqlite:///relative.db, sqlite:////absolute.db; sqlite+sqlcipher:// is refused; percent-encode '@', '/', '?' and '#' in the password; the password is shown as ***"},
	{name: "db-schema", envs: []string{"GROUNDWORK_DB_SCHEMA", "DATABASE_SCHEMA"}, kind: kindString,
		usage: "PostgreSQL: the schema of the host's tables (Open WebUI's DATABASE_SCHEMA); groundwork's tables, history and lock go there too; empty means the URL's or the server's search_path (public); ignored on SQLite and MySQL/MariaDB"},
	{name: "wait", envs: []string{"GROUNDWORK_WAIT"}, def: "0s", kind: kindDuration,
		usage: "keep retrying to connect (with backoff) for this long when the database is not up yet; 0 tries once"},
	{name: "lock-timeout", envs: []string{"GROUNDWORK_LOCK_TIMEOUT"}, def: "60s", kind: kindDuration,
		usage: "how long apply waits for another runner's lock before failing"},
	{name: "timeout", envs: []string{"GROUNDWORK_TIMEOUT"}, def: "0s", kind: kindDuration,
		usage: "bound on the whole run; 0 means none"},
	{name: "step-timeout", envs: []string{"GROUNDWORK_STEP_TIMEOUT"}, def: "0s", kind: kindDuration,
		usage: "bound on each step's check and apply: a step over it has its statements cancelled and its transaction rolled back, and the error names it; 0 means none"},
	{name: "lock-mode", envs: []string{"GROUNDWORK_LOCK_MODE"}, def: "auto", kind: kindString, choices: []string{"auto", "session", "lease"},
		usage: "PostgreSQL: session (an advisory lock, released when the holder's connection ends), lease (a row in groundwork_lock with a heartbeat and fencing: safe behind PgBouncer in transaction mode) or auto (lease when the URL's port is 6432 or it has pgbouncer=true or pool_mode=transaction, else session); SQLite always locks a file, MySQL/MariaDB always take GET_LOCK"},
	{name: "lease-ttl", envs: []string{"GROUNDWORK_LEASE_TTL"}, def: "15s", kind: kindDuration,
		usage: "lease lock mode: how long a lease lasts without a heartbeat (renewed every third of it); a killed runner keeps the others waiting at most this long; at least 1s"},
	{name: "record-all", envs: []string{"GROUNDWORK_RECORD_ALL"}, def: "false", kind: kindBool,
		usage: "apply: record every run in groundwork_runs, also one that found everything in place (it then takes the lock to write its row); by default a run that changed nothing and found no drift writes nothing, and runs that changed something, failed, found drift or were interrupted are always recorded"},
	{name: "output", envs: []string{"GROUNDWORK_OUTPUT"}, def: "text", kind: kindString, choices: []string{"text", "wide", "json"},
		usage: "stdout format: text (a summary line, and a table when something changed or with -v), wide (text with every column) or json (the report, docs/report.md)"},
	{name: "log-level", envs: []string{"GROUNDWORK_LOG_LEVEL"}, def: "warn", kind: kindString, choices: []string{"debug", "info", "warn", "error"},
		usage: "level of the logs written to stderr"},
	{name: "log-format", envs: []string{"GROUNDWORK_LOG_FORMAT"}, def: "text", kind: kindString, choices: []string{"text", "json"},
		usage: "format of the logs written to stderr"},
	{name: "org-id", envs: []string{orgaccess.EnvOrgID}, kind: kindString,
		usage: "organization id (the OpenRouter external user); the organization steps skip while it, org-name or api-key is missing"},
	{name: "org-name", envs: []string{orgaccess.EnvOrgName}, kind: kindString,
		usage: "organization name"},
	{name: "api-key", envs: []string{orgaccess.EnvAPIKey}, kind: kindString, secret: true,
		usage: "OpenRouter API key of the organization; never printed or logged (prefer the environment variable: a flag shows in the process list)"},
	{name: "models", envs: []string{orgaccess.EnvModels}, kind: kindList,
		usage: "models to link, comma-separated (a YAML list in the file); empty means the enabled connections of Open WebUI's config table, else the built-in list of 12"},
	{name: "environment", envs: []string{orgaccess.EnvEnv}, kind: kindString, choices: []string{"", orgaccess.Development, orgaccess.Production},
		usage: "development or production; empty decides by the name heuristic (\"dev\" in the organization id or name)"},
	{name: "no-name-heuristic", envs: []string{"GROUNDWORK_NO_NAME_HEURISTIC"}, def: "false", kind: kindBool,
		usage: "never infer a development organization from its id or name"},
	{name: "pack", envs: []string{"GROUNDWORK_PACKS"}, kind: kindList,
		usage: "a step pack file (YAML, see docs/packs.md) to run beside the built-in packs; repeatable (comma-separated in the environment, a YAML list in the file); a bad pack is exit 2 before anything is written"},
	{name: "host-wait", envs: []string{"GROUNDWORK_HOST_WAIT"}, def: "0s", kind: kindDuration,
		usage: "how long the organization steps wait for Open WebUI to create its tables (user, model, config) before skipping"},
	{name: "access", envs: []string{orgaccess.EnvAccess}, kind: kindString, choices: []string{"", orgaccess.AccessSeed, orgaccess.AccessGroups},
		usage: "seed (the default: the seed's tables and view) or groups (also the organization's group, its members and read grants in Open WebUI's own tables, which stock Open WebUI enforces)"},
	{name: "oauth-group-management", envs: []string{orgaccess.EnvOAuthGroupManagement}, kind: kindString,
		usage: "Open WebUI's own setting, read as it reads it (on only when \"true\"): the identity provider owns group memberships, so groups mode writes none"},
	{name: "host-revision", envs: []string{orgaccess.EnvHostRevision}, kind: kindString,
		usage: "the alembic revision the Open WebUI about to start migrates the database to (comma-separated for several heads), or \"current\" (the database's revision is the host's); while the database is not at it the view is held back; unset: read from host-migrations"},
	{name: "host-migrations", envs: []string{orgaccess.EnvHostMigrations}, kind: kindString,
		usage: "directory of Open WebUI's alembic migrations (migrations/versions); its head is the host's revision; unset: " + orgaccess.OpenWebUIMigrations + " when it exists (groundwork inside the Open WebUI image), else the revision is unknown and the view is held back"},
	{name: "after-host", envs: []string{"GROUNDWORK_AFTER_HOST"}, def: "false", kind: kindBool,
		usage: "apply only: first wait (without the lock) until Open WebUI has migrated the database to the host revision, then apply, which creates what the start before the host held back"},
	{name: "after-host-timeout", envs: []string{"GROUNDWORK_AFTER_HOST_TIMEOUT"}, def: "30m", kind: kindDuration,
		usage: "how long after-host waits for Open WebUI's migrations before failing"},
	{name: "otel", envs: []string{"GROUNDWORK_OTEL"}, def: "false", kind: kindBool,
		usage: "export each run's traces and metrics over OTLP, configured by the standard OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL http/protobuf or grpc, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_SDK_DISABLED); a span per statement with --log-level debug; see README, Observability"},
}

// configEnv names the config file when --config is not given.
const configEnv = "GROUNDWORK_CONFIG"

// settings are the resolved settings of one invocation.
type settings struct {
	DB          string
	dbFrom      string
	DBSchema    string
	Wait        time.Duration
	LockTimeout time.Duration
	Timeout     time.Duration
	StepTimeout time.Duration
	LockMode    string
	LeaseTTL    time.Duration
	RecordAll   bool
	Output      string
	LogLevel    string
	LogFormat   string
	Org         orgaccess.Config
	Packs       []string
	// AfterHost and AfterHostTimeout: the after-host phase of apply.
	AfterHost        bool
	AfterHostTimeout time.Duration
	OTel             bool
}

// registerFlags adds a flag for every setting, plus --config.
func registerFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "YAML file of settings (keys are the flag names); env "+configEnv)
	for _, s := range settingsSpec {
		usage := s.usage
		if len(s.envs) > 0 {
			usage += " (env " + strings.Join(s.envs, ", ") + ")"
		}
		switch {
		case s.kind == kindBool:
			fs.Bool(s.name, false, usage)
		case s.name == "pack":
			fs.StringArray(s.name, nil, usage)
		case s.name == "output":
			fs.StringP(s.name, "o", "", usage+defaultNote(s))
		default:
			// Defaults are applied in resolve, so a flag left alone never
			// hides the environment.
			fs.String(s.name, "", usage+defaultNote(s))
		}
	}
}

func defaultNote(s setting) string {
	if s.def == "" || s.def == "0s" || s.def == "false" {
		return ""
	}
	return " (default " + s.def + ")"
}

// rawValue is a setting's value as text and where it came from.
type rawValue struct {
	text string
	list []string // a YAML list, for kindList
	from string
}

// resolve reads every setting: flags, then env, then the file, then the
// default. Every error wraps core.ErrInvalid.
func resolve(fs *pflag.FlagSet, getenv func(string) string) (*settings, error) {
	path, _ := fs.GetString("config")
	if path == "" {
		path = getenv(configEnv)
	}
	var file map[string]rawValue
	if path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return nil, err
		}
	}
	raw := map[string]rawValue{}
	for _, s := range settingsSpec {
		v := rawValue{text: s.def, from: "default"}
		found := false
		if f := fs.Lookup(s.name); f != nil && f.Changed {
			v, found = rawValue{text: f.Value.String(), from: "--" + s.name}, true
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				v.text, v.list = "", sv.GetSlice()
			}
		}
		for _, e := range s.envs {
			if found {
				break
			}
			if x := getenv(e); strings.TrimSpace(x) != "" {
				v, found = rawValue{text: x, from: e}, true
			}
		}
		if fv, ok := file[s.name]; ok && !found {
			v = fv
		}
		raw[s.name] = v
	}
	return parseSettings(raw)
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("cli: "+format+": %w", append(args, core.ErrInvalid)...)
}

func parseSettings(raw map[string]rawValue) (*settings, error) {
	st := &settings{}
	var errs []error
	str := func(name string) string {
		v := strings.TrimSpace(raw[name].text)
		for _, s := range settingsSpec {
			if s.name == name && s.choices != nil && !contains(s.choices, strings.ToLower(v)) {
				errs = append(errs, invalidf("%s: %q is not one of %s", raw[name].from, v, choiceList(s.choices)))
			}
			if s.name == name && s.choices != nil {
				v = strings.ToLower(v)
			}
		}
		return v
	}
	dur := func(name string) time.Duration {
		v := strings.TrimSpace(raw[name].text)
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, invalidf("%s: %q is not a duration such as 30s or 2m", raw[name].from, v))
		}
		return d
	}
	st.DB, st.dbFrom = strings.TrimSpace(raw["db"].text), raw["db"].from
	st.DBSchema = strings.TrimSpace(raw["db-schema"].text)
	st.Wait, st.LockTimeout, st.Timeout = dur("wait"), dur("lock-timeout"), dur("timeout")
	st.StepTimeout, st.LockMode, st.LeaseTTL = dur("step-timeout"), str("lock-mode"), dur("lease-ttl")
	if d, err := time.ParseDuration(strings.TrimSpace(raw["lease-ttl"].text)); err == nil && d < time.Second {
		errs = append(errs, invalidf("%s: %q is too short: a lease must last at least 1s", raw["lease-ttl"].from, raw["lease-ttl"].text))
	}
	st.Output, st.LogLevel, st.LogFormat = str("output"), str("log-level"), str("log-format")
	st.Org = orgaccess.Config{
		OrgID:       strings.TrimSpace(raw["org-id"].text),
		OrgName:     strings.TrimSpace(raw["org-name"].text),
		APIKey:      strings.TrimSpace(raw["api-key"].text),
		Environment: str("environment"),
		HostWait:    dur("host-wait"),
		Access:      str("access"),
		// Read as Open WebUI reads it: any other value is off, never an error.
		OAuthGroupManagement: orgaccess.ParseOAuthGroupManagement(raw["oauth-group-management"].text),
	}
	if b, err := strconv.ParseBool(strings.TrimSpace(raw["no-name-heuristic"].text)); err != nil {
		errs = append(errs, invalidf("%s: %q is not true or false", raw["no-name-heuristic"].from, raw["no-name-heuristic"].text))
	} else {
		st.Org.NoNameHeuristic = b
	}
	if b, err := strconv.ParseBool(strings.TrimSpace(raw["after-host"].text)); err != nil {
		errs = append(errs, invalidf("%s: %q is not true or false", raw["after-host"].from, raw["after-host"].text))
	} else {
		st.AfterHost = b
	}
	st.AfterHostTimeout = dur("after-host-timeout")
	host, err := orgaccess.ResolveTarget(raw["host-revision"].text, raw["host-revision"].from,
		raw["host-migrations"].text, raw["host-migrations"].from, orgaccess.OpenWebUIMigrations)
	if err != nil {
		errs = append(errs, fmt.Errorf("cli: %w", err))
	}
	st.Org.Host = host
	if err == nil && st.AfterHost && host.Unknown() {
		errs = append(errs, invalidf("%s: waiting for the host needs the revision it migrates to: set --host-revision (%s) or --host-migrations (%s); %s does not exist here",
			raw["after-host"].from, orgaccess.EnvHostRevision, orgaccess.EnvHostMigrations, orgaccess.OpenWebUIMigrations))
	}
	if b, err := strconv.ParseBool(strings.TrimSpace(raw["record-all"].text)); err != nil {
		errs = append(errs, invalidf("%s: %q is not true or false", raw["record-all"].from, raw["record-all"].text))
	} else {
		st.RecordAll = b
	}
	if b, err := strconv.ParseBool(strings.TrimSpace(raw["otel"].text)); err != nil {
		errs = append(errs, invalidf("%s: %q is not true or false", raw["otel"].from, raw["otel"].text))
	} else {
		st.OTel = b
	}
	if m := raw["models"]; m.list != nil || strings.TrimSpace(m.text) != "" {
		var models []string
		var err error
		if m.list != nil {
			models, err = m.list, nil
		} else {
			models, err = orgaccess.ParseModels(m.text)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cli: %s: %w", m.from, err))
		}
		st.Org.Models = models
	}
	if pk := raw["pack"]; pk.list != nil {
		st.Packs = pk.list
	} else {
		for _, f := range strings.Split(pk.text, ",") {
			if f = strings.TrimSpace(f); f != "" {
				st.Packs = append(st.Packs, f)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := st.Org.Validate(); err != nil {
		return nil, fmt.Errorf("cli: %w", err)
	}
	return st, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func choiceList(choices []string) string {
	var out []string
	for _, c := range choices {
		if c == "" {
			c = `"" (unset)`
		}
		out = append(out, c)
	}
	return strings.Join(out, ", ")
}

// fileConfig is the YAML file. Every key is a setting's flag name; an
// unknown key is an error naming it.
type fileConfig struct {
	DB              yaml.Node `yaml:"db"`
	Wait            yaml.Node `yaml:"wait"`
	LockTimeout     yaml.Node `yaml:"lock-timeout"`
	Timeout         yaml.Node `yaml:"timeout"`
	StepTimeout     yaml.Node `yaml:"step-timeout"`
	LockMode        yaml.Node `yaml:"lock-mode"`
	LeaseTTL        yaml.Node `yaml:"lease-ttl"`
	RecordAll       yaml.Node `yaml:"record-all"`
	Output          yaml.Node `yaml:"output"`
	LogLevel        yaml.Node `yaml:"log-level"`
	LogFormat       yaml.Node `yaml:"log-format"`
	OrgID           yaml.Node `yaml:"org-id"`
	OrgName         yaml.Node `yaml:"org-name"`
	APIKey          yaml.Node `yaml:"api-key"`
	Models          yaml.Node `yaml:"models"`
	Environment     yaml.Node `yaml:"environment"`
	NoNameHeuristic yaml.Node `yaml:"no-name-heuristic"`
	Pack            yaml.Node `yaml:"pack"`
	HostWait        yaml.Node `yaml:"host-wait"`
	Access          yaml.Node `yaml:"access"`
	OAuthGroupMgmt  yaml.Node `yaml:"oauth-group-management"`
	HostRevision    yaml.Node `yaml:"host-revision"`
	HostMigrations  yaml.Node `yaml:"host-migrations"`
	AfterHost       yaml.Node `yaml:"after-host"`
	AfterHostTO     yaml.Node `yaml:"after-host-timeout"`
	OTel            yaml.Node `yaml:"otel"`
}

// readConfigFile reads the YAML settings file at path.
func readConfigFile(path string) (map[string]rawValue, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, invalidf("config file %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	data, err := readLimited(f)
	if err != nil {
		return nil, invalidf("config file %s: %v", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var fc fileConfig
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
		return nil, invalidf("config file %s: %s", path, yamlMessage(err))
	}
	if err := checkDocument(data); err != nil {
		return nil, invalidf("config file %s: %s", path, err)
	}
	out := map[string]rawValue{}
	v := reflect.ValueOf(fc)
	for i := 0; i < v.NumField(); i++ {
		key := v.Type().Field(i).Tag.Get("yaml")
		n := v.Field(i).Interface().(yaml.Node)
		from := fmt.Sprintf("config file %s: line %d: %s", path, n.Line, key)
		switch {
		case n.Kind == 0:
			continue
		case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
			continue
		case n.Kind == yaml.ScalarNode && key == "pack":
			out[key] = rawValue{list: []string{packPath(path, n.Value)}, from: from}
		case n.Kind == yaml.ScalarNode:
			out[key] = rawValue{text: n.Value, from: from}
		case n.Kind == yaml.SequenceNode && (key == "models" || key == "pack"):
			list := []string{}
			for _, item := range n.Content {
				if item.Kind != yaml.ScalarNode {
					return nil, invalidf("%s: every item must be a string", from)
				}
				v := strings.TrimSpace(item.Value)
				if key == "pack" {
					v = packPath(path, v)
				}
				list = append(list, v)
			}
			out[key] = rawValue{list: list, from: from}
		default:
			return nil, invalidf("%s: want a single value", from)
		}
	}
	return out, nil
}

// packPath resolves a pack file named in the config file relative to the
// config file's directory, so the two can move together.
func packPath(configPath, pack string) string {
	pack = strings.TrimSpace(pack)
	if pack == "" || filepath.IsAbs(pack) {
		return pack
	}
	return filepath.Join(filepath.Dir(configPath), pack)
}

// yamlMessage rewords yaml.v3's "field x not found in type cli.fileConfig"
// as "unknown key", which is what it means to the file's author.
func yamlMessage(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var msgs []string
		for _, e := range te.Errors {
			if i := strings.Index(e, "field "); i >= 0 && strings.Contains(e, " not found in type") {
				// Last: the key itself may contain the words.
				key := e[i+len("field ") : strings.LastIndex(e, " not found in type")]
				msgs = append(msgs, e[:i]+"unknown key "+strconv.Quote(key)+" (known keys: "+knownKeys()+")")
				continue
			}
			msgs = append(msgs, e)
		}
		return strings.Join(msgs, "; ")
	}
	return err.Error()
}

func knownKeys() string {
	var keys []string
	for _, s := range settingsSpec {
		keys = append(keys, s.name)
	}
	return strings.Join(keys, ", ")
}
