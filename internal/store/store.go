// Package store keeps dripcourse's state in SQLite (modernc.org/sqlite, no
// cgo), or in PostgreSQL (pgx) when several instances share one database.
// It is the only owner of the schema: the SQL files embedded from
// migrations/<dialect>/ are applied in order at Open, one transaction per
// file, and the database records how far it has got.
//
// With SQLite, writes go through a single connection, so SQLite never has to
// resolve competing writers (and never answers SQLITE_BUSY to our own
// process); reads use a separate pool of read-only connections. With
// PostgreSQL, one pool serves both, and row locks do what the single writer
// does for SQLite (dialect.go). No method holds a transaction open across
// calls.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// DB is an open dripcourse database.
type DB struct {
	w *sql.DB // one connection: every write goes through it
	r *sql.DB // read-only pool
	// bulk runs the set-based statements of claims and outcomes:
	// on PostgreSQL a pool of its own (dialect.go), on SQLite the writer.
	bulk *sql.DB
	// keyed runs the signups' transactions: on PostgreSQL a pool of its
	// own whose plans find rows by key (keyedParams), on SQLite the writer.
	keyed  *sql.DB
	path   string
	d      dialect
	stmts  map[string]*sql.Stmt
	sized  sync.Map // claim statements by kind and size (stmts.go)
	nSized atomic.Int32

	diskFull atomic.Bool // InjectFault(DiskFull): journal appends fail too
	journals bool        // outcomes go through journal files (SQLite: journal.go)

	signups     chan signupReq // see signups.go
	quit        chan struct{}
	signupsDone chan struct{}

	ck             *sql.DB // SQLite only: checkpoints (checkpoint.go)
	ckStop, ckDone chan struct{}

	log      *slog.Logger
	existing bool // Existing: migrate refuses to create the schema
	// traceStmt, when a test sets it, is told each hot statement a
	// transaction runs: the signup path's tests check its work is the same
	// for every address.
	traceStmt func(query string)
}

// Open opens the database target names and brings its schema up to date:
// a postgres:// URL, or else a SQLite file (created if needed), given as a
// path or as sqlite:PATH.
func Open(ctx context.Context, target string, opts ...Option) (*DB, error) {
	o := openOptions(opts)
	if IsPostgres(target) {
		return openPostgres(ctx, target, o)
	}
	return openSQLite(ctx, strings.TrimPrefix(target, "sqlite:"), o)
}

func openSQLite(ctx context.Context, file string, o options) (*DB, error) {
	if _, err := os.Stat(file); o.existing && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist", ErrNoDatabase, file)
	}
	if err := createPrivate(file); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", dsn(file, false))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", file, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", file, friendly(err))
	}
	db := &DB{w: w, bulk: w, keyed: w, path: file, d: sqliteDialect, journals: true, log: o.log, existing: o.existing}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(file, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", file, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	db.r = r
	if err := db.prepare(ctx); err != nil {
		db.Close()
		return nil, err
	}
	for _, step := range []func(context.Context) error{db.replayJournals, db.dropOrphanProgress} {
		if err := step(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	db.startSignups()
	if err := db.startCheckpoints(file); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// createPrivate creates the database file readable by its owner only,
// unless it exists: SQLite gives the WAL and shared-memory files it makes
// beside it the same mode, and all three hold every reader's address.
func createPrivate(file string) error {
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: create %s: %w", file, err)
	}
	return f.Close()
}

// dsn is the connection string for the writer and the read pool. Both
// wait up to 5 s for a lock, which only other processes (a CLI command, a
// backup) or the checkpointer ever hold.
func dsn(file string, readOnly bool) string {
	return dsnWait(file, readOnly, 5*time.Second)
}

func dsnWait(file string, readOnly bool, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "wal_autocheckpoint(0)")
	q.Add("_pragma", "journal_size_limit(67108864)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	}
	return fileURI(file) + "?" + q.Encode()
}

// fileURI is file as a SQLite URI, with the characters that URIs give a
// meaning to escaped: a data directory may be called anything.
func fileURI(file string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(file)
}

// Close closes both connection pools.
func (db *DB) Close() error {
	db.stopSignups()
	db.stopCheckpoints()
	db.closeStmts()
	return db.closePools()
}

// closePools closes every pool of connections, each once.
func (db *DB) closePools() error {
	var errs []error
	pools := []*sql.DB{db.w, db.r, db.bulk, db.keyed}
	for i, p := range pools {
		if p != nil && !slices.Contains(pools[:i], p) {
			errs = append(errs, p.Close())
		}
	}
	return errors.Join(errs...)
}

// Ping reports whether the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", friendly(err))
	}
	return nil
}

// Backup writes a consistent copy of the live database to file, which must
// not exist yet.
func (db *DB) Backup(ctx context.Context, file string) error {
	if db.d.postgres() {
		return fmt.Errorf("store: backup: the database is PostgreSQL: back it up with pg_dump: %w", drip.ErrInvalid)
	}
	// VACUUM INTO fills an empty file it is given, keeping its mode: the
	// copy holds every reader's address, so only its owner may read it.
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: backup to %s: %w", file, err)
	}
	f.Close()
	if _, err := db.w.ExecContext(ctx, "VACUUM INTO ?", file); err != nil {
		os.Remove(file)
		return fmt.Errorf("store: backup to %s: %w", file, friendly(err))
	}
	return nil
}

func (db *DB) migrate(ctx context.Context) error {
	dir := "migrations/" + db.d.name
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return fmt.Errorf("store: list migrations: %w", err)
	}
	sort.Strings(names)
	for {
		done, err := db.migrateNext(ctx, names)
		if done || err != nil {
			return err
		}
	}
}

// migrateNext applies the first migration the database lacks, in one
// transaction with the version it reaches. It reports done when there was
// none to apply.
func (db *DB) migrateNext(ctx context.Context, names []string) (done bool, err error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: migrate: %w", friendly(err))
	}
	defer tx.Rollback()
	version, err := db.schemaVersion(ctx, tx)
	if err != nil {
		return false, fmt.Errorf("store: read schema version: %w", friendly(err))
	}
	if version > len(names) {
		return false, fmt.Errorf("store: database schema version %d is newer than this binary knows (%d): upgrade dripcourse", version, len(names))
	}
	if version == len(names) {
		return true, nil
	}
	if version == 0 && db.existing {
		return false, fmt.Errorf("%w: %s has no dripcourse tables", ErrNoDatabase, db.path)
	}
	name := names[version]
	body, err := migrations.ReadFile(name)
	if err != nil {
		return false, fmt.Errorf("store: read %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return false, fmt.Errorf("store: migrate %s: %w", path.Base(name), friendly(err))
	}
	if err := afterMigration(ctx, tx, path.Base(name)); err != nil {
		return false, fmt.Errorf("store: migrate %s: %w", path.Base(name), friendly(err))
	}
	if err := db.setSchemaVersion(ctx, tx, version+1); err != nil {
		return false, fmt.Errorf("store: migrate %s: %w", path.Base(name), err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: migrate %s: %w", path.Base(name), friendly(err))
	}
	return false, nil
}

// tx runs fn in a write transaction and commits it, or rolls it back if fn
// or the commit fails.
// PostgreSQL may abort one of two conflicting transactions (a deadlock);
// such a transaction is simply run again.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.txOn(ctx, db.w, fn)
}

// bulkTx is tx on the bulk pool.
func (db *DB) bulkTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return db.txOn(ctx, db.bulk, fn)
}

func (db *DB) txOn(ctx context.Context, pool *sql.DB, fn func(*sql.Tx) error) error {
	for try := 1; ; try++ {
		err := tx1(ctx, pool, fn)
		if err == nil || try == 5 || !pgRetryable(err) {
			return friendly(err)
		}
	}
}

func tx1(ctx context.Context, pool *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// friendly marks errors that mean "the database can't take writes right
// now" (read-only file, full disk, locked) with drip.ErrUnavailable, so
// callers can answer 503 and retry later instead of treating them as bugs.
func friendly(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY,
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return errUnavailable(err)
		}
	}
	if pgUnavailable(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return errUnavailable(err)
	}
	return err
}

// unix turns a time into stored seconds; the zero time is stored as 0.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// fromUnix is the inverse of unix.
func fromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// placeholders returns "?,?,?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}
