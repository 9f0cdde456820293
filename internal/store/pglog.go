package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// On PostgreSQL a sender's outcome is durable, and its connection free
// for the next message, once it is a row of outcome_log: one narrow
// insert a group, committed on its own, where writing the outcome itself
// (an attempt, a delivery, an enrollment, each with its indexes) held
// the connection for the whole statement. The rows are applied to the
// deliveries and enrollments in large batches off the senders' path
// (applyLog), by the recorder of the pass that wrote them or by any
// instance's: a batch is taken with SKIP LOCKED and deleted in the
// transaction that applies it, so each row is applied once, whoever
// takes it. A claim never takes an enrollment that still has a row
// there (sqlClaimEnrollments), so an outcome not yet applied is never
// mistaken for a send cut short.

// logBatch is the most outcomes one transaction applies: large enough
// that a statement's fixed costs are spread thin, small enough that the
// transaction stays short.
const logBatch = 1024

const (
	pgLogOutcomes = `INSERT INTO outcome_log (enrollment_id, body)
		SELECT * FROM unnest(?::bigint[], ?::text[])`
	pgTakeLog = `DELETE FROM outcome_log WHERE id IN (
		SELECT id FROM outcome_log ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING id, body`
	pgTakeLogRow = `DELETE FROM outcome_log WHERE id = ? RETURNING id, body`
)

// logOutcomes makes outs durable as rows of outcome_log.
func (db *DB) logOutcomes(ctx context.Context, outs []Outcome) error {
	enr, body := make([]int64, len(outs)), make([]string, len(outs))
	var buf []byte
	for i, o := range outs {
		var err error
		if buf, err = appendEntry(buf[:0], entry{Seq: 1, O: o}); err != nil {
			return fmt.Errorf("store: log outcome: %w", err)
		}
		enr[i], body[i] = o.EnrollmentID, string(buf)
	}
	if _, err := db.bulk.ExecContext(ctx, pgLogOutcomes, enr, body); err != nil {
		return fmt.Errorf("store: log outcome: %w", friendly(err))
	}
	return nil
}

// ApplyOutcomeLog applies the outcomes waiting in outcome_log, a batch at
// a time, until none is left that another instance is not applying. It
// returns how many it applied. On SQLite, where the table stays empty, it
// does nothing.
func (db *DB) ApplyOutcomeLog(ctx context.Context) (int, error) {
	if !db.d.postgres() {
		return 0, nil
	}
	total := 0
	for {
		n, err := db.applyLog(ctx, logBatch)
		total += n
		if err != nil || n < logBatch {
			return total, err
		}
	}
}

// applyLog applies up to limit rows of outcome_log in one transaction
// that also deletes them. If that fails for a reason other than the
// database failing as a whole, one row is at fault: each is then applied
// alone, and one that still fails is logged and dropped, as the SQLite
// journal's replay does, so that it cannot hold the others back; its
// lesson comes back when the lease runs out.
func (db *DB) applyLog(ctx context.Context, limit int) (int, error) {
	var ids []int64
	err := db.bulkTx(ctx, func(tx *sql.Tx) error {
		var outs []Outcome
		var err error
		ids, outs, err = db.takeLog(ctx, tx, pgTakeLog, int64(limit))
		if err != nil || len(outs) == 0 {
			return err
		}
		return db.applyTaken(ctx, tx, outs)
	})
	if err == nil {
		return len(ids), nil
	}
	if !rowFault(err) || len(ids) == 0 {
		return 0, fmt.Errorf("store: apply outcome log: %w", err)
	}
	for _, id := range ids {
		if err := db.applyLogRow(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// applyLogRow applies row id of outcome_log alone; if it still fails,
// it logs the row's outcome and drops it.
func (db *DB) applyLogRow(ctx context.Context, id int64) error {
	var out []Outcome
	err := db.bulkTx(ctx, func(tx *sql.Tx) error {
		var err error
		if _, out, err = db.takeLog(ctx, tx, pgTakeLogRow, id); err != nil || len(out) == 0 {
			return err
		}
		return db.applyTaken(ctx, tx, out)
	})
	if err == nil || !rowFault(err) {
		return err
	}
	for _, o := range out {
		db.log.Error("record delivery: an outcome in the outcome log cannot be applied and is dropped",
			"delivery", o.DeliveryID, "enrollment", o.EnrollmentID, "lesson", o.Slug, "result", o.Result, "err", err)
	}
	if _, err := db.bulk.ExecContext(ctx, "DELETE FROM outcome_log WHERE id = ?", id); err != nil {
		return fmt.Errorf("store: apply outcome log: %w", friendly(err))
	}
	return nil
}

// rowFault reports whether err is PostgreSQL refusing the data of a row
// (a constraint, a value out of range) rather than failing as a whole
// (unavailable, cancelled, a conflict that may go next time): only such
// a failure is put down to an outcome, which is then dropped.
func rowFault(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "22") || strings.HasPrefix(pe.Code, "23"))
}

// applyTaken records outs, taken from the log in tx, with the webhook
// events they make.
func (db *DB) applyTaken(ctx context.Context, tx *sql.Tx, outs []Outcome) error {
	hooked, err := db.webhooksWanted(ctx)
	if err != nil {
		return err
	}
	return recordSetTx(ctx, tx, outs, hooked)
}

// takeLog deletes the rows of outcome_log that query names (pgTakeLog or
// pgTakeLogRow, with arg) and returns their ids and outcomes.
func (db *DB) takeLog(ctx context.Context, tx *sql.Tx, query string, arg int64) ([]int64, []Outcome, error) {
	rows, err := tx.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ids []int64
	var outs []Outcome
	for rows.Next() {
		var id int64
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			return nil, nil, err
		}
		var e entry
		if err := json.Unmarshal(body, &e); err != nil {
			db.logUnreadable(id, err)
			continue
		}
		ids, outs = append(ids, id), append(outs, e.O)
	}
	return ids, outs, rows.Err()
}

// logUnreadable reports a row of outcome_log that does not hold an
// outcome.
func (db *DB) logUnreadable(id int64, err error) {
	db.log.Error("store: an outcome_log row holds no outcome and is dropped; its enrollment's lesson comes due again when its lease ends",
		"row", id, "err", err)
}
