package store

import (
	"context"
	"fmt"
)

// Fault is a storage failure that InjectFault can simulate.
type Fault int

// Faults. Each makes SQLite itself fail writes with the error code a real
// fault gives (SQLITE_READONLY, SQLITE_FULL), so every layer above is
// tested against the real error path. A full disk also fails appends to
// the outcome journal (ENOSPC); ReadOnly leaves the journal writable, as
// when only the database file is read-only.
const (
	NoFault Fault = iota
	ReadOnly
	DiskFull
)

// InjectFault makes every write fail as f would, until called again with
// NoFault. It exists for the fault and soak tests, and for operators who
// want to rehearse an incident on a staging copy.
func (db *DB) InjectFault(ctx context.Context, f Fault) error {
	if db.d.postgres() {
		return fmt.Errorf("store: inject fault: only SQLite faults can be simulated")
	}
	var stmts []string
	switch f {
	case NoFault:
		stmts = []string{"PRAGMA query_only = 0", "PRAGMA max_page_count = 4294967294"}
	case ReadOnly:
		stmts = []string{"PRAGMA query_only = 1"}
	case DiskFull:
		var pages int
		if err := db.w.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			return fmt.Errorf("store: inject fault: %w", err)
		}
		stmts = []string{fmt.Sprintf("PRAGMA max_page_count = %d", pages)}
	}
	for _, s := range stmts {
		if _, err := db.w.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("store: inject fault: %w", err)
		}
	}
	db.diskFull.Store(f == DiskFull)
	return nil
}
