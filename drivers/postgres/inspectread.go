package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

var _ driver.InspectReader = (*Driver)(nil)

// InspectAndRead implements driver.InspectReader with pgx's pipeline: the
// scoped catalog query and every read are sent at once and read back
// together, one round trip. Each statement is followed by its own Sync,
// so each runs in its own implicit transaction and an error (a read of a
// table that is not there) ends only its own: without the Syncs, the
// first error would make the server skip everything after it. Like every
// other statement of the driver, nothing is prepared: the unnamed
// statement of the extended protocol, text-format parameters, as
// QueryExecModeExec sends them, so it works behind PgBouncer in
// transaction mode too.
func (d *Driver) InspectAndRead(ctx context.Context, db bun.IDB, names []string, reads []driver.Statement) (*model.Catalog, []driver.ReadResult, error) {
	if names == nil {
		names = []string{}
	}
	var conn *sql.Conn
	switch h := db.(type) {
	case bun.Conn:
		conn = h.Conn
	case *bun.DB:
		c, err := h.DB.Conn(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("drivers/postgres: inspect and read: %w", err)
		}
		defer func() { _ = c.Close() }()
		conn = c
	default:
		return nil, nil, fmt.Errorf("drivers/postgres: inspect and read on a %T: %w", db, driver.ErrUnsupported)
	}
	var cat *model.Catalog
	var results []driver.ReadResult
	err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("connection is a %T, not pgx's: %w", dc, driver.ErrUnsupported)
		}
		var err error
		cat, results, err = pipelineRead(ctx, sc.Conn(), names, reads)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("drivers/postgres: inspect and read: %w", err)
	}
	return cat, results, nil
}

// pipelineRead sends the catalog query and reads in one pipeline on conn
// and collects what each returned.
func pipelineRead(ctx context.Context, conn *pgx.Conn, names []string, reads []driver.Statement) (*model.Catalog, []driver.ReadResult, error) {
	m := conn.TypeMap()
	results := make([]driver.ReadResult, len(reads))
	// Arguments are encoded before anything is sent: one that cannot be
	// fails its read alone.
	params := make([]*pgx.ExtendedQueryBuilder, len(reads)+1)
	params[0] = &pgx.ExtendedQueryBuilder{}
	if err := params[0].Build(m, nil, []any{names}); err != nil {
		return nil, nil, fmt.Errorf("encode the catalog's names: %w", err)
	}
	for i, r := range reads {
		b := &pgx.ExtendedQueryBuilder{}
		if err := b.Build(m, nil, r.Args); err != nil {
			results[i].Err = fmt.Errorf("encode the read's arguments: %w", err)
			continue
		}
		params[i+1] = b
	}
	p := conn.PgConn().StartPipeline(ctx)
	send := func(sql string, b *pgx.ExtendedQueryBuilder) {
		p.SendQueryParams(sql, b.ParamValues, nil, b.ParamFormats, b.ResultFormats)
		p.SendPipelineSync()
	}
	send(queryCatalogScoped, params[0])
	for i, r := range reads {
		if params[i+1] != nil {
			send(r.SQL, params[i+1])
		}
	}
	if err := p.Flush(); err != nil {
		_ = p.Close()
		return nil, nil, err
	}
	cat := model.NewCatalog()
	catErr := collect(p, func(rr *pgconn.ResultReader) error {
		rows := pgx.RowsFromResultReader(m, rr)
		defer rows.Close()
		add := catalogRow(cat)
		for rows.Next() {
			if err := add(rows.Scan); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	for i := range reads {
		if params[i+1] == nil || catErr != nil && !isPgError(catErr) {
			continue
		}
		results[i].Err = collect(p, func(rr *pgconn.ResultReader) error {
			row, err := firstRow(m, rr)
			results[i].Row = row
			return err
		})
		if results[i].Err != nil {
			results[i].Row = nil
			if !isPgError(results[i].Err) {
				catErr = results[i].Err // the connection is lost: so is the rest
			}
		}
	}
	if err := p.Close(); err != nil && catErr == nil && !isPgError(err) {
		catErr = err
	}
	if catErr != nil {
		return nil, nil, catErr
	}
	return cat, results, nil
}

// collect reads one statement's result with read, then its Sync. A
// *pgconn.PgError is the statement's own failure (the pipeline goes on
// after the Sync); any other error is the connection's.
func collect(p *pgconn.Pipeline, read func(*pgconn.ResultReader) error) error {
	res, err := p.GetResults()
	if err == nil {
		rr, ok := res.(*pgconn.ResultReader)
		if !ok {
			return fmt.Errorf("unexpected pipeline result %T", res)
		}
		err = read(rr)
	}
	if err != nil && !isPgError(err) {
		return err
	}
	sync, serr := p.GetResults()
	if serr != nil {
		return serr
	}
	if _, ok := sync.(*pgconn.PipelineSync); !ok {
		return fmt.Errorf("unexpected pipeline result %T, want its Sync", sync)
	}
	return err
}

// firstRow returns the first row of rr as stdlib's database/sql driver
// returns values (each codec's database/sql value: int64, string, bool,
// …), nil when there is none.
func firstRow(m *pgtype.Map, rr *pgconn.ResultReader) ([]any, error) {
	var row []any
	if rr.NextRow() {
		fields := rr.FieldDescriptions()
		row = make([]any, len(fields))
		for i, src := range rr.Values() {
			if src == nil {
				continue
			}
			fd := fields[i]
			t, ok := m.TypeForOID(fd.DataTypeOID)
			if !ok {
				row[i] = string(src)
				continue
			}
			v, err := t.Codec.DecodeDatabaseSQLValue(m, fd.DataTypeOID, fd.Format, src)
			if err != nil {
				_, _ = rr.Close()
				return nil, fmt.Errorf("decode column %d: %w", i+1, err)
			}
			if b, ok := v.([]byte); ok {
				v = append([]byte(nil), b...) // src is the connection's buffer
			}
			row[i] = v
		}
	}
	_, err := rr.Close()
	return row, err
}

func isPgError(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg)
}
