package proptest

import (
	"strings"

	"pgregory.net/rapid"

	"github.com/groundworkdb/groundwork/steps/orgaccess"
	"github.com/groundworkdb/groundwork/steps/orgaccess/openwebuitest"
)

// user is a row of the host's user table; nil email or role is NULL.
type user struct {
	id          string
	email, role *string
}

// eligible is the pack's rule for development members, restated: not the
// system user, not the system email, not pending; NULL excludes no one.
func (u user) eligible() bool {
	return u.id != orgaccess.SystemUserID &&
		(u.email == nil || *u.email != orgaccess.SystemUserEmail) &&
		(u.role == nil || *u.role != "pending")
}

// adminModel is a model row an admin made before groundwork ran: the pack
// must link it but never rewrite it.
type adminModel struct {
	id, name string
	active   bool
}

// deployment is a random Open WebUI deployment and the pack's settings.
type deployment struct {
	cfg    orgaccess.Config
	users  []user
	models []adminModel
}

func str(s string) *string { return &s }

// The pools random choices come from: quotes, SQL, unicode and case in
// the ids, since they travel as bound values and must come back intact.
var (
	userIDPool  = []string{"carol", "dave", "Eve", "eve", `it's "quoted"`, "ünï-模", "u;-- x", "system2"}
	emailPool   = []*string{nil, str("x@example.com"), str(orgaccess.SystemUserEmail), str("")}
	rolePool    = []*string{nil, str("user"), str("admin"), str("pending")}
	modelPool   = []string{"openai/gpt-4.1", "x-ai/grok-4", `weird/it's-a "model"; --`, "ünïcode/模型", "google/gemini-2.5-pro", "anthropic/claude-sonnet-4", "plain-model"}
	orgIDPool   = []string{"acme-dev", "acme", `o'rg"; --`, "Ünï-org"}
	orgNamePool = []string{"Acme Dev", "Acme", "Zażółć 'gęślą' \"jaźń\"", "Renamed ✓"}
)

// baseUsers are the seed's users: the system user and a pending user, who
// never become members, and two eligible ones, one without an email.
func baseUsers() []user {
	return []user{
		{id: orgaccess.SystemUserID, email: str(orgaccess.SystemUserEmail), role: str("admin")},
		{id: "pending1", email: str("p@example.com"), role: str("pending")},
		{id: "alice", email: str("alice@example.com"), role: str("user")},
		{id: "bob", role: str("admin")},
	}
}

// fixtureUsers are the users of an Open WebUI fixture (openwebuitest).
func fixtureUsers() []user {
	var out []user
	for _, u := range openwebuitest.Users() {
		out = append(out, user{id: u.ID, email: str(u.Email), role: str(u.Role)})
	}
	return out
}

func drawUser(rt *rapid.T, label, id string) user {
	return user{
		id:    id,
		email: rapid.SampledFrom(emailPool).Draw(rt, label+" email"),
		role:  rapid.SampledFrom(rolePool).Draw(rt, label+" role"),
	}
}

// drawDeployment draws users, the model list, the organization and the
// models an admin registered before groundwork's first run.
func drawDeployment(rt *rapid.T, fixture bool) *deployment {
	dep := &deployment{users: baseUsers()}
	if fixture {
		dep.users = fixtureUsers()
	}
	// Distinct ignoring case: MySQL's default collations compare keys
	// case-insensitively, so "Eve" and "eve" cannot both be users there.
	for i, id := range rapid.SliceOfNDistinct(rapid.SampledFrom(userIDPool), 0, 3, strings.ToLower).Draw(rt, "extra users") {
		dep.users = append(dep.users, drawUser(rt, "user "+string(rune('a'+i)), id))
	}
	models := rapid.SliceOfNDistinct(rapid.SampledFrom(modelPool), 1, 4, rapid.ID[string]).Draw(rt, "models")
	env := rapid.SampledFrom([]string{orgaccess.Development, orgaccess.Production}).Draw(rt, "environment")
	dep.cfg = orgaccess.Config{
		OrgID:       rapid.SampledFrom(orgIDPool).Draw(rt, "org id"),
		OrgName:     rapid.SampledFrom(orgNamePool).Draw(rt, "org name"),
		APIKey:      "sk-or-v1-" + rapid.StringMatching(`[a-z0-9]{8}`).Draw(rt, "api key"),
		Models:      models,
		Environment: env,
		// No host upgrade is pending in a deployment drawn here.
		Host: orgaccess.HostTarget{Current: true},
	}
	for _, m := range models {
		if rapid.Bool().Draw(rt, "admin registered "+m) {
			dep.models = append(dep.models, adminModel{id: m, name: "Admin's " + m, active: rapid.Bool().Draw(rt, "active "+m)})
		}
	}
	return dep
}
