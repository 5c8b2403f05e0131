package orgaccess

import (
	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// Tag marks every step of the pack; TagDevelopment the development step.
const (
	Tag            = "orgaccess"
	TagDevelopment = "development"
)

// Step ids of the data steps.
const (
	OrgStepID      = "orgaccess:organization"
	RegisterStepID = "orgaccess:register-models"
	LinkStepID     = "orgaccess:link-models"
	MembersStepID  = "orgaccess:dev-members"
	HostTablesID   = "host:openwebui-tables"
	ViewName       = "user_available_models"
	OrgTable       = "client_organizations"
	OrgModelsTable = "organization_models"
	MembersTable   = "organization_members"
)

// Steps returns the pack: schema first, then data, in run order.
func Steps(cfg Config) []core.Step {
	steps := []core.Step{
		schema.Table(ClientOrganizations(), schema.Tags(Tag, "usage"), schema.Describe("ensure table client_organizations (shared with the usage pack)")),
		hostGuard(schema.Table(organizationModels(), schema.Tags(Tag), schema.After(schema.TableID(OrgTable))), cfg.HostWait, "model"),
		hostGuard(schema.Table(organizationMembers(), schema.Tags(Tag), schema.After(schema.TableID(OrgTable))), cfg.HostWait, "user"),
	}
	for _, ix := range indexes() {
		steps = append(steps, schema.Index(ix, schema.Tags(Tag), schema.After(schema.TableID(ix.Table))))
	}
	steps = append(steps,
		schema.Table(holdsTable(), schema.Tags(Tag), schema.Describe("ensure table "+HoldsTable+" (what groundwork holds back while Open WebUI migrates)")),
		schema.Table(watermarkTable(), schema.Tags(Tag), schema.Describe("ensure table "+WatermarkTable+" (the last full proof of the development members)")),
		&hostView{cfg: cfg, view: schema.View(availableModelsView(), schema.Tags(Tag),
			schema.After(schema.TableID(OrgModelsTable), schema.TableID(MembersTable), schema.TableID(HoldsTable)))},
		&upsertOrg{cfg: cfg},
		&registerModels{cfg: cfg},
		&linkModels{cfg: cfg},
		&devMembers{cfg: cfg},
	)
	if cfg.Groups() {
		steps = append(steps, groupSteps(cfg)...)
	}
	return steps
}
