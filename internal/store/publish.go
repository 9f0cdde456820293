package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// publishLock is the PostgreSQL advisory lock that publications take, so
// that on many instances one publication at a time reads the latest
// versions, checks them and adds to them.
const publishLock = 0x64726970 // "drip"

// Publish makes each changed unit's files its next version, in one
// transaction, once Check passes on the content they would make. A unit
// whose files are those of its latest version is left as it is. It
// returns the versions made, none when nothing changed. Files past the
// caps are drip.ErrInvalid; Check's error comes back as it is.
func (db *DB) Publish(ctx context.Context, p Publication) ([]Version, error) {
	if p.By == "" {
		return nil, fmt.Errorf("store: publish: %w: who publishes must be named", drip.ErrInvalid)
	}
	for unit, files := range p.Changes {
		if err := checkFiles(unit, files); err != nil {
			return nil, fmt.Errorf("store: publish: %w", err)
		}
	}
	var made []Version
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		made, err = db.publish(ctx, tx, p)
		return err
	})
	if err != nil {
		return nil, publishErr(err)
	}
	return made, nil
}

// publishErr keeps a check's problems as they are, for the caller to list.
func publishErr(err error) error {
	var ps drip.Problems
	if errors.As(err, &ps) {
		return err
	}
	return fmt.Errorf("store: publish: %w", err)
}

func (db *DB) publish(ctx context.Context, tx *sql.Tx, p Publication) ([]Version, error) {
	if err := db.lockPublish(ctx, tx); err != nil {
		return nil, err
	}
	cur, err := latest(ctx, tx)
	if err != nil {
		return nil, err
	}
	changed := map[string]Files{}
	for unit, files := range p.Changes {
		if v, ok := cur.Versions[unit]; !ok || v.Hash != files.Hash() {
			changed[unit] = files
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	if p.Check != nil {
		all := cur.Files
		for unit, files := range changed {
			all[unit] = files
		}
		if err := p.Check(all); err != nil {
			return nil, err
		}
	}
	var made []Version
	for unit, files := range changed {
		v := Version{Course: unit, Number: cur.Versions[unit].Number + 1, Hash: files.Hash(), By: p.By, At: p.At, Files: len(files)}
		if err := insertVersion(ctx, tx, &v, files); err != nil {
			return nil, err
		}
		made = append(made, v)
	}
	return made, nil
}

// lockPublish waits, on PostgreSQL, until no other transaction is
// publishing; the lock ends with tx. SQLite has one writer already.
func (db *DB) lockPublish(ctx context.Context, tx *sql.Tx) error {
	if !db.d.postgres() {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(publishLock))
	return err
}

// insertVersion adds the version's row, its files and the blobs it is the
// first to hold.
func insertVersion(ctx context.Context, tx *sql.Tx, v *Version, files Files) error {
	for _, body := range files {
		v.Bytes += int64(len(body))
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO content_versions (course, version, hash, published_by, published_at, files, bytes)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, v.Course, v.Number, v.Hash, v.By, unix(v.At), v.Files, v.Bytes).Scan(&id)
	if err != nil {
		return err
	}
	for _, path := range files.Paths() {
		blob, err := putBlob(ctx, tx, files[path])
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO content_files (version_id, path, blob) VALUES (?, ?, ?)", id, path, blob); err != nil {
			return err
		}
	}
	return nil
}

// putBlob stores body once, under its hash, and returns the hash.
func putBlob(ctx context.Context, tx *sql.Tx, body []byte) (string, error) {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	_, err := tx.ExecContext(ctx, "INSERT INTO content_blobs (hash, body, size) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING",
		hash, string(body), len(body))
	return hash, err
}

// Republish makes an older version of a unit its latest again (a
// rollback), as a new version by who, through check. A version whose
// files are those of the latest is drip.ErrConflict: there is nothing to
// roll back.
func (db *DB) Republish(ctx context.Context, unit string, number int, by string, at time.Time, check CheckFunc) (Version, error) {
	old, files, err := db.VersionFiles(ctx, unit, number)
	if err != nil {
		return Version{}, err
	}
	made, err := db.Publish(ctx, Publication{By: by, At: at, Changes: map[string]Files{unit: files}, Check: check})
	if err != nil {
		return Version{}, err
	}
	if len(made) == 0 {
		return Version{}, fmt.Errorf("store: republish: %w: version %d of %s has the same files as its latest version", drip.ErrConflict, old.Number, unit)
	}
	return made[0], nil
}
