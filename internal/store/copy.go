package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Copying a SQLite deployment into PostgreSQL (dripcourse migrate-store).
// The source is read through its own read-only connection, in one read
// transaction: one snapshot, however long the copy takes, while serve goes
// on writing. The destination is written in batches, each committed with the
// progress it makes, so an interrupted copy resumes where it stopped.
// Upserts keep the IDs (signed links carry them) and make a run idempotent;
// rows the source no longer has are deleted before anything is written, so
// an erasure is never undone and the unique keys it freed cannot collide.

// copyTables are the tables copied, parents before children. Tables keyed
// by id resume from the last id copied, as new rows only ever get larger
// ids (AUTOINCREMENT); a new text key can sort anywhere, so the tables
// keyed by text are copied whole on every run.
var copyTables = []struct{ name, key string }{
	{"subscribers", "id"}, {"suppressions", "email_hash"}, {"confirmations", "id"}, {"enrollments", "id"},
	{"deliveries", "id"}, {"attempts", "id"}, {"events", "id"}, {"settings", "key"}, {"bounce_reports", "id"},
	{"content_blobs", "hash"}, {"content_versions", "id"}, {"content_files", "id"}, {"content_drafts", "id"},
	{"api_keys", "id"}, {"webhook_endpoints", "id"}, {"webhook_subscriptions", "id"}, {"webhook_events", "msg_id"},
	{"webhook_deliveries", "id"}, {"webhook_attempts", "id"}, {"event_days", "id"},
}

// notCopied are the destination's tables the copy leaves alone: its own
// bookkeeping, and rate-limiting and replay state that lives for minutes and that the
// PostgreSQL instances build up themselves. Any other table stops the copy,
// so a table added to the schema is never silently left behind.
// The API's remembered answers live for a day and are not copied either;
// nor are the stats' counts (counts.go): the copy's last step starts the
// destination's from the rolled-up opens and clicks, with its marks at
// zero, and its housekeeping sums the copied rows again. Nor are the
// forecasts, which the destination makes again from its readers, nor the
// outcome log, which SQLite never fills, nor the tallies, which the
// destination's triggers keep as the copy writes its rows.
var notCopied = map[string]bool{"schema_version": true, progressTable: true, "budgets": true, "rate_hits": true, "webhook_replays": true,
	"used_once": true, "form_confirms": true, "api_idempotency": true, "lesson_counts": true, "sent_days": true, "count_marks": true,
	"forecasts": true, "outcome_log": true, "tallies": true, "tally_deltas": true}

// progressTable records, in the destination, the last id copied of each
// table, committed with each batch; a completed run drops it.
const progressTable = "migrate_progress"

// ErrCopyMismatch is returned, with the report, when a completed copy's
// destination does not hold as many rows as the source snapshot.
var ErrCopyMismatch = errors.New("row counts differ between source and destination")

// CopyOptions tunes Copy.
type CopyOptions struct {
	Secret    string             // the link-signing secret (hex) from the SQLite deployment's secret file
	BatchSize int                // rows per PostgreSQL transaction; 0 means 2000
	Progress  func(CopyProgress) // called after each step, if set
}

// CopyStage says what a CopyProgress reports.
type CopyStage string

// The stages of one table's copy.
const (
	CopyPruned CopyStage = "pruned" // Rows were deleted: the source no longer has them
	CopyBatch  CopyStage = "batch"  // a batch is committed; Rows copied so far
	CopyDone   CopyStage = "done"   // the table is copied; Rows in all
)

// CopyProgress is one step of a Copy, for the operator's progress lines.
type CopyProgress struct {
	Table   string
	Stage   CopyStage
	Rows    int64
	After   int64         // the id this run resumed after; 0 from the start
	Elapsed time.Duration // since the table's stage began
}

// CopyReport says what a Copy did, per table in copy order.
type CopyReport struct{ Tables []TableCopy }

// TableCopy is one table's part of a CopyReport.
type TableCopy struct {
	Table        string
	Source, Dest int64 // rows in the snapshot, and in the destination after the copy
	Copied       int64 // rows this run upserted (an unchanged row is not rewritten)
	Deleted      int64 // destination rows the source no longer has
	After        int64 // the id this run resumed after; 0 from the start
}

// copyTable is a table with its columns, as the destination's schema has
// them: each BIGINT or TEXT, NOT NULL, the key first.
type copyTable struct {
	name, key string
	cols      []string
	text      []bool
}

func (t copyTable) byID() bool { return t.key == "id" }

// copier is one run of Copy: the snapshot it reads, where it writes, and
// what it has done.
type copier struct {
	src    *sql.Tx
	dst    *DB
	opt    CopyOptions
	tables []copyTable
	rep    CopyReport
}

// Copy copies the SQLite database in file into dst, a PostgreSQL database,
// together with the signing secret, and then compares row counts. It never
// writes to file. See the comment at the top of copy.go.
func Copy(ctx context.Context, file string, dst *DB, opt CopyOptions) (CopyReport, error) {
	if opt.Secret == "" {
		return CopyReport{}, fmt.Errorf("store: copy: no signing secret given: %w", drip.ErrInvalid)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 2000
	}
	// Outcomes that a crashed pass left in its journal are not in the file
	// yet, and a copy that missed them would send those lessons again.
	err := eachDeadJournal(journalPrefix(file), func(id string) error {
		return fmt.Errorf("store: copy: %s holds outcomes of a dispatch pass that stopped before they reached the database: "+
			"run `dripcourse serve` (or any command) on it once to apply them, then copy: %w", journalPrefix(file)+id+".lock", drip.ErrConflict)
	})
	if err != nil {
		return CopyReport{}, err
	}
	src, tx, err := openSnapshot(ctx, file)
	if err != nil {
		return CopyReport{}, err
	}
	defer src.Close()
	defer tx.Rollback()
	if !dst.d.postgres() {
		return CopyReport{}, fmt.Errorf("store: copy: the destination must be PostgreSQL: %w", drip.ErrInvalid)
	}
	// A copy mirrors the snapshot: rows the source lacks are deleted. Once
	// instances have run on the destination, those rows are their work.
	if since, ok, err := dst.Setting(ctx, KeyInstancesStarted); err != nil {
		return CopyReport{}, fmt.Errorf("store: copy: %w", err)
	} else if ok {
		return CopyReport{}, fmt.Errorf("store: copy: dripcourse instances have run on this PostgreSQL database since %s: "+
			"copying again would overwrite or delete what they wrote; copy into an empty database instead: %w", since, drip.ErrInvalid)
	}
	c := &copier{src: tx, dst: dst, opt: opt}
	// Two copies into one database would fight over its progress rows.
	ran, err := dst.Exclusive(ctx, "migrate-store", func(ctx context.Context) error {
		for _, step := range []func(context.Context) error{c.prepare, c.prune, c.copyAll, c.setSequences, c.finish, c.count} {
			if err := step(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c.rep, err
	}
	if !ran {
		return c.rep, fmt.Errorf("store: copy: another migrate-store is copying into this database: %w", drip.ErrConflict)
	}
	var differ []string
	for _, t := range c.rep.Tables {
		if t.Source != t.Dest {
			differ = append(differ, t.Table)
		}
	}
	if len(differ) > 0 {
		return c.rep, fmt.Errorf("store: copy: %w: %s", ErrCopyMismatch, strings.Join(differ, ", "))
	}
	return c.rep, nil
}

// openSnapshot opens file read-only and starts the read transaction that
// every read of the copy goes through.
func openSnapshot(ctx context.Context, file string) (*sql.DB, *sql.Tx, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, nil, fmt.Errorf("store: copy: %w", err)
	}
	src, err := sql.Open("sqlite", fileURI(file)+"?mode=ro&_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		return nil, nil, fmt.Errorf("store: copy: open %s: %w", file, err)
	}
	src.SetMaxOpenConns(1)
	tx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err == nil {
		err = checkVersion(ctx, tx, file)
	}
	if err != nil {
		src.Close()
		return nil, nil, err
	}
	return src, tx, nil
}

// checkVersion refuses a file that is not a dripcourse database at this
// binary's schema version: the columns copied must be the same on both
// sides. (Reading the version also fixes the snapshot.)
func checkVersion(ctx context.Context, tx *sql.Tx, file string) error {
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("store: copy: read %s: %w", file, err)
	}
	names, _ := fs.Glob(migrations, "migrations/sqlite/*.sql")
	switch {
	case v == 0:
		return fmt.Errorf("store: copy: %s is not a dripcourse database: %w", file, drip.ErrInvalid)
	case v != len(names):
		return fmt.Errorf("store: copy: %s has schema version %d, this binary %d: run this binary's serve on it once, then copy: %w",
			file, v, len(names), drip.ErrConflict)
	}
	return nil
}

// prepare learns the columns, refuses unknown tables, and loads the
// progress of an interrupted run.
func (c *copier) prepare(ctx context.Context) error {
	if err := c.checkTables(ctx); err != nil {
		return err
	}
	for _, ct := range copyTables {
		t, err := c.columns(ctx, ct.name, ct.key)
		if err != nil {
			return fmt.Errorf("store: copy: columns of %s: %w", ct.name, err)
		}
		c.tables = append(c.tables, t)
	}
	after, err := c.loadProgress(ctx)
	if err != nil {
		return fmt.Errorf("store: copy: progress: %w", err)
	}
	for _, t := range c.tables {
		resume := after[t.name]
		if !appendOnly[t.name] {
			resume = 0 // see appendOnly
		}
		c.rep.Tables = append(c.rep.Tables, TableCopy{Table: t.name, After: resume})
	}
	return nil
}

func (c *copier) checkTables(ctx context.Context) error {
	rows, err := c.dst.r.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		return fmt.Errorf("store: copy: list tables: %w", err)
	}
	defer rows.Close()
	known := map[string]bool{}
	for _, t := range copyTables {
		known[t.name] = true
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("store: copy: list tables: %w", err)
		}
		if !known[name] && !notCopied[name] {
			return fmt.Errorf("store: copy: the schema has a table %s that the copy does not know: teach copy.go about it", name)
		}
	}
	return rows.Err()
}

func (c *copier) columns(ctx context.Context, name, key string) (copyTable, error) {
	t := copyTable{name: name, key: key}
	rows, err := c.dst.r.QueryContext(ctx, `SELECT column_name, data_type, is_nullable FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, name)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var col, typ, null string
		if err := rows.Scan(&col, &typ, &null); err != nil {
			return t, err
		}
		if (typ != "bigint" && typ != "text") || null != "NO" {
			return t, fmt.Errorf("column %s is %s (nullable: %s); the copy knows only BIGINT and TEXT NOT NULL", col, typ, null)
		}
		t.cols, t.text = append(t.cols, col), append(t.text, typ == "text")
	}
	if err := rows.Err(); err != nil {
		return t, err
	}
	if len(t.cols) == 0 || t.cols[0] != key {
		return t, fmt.Errorf("the key %s is not the first column", key)
	}
	return t, nil
}

func (c *copier) loadProgress(ctx context.Context) (map[string]int64, error) {
	if _, err := c.dst.w.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+progressTable+
		" (tbl TEXT PRIMARY KEY, last_id BIGINT NOT NULL)"); err != nil {
		return nil, err
	}
	rows, err := c.dst.r.QueryContext(ctx, "SELECT tbl, last_id FROM "+progressTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	after := map[string]int64{}
	for rows.Next() {
		var t string
		var id int64
		if err := rows.Scan(&t, &id); err != nil {
			return nil, err
		}
		after[t] = id
	}
	return after, rows.Err()
}

func (c *copier) report(table string, stage CopyStage, rows, after int64, start time.Time) {
	if c.opt.Progress != nil {
		c.opt.Progress(CopyProgress{Table: table, Stage: stage, Rows: rows, After: after, Elapsed: time.Since(start)})
	}
}
