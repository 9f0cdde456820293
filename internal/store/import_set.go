package store

import (
	"context"
	"database/sql"
	"slices"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// An import batch, set-based: what the database knows of the batch's
// addresses is read in three queries, each row's outcome is decided in
// order as the row-by-row rules decide it (a later row sees what an
// earlier row of the batch did), and what is added goes in with one
// multi-row INSERT per table.

// importRow is one row of a batch: the reader, their keys, and what is
// to be written for them.
type importRow struct {
	in                  Import
	key, box, hash, old string
	res                 ImportResult
	write               importWrite
}

// importWrite is what a row adds.
type importWrite int

const (
	writeNothing importWrite = iota
	writeConfirmed
	writePending
	writeJoin // an active reader enrolled in a further course
)

// importFacts is what the database holds of a batch's addresses, kept up
// to date as the batch's rows are decided.
type importFacts struct {
	status     map[string]drip.Status              // by email key
	ids        map[string]int64                    // by email key; 0 until added
	enrolled   map[[2]string]drip.EnrollmentStatus // by email key and course
	suppressed map[string]bool                     // by hash: suppressed under today's rule
	oldRule    map[string]bool                     // by hash: suppressed under the old rule
}

// importChunk bounds the rows of one multi-row statement, under SQLite's
// limit of 32,766 parameters.
const importChunk = 500

func (db *DB) importSet(ctx context.Context, tx *sql.Tx, ins []Import) ([]ImportResult, error) {
	rows := make([]importRow, len(ins))
	for i, in := range ins {
		rows[i] = importRow{in: in, key: EmailKey(in.Email), box: MailboxKey(in.Email), hash: EmailHash(in.Email), old: oldRuleHash(in.Email)}
	}
	if err := db.lockBoxes(ctx, tx, rows); err != nil {
		return nil, err
	}
	f, err := readImportFacts(ctx, tx, rows)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		f.decide(&rows[i])
	}
	if err := db.writeImport(ctx, tx, rows, f); err != nil {
		return nil, err
	}
	out := make([]ImportResult, len(rows))
	for i, r := range rows {
		out[i] = r.res
	}
	return out, nil
}

// lockBoxes takes the inbox locks of every row at once (as signups do in
// pgSpendAndLock), in byte order, the order a group of signups takes them.
func (db *DB) lockBoxes(ctx context.Context, tx *sql.Tx, rows []importRow) error {
	if !db.d.postgres() {
		return nil
	}
	boxes := make([]string, len(rows))
	for i, r := range rows {
		boxes[i] = r.box
	}
	slices.Sort(boxes)
	boxes = slices.Compact(boxes)
	_, err := tx.ExecContext(ctx, `SELECT count(pg_advisory_xact_lock(1, hashtext(b))) FROM unnest(CAST(? AS text[])) WITH ORDINALITY AS u(b, n)`, boxes)
	return err
}

// readImportFacts reads the readers, enrollments and suppressions of the
// batch's addresses.
func readImportFacts(ctx context.Context, tx *sql.Tx, rows []importRow) (*importFacts, error) {
	f := &importFacts{status: map[string]drip.Status{}, ids: map[string]int64{}, enrolled: map[[2]string]drip.EnrollmentStatus{},
		suppressed: map[string]bool{}, oldRule: map[string]bool{}}
	var keys, hashes []any
	for _, r := range rows {
		keys, hashes = append(keys, r.key), append(hashes, r.hash, r.old)
	}
	err := eachIn(ctx, tx, "SELECT email_key, id, status FROM subscribers WHERE email_key IN ", keys, func(scan func(...any) error) error {
		var key string
		var id int64
		var status drip.Status
		err := scan(&key, &id, &status)
		f.ids[key], f.status[key] = id, status
		return err
	})
	if err == nil {
		err = eachIn(ctx, tx, `SELECT s.email_key, e.course, e.status FROM enrollments e JOIN subscribers s ON s.id = e.subscriber_id
			WHERE s.email_key IN `, keys, func(scan func(...any) error) error {
			var key, course string
			var status drip.EnrollmentStatus
			err := scan(&key, &course, &status)
			f.enrolled[[2]string{key, course}] = status
			return err
		})
	}
	if err == nil {
		err = eachIn(ctx, tx, "SELECT email_hash, old_rule FROM suppressions WHERE email_hash IN ", hashes, func(scan func(...any) error) error {
			var hash string
			var old bool
			err := scan(&hash, &old)
			f.suppressed[hash], f.oldRule[hash] = true, old
			return err
		})
	}
	return f, err
}

// eachIn runs query, which ends with "IN ", over the values in chunks,
// and calls fn for each row.
func eachIn(ctx context.Context, tx *sql.Tx, query string, vals []any, fn func(scan func(...any) error) error) error {
	for len(vals) > 0 {
		n := min(len(vals), importChunk)
		rows, err := tx.QueryContext(ctx, query+"("+placeholders(n)+")", vals[:n]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := fn(rows.Scan); err != nil {
				rows.Close()
				return err
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		vals = vals[n:]
	}
	return nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// decide settles a row as the row-by-row rules do: an address already
// present is left as it is, except that an active reader imported as
// confirmed joins a course they were never in; a suppressed address is
// not added; any other is added, active or pending.
func (f *importFacts) decide(r *importRow) {
	status := f.status[r.key]
	course := [2]string{r.key, r.in.Course}
	suppressed := f.suppressed[r.hash] || f.oldRule[r.old]
	switch {
	case status == drip.StatusActive && r.in.Confirmed && r.in.Course != "" && f.enrolled[course] == "" && !suppressed:
		r.res, r.write = ImportResult{Outcome: ImportEnrolled, Status: status}, writeJoin
		f.enrolled[course] = drip.EnrollActive
	case status != "":
		r.res = ImportResult{Outcome: ImportExists, Status: status}
	case suppressed:
		r.res = ImportResult{Outcome: ImportSuppressed}
	case r.in.Confirmed:
		r.res, r.write = ImportResult{Status: drip.StatusActive}, writeConfirmed
		f.status[r.key], f.enrolled[course] = drip.StatusActive, drip.EnrollActive
	default:
		r.res, r.write = ImportResult{Status: drip.StatusPending}, writePending
		f.status[r.key] = drip.StatusPending
		if r.in.Course != "" {
			f.enrolled[course] = drip.EnrollPending
		}
	}
}
