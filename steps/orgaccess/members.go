package orgaccess

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/groundworkdb/groundwork/core"
	"github.com/groundworkdb/groundwork/steps/schema"
)

// SystemUserID and SystemUserEmail identify Open WebUI's system user,
// who is never made a member.
const (
	SystemUserID    = "system"
	SystemUserEmail = "system@mai.local"
)

// devMembers makes every eligible user an active member of a development
// organization: set-based INSERT … SELECTs over ranges of user ids, each
// committed on its own in a bounded time (memberBatches).
type devMembers struct{ cfg Config }

func (d *devMembers) Info() core.StepInfo {
	return core.StepInfo{
		ID:          MembersStepID,
		Description: "make every eligible user a member of a development organization",
		After:       []string{OrgStepID, schema.TableID(MembersTable), schema.TableID(WatermarkTable)},
		Tags:        []string{Tag, TagDevelopment},
	}
}

// eligible is the WHERE clause choosing users: not the system user, not
// pending. A NULL email or role does not exclude anyone (SQL's NULL <> x
// would, silently).
func eligible(s *core.Session, alias string) string {
	return fmt.Sprintf("%[1]s.id <> ? AND (%[1]s.email IS NULL OR %[1]s.email <> ?) AND (%[1]s.role IS NULL OR %[1]s.role <> 'pending')", alias)
}

// keyRange is a range of user ids, (lo, hi]; a nil end is open.
type keyRange struct{ lo, hi *string }

func (r keyRange) where(col string) (string, []any) {
	var sql string
	var args []any
	if r.lo != nil {
		sql += " AND " + col + " > ?"
		args = append(args, *r.lo)
	}
	if r.hi != nil {
		sql += " AND " + col + " <= ?"
		args = append(args, *r.hi)
	}
	return sql, args
}

func (r keyRange) String() string {
	lo, hi := "start", "end"
	if r.lo != nil {
		lo = *r.lo
	}
	if r.hi != nil {
		hi = *r.hi
	}
	return "user ids (" + lo + ", " + hi + "]"
}

// missingSQL selects, as column id, the eligible users in r who are not
// members of the organization yet. Where the driver has EXCEPT, the set
// is a difference the server computes whole before the INSERT reads it,
// so no statistics (an empty but analyzed members table, say) can give a
// plan that rescans the rows the statement inserts.
func (d *devMembers) missingSQL(s *core.Session, r keyRange) (string, []any) {
	ur, uargs := r.where("u.id")
	args := append([]any{SystemUserID, SystemUserEmail}, uargs...)
	users := "SELECT u.id AS id FROM " + s.Quote("user") + " u WHERE " + eligible(s, "u") + ur
	if ex, ok := s.Driver.(core.Excepter); ok {
		mr, margs := r.where("m.user_id")
		args = append(append(args, d.cfg.OrgID), margs...)
		return ex.Except(users, "SELECT m.user_id FROM "+s.Quote(MembersTable)+" m WHERE m.organization_id = ?"+mr), args
	}
	args = append(args, d.cfg.OrgID)
	return users + " AND NOT EXISTS (SELECT 1 FROM " + s.Quote(MembersTable) + " m WHERE m.organization_id = ? AND m.user_id = u.id)", args
}

// countSQL counts the missing members in r.
func (d *devMembers) countSQL(s *core.Session, r keyRange) core.Statement {
	q, args := d.missingSQL(s, r)
	return core.Statement{SQL: "SELECT COUNT(*) FROM (" + q + ") x", Args: args}
}

// insertSQL adds the missing members in r.
func (d *devMembers) insertSQL(s *core.Session, data core.DataSQL, r keyRange, now int64) core.Statement {
	q, args := d.missingSQL(s, r)
	// Every column is named: SQLite's SELECT * over a subquery merges
	// unnamed columns that print alike.
	sel := "SELECT " + data.Concat(data.Cast("?", core.Text), "x.id") + " AS id, " + data.Cast("?", core.Text) +
		" AS organization_id, x.id AS user_id, 'member' AS role, 1 AS is_active, " + data.Cast("?", core.BigInt) +
		" AS joined_at FROM (" + q + ") x"
	return core.Statement{
		SQL:  data.InsertIgnore(MembersTable, []string{"id", "organization_id", "user_id", "role", "is_active", "joined_at"}, sel),
		Args: append([]any{MemberIDPrefix(d.cfg.OrgID), d.cfg.OrgID, now}, args...),
	}
}

func (d *devMembers) Check(ctx context.Context, s *core.Session) (*core.Plan, error) {
	if missing := d.cfg.Missing(); len(missing) > 0 {
		return &core.Plan{Skip: strings.Join(missing, ", ") + " not set: no organization to populate"}, nil
	}
	if !d.cfg.IsDevelopment() {
		return &core.Plan{Skip: "organization " + d.cfg.OrgID + " is not a development organization (set " + EnvEnv + "=development to populate it)"}, nil
	}
	if missing, err := missingHost(ctx, s, d.cfg.HostWait, "user"); err != nil || len(missing) > 0 {
		return hostSkip(missing), err
	}
	cat, err := s.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	p := &core.Plan{}
	n := int64(-1) // unknown until the table exists
	// The watermark is recorded by the batches when its table is there
	// (created by its schema step before this one; a selection without
	// it keeps the full check).
	record := cat.Tables[WatermarkTable] != nil
	var users int64
	summary := "add every eligible user as a member of development organization " + d.cfg.OrgID
	if cat.Tables[MembersTable] != nil {
		reprove := false
		if record {
			w, err := d.readWatermark(ctx, s)
			if err != nil {
				return nil, err
			}
			users = w.users
			if !w.moved() {
				age := time.Since(time.Unix(w.wProvenAt, 0))
				if age < FullProofEvery {
					return p, nil
				}
				// Nothing moved, but what the counts cannot tell is due
				// for its bounded re-proof: the batches prove every range
				// again, without a count first (verify shows it pending).
				reprove = true
				summary = fmt.Sprintf("prove again that every eligible user is a member of development organization %s (last full proof %s ago)", d.cfg.OrgID, age.Round(time.Minute))
			}
		}
		if !reprove {
			c := d.countSQL(s, keyRange{})
			n, err = s.Count(ctx, c.SQL, c.Args...)
			if err != nil {
				return nil, fmt.Errorf("count missing members: %w", err)
			}
			switch {
			case n > 0:
				summary = fmt.Sprintf("add %d eligible users as members of development organization %s", n, d.cfg.OrgID)
			case !record:
				return p, nil
			default:
				// Converged, but something moved since the recorded
				// proof: record a new one, so the next start is cheap.
				summary = "record the proof that every eligible user is a member of development organization " + d.cfg.OrgID
			}
		} else {
			n = 0
		}
	}
	data, err := s.Data()
	if err != nil {
		return nil, err
	}
	b := &memberBatches{d: d, data: data, size: firstBatchUsers}
	if record {
		b.record, b.users = true, users
		if cat.Tables[MembersTable] == nil {
			b.users = -1 // counted when the batches start
		}
	}
	// Users who sign up are the application's doing: their membership is
	// pending until the next apply, not a readiness failure. The insert
	// runs in batches of user-id ranges, each committed on its own and
	// proven in its own transaction (see memberBatches).
	p.Changes = append(p.Changes, core.Change{
		Summary: summary, DataOnly: true, Convergence: true, Count: max(n, 0),
		Statements: []core.Statement{d.insertSQL(s, data, keyRange{}, time.Now().Unix())},
		Batches:    b,
	})
	addStatsRefresh(p, s, MembersTable, n)
	return p, nil
}

// Batch sizing: the first batch covers firstBatchUsers users; each next
// one is sized from the one before so that it takes about batchTarget,
// within [minBatchUsers, maxBatchUsers] and at most four times larger or
// smaller than the one before. batchTarget stays well below the 5 s an
// Open WebUI on SQLite waits for the write lock, with room for a batch
// that takes several times its estimate on a loaded machine.
const (
	firstBatchUsers = 20000
	minBatchUsers   = 1000
	maxBatchUsers   = 1000000
	batchTarget     = 500 * time.Millisecond
)

// memberBatches cuts the dev population into ranges of user ids, in id
// order (keyset pagination over user's unique id index): each batch
// inserts the missing members of one range and proves, in its own
// transaction, that none of the range's eligible users is left out. A
// run killed between batches has committed the ranges before; the next
// run counts what is still missing and completes it. Users who sign up
// into a range already done are the next apply's to add.
//
// With record, a first batch begins the watermark (watermarkStart) and a
// last one completes it once every range proved itself (watermarkFinish).
// A population that fits in one range (a cold start's few users) is one
// batch instead, the watermark recorded whole in the same transaction
// (watermarkWhole): on SQLite each batch after the first waits the
// writer gap, which for three batches of a handful of rows was nearly
// all of a cold start.
type memberBatches struct {
	d    *devMembers
	data core.DataSQL
	size int
	lo   *string
	done bool
	// first is the end of the first range, found before the watermark's
	// first batch to tell one range from many; peeked: it is still to use.
	first  *string
	peeked bool

	record   bool
	users    int64 // the user count the check read; -1: count it now
	started  bool  // the watermark's first batch was returned
	ranges   int   // range batches returned
	inserted int64 // rows the range batches inserted
	finished bool
}

var _ core.Batcher = (*memberBatches)(nil)

func (b *memberBatches) NextBatch(ctx context.Context, s *core.Session, prev *core.BatchResult) (*core.Batch, error) {
	if b.record && !b.started {
		b.started = true
		hi, err := b.upper(ctx, s)
		if err != nil {
			return nil, err
		}
		if hi == nil {
			// One range: the watermark's start, the range and its end fit
			// in one transaction, so no kill or sign-up falls between
			// them and neither end needs a transaction of its own.
			b.ranges++
			b.done, b.finished = true, true
			st, proof := b.d.watermarkWhole(s, b.data, time.Now().Unix())
			return &core.Batch{Statements: st, Proof: &proof, Label: keyRange{}.String() + ", the proof in " + WatermarkTable}, nil
		}
		b.first, b.peeked = hi, true
		if b.users < 0 {
			n, err := s.Count(ctx, "SELECT COUNT(*) FROM "+s.Quote("user"))
			if err != nil {
				return nil, fmt.Errorf("count users: %w", err)
			}
			b.users = n
		}
		proof := b.d.watermarkStartProof(s)
		return &core.Batch{Statements: b.d.watermarkStart(s, b.data, b.users), Proof: &proof, Label: "begin the proof in " + WatermarkTable}, nil
	}
	if prev != nil && b.ranges > 0 && !b.finished {
		// prev is the range batch before (the watermark's first batch,
		// not counted, came before the first range).
		b.inserted += prev.Rows
	}
	if b.done {
		if !b.record || b.finished {
			return nil, nil
		}
		b.finished = true
		st, proof := b.d.watermarkFinish(s, b.inserted, time.Now().Unix())
		return &core.Batch{Statements: []core.Statement{st}, Proof: &proof, Label: "complete the proof in " + WatermarkTable}, nil
	}
	if prev != nil && b.ranges > 0 {
		b.size = nextBatchSize(b.size, prev.Duration)
	}
	b.ranges++
	var hi *string
	if b.peeked {
		hi, b.peeked = b.first, false
	} else {
		var err error
		if hi, err = b.upper(ctx, s); err != nil {
			return nil, err
		}
	}
	r := keyRange{lo: b.lo, hi: hi}
	b.lo, b.done = hi, hi == nil
	proof := b.d.countSQL(s, r)
	return &core.Batch{
		Statements: []core.Statement{b.d.insertSQL(s, b.data, r, time.Now().Unix())},
		Proof:      &proof,
		Label:      r.String(),
	}, nil
}

// upper returns the id that ends a range of b.size users after b.lo, or
// nil when fewer are left (the last range is open).
func (b *memberBatches) upper(ctx context.Context, s *core.Session) (*string, error) {
	q := "SELECT id FROM " + s.Quote("user")
	var args []any
	if b.lo != nil {
		q += " WHERE id > ?"
		args = append(args, *b.lo)
	}
	q += fmt.Sprintf(" ORDER BY id LIMIT 1 OFFSET %d", b.size-1)
	rows, err := s.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find the next range of users: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var id string
	if err := rows.Scan(&id); err != nil {
		return nil, fmt.Errorf("find the next range of users: %w", err)
	}
	return &id, rows.Err()
}

// nextBatchSize scales size so the next batch takes about batchTarget.
func nextBatchSize(size int, took time.Duration) int {
	next := size * 4
	if took > 0 {
		next = int(float64(size) * float64(batchTarget) / float64(took))
	}
	next = min(max(next, size/4), size*4)
	return min(max(next, minBatchUsers), maxBatchUsers)
}

// MemberIDPrefix starts the deterministic id of every membership of an
// organization; the user id completes it, in SQL.
func MemberIDPrefix(orgID string) string { return "mem_" + digest(orgID, "")[:12] + "_" }

// statsAfterRows is how many rows a step inserts before it also refreshes
// the table's planner statistics: without them SQLite and a freshly
// loaded PostgreSQL table pick a scan of every member for one user's
// lookup (measured: 0.5 s instead of 1 ms at 100,000 members on SQLite).
const statsAfterRows = 1000

// addStatsRefresh appends an ANALYZE of table when the plan inserts many
// rows, or an unknown number into a table this run creates (cheap while it
// is small), and the driver can render one.
func addStatsRefresh(p *core.Plan, s *core.Session, table string, n int64) {
	sr, ok := s.Driver.(core.StatsRefresher)
	if !ok || (n >= 0 && n < statsAfterRows) {
		return
	}
	p.Changes = append(p.Changes, core.Change{
		Summary:     "refresh the planner statistics of " + table,
		DataOnly:    true,
		Convergence: true,
		Statements:  []core.Statement{{SQL: sr.RefreshStats(table)}},
	})
}
