package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Draft is an unpublished edit of one file of a unit, with the published
// version it started from.
type Draft struct {
	Course  string
	Path    string
	Base    int
	Body    []byte
	SavedAt time.Time
}

// ConflictError refuses a save or a publication whose file has moved on
// since the version it started from: someone else published or saved it.
// Current is the file as it is now, for a diff against the refused edit;
// it is nil when the newer version has no such file.
type ConflictError struct {
	Course, Path string
	Base         int    // the version the refused edit started from
	Version      int    // the latest published version, or the newer draft's base
	Current      []byte // the file now: in the latest version, or in the newer draft
	InDraft      bool   // Current is a draft saved from a newer version
}

func (e *ConflictError) Error() string {
	if e.InDraft {
		return fmt.Sprintf("%s/%s was saved as a draft from version %d since this edit started from version %d: compare the two before saving again",
			e.Course, e.Path, e.Version, e.Base)
	}
	return fmt.Sprintf("%s/%s changed in version %d since this edit started from version %d: compare the two before saving again",
		e.Course, e.Path, e.Version, e.Base)
}

// Unwrap makes a conflict drip.ErrConflict.
func (e *ConflictError) Unwrap() error { return drip.ErrConflict }

// SaveDraft keeps content as the draft of path in unit, started from
// baseVersion (0 for a unit not yet published). If the file changed
// between baseVersion and the latest version, or a draft of it was saved
// from a newer version, nothing is saved and the error is a
// *ConflictError (drip.ErrConflict) holding the current content.
func (db *DB) SaveDraft(ctx context.Context, unit, path string, baseVersion int, content []byte) error {
	if err := checkFile(path, content); err != nil {
		return fmt.Errorf("store: save draft: %w", err)
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := movedOn(ctx, tx, unit, path, baseVersion); err != nil {
			return err
		}
		var newer int
		var body string
		err := tx.QueryRowContext(ctx, "SELECT base_version, body FROM content_drafts WHERE course = ? AND path = ?"+db.d.forUpdate,
			unit, path).Scan(&newer, &body)
		if err == nil && newer > baseVersion {
			return &ConflictError{Course: unit, Path: path, Base: baseVersion, Version: newer, Current: []byte(body), InDraft: true}
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO content_drafts (course, path, base_version, body, saved_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (course, path) DO UPDATE SET base_version = excluded.base_version, body = excluded.body, saved_at = excluded.saved_at`,
			unit, path, baseVersion, string(content), unix(time.Now()))
		return err
	})
	var ce *ConflictError
	if err != nil && !errors.As(err, &ce) && !errors.Is(err, drip.ErrInvalid) {
		err = fmt.Errorf("store: save draft of %s/%s: %w", unit, path, err)
	}
	return err
}

// movedOn is a *ConflictError when path differs between version base of
// unit and its latest version, and drip.ErrInvalid for a base that was
// never published.
func movedOn(ctx context.Context, q querier, unit, path string, base int) error {
	latest, files, err := versionFiles(ctx, q, unit, 0)
	if errors.Is(err, drip.ErrNotFound) {
		if base != 0 {
			return fmt.Errorf("%w: %s has no version %d", drip.ErrInvalid, unit, base)
		}
		return nil
	}
	switch {
	case err != nil:
		return err
	case base < 0 || base > latest.Number:
		return fmt.Errorf("%w: %s has no version %d", drip.ErrInvalid, unit, base)
	case base == latest.Number:
		return nil
	}
	var old Files
	if base > 0 {
		if _, old, err = versionFiles(ctx, q, unit, base); err != nil {
			return err
		}
	}
	was, had := old[path]
	now, has := files[path]
	if had != has || !bytes.Equal(was, now) {
		return &ConflictError{Course: unit, Path: path, Base: base, Version: latest.Number, Current: now}
	}
	return nil
}

// Drafts lists a unit's drafts in path order.
func (db *DB) Drafts(ctx context.Context, unit string) ([]Draft, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT path, base_version, body, saved_at FROM content_drafts WHERE course = ? ORDER BY path", unit)
	if err != nil {
		return nil, fmt.Errorf("store: drafts of %s: %w", unit, friendly(err))
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		d := Draft{Course: unit}
		var body string
		var at int64
		if err := rows.Scan(&d.Path, &d.Base, &body, &at); err != nil {
			return nil, fmt.Errorf("store: drafts of %s: %w", unit, err)
		}
		d.Body, d.SavedAt = []byte(body), fromUnix(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DiscardDraft deletes the draft of path in unit, if there is one.
func (db *DB) DiscardDraft(ctx context.Context, unit, path string) error {
	if _, err := db.w.ExecContext(ctx, "DELETE FROM content_drafts WHERE course = ? AND path = ?", unit, path); err != nil {
		return fmt.Errorf("store: discard draft of %s/%s: %w", unit, path, friendly(err))
	}
	return nil
}

// PublishDrafts publishes a unit's latest files with its drafts in place
// as its next version, through check, and deletes the drafts. A draft
// whose file changed since its base version is a *ConflictError, and
// nothing is published. With no drafts, or drafts that change nothing,
// it publishes nothing and returns a zero Version.
func (db *DB) PublishDrafts(ctx context.Context, unit, by string, at time.Time, check CheckFunc) (Version, error) {
	var made []Version
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockPublish(ctx, tx); err != nil {
			return err
		}
		files, err := draftedFiles(ctx, tx, unit)
		if err != nil || files == nil {
			return err
		}
		if err := checkFiles(unit, files); err != nil {
			return err
		}
		p := Publication{By: by, At: at, Changes: map[string]Files{unit: files}, Check: check}
		if made, err = db.publish(ctx, tx, p); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM content_drafts WHERE course = ?", unit)
		return err
	})
	var ce *ConflictError
	if err != nil && !errors.As(err, &ce) {
		return Version{}, publishErr(err)
	}
	if err != nil || len(made) == 0 {
		return Version{}, err
	}
	return made[0], nil
}

// draftedFiles is the unit's latest files with its drafts in place; nil
// when it has no drafts.
func draftedFiles(ctx context.Context, tx *sql.Tx, unit string) (Files, error) {
	_, files, err := versionFiles(ctx, tx, unit, 0)
	if err != nil && !errors.Is(err, drip.ErrNotFound) {
		return nil, err
	}
	if files == nil {
		files = Files{}
	}
	rows, err := tx.QueryContext(ctx, "SELECT path, base_version, body FROM content_drafts WHERE course = ?", unit)
	if err != nil {
		return nil, err
	}
	type draft struct {
		path, body string
		base       int
	}
	var ds []draft
	for rows.Next() {
		var d draft
		if err := rows.Scan(&d.path, &d.base, &d.body); err != nil {
			rows.Close()
			return nil, err
		}
		ds = append(ds, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ds) == 0 {
		return nil, err
	}
	for _, d := range ds {
		if err := movedOn(ctx, tx, unit, d.path, d.base); err != nil {
			return nil, err
		}
		files[d.path] = []byte(d.body)
	}
	return files, nil
}
