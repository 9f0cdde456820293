package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// AnyRevision, as a DraftChange's Revision, skips the draft revision
// check: only the base version is compared, as SaveDraft does.
const AnyRevision = -1

// DraftChange is one file's change in a SaveDrafts.
type DraftChange struct {
	Path string
	Base int // the published version the edit started from (0: none yet)
	// Revision is the draft's revision the edit started from: 0 when the
	// file had no draft then. A draft saved since is a conflict.
	Revision int
	Body     []byte
	Delete   bool // the draft removes the file when published
	// Drop removes the draft itself, for a file that exists only as a
	// draft (a lesson added and not yet published) and is removed again.
	Drop bool
}

// DraftSave is one save of a unit's drafts: every change in it is made,
// or none.
type DraftSave struct {
	Unit    string
	By      string
	At      time.Time
	Changes []DraftChange
	// Check, when set, is given the unit's files as the drafts leave them
	// (removed files left out) and returns each file's problems as text,
	// by path. An error refuses the save. Problems of a file with no
	// draft are kept on every draft of the unit, since one of them caused
	// them.
	Check func(files Files) (map[string]string, error)
}

// SaveDrafts makes a save's changes in one transaction and returns the
// new revision of each changed draft, by path (0 for a dropped one). A
// change whose file moved on since its base version, or whose draft was
// saved since the revision it names, is a *ConflictError
// (drip.ErrConflict) and nothing is saved.
func (db *DB) SaveDrafts(ctx context.Context, s DraftSave) (map[string]int, error) {
	for _, c := range s.Changes {
		if err := checkFile(c.Path, c.Body); err != nil {
			return nil, fmt.Errorf("store: save draft: %w", err)
		}
	}
	revs := map[string]int{}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range s.Changes {
			rev, err := db.saveChange(ctx, tx, s, c)
			if err != nil {
				return err
			}
			revs[c.Path] = rev
		}
		return markProblems(ctx, tx, s)
	})
	var ce *ConflictError
	if err != nil && !errors.As(err, &ce) && !errors.Is(err, drip.ErrInvalid) {
		err = fmt.Errorf("store: save draft of %s: %w", s.Unit, err)
	}
	if err != nil {
		return nil, err
	}
	return revs, nil
}

// saveChange checks one change against the published versions and the
// draft as it is, then makes it; it returns the draft's new revision.
func (db *DB) saveChange(ctx context.Context, tx *sql.Tx, s DraftSave, c DraftChange) (int, error) {
	if err := movedOn(ctx, tx, s.Unit, c.Path, c.Base); err != nil {
		return 0, err
	}
	cur, found, err := draftOf(ctx, tx, db.d.forUpdate, s.Unit, c.Path)
	if err != nil {
		return 0, err
	}
	if err := revisionConflict(s.Unit, c, cur, found); err != nil {
		return 0, err
	}
	if c.Drop {
		_, err := tx.ExecContext(ctx, "DELETE FROM content_drafts WHERE course = ? AND path = ?", s.Unit, c.Path)
		return 0, err
	}
	body, deleted := string(c.Body), 0
	if c.Delete {
		body, deleted = "", 1
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO content_drafts (course, path, base_version, body, saved_at, revision, deleted, saved_by)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?)
		ON CONFLICT (course, path) DO UPDATE SET base_version = excluded.base_version, body = excluded.body, saved_at = excluded.saved_at,
		revision = content_drafts.revision + 1, deleted = excluded.deleted, saved_by = excluded.saved_by`,
		s.Unit, c.Path, c.Base, body, unix(s.At), deleted, s.By)
	return cur.Revision + 1, err
}

// revisionConflict is the conflict, if any, between a change and the
// draft of its file as it is now.
func revisionConflict(unit string, c DraftChange, cur Draft, found bool) error {
	if !found {
		// No draft, or the one the edit started from was discarded or
		// published since: a publication that changed the file is caught
		// by its base version.
		return nil
	}
	current := cur.Body
	if cur.Deleted {
		current = nil
	}
	switch {
	case c.Revision == AnyRevision && cur.Base > c.Base:
		return &ConflictError{Course: unit, Path: c.Path, Base: c.Base, Version: cur.Base, Current: current, InDraft: true}
	case c.Revision != AnyRevision && c.Revision != cur.Revision:
		return &ConflictError{Course: unit, Path: c.Path, Base: c.Base, Version: cur.Base, Current: current, InDraft: true, Revision: cur.Revision}
	}
	return nil
}

// draftOf reads the draft of path, locking its row on PostgreSQL.
func draftOf(ctx context.Context, tx *sql.Tx, forUpdate, unit, path string) (Draft, bool, error) {
	d, err := scanDraft(tx.QueryRowContext(ctx, "SELECT "+draftCols+" FROM content_drafts WHERE course = ? AND path = ?"+forUpdate, unit, path), unit)
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, false, nil
	}
	return d, err == nil, err
}

// markProblems runs the save's check on the unit as its drafts now leave
// it and keeps the problems on the drafts.
func markProblems(ctx context.Context, tx *sql.Tx, s DraftSave) error {
	if s.Check == nil {
		return nil
	}
	files, err := draftedFiles(ctx, tx, s.Unit, false)
	if err != nil || files == nil {
		return err
	}
	byPath, err := s.Check(files)
	if err != nil {
		return err
	}
	ds, err := draftsIn(ctx, tx, s.Unit)
	if err != nil {
		return err
	}
	var orphans []string
	drafted := map[string]bool{}
	for _, d := range ds {
		drafted[d.Path] = true
	}
	for path, text := range byPath {
		if !drafted[path] && text != "" {
			orphans = append(orphans, text)
		}
	}
	sort.Strings(orphans)
	for _, d := range ds {
		text := strings.Join(append([]string{byPath[d.Path]}, orphans...), "\n")
		if _, err := tx.ExecContext(ctx, "UPDATE content_drafts SET problems = ? WHERE course = ? AND path = ?",
			strings.TrimSpace(text), s.Unit, d.Path); err != nil {
			return err
		}
	}
	return nil
}

// DiscardDrafts deletes every draft of unit and says how many there were.
func (db *DB) DiscardDrafts(ctx context.Context, unit string) (int, error) {
	res, err := db.w.ExecContext(ctx, "DELETE FROM content_drafts WHERE course = ?", unit)
	if err != nil {
		return 0, fmt.Errorf("store: discard the drafts of %s: %w", unit, friendly(err))
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
