package sqlkit

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/groundworkdb/groundwork/driver"
	"github.com/groundworkdb/groundwork/model"
)

// QuoteIdent quotes ident with the quote character q, doubling any q
// inside it, the way all three supported dialects escape identifiers.
func QuoteIdent(q byte, ident string) string {
	s := string(q)
	return s + strings.ReplaceAll(ident, s, s+s) + s
}

// QueryFingerprint is the hex sha256 of the normalized query: drivers that
// cannot compare a view's stored text record it, so a declaration that
// changed only in white space is not a change.
func QueryFingerprint(query string) string {
	sum := sha256.Sum256([]byte(NormalizeSQL(query)))
	return hex.EncodeToString(sum[:])
}

// NormalizeSQL folds runs of white space outside quotes into one space
// and trims, so two renderings of one statement compare equal.
func NormalizeSQL(s string) string {
	var b strings.Builder
	space := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			b.WriteByte(c)
			if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			space = true
			continue
		case '\'', '"', '`':
			quote = c
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}

// TableConstraints renders the table-level clauses of CREATE TABLE that
// every dialect spells alike: PRIMARY KEY (unless the driver put it on a
// column), UNIQUE and FOREIGN KEY.
func TableConstraints(q model.Quoter, t model.Table, withPK bool) []string {
	var out []string
	if withPK && len(t.PrimaryKey) > 0 {
		out = append(out, "PRIMARY KEY ("+driver.QuoteList(q, t.PrimaryKey)+")")
	}
	for _, u := range t.Uniques {
		out = append(out, "UNIQUE ("+driver.QuoteList(q, u.Columns)+")")
	}
	for _, fk := range t.ForeignKeys {
		out = append(out, ForeignKeyClause(q, fk))
	}
	return out
}

// ForeignKeyClause renders FOREIGN KEY (cols) REFERENCES table (cols),
// then ON DELETE and the action unless it is the default NO ACTION, the
// same spelling on every supported dialect.
func ForeignKeyClause(q model.Quoter, fk model.ForeignKey) string {
	s := "FOREIGN KEY (" + driver.QuoteList(q, fk.Columns) + ") REFERENCES " + q.Quote(fk.RefTable) + " (" + driver.QuoteList(q, fk.RefColumns) + ")"
	if fk.OnDelete != model.NoAction {
		s += " ON DELETE " + fk.OnDelete.String()
	}
	return s
}
