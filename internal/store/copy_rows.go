package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The row-moving steps of Copy (copy.go): prune, copy, sequences, counts.

// ident quotes a name from copyTables or the catalogue for SQL.
func ident(s string) string { return `"` + s + `"` }

// keyQuery lists a table's keys in ascending order, the same order in
// both dialects: PostgreSQL's text must sort bytewise, as SQLite's does.
// The destination's signing secret is left out: finish replaces it, and
// deleting it first would leave PostgreSQL without one for a while.
func keyQuery(t copyTable, postgres bool) string {
	where, order := "", ident(t.key)
	if postgres && !t.byID() {
		order += ` COLLATE "C"`
	}
	if postgres && t.name == "settings" {
		where = " WHERE " + ident(t.key) + " <> '" + KeySigningSecret + "'"
	}
	return fmt.Sprintf("SELECT %s FROM %s%s ORDER BY %s", ident(t.key), ident(t.name), where, order)
}

// prune deletes the destination's rows that the snapshot lacks, children
// first: deliveries.subscriber_id does not cascade.
func (c *copier) prune(ctx context.Context) error {
	for i := len(c.tables) - 1; i >= 0; i-- {
		t, start := c.tables[i], time.Now()
		var n int64
		var err error
		if t.byID() {
			n, err = pruneTable[int64](ctx, c, t)
		} else {
			n, err = pruneTable[string](ctx, c, t)
		}
		if err != nil {
			return fmt.Errorf("store: copy: delete from %s what the source no longer has: %w", t.name, err)
		}
		c.rep.Tables[i].Deleted = n
		c.report(t.name, CopyPruned, n, 0, start)
	}
	return nil
}

func pruneTable[K cmp.Ordered](ctx context.Context, c *copier, t copyTable) (int64, error) {
	src, err := c.src.QueryContext(ctx, keyQuery(t, false))
	if err != nil {
		return 0, err
	}
	defer src.Close()
	dst, err := c.dst.r.QueryContext(ctx, keyQuery(t, true))
	if err != nil {
		return 0, err
	}
	gone, err := missing[K](src, dst)
	dst.Close()
	if err != nil {
		return 0, err
	}
	del := fmt.Sprintf("DELETE FROM %s WHERE %s = ANY(?)", ident(t.name), ident(t.key))
	for rest := gone; len(rest) > 0; {
		chunk := rest[:min(len(rest), c.opt.BatchSize)]
		rest = rest[len(chunk):]
		if err := c.dst.tx(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, del, chunk); return err }); err != nil {
			return 0, err
		}
	}
	return int64(len(gone)), nil
}

// missing returns the keys dst has and src lacks, reading both in
// ascending order, in one pass.
func missing[K cmp.Ordered](src, dst *sql.Rows) ([]K, error) {
	var out []K
	var s, d K
	sok, err := scanNext(src, &s)
	for err == nil {
		var dok bool
		if dok, err = scanNext(dst, &d); !dok || err != nil {
			break
		}
		for err == nil && sok && s < d {
			sok, err = scanNext(src, &s)
		}
		if err == nil && (!sok || s != d) {
			out = append(out, d)
		}
	}
	return out, err
}

func scanNext[K any](rows *sql.Rows, k *K) (bool, error) {
	if !rows.Next() {
		return false, rows.Err()
	}
	return true, rows.Scan(k)
}

func (c *copier) copyAll(ctx context.Context) error {
	for i, t := range c.tables {
		if err := c.copyTable(ctx, t, &c.rep.Tables[i]); err != nil {
			return fmt.Errorf("store: copy %s: %w", t.name, err)
		}
	}
	return nil
}

// appendOnly are the tables whose rows never change once written, so a
// resumed run can skip what an interrupted one copied. Other rows change
// after they are written (an unsubscribe, a sent lesson): those tables are
// read again from the start, and the upsert rewrites only what changed.
var appendOnly = map[string]bool{"attempts": true, "events": true, "content_versions": true, "content_files": true,
	"webhook_attempts": true}

// copyTable copies the snapshot's rows after the resume point, one batch
// per transaction.
func (c *copier) copyTable(ctx context.Context, t copyTable, tr *TableCopy) error {
	start, upsert := time.Now(), upsertSQL(t)
	var after any // nil: from the start
	if t.byID() && tr.After > 0 {
		after = tr.After
	}
	for {
		cols, n, err := c.read(ctx, t, after)
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if n == 0 {
			break
		}
		after = lastKey(cols[0])
		err = c.dst.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, upsert, cols...); err != nil || !t.byID() {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO "+progressTable+` (tbl, last_id) VALUES (?, ?)
				ON CONFLICT (tbl) DO UPDATE SET last_id = excluded.last_id`, t.name, after)
			return err
		})
		if err != nil {
			return fmt.Errorf("write: %w", err)
		}
		tr.Copied += int64(n)
		c.report(t.name, CopyBatch, tr.Copied, tr.After, start)
		if n < c.opt.BatchSize {
			break
		}
	}
	c.report(t.name, CopyDone, tr.Copied, tr.After, start)
	return nil
}

// read returns the next batch of rows after the key after (nil for the
// first), column by column: each a []int64 or a []string, as PostgreSQL's
// unnest takes them.
func (c *copier) read(ctx context.Context, t copyTable, after any) (cols []any, n int, err error) {
	quoted := make([]string, len(t.cols))
	for i, col := range t.cols {
		quoted[i] = ident(col)
	}
	q, args := "SELECT "+strings.Join(quoted, ", ")+" FROM "+ident(t.name), []any{}
	if after != nil {
		q, args = q+" WHERE "+ident(t.key)+" > ?", append(args, after)
	}
	rows, err := c.src.QueryContext(ctx, q+" ORDER BY "+ident(t.key)+" LIMIT ?", append(args, c.opt.BatchSize)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	cols, vals := make([]any, len(t.cols)), make([]any, len(t.cols))
	for i := range t.cols {
		if t.text[i] {
			cols[i], vals[i] = []string{}, new(string)
		} else {
			cols[i], vals[i] = []int64{}, new(int64)
		}
	}
	for ; rows.Next(); n++ {
		if err := rows.Scan(vals...); err != nil {
			return nil, 0, err
		}
		for i, v := range vals {
			switch v := v.(type) {
			case *string:
				cols[i] = append(cols[i].([]string), *v)
			case *int64:
				cols[i] = append(cols[i].([]int64), *v)
			}
		}
	}
	return cols, n, rows.Err()
}

func lastKey(col any) any {
	if ids, ok := col.([]int64); ok {
		return ids[len(ids)-1]
	}
	keys := col.([]string)
	return keys[len(keys)-1]
}

// upsertSQL inserts a batch given as one array per column, updating rows
// that exist and differ, so a re-run rewrites only what changed.
func upsertSQL(t copyTable) string {
	var arrays, sets, olds, news []string
	for i, col := range t.cols {
		typ := "bigint[]"
		if t.text[i] {
			typ = "text[]"
		}
		arrays = append(arrays, "?::"+typ)
		if i > 0 {
			sets = append(sets, ident(col)+" = excluded."+ident(col))
			olds, news = append(olds, ident(t.name)+"."+ident(col)), append(news, "excluded."+ident(col))
		}
	}
	q := fmt.Sprintf("INSERT INTO %s (%s) SELECT * FROM unnest(%s) ON CONFLICT (%s) ", ident(t.name),
		ident(strings.Join(t.cols, `", "`)), strings.Join(arrays, ", "), ident(t.key))
	if len(sets) == 0 {
		return q + "DO NOTHING"
	}
	return q + fmt.Sprintf("DO UPDATE SET %s WHERE (%s) IS DISTINCT FROM (%s)",
		strings.Join(sets, ", "), strings.Join(olds, ", "), strings.Join(news, ", "))
}

// setSequences moves each identity sequence past every id the source
// ever gave, including erased readers' (sqlite_sequence remembers them),
// and never backwards, so no ID in a link already sent is given again.
func (c *copier) setSequences(ctx context.Context) error {
	for _, t := range c.tables {
		if !t.byID() {
			continue
		}
		var seq int64
		err := c.src.QueryRowContext(ctx, "SELECT seq FROM sqlite_sequence WHERE name = ?", t.name).Scan(&seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: copy: read the id sequence of %s: %w", t.name, err)
		}
		_, err = c.dst.w.ExecContext(ctx, fmt.Sprintf(`SELECT setval(s, GREATEST(v, 1), v > 0) FROM (
			SELECT s, GREATEST(?::bigint, COALESCE(pg_sequence_last_value(s), 0), (SELECT COALESCE(max(id), 0) FROM %s)) AS v
			FROM (SELECT pg_get_serial_sequence(?, 'id')::regclass AS s) q) r`, ident(t.name)), seq, t.name)
		if err != nil {
			return fmt.Errorf("store: copy: set the id sequence of %s: %w", t.name, friendly(err))
		}
	}
	return nil
}

// finish stores the signing secret, replacing any, and drops the progress:
// the next run copies everything again. It folds the tallies the copied
// rows' triggers left, so the first pages read a few rows.
func (c *copier) finish(ctx context.Context) error {
	err := c.dst.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, KeySigningSecret, c.opt.Secret); err != nil {
			return err
		}
		if err := restartCounts(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DROP TABLE "+progressTable)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: copy: finish: %w", err)
	}
	return c.dst.FoldTallies(ctx)
}

// count fills in both sides' row counts. The secret is one setting more
// than the snapshot has, unless it had one already (which was replaced).
func (c *copier) count(ctx context.Context) error {
	for i, t := range c.tables {
		tr := &c.rep.Tables[i]
		q := "SELECT count(*) FROM " + ident(t.name)
		if err := c.src.QueryRowContext(ctx, q).Scan(&tr.Source); err != nil {
			return fmt.Errorf("store: copy: count %s in the source: %w", t.name, err)
		}
		if err := c.dst.r.QueryRowContext(ctx, q).Scan(&tr.Dest); err != nil {
			return fmt.Errorf("store: copy: count %s in the destination: %w", t.name, friendly(err))
		}
		if t.name == "settings" {
			var had int64
			if err := c.src.QueryRowContext(ctx, q+" WHERE key = ?", KeySigningSecret).Scan(&had); err != nil {
				return fmt.Errorf("store: copy: count settings: %w", err)
			}
			tr.Source += 1 - had
		}
	}
	return nil
}
