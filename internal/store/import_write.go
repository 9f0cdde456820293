package store

import (
	"context"
	"database/sql"
	"strings"
)

// The multi-row INSERTs of an import batch (import_set.go).
const (
	sqlImportSubscribers = "INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at, confirmed_at)"
	sqlImportEvents      = "INSERT INTO events (subscriber_id, kind, detail, at, course)"
	sqlImportEnrollments = "INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at, confirmed_at)"
	// A pending reader gets a confirmation email, as if they had used the
	// signup form. The caps on confirmation emails (per inbox, per hour)
	// hold back strangers at the form; an operator's list is not capped,
	// and its emails go out at DRIP_SMTP_RATE.
	sqlImportConfirmations = "INSERT INTO confirmations (subscriber_id, status, due_at, message_id, created_at, course)"
)

// importInserts gathers the values of each table's INSERT.
type importInserts struct {
	events, enrollments, confirmations []any
}

// writeImport adds the batch's new readers, then their events,
// enrollments and confirmation emails, then the webhook events of those
// who started a course.
func (db *DB) writeImport(ctx context.Context, tx *sql.Tx, rows []importRow, f *importFacts) error {
	if err := db.addImported(ctx, tx, rows, f); err != nil {
		return err
	}
	var ins importInserts
	for _, r := range rows {
		ins.add(r, f.ids[r.key])
	}
	for _, t := range []struct {
		head string
		cols int
		vals []any
	}{{sqlImportEvents, 5, ins.events}, {sqlImportEnrollments, 6, ins.enrollments}, {sqlImportConfirmations, 6, ins.confirmations}} {
		if err := db.insertRows(ctx, tx, t.head, t.cols, t.vals); err != nil {
			return err
		}
	}
	hooks := newEventWriter(tx)
	for _, r := range rows {
		if r.write == writeConfirmed || r.write == writeJoin {
			if err := hooks.joined(ctx, f.ids[r.key], r.in.Course, r.in.via(), r.write == writeConfirmed, r.in.At); err != nil {
				return err
			}
		}
	}
	return nil
}

// addImported inserts the batch's new readers and learns their ids.
func (db *DB) addImported(ctx context.Context, tx *sql.Tx, rows []importRow, f *importFacts) error {
	var vals []any
	for _, r := range rows {
		at, status, confirmed := unix(r.in.At), "pending", int64(0)
		switch r.write {
		case writeConfirmed:
			status, confirmed = "active", at
		case writePending:
		default:
			continue
		}
		vals = append(vals, r.in.Email, r.key, r.box, r.in.Name, r.in.Timezone, status, at, confirmed)
	}
	const cols = 8
	for len(vals) > 0 {
		n := db.chunkRows(len(vals) / cols)
		q, args := db.multiRow(sqlImportSubscribers, cols, vals[:n*cols])
		res, err := tx.QueryContext(ctx, q+" RETURNING id, email_key", args...)
		if err != nil {
			return err
		}
		for res.Next() {
			var id int64
			var key string
			if err := res.Scan(&id, &key); err != nil {
				res.Close()
				return err
			}
			f.ids[key] = id
		}
		if err := closeRows(res); err != nil {
			return err
		}
		vals = vals[n*cols:]
	}
	return nil
}

// add gathers what row r writes, for the reader id.
func (ins *importInserts) add(r importRow, id int64) {
	at, course, via := unix(r.in.At), r.in.Course, r.in.via()
	switch r.write {
	case writeConfirmed:
		ins.events = append(ins.events, id, "signup", via, at, course, id, "confirm", via, at, course)
		ins.enrollments = append(ins.enrollments, id, course, "active", unix(r.in.FirstDue), at, at)
	case writeJoin:
		ins.enrollments = append(ins.enrollments, id, course, "active", unix(r.in.FirstDue), at, at)
		ins.events = append(ins.events, id, "confirm", via, at, course)
	case writePending:
		ins.events = append(ins.events, id, "signup", via, at, course)
		if course != "" {
			ins.enrollments = append(ins.enrollments, id, course, "pending", int64(0), at, int64(0))
		}
		ins.confirmations = append(ins.confirmations, id, "queued", at, "", at, course)
	}
}

// insertRows runs head with rows of cols values each, in chunks.
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, head string, cols int, vals []any) error {
	for len(vals) > 0 {
		n := db.chunkRows(len(vals) / cols)
		q, args := db.multiRow(head, cols, vals[:n*cols])
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		vals = vals[n*cols:]
	}
	return nil
}

// valueRows is n rows of cols placeholders: "(?, ?), (?, ?)".
func valueRows(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// chunkRows is how many of n rows one statement takes: on SQLite at most
// importChunk, under its limit on parameters; on PostgreSQL all of them,
// as a few arrays.
func (db *DB) chunkRows(n int) int {
	if db.d.postgres() {
		return n
	}
	return min(n, importChunk)
}

// multiRow completes the INSERT head for rows of cols values (each an
// int64 or a string): VALUES lists on SQLite; on PostgreSQL a column
// array each, unnested, so that the statement has cols parameters
// whatever the rows, and PostgreSQL plans no long VALUES list.
func (db *DB) multiRow(head string, cols int, vals []any) (string, []any) {
	n := len(vals) / cols
	if !db.d.postgres() {
		return head + " VALUES " + valueRows(n, cols), vals
	}
	casts, args := make([]string, cols), make([]any, cols)
	for c := range cols {
		if _, ok := vals[c].(int64); ok {
			a := make([]int64, n)
			for i := range a {
				a[i] = vals[i*cols+c].(int64)
			}
			casts[c], args[c] = "CAST(? AS bigint[])", a
			continue
		}
		a := make([]string, n)
		for i := range a {
			a[i] = vals[i*cols+c].(string)
		}
		casts[c], args[c] = "CAST(? AS text[])", a
	}
	return head + " SELECT * FROM unnest(" + strings.Join(casts, ", ") + ")", args
}
