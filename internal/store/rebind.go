package store

import (
	"context"
	"database/sql/driver"
	"strconv"
	"strings"
	"sync"
)

// The store's SQL is written once, with SQLite's "?" and "?N" parameters.
// PostgreSQL wants "$N", so the PostgreSQL connections rewrite each query
// as it is prepared or run. This is the one place the two dialects differ in
// syntax rather than in meaning; see dialect.go for the rest.

var rebound sync.Map // query -> rewritten query; the store's queries are a small, fixed set

// rebind turns "?" and "?N" parameters into "$N", numbering a bare "?"
// as SQLite does (one more than the largest number so far). String
// literals (with E” escapes), quoted identifiers, dollar-quoted bodies
// and comments are copied as they are.
func rebind(q string) string {
	if v, ok := rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	top := 0
	for i := 0; i < len(q); {
		if n := skipped(q, i); n > 0 {
			b.WriteString(q[i : i+n])
			i += n
			continue
		}
		if q[i] != '?' {
			b.WriteByte(q[i])
			i++
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		n := top + 1
		if j > i+1 {
			n, _ = strconv.Atoi(q[i+1 : j])
		}
		top = max(top, n)
		b.WriteString("$" + strconv.Itoa(n))
		i = j
	}
	out := b.String()
	rebound.Store(q, out)
	return out
}

// skipped is the length of the literal, identifier or comment starting at
// q[i] that must be copied untouched, or 0 if there is none.
func skipped(q string, i int) int {
	rest := q[i:]
	switch {
	case strings.HasPrefix(rest, "--"):
		return untilAfter(rest, 2, "\n")
	case strings.HasPrefix(rest, "/*"):
		return untilAfter(rest, 2, "*/")
	case rest[0] == '"':
		return untilAfter(rest, 1, `"`)
	case rest[0] == '\'':
		escapes := i > 0 && (q[i-1] == 'E' || q[i-1] == 'e')
		for j := 1; j < len(rest); j++ {
			switch {
			case escapes && rest[j] == '\\':
				j++
			case rest[j] == '\'':
				return j + 1 // a doubled '' reads as two literals, which is the same text
			}
		}
		return len(rest)
	case rest[0] == '$':
		end := strings.IndexByte(rest[1:], '$')
		if end < 0 || strings.ContainsAny(rest[1:end+1], " \t\n(),;") {
			return 0
		}
		tag := rest[:end+2]
		return untilAfter(rest, len(tag), tag)
	}
	return 0
}

// untilAfter is the length of s up to the end of the first sep at or after
// from, or all of s when there is none.
func untilAfter(s string, from int, sep string) int {
	j := strings.Index(s[from:], sep)
	if j < 0 {
		return len(s)
	}
	return from + j + len(sep)
}

// rebindConnector hands out connections that rebind every query.
type rebindConnector struct{ driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return rebindConn{conn.(pgConn)}, nil
}

// pgConn is what pgx's stdlib connection implements, and so what
// database/sql looks for on ours.
type pgConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.NamedValueChecker
	driver.SessionResetter
}

type rebindConn struct{ pgConn }

func (c rebindConn) Prepare(q string) (driver.Stmt, error) { return c.pgConn.Prepare(rebind(q)) }

func (c rebindConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.pgConn.PrepareContext(ctx, rebind(q))
}

func (c rebindConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.pgConn.ExecContext(ctx, rebind(q), args)
}

func (c rebindConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.pgConn.QueryContext(ctx, rebind(q), args)
}
