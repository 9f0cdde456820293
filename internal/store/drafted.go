package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// DraftedFiles returns a unit's latest files with its drafts in place,
// as PublishDrafts would publish them, and the latest version's number
// (0 before the first); files are nil when the unit has no drafts. A
// draft whose file moved on since its base version is returned as a
// *ConflictError, with the files.
func (db *DB) DraftedFiles(ctx context.Context, unit string) (Files, int, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, fmt.Errorf("store: drafted files of %s: %w", unit, friendly(err))
	}
	defer tx.Rollback()
	latest := 0
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM content_versions WHERE course = ?", unit).Scan(&latest); err != nil {
		return nil, 0, fmt.Errorf("store: drafted files of %s: %w", unit, friendly(err))
	}
	files, err := draftedFiles(ctx, tx, unit, false)
	if err != nil {
		return nil, latest, fmt.Errorf("store: drafted files of %s: %w", unit, friendly(err))
	}
	ds, err := draftsIn(ctx, tx, unit)
	if err != nil {
		return nil, latest, fmt.Errorf("store: drafted files of %s: %w", unit, friendly(err))
	}
	for _, d := range ds {
		var ce *ConflictError
		if err := movedOn(ctx, tx, unit, d.Path, d.Base); errors.As(err, &ce) {
			return files, latest, ce
		} else if err != nil {
			return nil, latest, fmt.Errorf("store: drafted files of %s: %w", unit, err)
		}
	}
	return files, latest, nil
}
