package bench

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// The organization-access tables as GORM models: the same columns and
// indexes as the pack declares, strings in GORM's own type per dialect
// (text; varchar(191) for keys on MySQL, which cannot index TEXT). The unnamed unique constraints are
// left out (GORM would add its own, differently named, copies) and so are
// the foreign keys (GORM would then also migrate Open WebUI's user and
// model tables): GORM checks less than groundwork does here, never more.

type gormOrganization struct {
	ID                string   `gorm:"column:id;primaryKey"`
	Name              string   `gorm:"column:name;not null"`
	OpenrouterAPIKey  string   `gorm:"column:openrouter_api_key;not null"`
	OpenrouterKeyHash *string  `gorm:"column:openrouter_key_hash"`
	MarkupRate        *float32 `gorm:"column:markup_rate;default:1.3"`
	MonthlyLimit      *float32 `gorm:"column:monthly_limit"`
	BillingEmail      *string  `gorm:"column:billing_email"`
	Timezone          *string  `gorm:"column:timezone;default:'Europe/Warsaw'"`
	IsActive          *int32   `gorm:"column:is_active;default:1"`
	CreatedAt         int64    `gorm:"column:created_at;not null;autoCreateTime:false"`
	UpdatedAt         int64    `gorm:"column:updated_at;not null;autoUpdateTime:false"`
}

func (gormOrganization) TableName() string { return "client_organizations" }

type gormOrgModel struct {
	ID             string `gorm:"column:id;primaryKey"`
	OrganizationID string `gorm:"column:organization_id;not null;index:idx_org_models_org_active,priority:1;uniqueIndex:idx_org_models_org_model,priority:1"`
	ModelID        string `gorm:"column:model_id;not null;uniqueIndex:idx_org_models_org_model,priority:2"`
	IsActive       *int32 `gorm:"column:is_active;default:1;index:idx_org_models_org_active,priority:2"`
	CreatedAt      int64  `gorm:"column:created_at;not null;autoCreateTime:false"`
	UpdatedAt      int64  `gorm:"column:updated_at;not null;autoUpdateTime:false"`
}

func (gormOrgModel) TableName() string { return "organization_models" }

type gormOrgMember struct {
	ID             string  `gorm:"column:id;primaryKey"`
	OrganizationID string  `gorm:"column:organization_id;not null;index:idx_org_members_org_active,priority:1"`
	UserID         string  `gorm:"column:user_id;not null;index:idx_org_members_user_active,priority:1"`
	Role           *string `gorm:"column:role;default:'member'"`
	IsActive       *int32  `gorm:"column:is_active;default:1;index:idx_org_members_user_active,priority:2;index:idx_org_members_org_active,priority:2"`
	JoinedAt       int64   `gorm:"column:joined_at;not null"`
}

func (gormOrgMember) TableName() string { return "organization_members" }

// gormAutoMigrate opens GORM on an open connection and auto-migrates the
// three tables: what a GORM application does at every start.
func (e *env) gormAutoMigrate(ctx context.Context, db *Database) (sample, error) {
	c, err := e.open(ctx, db)
	if err != nil {
		return sample{}, err
	}
	defer c.close()
	before := c.counts.Load()
	c.counts.ResetSlowest()
	start := time.Now()
	g, err := gorm.Open(e.d.Gorm(c.db), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return sample{}, fmt.Errorf("bench: gorm: open: %w", err)
	}
	if err := g.WithContext(ctx).AutoMigrate(&gormOrganization{}, &gormOrgModel{}, &gormOrgMember{}); err != nil {
		return sample{}, fmt.Errorf("bench: gorm: auto-migrate: %w", err)
	}
	return sample{dur: time.Since(start), queries: -1, counts: c.counts.Load().Sub(before), slowest: c.counts.Slowest()}, nil
}
