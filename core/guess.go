package core

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"

	"github.com/groundworkdb/groundwork/driver"
)

// The catalog and the first round of reads in one round trip. A step's
// reads depend on the catalog (a read of a table that is not there would
// fail), so they are declared once the catalog is read: a second round
// trip, on every warm start. A driver that can send several statements at
// once, each failing on its own (PostgreSQL's pipeline), takes the reads
// with the catalog instead: the runner declares them against the catalog
// the steps expect (CatalogGuesser), sends them beside the catalog read,
// and keeps the results once the real catalog is in. Correctness never
// rests on the guess: every step declares its reads again against the
// real catalog, and only results for reads declared exactly alike are
// used; what the guess missed is fetched in the rounds that follow.

// CatalogGuesser is optional on a Step: GuessCatalog adds to cat what the
// step expects a converged database to hold: the objects it ensures, and
// the host's objects its reads look up, as the step's Check would find
// them, with Catalog.AddTable, AddIndex and AddView (the first step's
// guess of an object stands). Without it, a step's reads are sent
// after the catalog is read, one round trip later.
type CatalogGuesser interface {
	GuessCatalog(cat *Catalog)
}

// guessCatalog returns the catalog the guessers among steps expect, nil
// when none of them guesses.
func guessCatalog(steps []Step) *Catalog {
	var cat *Catalog
	for _, st := range steps {
		if g, ok := st.(CatalogGuesser); ok {
			if cat == nil {
				cat = NewCatalog()
			}
			g.GuessCatalog(cat)
		}
	}
	return cat
}

// prefetchWithCatalog reads the catalog and the reads the steps declare
// against their guess in one round trip, when the driver can (see
// InspectReader): the catalog is to be read (not yet, or again: the pass
// under the lock, the verify phase), its read is scoped, and the session
// is not in a transaction. It reports whether it read the catalog; when
// it did not, nothing changed.
func (s *Session) prefetchWithCatalog(ctx context.Context, steps []Step) bool {
	ir, ok := s.Driver.(InspectReader)
	if !ok || s.catalog.cat != nil && !s.catalog.dirty || s.catalog.names == nil || len(s.catalog.names) > MaxScopedNames {
		return false
	}
	switch s.raw.(type) {
	case *sql.DB, *sql.Conn: // outside a transaction
	default:
		return false
	}
	guess := guessCatalog(steps)
	if guess == nil {
		return false
	}
	reads := s.declareAgainst(ctx, guess, steps)
	stmts := make([]Statement, len(reads))
	for i, r := range reads {
		stmts[i] = Statement{SQL: Rebind(s.Driver, r.SQL()), Args: execArgs(r.Args)}
	}
	ictx, done := s.tel.phase(ctx, phaseInspect) // telemetry
	cat, results, err := ir.InspectAndRead(ictx, s.DB, s.catalog.names, stmts)
	done(err) // telemetry
	if !errors.Is(err, ErrUnsupported) {
		driver.CountRoundTrip(ctx) // one round trip, whatever it holds
	}
	if err == nil && len(results) != len(reads) {
		err = fmt.Errorf("core: %d results for %d reads", len(results), len(reads))
	}
	if err != nil {
		// The catalog is read again on its own, and so are the reads.
		s.Logger.Debug("catalog and reads in one round trip failed; reading them apart", "err", err)
		return false
	}
	s.catalog.cat, s.catalog.dirty = cat, false
	s.catalog.reads++
	s.reads.fetches++
	failed := 0
	for i, r := range reads {
		if res := results[i]; res.Err == nil {
			s.reads.rows[r.key()] = res.Row
		} else {
			failed++
		}
	}
	if failed > 0 {
		s.Logger.Debug("reads declared against the expected catalog failed; declared again against the real one", "failed", failed, "reads", len(reads))
	}
	return true
}

// declareAgainst returns the first round of the steps' reads declared
// against cat, a guess: the session's catalog and memo are restored after,
// so nothing a step derived from the guess outlives the declaration.
func (s *Session) declareAgainst(ctx context.Context, cat *Catalog, steps []Step) []Read {
	memo := maps.Clone(s.memo)
	s.catalog.cat, s.catalog.dirty = cat, false
	defer func() {
		s.catalog.cat = nil // read next, with the reads or on its own
		clear(s.memo)
		maps.Copy(s.memo, memo)
	}()
	var out []Read
	seen := map[string]bool{}
	for _, st := range steps {
		rd, ok := st.(Reader)
		if !ok {
			continue
		}
		pending, reads, err := s.declare(ctx, rd)
		if err != nil && !errors.Is(err, ErrReadPending) {
			continue
		}
		for _, r := range append(pending, reads...) {
			if k := r.key(); !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
	}
	return out
}
