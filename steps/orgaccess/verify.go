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
	// the proof also sees the view leave inactive ones out), read first:
	// given as a list, every dialect's planner starts from these few users
	// instead of from all members. The proof then costs the sample × the
	// models, not the whole view. Both go in the pass's declared reads
	// (verify_reads.go): the sample in one round, the counts in the next.
	var sample []any
	if s.HasRead(sampleRead(s, l.cfg.OrgID, 0)) {
		sample, err = sampleFromReads(ctx, s, l.cfg.OrgID)
	} else {
		sample, err = sampleMembers(ctx, s, l.cfg.OrgID)
	}
	if err != nil || len(sample) == 0 {
		return nil, err
	}
	var inView, expected int64
	rv, re := proofReads(s, l.cfg.OrgID, sample)
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

// sampleMembers returns the first proofSample user ids of the
// organization's members.
func sampleMembers(ctx context.Context, s *core.Session, orgID string) ([]any, error) {
	rows, err := s.Query(ctx, "SELECT user_id FROM "+s.Quote(MembersTable)+" WHERE organization_id = ? ORDER BY user_id LIMIT "+fmt.Sprint(proofSample), orgID)
	if err != nil {
		return nil, fmt.Errorf("sample members: %w", err)
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sample members: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
