package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// dialect is what differs between SQLite and PostgreSQL beyond placeholder
// syntax (rebind.go). SQLite has one writer, so a read followed by a write
// in one transaction can't race; PostgreSQL runs many transactions at once,
// from many instances, so those reads take row locks, and claims skip rows
// another instance has locked instead of waiting for them.
type dialect struct {
	name       string
	skipLocked string // ends a claim's SELECT: take only rows nobody holds
	forUpdate  string // ends a SELECT whose answer decides a write
	// unlogged keeps a claim off enrollments whose last outcome is still
	// in the outcome log (pglog.go), which SQLite does not use.
	unlogged string
}

var (
	sqliteDialect   = dialect{name: "sqlite"}
	postgresDialect = dialect{name: "postgres", skipLocked: " FOR UPDATE SKIP LOCKED", forUpdate: " FOR UPDATE",
		unlogged: " AND NOT EXISTS (SELECT 1 FROM outcome_log l WHERE l.enrollment_id = enrollments.id)"}
)

func (d dialect) postgres() bool { return d.name == "postgres" }

// greatest is the larger of two SQL expressions: SQLite's scalar max is
// an aggregate in PostgreSQL.
func (d dialect) greatest(a, b string) string {
	if d.postgres() {
		return "GREATEST(" + a + ", " + b + ")"
	}
	return "max(" + a + ", " + b + ")"
}

// IsPostgres reports whether target names a PostgreSQL database rather
// than a SQLite file.
func IsPostgres(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// pgConnections is how many connections one instance keeps to PostgreSQL
// unless the URL's pool_max_conns says otherwise: half of them run the
// set-based statements of claims and outcomes (the bulk pool), a quarter
// the signups (the keyed pool), the rest everything else. N instances need N times as many of
// the server's max_connections.
const pgConnections = 16

// The bulk pool's connections, and the signups' (the keyed pool), plan
// each statement once, for any arguments
// (plan_cache_mode=force_generic_plan). Their statements find rows by
// key, so one plan serves every call; left to itself, PostgreSQL planned
// them anew on every call, since a plan for the array it was given
// always looks cheaper than one for any array: that planning was a third
// of what recording an outcome cost the server, and, for the signup's
// facts, 0.2 ms a signup, more than running the statement. Elsewhere,
// plans for the values given are worth their cost: the admin's filters,
// for one, hinge on whether a value is empty.
//
// That one plan is made when a connection first runs the statement, from
// the statistics of that moment: on a new install, from nearly empty
// tables, for which a sequential scan and a hash join look cheapest. Kept
// until the next ANALYZE, such a plan reads the whole deliveries table for
// every outcome, so work grows with the history. Every statement of these
// pools finds its rows by key, so they rule out the plans that only pay
// on small tables, and the plan is an index lookup whatever the
// statistics (TestBulkPlansFindRowsByKey).
var bulkParams = map[string]string{
	"plan_cache_mode":  "force_generic_plan",
	"enable_seqscan":   "off",
	"enable_hashjoin":  "off",
	"enable_mergejoin": "off",
}

// Every pool runs without JIT compilation. PostgreSQL compiles a
// statement whose estimated cost passes jit_above_cost, on every
// execution: about 100 ms for the signup's statement, a hundred times
// what running it takes. Every statement dripcourse runs reads rows by
// key or sums a few counts, so only a wrong estimate gets one there: a
// generic plan's, from statistics that say many readers share an inbox,
// made the signups 20 times slower (TestNoStatementIsCompiled). An
// operator's URL that sets jit keeps it.
var everyPoolParams = map[string]string{"jit": "off"}

func openPostgres(ctx context.Context, target string, o options) (*DB, error) {
	target, conns, err := poolSize(target)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(target) // its errors hide the password
	if err != nil {
		return nil, fmt.Errorf("store: DRIP_DATABASE_URL: %w", err)
	}
	where := cfg.Host + "/" + cfg.Database
	for k, v := range everyPoolParams {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	bulkCfg := cfg.Copy()
	for k, v := range bulkParams {
		bulkCfg.RuntimeParams[k] = v
	}
	nBulk, nKeyed := conns/2, max(1, conns/4)
	sdb, bulk, keyed := pgPool(cfg, conns-nBulk-nKeyed), pgPool(bulkCfg, nBulk), pgPool(bulkCfg, nKeyed)
	db := &DB{w: sdb, r: sdb, bulk: bulk, keyed: keyed, path: where, d: postgresDialect, log: o.log, existing: o.existing}
	if err := sdb.PingContext(ctx); err != nil {
		db.closePools()
		return nil, fmt.Errorf("store: open postgres %s: %w", where, friendly(err))
	}
	if err := db.migrate(ctx); err != nil {
		db.closePools()
		return nil, err
	}
	if err := db.prepare(ctx); err != nil {
		db.closePools()
		return nil, err
	}
	db.startSignups()
	return db, nil
}

// pgPool is a pool of up to n connections made with cfg.
func pgPool(cfg *pgx.ConnConfig, n int) *sql.DB {
	p := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	return p
}

// poolSize takes pool_max_conns (as pgxpool spells it) out of the URL,
// since PostgreSQL itself would refuse it as an unknown parameter.
func poolSize(target string) (string, int, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", 0, fmt.Errorf("store: DRIP_DATABASE_URL is not a URL: %w", drip.ErrInvalid)
	}
	q := u.Query()
	v := q.Get("pool_max_conns")
	if v == "" {
		return target, pgConnections, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 3 || n > 1000 {
		return "", 0, fmt.Errorf("store: DRIP_DATABASE_URL: pool_max_conns=%q is not a number from 3 to 1000: %w", v, drip.ErrInvalid)
	}
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}

// pgLockKey is the advisory lock held while PostgreSQL's schema is
// migrated, so instances starting together apply each migration once.
const pgLockKey = 0x64726970 // "drip"

func (db *DB) schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	if !db.d.postgres() {
		err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
		return v, err
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", pgLockKey); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); err != nil {
		return 0, err
	}
	err := tx.QueryRowContext(ctx, "SELECT version FROM schema_version").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.ExecContext(ctx, "INSERT INTO schema_version (version) VALUES (0)")
	}
	return v, err
}

func (db *DB) setSchemaVersion(ctx context.Context, tx *sql.Tx, v int) error {
	q := fmt.Sprintf("PRAGMA user_version = %d", v)
	if db.d.postgres() {
		q = fmt.Sprintf("UPDATE schema_version SET version = %d", v)
	}
	_, err := tx.ExecContext(ctx, q)
	return err
}

// pgUnavailable reports PostgreSQL failures that mean "try again later":
// the server is unreachable, shutting down, out of resources, or read-only
// (a replica, or a failover in progress).
func pgUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") ||
			strings.HasPrefix(pe.Code, "57P") || pe.Code == "25006"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err)
}

// pgRetryable reports conflicts PostgreSQL resolves by aborting one
// transaction, which is then safe to run again.
func pgRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

func errUnavailable(err error) error {
	if errors.Is(err, drip.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", drip.ErrUnavailable, err)
}
