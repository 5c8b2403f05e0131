package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/orgaccess"
)

// The seed's algorithm, ported to Go as faithfully as the brief tells
// it: read the candidates, then for each one check whether it is there
// and insert it if not, one row at a time, one commit at the end. It is
// the baseline W3 and W4 must beat fifty times over.

// rowByRowMembers is the seed's development population.
func (e *env) rowByRowMembers(ctx context.Context, db *Database, cfg orgaccess.Config) (sample, error) {
	return e.rowByRow(ctx, db, func(ctx context.Context, tx *sql.Tx, c *conn) error {
		rows, err := tx.QueryContext(ctx, core.Rebind(c.gw, "SELECT id FROM "+c.gw.Quote("user")+" WHERE email <> ? AND role <> 'pending'"), orgaccess.SystemUserEmail)
		if err != nil {
			return err
		}
		users, err := scanStrings(rows)
		if err != nil {
			return err
		}
		now := time.Now().Unix()
		for _, u := range users {
			if u == orgaccess.SystemUserID {
				continue
			}
			err := checkThenInsert(ctx, tx, c,
				"SELECT id FROM "+c.gw.Quote(orgaccess.MembersTable)+" WHERE organization_id = ? AND user_id = ?", []any{cfg.OrgID, u},
				"INSERT INTO "+c.gw.Quote(orgaccess.MembersTable)+" (id, organization_id, user_id, role, is_active, joined_at) VALUES (?, ?, ?, 'member', 1, ?)",
				[]any{fmt.Sprintf("%s_%s_%d", cfg.OrgID, u, now), cfg.OrgID, u, now})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// rowByRowLinks is the seed's model linking.
func (e *env) rowByRowLinks(ctx context.Context, db *Database, cfg orgaccess.Config) (sample, error) {
	return e.rowByRow(ctx, db, func(ctx context.Context, tx *sql.Tx, c *conn) error {
		now := time.Now().Unix()
		for _, m := range cfg.Models {
			err := checkThenInsert(ctx, tx, c,
				"SELECT id FROM "+c.gw.Quote(orgaccess.OrgModelsTable)+" WHERE organization_id = ? AND model_id = ?", []any{cfg.OrgID, m},
				"INSERT INTO "+c.gw.Quote(orgaccess.OrgModelsTable)+" (id, organization_id, model_id, is_active, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)",
				[]any{fmt.Sprintf("%s_%s_%d", cfg.OrgID, m, now), cfg.OrgID, m, now, now})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *env) rowByRow(ctx context.Context, db *Database, body func(context.Context, *sql.Tx, *conn) error) (sample, error) {
	c, err := e.open(ctx, db)
	if err != nil {
		return sample{}, err
	}
	defer c.close()
	before := c.counts.Load()
	start := time.Now()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return sample{}, err
	}
	if err := body(ctx, tx, c); err != nil {
		_ = tx.Rollback()
		return sample{}, fmt.Errorf("bench: row by row: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return sample{}, err
	}
	return sample{dur: time.Since(start), queries: -1, counts: c.counts.Load().Sub(before)}, nil
}

func checkThenInsert(ctx context.Context, tx *sql.Tx, c *conn, check string, checkArgs []any, insert string, insertArgs []any) error {
	var id string
	err := tx.QueryRowContext(ctx, core.Rebind(c.gw, check), checkArgs...).Scan(&id)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	_, err = tx.ExecContext(ctx, core.Rebind(c.gw, insert), insertArgs...)
	return err
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
