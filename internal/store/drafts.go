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
	// Revision grows by one with every save of the draft, from 1: a save
	// names the revision it started from, so two operators' saves never
	// overwrite each other.
	Revision int
	Deleted  bool   // publishing the draft removes the file
	By       string // who saved it last; "" when not said
	// Problems is what the checks found in the unit as its drafts leave
	// it, one a line; "" when none. A unit with a draft that has problems
	// is not published (ErrDraftProblems).
	Problems string
}

// ErrDraftProblems refuses to publish a unit while one of its drafts has
// problems: fix them and save again first.
var ErrDraftProblems = fmt.Errorf("%w: a draft has problems; fix them and save it again before publishing", drip.ErrInvalid)

// ConflictError refuses a save or a publication whose file has moved on
// since the version it started from: someone else published or saved it.
// Current is the file as it is now, for a diff against the refused edit;
// it is nil when the newer version has no such file.
type ConflictError struct {
	Course, Path string
	Base         int    // the version the refused edit started from
	Version      int    // the latest published version, or the newer draft's base
	Current      []byte // the file now: in the latest version, or in the newer draft; nil when it is removed
	InDraft      bool   // Current is a draft saved from a newer version, or saved again since
	// Revision is the draft's revision now, when the refused edit started
	// from an older revision of it (someone saved the draft meanwhile).
	Revision int
}

func (e *ConflictError) Error() string {
	if e.Revision > 0 {
		return fmt.Sprintf("%s/%s was saved as a draft again by someone else since this edit started: compare the two before saving again",
			e.Course, e.Path)
	}
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
	_, err := db.SaveDrafts(ctx, DraftSave{Unit: unit, At: time.Now(),
		Changes: []DraftChange{{Path: path, Base: baseVersion, Revision: AnyRevision, Body: content}}})
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
	rows, err := db.r.QueryContext(ctx, "SELECT "+draftCols+" FROM content_drafts WHERE course = ? ORDER BY path", unit)
	if err != nil {
		return nil, fmt.Errorf("store: drafts of %s: %w", unit, friendly(err))
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		d, err := scanDraft(rows, unit)
		if err != nil {
			return nil, fmt.Errorf("store: drafts of %s: %w", unit, err)
		}
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
// (a deleted draft removes its file) as its next version, through check,
// and deletes the drafts. A draft whose file changed since its base
// version is a *ConflictError, a draft with problems is ErrDraftProblems,
// and nothing is published. With no drafts, or drafts that change nothing,
// it publishes nothing and returns a zero Version.
func (db *DB) PublishDrafts(ctx context.Context, unit, by string, at time.Time, check CheckFunc) (Version, error) {
	var made []Version
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.lockPublish(ctx, tx); err != nil {
			return err
		}
		files, err := draftedFiles(ctx, tx, unit, true)
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

// draftedFiles is the unit's latest files with its drafts in place and
// its deleted drafts' files removed; nil when it has no drafts. With
// strict, a draft whose file moved on is a *ConflictError and a draft
// with problems is ErrDraftProblems.
func draftedFiles(ctx context.Context, tx *sql.Tx, unit string, strict bool) (Files, error) {
	_, files, err := versionFiles(ctx, tx, unit, 0)
	if err != nil && !errors.Is(err, drip.ErrNotFound) {
		return nil, err
	}
	if files == nil {
		files = Files{}
	}
	ds, err := draftsIn(ctx, tx, unit)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	for _, d := range ds {
		if strict {
			if err := movedOn(ctx, tx, unit, d.Path, d.Base); err != nil {
				return nil, err
			}
			if d.Problems != "" {
				return nil, fmt.Errorf("%w (%s)", ErrDraftProblems, d.Path)
			}
		}
		if d.Deleted {
			delete(files, d.Path)
		} else {
			files[d.Path] = d.Body
		}
	}
	return files, nil
}

const draftCols = "path, base_version, body, saved_at, revision, deleted, saved_by, problems"

func scanDraft(r interface{ Scan(...any) error }, unit string) (Draft, error) {
	d := Draft{Course: unit}
	var body string
	var at, deleted int64
	err := r.Scan(&d.Path, &d.Base, &body, &at, &d.Revision, &deleted, &d.By, &d.Problems)
	d.Body, d.SavedAt, d.Deleted = []byte(body), fromUnix(at), deleted != 0
	return d, err
}

// draftsIn reads a unit's drafts inside tx.
func draftsIn(ctx context.Context, tx *sql.Tx, unit string) ([]Draft, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+draftCols+" FROM content_drafts WHERE course = ? ORDER BY path", unit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ds []Draft
	for rows.Next() {
		d, err := scanDraft(rows, unit)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	return ds, rows.Err()
}
