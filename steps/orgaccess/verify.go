package orgaccess

import (
	"context"
	"fmt"

	"github.com/groundworkdb/groundwork/core"
)

// proofSample is how many members of the organization the view proof
// looks at.
const proofSample = 32

// Verify proves the view serves the organization: for a sample of its
// members, the pairs it returns are exactly those its tables say, counted
// independently. (That the view is the declared one is the view step's
// check; this proves the declaration does what the pack means.)
func (l *linkModels) Verify(ctx context.Context, s *core.Session) ([]core.Drift, error) {
	if len(l.cfg.Missing()) > 0 {
		return nil, nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	// Something missing is the drift of its own step; nothing to prove yet.
	for _, t := range []string{"user", "model", OrgTable, OrgModelsTable, MembersTable} {
		if cat.Tables[t] == nil {
			return nil, nil
		}
	}
	if cat.Views[ViewName] == nil {
		return nil, nil
	}
	// A bounded sample of the organization's members (active or not, so
	// the proof also sees the view leave inactive ones out): the proof
	// costs the sample × the models, not the whole view. Both counts are
	// declared reads (verify_reads.go).
	var inView, expected int64
	rv, re := proofReads(s, l.cfg.OrgID)
	if err := s.ReadRow(ctx, rv, &inView); err != nil {
		return nil, fmt.Errorf("count view rows: %w", err)
	}
	if err := s.ReadRow(ctx, re, &expected); err != nil {
		return nil, fmt.Errorf("count view rows: %w", err)
	}
	if inView != expected {
		return []core.Drift{{Object: "view:" + ViewName, Detail: fmt.Sprintf("returns %d user-model pairs for the first %d members of organization %s, its tables say %d", inView, proofSample, l.cfg.OrgID, expected)}}, nil
	}
	return nil, nil
}
