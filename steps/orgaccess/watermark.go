package orgaccess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/groundworkdb/groundwork/core"
)

// WatermarkTable is groundwork's record of the last full proof that every
// eligible user is a member of a development organization: a summary row
// per organization (user_id ""), with what the proof saw (how many users,
// how many membership rows of every organization: counts without a
// filter) and when, and one row per user who was not eligible then (the
// system user, pending users). It is groundwork's own, with no foreign key
// to the host's tables (invariant 7); dropping it only costs the next
// start one full check.
//
// A member can only go missing when a user is added (the user count
// moves), a membership is deleted (the member count moves), or a user who
// was not eligible becomes eligible (an approval, an email changed away
// from the system's: that user leaves the recorded set). So a converged
// start reads the current values beside the recorded ones in one query
// returning one row (two whole-table counts and a lookup per recorded
// user), and counts the missing members over all users only when one of
// them moved. What the counts cannot tell (a sign-up and a deletion
// between two runs, a membership an admin deletes while another is added)
// is caught by a full proof at least every FullProofEvery.
const WatermarkTable = "groundwork_member_proofs"

// FullProofEvery bounds how stale the watermark may get: a start after it
// proves the membership of every user again (under the lock, in batches,
// recording a new watermark), even when nothing seems to have moved.
const FullProofEvery = 24 * time.Hour

func watermarkTable() core.Table {
	return core.Table{
		Name: WatermarkTable,
		Columns: []core.Column{
			{Name: "organization_id", Type: core.Text, NotNull: true},
			// user_id is "" on the summary row, else a user who was not
			// eligible at the proof.
			{Name: "user_id", Type: core.Text, NotNull: true},
			{Name: "users", Type: core.BigInt, NotNull: true},
			{Name: "members", Type: core.BigInt, NotNull: true},
			{Name: "ineligible", Type: core.BigInt, NotNull: true},
			// proven_at is 0 while a proof is being recorded (a run killed
			// part-way leaves no watermark the next run trusts).
			{Name: "proven_at", Type: core.BigInt, NotNull: true},
		},
		PrimaryKey: []string{"organization_id", "user_id"},
	}
}

// watermark is the recorded proof and the current values, read together.
type watermark struct {
	users, members, stillIneligible int64
	// recorded values; valid only when found.
	found                                    bool
	wUsers, wMembers, wIneligible, wProvenAt int64
}

// moved reports whether the database may have a missing member the
// recorded proof does not cover.
func (w watermark) moved() bool {
	return !w.found || w.wProvenAt == 0 || w.users != w.wUsers || w.members != w.wMembers || w.stillIneligible != w.wIneligible
}

// watermarkReads are readWatermark's reads, declared so the runner sends
// them with every other step's: the user and member counts, how many of
// the recorded ineligible users still are, and the recorded summary (no
// row when there is none).
//
// The two counts are what a converged start pays for at scale (on
// PostgreSQL 15, 100,000 users: about 4 ms each, 15 ms for rows the width
// of a real Open WebUI user). No cheaper exact signal was found: without a
// trigger or an index on the host's table there is no transactional
// per-table change counter, and pg_stat_user_tables' n_tup_ins/n_tup_del
// (under 1 ms) are flushed asynchronously: two committed inserts did not
// show in them 0.5 s later while their connection stayed busy. An
// anti-join that stops at the first user without a membership does not
// help: converged, none is missing, so it visits every user too. The
// transaction id and the WAL position are the whole cluster's (any write
// anywhere moves them). Every other read of a converged start is bounded
// by what it proves (TestConvergedReadsBoundedPostgres).
func (d *devMembers) watermarkReads(s *core.Session) []core.Read {
	q := func(n string) string { return s.Quote(n) }
	wm := q(WatermarkTable)
	org := d.cfg.OrgID
	return []core.Read{
		{Columns: []string{"COUNT(*)"}, From: "FROM " + wholeTable(s, "user"), OneRow: true},
		{Columns: []string{"COUNT(*)"}, From: "FROM " + wholeTable(s, MembersTable), OneRow: true},
		{Columns: []string{"COUNT(*)"}, OneRow: true, From: "FROM " + d.stillIneligibleFrom(s), Args: []any{org, SystemUserID, SystemUserEmail}},
		{Columns: []string{"users", "members", "ineligible", "proven_at"}, From: "FROM " + wm + " WHERE organization_id = ? AND user_id = ''", Args: []any{org}},
	}
}

// wholeTable is what the watermark counts the rows of table from: the
// driver's one-process scan where it has one (core.SerialScanner,
// PostgreSQL, whose planner would otherwise draw on the host's parallel
// workers for the count at every start), else the table itself: SQLite
// answers a bare count by walking the b-tree's pages without decoding a
// row, and MariaDB runs no query in parallel.
func wholeTable(s *core.Session, table string) string {
	if ss, ok := s.Driver.(core.SerialScanner); ok {
		return ss.SerialScan(s.Quote(table))
	}
	return s.Quote(table)
}

// stillIneligibleFrom selects the recorded ineligible users who still
// are (arguments: the organization, the system user's id and email). It
// looks each one up by the user's primary key in a scalar subquery, which
// no planner turns into a join: the cost is the recorded users, whatever
// the statistics. As a join, PostgreSQL with statistics (1,000 of 101,000
// users pending, random ids) hashed the recorded rows and scanned every
// user, a third whole-table read beside the two counts. A recorded user
// since deleted gives NULL, not counted, as the join did.
func (d *devMembers) stillIneligibleFrom(s *core.Session) string {
	return s.Quote(WatermarkTable) + " p WHERE p.organization_id = ? AND p.user_id <> '' AND (SELECT NOT (" + eligible(s, "u") + ") FROM " +
		s.Quote("user") + " u WHERE u.id = p.user_id)"
}

var _ core.Reader = (*devMembers)(nil)

// Reads implements core.Reader: the watermark's reads, once its tables
// are there (before, the check counts or skips).
func (d *devMembers) Reads(ctx context.Context, s *core.Session) ([]core.Read, error) {
	if len(d.cfg.Missing()) > 0 || !d.cfg.IsDevelopment() {
		return nil, nil
	}
	cat, err := s.Catalog(ctx)
	if err != nil || cat.Tables["user"] == nil || cat.Tables[MembersTable] == nil || cat.Tables[WatermarkTable] == nil {
		return nil, err
	}
	return d.watermarkReads(s), nil
}

// readWatermark reads the current user and member counts, how many of the
// recorded ineligible users still are, and the recorded summary: from the
// runner's prefetched reads when it sent them, else in one query
// returning one row (NULLs when there is no summary).
func (d *devMembers) readWatermark(ctx context.Context, s *core.Session) (watermark, error) {
	if reads := d.watermarkReads(s); allRead(s, reads) {
		var w watermark
		for i, dst := range [][]any{{&w.users}, {&w.members}, {&w.stillIneligible}} {
			if err := s.ReadRow(ctx, reads[i], dst...); err != nil {
				return w, fmt.Errorf("read %s: %w", WatermarkTable, err)
			}
		}
		err := s.ReadRow(ctx, reads[3], &w.wUsers, &w.wMembers, &w.wIneligible, &w.wProvenAt)
		switch {
		case err == nil:
			w.found = true
		case !errors.Is(err, sql.ErrNoRows):
			return w, fmt.Errorf("read %s: %w", WatermarkTable, err)
		}
		return w, nil
	}
	q := func(n string) string { return s.Quote(n) }
	wm := q(WatermarkTable)
	summary := func(col string) string {
		return "(SELECT " + col + " FROM " + wm + " WHERE organization_id = ? AND user_id = '')"
	}
	org := d.cfg.OrgID
	var w watermark
	var wu, wm2, wi, wp sql.NullInt64
	err := s.QueryRow(ctx, `SELECT
 (SELECT COUNT(*) FROM `+wholeTable(s, "user")+`),
 (SELECT COUNT(*) FROM `+wholeTable(s, MembersTable)+`),
 (SELECT COUNT(*) FROM `+d.stillIneligibleFrom(s)+`),
 `+summary("users")+`, `+summary("members")+`, `+summary("ineligible")+`, `+summary("proven_at"),
		org, SystemUserID, SystemUserEmail, org, org, org, org).Scan(&w.users, &w.members, &w.stillIneligible, &wu, &wm2, &wi, &wp)
	if err != nil {
		return w, fmt.Errorf("read %s: %w", WatermarkTable, err)
	}
	w.found = wu.Valid && wm2.Valid && wi.Valid && wp.Valid
	w.wUsers, w.wMembers, w.wIneligible, w.wProvenAt = wu.Int64, wm2.Int64, wi.Int64, wp.Int64
	return w, nil
}

// watermarkStart are the statements that begin recording a proof, run in
// the first batch before any member is inserted: the organization's rows
// are replaced by a summary marked incomplete (proven_at 0), with users
// (counted by the check, before the batches: a sign-up meanwhile moves
// the count) and the members and ineligible users as they are now, and
// the set of users not eligible now. A user approved later leaves that
// set, whatever range the batches are at.
func (d *devMembers) watermarkStart(s *core.Session, data core.DataSQL, users int64) []core.Statement {
	wm := s.Quote(WatermarkTable)
	org := d.cfg.OrgID
	notEligible := "NOT (" + eligible(s, "u") + ")"
	return []core.Statement{
		{SQL: "DELETE FROM " + wm + " WHERE organization_id = ?", Args: []any{org}},
		{SQL: "INSERT INTO " + wm + " (organization_id, user_id, users, members, ineligible, proven_at) VALUES (?, '', ?, (SELECT COUNT(*) FROM " +
			s.Quote(MembersTable) + "), (SELECT COUNT(*) FROM " + s.Quote("user") + " u WHERE " + notEligible + "), 0)",
			Args: []any{org, users, SystemUserID, SystemUserEmail}},
		d.ineligibleRows(s, data),
	}
}

// ineligibleRows records the users not eligible now, one row each.
func (d *devMembers) ineligibleRows(s *core.Session, data core.DataSQL) core.Statement {
	return core.Statement{SQL: "INSERT INTO " + s.Quote(WatermarkTable) + " (organization_id, user_id, users, members, ineligible, proven_at) SELECT " + data.Cast("?", core.Text) +
		", u.id, 0, 0, 0, 0 FROM " + s.Quote("user") + " u WHERE NOT (" + eligible(s, "u") + ")",
		Args: []any{d.cfg.OrgID, SystemUserID, SystemUserEmail}}
}

// watermarkStartProof is 0 once the summary row exists.
func (d *devMembers) watermarkStartProof(s *core.Session) core.Statement {
	return core.Statement{SQL: "SELECT 1 - COUNT(*) FROM " + s.Quote(WatermarkTable) + " WHERE organization_id = ? AND user_id = ''", Args: []any{d.cfg.OrgID}}
}

// watermarkFinish completes the proof once every range proved itself:
// the members counted at the start plus those the batches inserted (a
// membership an admin deleted meanwhile then shows as a moved count), and
// the time.
func (d *devMembers) watermarkFinish(s *core.Session, inserted, now int64) (core.Statement, core.Statement) {
	wm := s.Quote(WatermarkTable)
	return core.Statement{SQL: "UPDATE " + wm + " SET members = members + ?, proven_at = ? WHERE organization_id = ? AND user_id = ''", Args: []any{inserted, now, d.cfg.OrgID}},
		core.Statement{SQL: "SELECT COUNT(*) FROM " + wm + " WHERE organization_id = ? AND user_id = '' AND proven_at = 0", Args: []any{d.cfg.OrgID}}
}

// allRead: the runner prefetched every one of reads.
func allRead(s *core.Session, reads []core.Read) bool {
	for _, r := range reads {
		if !s.HasRead(r) {
			return false
		}
	}
	return true
}

// watermarkWhole is the one batch of a population that fits in one range:
// the missing members of every user inserted and the whole watermark
// recorded in one transaction. Every count is taken in SQL after the
// insert, in the snapshot the proof reads, so the summary records
// exactly what the proof covered (a sign-up the snapshot does not see
// moves the user count; a membership deleted after it, the member count).
// Its proof is the members still missing plus 1 until a complete summary
// is there: 0 only once both are done.
func (d *devMembers) watermarkWhole(s *core.Session, data core.DataSQL, now int64) ([]core.Statement, core.Statement) {
	wm := s.Quote(WatermarkTable)
	org := d.cfg.OrgID
	missing := d.countSQL(s, keyRange{})
	return []core.Statement{
			{SQL: "DELETE FROM " + wm + " WHERE organization_id = ?", Args: []any{org}},
			d.insertSQL(s, data, keyRange{}, now),
			d.ineligibleRows(s, data),
			{SQL: "INSERT INTO " + wm + " (organization_id, user_id, users, members, ineligible, proven_at) VALUES (?, '', (SELECT COUNT(*) FROM " +
				s.Quote("user") + "), (SELECT COUNT(*) FROM " + s.Quote(MembersTable) + "), (SELECT COUNT(*) FROM " + s.Quote("user") +
				" u WHERE NOT (" + eligible(s, "u") + ")), ?)",
				Args: []any{org, SystemUserID, SystemUserEmail, now}},
		}, core.Statement{
			SQL:  "SELECT (" + missing.SQL + ") + 1 - (SELECT COUNT(*) FROM " + wm + " WHERE organization_id = ? AND user_id = '' AND proven_at <> 0)",
			Args: append(missing.Args, org),
		}
}
