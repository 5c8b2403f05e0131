package orgaccess

import (
	"errors"
	"regexp"
	"testing"

	"github.com/groundworkdb/groundwork/core"
)

func TestAccessSetting(t *testing.T) {
	env := map[string]string{EnvAccess: " Groups ", EnvOAuthGroupManagement: "True"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || !c.Groups() || !c.OAuthGroupManagement {
		t.Fatalf("config %+v, %v: want groups mode, OAuth group management on", c, err)
	}
	// Open WebUI turns it on only for "true": anything else is off, never an error.
	for v, want := range map[string]bool{"true": true, "TRUE": true, "1": false, "yes": false, "": false, "false": false} {
		if got := ParseOAuthGroupManagement(v); got != want {
			t.Errorf("ParseOAuthGroupManagement(%q) = %v, want %v", v, got, want)
		}
	}
	env[EnvAccess] = "group"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); !errors.Is(err, core.ErrInvalid) {
		t.Fatalf("access=group: %v, want ErrInvalid", err)
	}
}

// The seed's tables stay the default: groups mode adds steps only when set.
func TestGroupStepsOnlyInGroupsMode(t *testing.T) {
	ids := func(c Config) map[string]bool {
		out := map[string]bool{}
		for _, s := range Steps(c) {
			out[s.Info().ID] = true
		}
		return out
	}
	seed := ids(Config{})
	for _, id := range []string{GroupStepID, GroupMembersID, GrantsStepID, "table:" + LedgerTable} {
		if seed[id] {
			t.Errorf("step %s in the default mode", id)
		}
		if !ids(Config{Access: AccessGroups})[id] {
			t.Errorf("step %s missing in groups mode", id)
		}
	}
	if _, err := core.NewRegistry(Steps(Config{Access: AccessGroups})...); err != nil {
		t.Fatalf("groups mode registry: %v", err)
	}
}

var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestHostIDs(t *testing.T) {
	a, b := GroupID("acme"), GroupID("acme-dev")
	if a == b || a != GroupID("acme") || !uuidShape.MatchString(a) {
		t.Fatalf("group ids %q, %q: want distinct, stable UUIDs as Open WebUI's ids are", a, b)
	}
	if hostID("member", a, "u1") == hostID("member", a+"u", "1") {
		t.Fatal("ids of different parts collide")
	}
}

// What groundwork writes into Open WebUI's JSON columns is spelled as
// Python's json.dumps spells it, other keys kept in their order.
func TestPythonJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"b":1,"a":[true,null,"x"]}`:          `{"b": 1, "a": [true, null, "x"]}`,
		`{"n":"Zürich ✓ \u0001 \"q\" 😀 1.50"}`: `{"n": "Z\u00fcrich \u2713 \u0001 \"q\" \ud83d\ude00 1.50"}`,
		`[1.50, 2e3]`: `[1.50, 2e3]`,
	} {
		v, err := decodeOrdered(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := encodePy(v); got != want {
			t.Errorf("%s\n got %s\nwant %s", in, got, want)
		}
	}
	if _, err := decodeOrdered(`{"a":1} x`); err == nil {
		t.Error("trailing data accepted")
	}
}

func TestWithReadGroup(t *testing.T) {
	g := "gid"
	cases := []struct{ in, want string }{
		{`{}`, `{"read": {"group_ids": ["gid"], "user_ids": []}, "write": {"group_ids": [], "user_ids": []}}`},
		{`{"write": {"user_ids": ["u"], "group_ids": []}, "read": {"user_ids": ["v"], "group_ids": ["e"]}}`,
			`{"write": {"user_ids": ["u"], "group_ids": []}, "read": {"user_ids": ["v"], "group_ids": ["e", "gid"]}}`},
		{`{"read": {}}`, `{"read": {"group_ids": ["gid"], "user_ids": []}}`},
	}
	for _, c := range cases {
		got, already, err := withReadGroup(c.in, g)
		if err != nil || already || got != c.want {
			t.Errorf("%s: %s, %v, %v; want %s", c.in, got, already, err, c.want)
		}
	}
	if _, already, err := withReadGroup(`{"read": {"group_ids": ["gid"]}}`, g); err != nil || !already {
		t.Errorf("already there: %v, %v", already, err)
	}
	for _, bad := range []string{`[]`, `{"read": 1}`, `{"read": {"group_ids": "x"}}`, `{`} {
		if _, _, err := withReadGroup(bad, g); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
