package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// The caps on published content: a lesson or template far past these is a
// mistake (a pasted image, a runaway export), and every instance loads the
// whole content into memory.
const (
	MaxFileBytes    = 1 << 20  // one file of a version or a draft
	MaxVersionBytes = 20 << 20 // all the files of one version
)

// Templates is the unit that holds the email and page templates, shared
// by every course; a course's unit is its slug, which never starts with _.
const Templates = "_templates"

// Files is a unit's content: each file's path, slash-separated and
// relative to the unit's folder, and its bytes (UTF-8 text).
type Files map[string][]byte

// Hash is a digest of the paths and bodies, the same for the same files
// whatever the order they were added in.
func (f Files) Hash() string {
	h := sha256.New()
	for _, p := range f.Paths() {
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(f[p]))
		h.Write(f[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Paths lists the files in path order.
func (f Files) Paths() []string {
	ps := make([]string, 0, len(f))
	for p := range f {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// Version is one published version of a unit: a course, by its slug, or
// the templates.
type Version struct {
	Course string
	Number int
	Hash   string
	By     string // an operator's name, "disk" or "import"
	At     time.Time
	Files  int
	Bytes  int64
}

// Snapshot is the latest published version of every unit, read at one
// moment.
type Snapshot struct {
	Stamp    int64 // ContentStamp when it was read
	Versions map[string]Version
	Files    map[string]Files
}

// CheckFunc is given the content as a publication would leave it (every
// unit's latest files, with the publication's in their place) and returns
// the problems that make it unfit to publish.
type CheckFunc func(units map[string]Files) error

// Publication is new content for one or more units.
type Publication struct {
	By      string
	At      time.Time
	Changes map[string]Files // the whole new file set of each unit changed
	Check   CheckFunc        // nil: no check
}

// checkFiles refuses a file set that no version may hold, with a message
// that names the file.
func checkFiles(unit string, files Files) error {
	if unit == "" {
		return fmt.Errorf("%w: a version needs the name of its course", drip.ErrInvalid)
	}
	if len(files) == 0 {
		return fmt.Errorf("%w: %s: a version needs at least one file", drip.ErrInvalid, unit)
	}
	var total int64
	for _, p := range files.Paths() {
		if err := checkFile(p, files[p]); err != nil {
			return fmt.Errorf("%s: %w", unit, err)
		}
		total += int64(len(files[p]))
	}
	if total > MaxVersionBytes {
		return fmt.Errorf("%w: %s: the files come to %d MB, more than the %d MB a version may hold", drip.ErrInvalid, unit, total>>20, MaxVersionBytes>>20)
	}
	return nil
}

// checkFile refuses a path or body that no version may hold.
func checkFile(path string, body []byte) error {
	switch {
	case !fs.ValidPath(path) || path == ".":
		return fmt.Errorf("%w: %q is not a file path inside the course", drip.ErrInvalid, path)
	case strings.HasPrefix(path, ".") || strings.Contains(path, "/."):
		return fmt.Errorf("%w: %s: hidden files are not kept", drip.ErrInvalid, path)
	case len(body) > MaxFileBytes:
		return fmt.Errorf("%w: %s is %d KB, more than the %d KB a file may have", drip.ErrInvalid, path, len(body)>>10, MaxFileBytes>>10)
	case !utf8.Valid(body) || strings.ContainsRune(string(body), 0):
		return fmt.Errorf("%w: %s is not UTF-8 text", drip.ErrInvalid, path)
	}
	return nil
}

// ContentStamp is a number that grows with every publication of any unit:
// an instance compares it with the last it saw to know whether to load the
// content again. It is 0 before the first.
func (db *DB) ContentStamp(ctx context.Context) (int64, error) {
	var n int64
	if err := db.r.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM content_versions").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: content stamp: %w", friendly(err))
	}
	return n, nil
}

// Latest returns the latest published version of every unit, with their
// files, read in one transaction.
func (db *DB) Latest(ctx context.Context) (*Snapshot, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: latest content: %w", friendly(err))
	}
	defer tx.Rollback()
	s, err := latest(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("store: latest content: %w", friendly(err))
	}
	return s, nil
}

const versionCols = "id, course, version, hash, published_by, published_at, files, bytes"

func latest(ctx context.Context, q querier) (*Snapshot, error) {
	s := &Snapshot{Versions: map[string]Version{}, Files: map[string]Files{}}
	ids := map[int64]string{}
	rows, err := q.QueryContext(ctx, "SELECT "+versionCols+` FROM content_versions v
		WHERE version = (SELECT max(version) FROM content_versions w WHERE w.course = v.course)`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		id, v, err := scanVersion(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		s.Stamp = max(s.Stamp, id)
		s.Versions[v.Course], ids[id] = v, v.Course
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for id, unit := range ids {
		if s.Files[unit], err = filesOf(ctx, q, id); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// querier is what reads need of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func scanVersion(r interface{ Scan(...any) error }) (int64, Version, error) {
	var v Version
	var id, at int64
	err := r.Scan(&id, &v.Course, &v.Number, &v.Hash, &v.By, &at, &v.Files, &v.Bytes)
	v.At = fromUnix(at)
	return id, v, err
}

func filesOf(ctx context.Context, q querier, versionID int64) (Files, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.path, b.body FROM content_files f
		JOIN content_blobs b ON b.hash = f.blob WHERE f.version_id = ?`, versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	files := Files{}
	for rows.Next() {
		var path, body string
		if err := rows.Scan(&path, &body); err != nil {
			return nil, err
		}
		files[path] = []byte(body)
	}
	return files, rows.Err()
}

// Versions lists a unit's published versions, newest first.
func (db *DB) Versions(ctx context.Context, unit string) ([]Version, error) {
	rows, err := db.r.QueryContext(ctx, "SELECT "+versionCols+" FROM content_versions WHERE course = ? ORDER BY version DESC", unit)
	if err != nil {
		return nil, fmt.Errorf("store: versions of %s: %w", unit, friendly(err))
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		_, v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("store: versions of %s: %w", unit, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// VersionFiles returns the files of one version of a unit; number 0 is
// the latest. A version that was never published is drip.ErrNotFound.
func (db *DB) VersionFiles(ctx context.Context, unit string, number int) (Version, Files, error) {
	v, files, err := versionFiles(ctx, db.r, unit, number)
	if err != nil && !errors.Is(err, drip.ErrNotFound) {
		err = fmt.Errorf("store: version %d of %s: %w", number, unit, friendly(err))
	}
	return v, files, err
}

func versionFiles(ctx context.Context, q querier, unit string, number int) (Version, Files, error) {
	query := "SELECT " + versionCols + " FROM content_versions WHERE course = ? AND version = ?"
	args := []any{unit, number}
	if number == 0 {
		query, args = "SELECT "+versionCols+" FROM content_versions WHERE course = ? ORDER BY version DESC LIMIT 1", args[:1]
	}
	id, v, err := scanVersion(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		if number == 0 {
			return v, nil, fmt.Errorf("%w: nothing of %s is published", drip.ErrNotFound, unit)
		}
		return v, nil, fmt.Errorf("%w: %s has no version %d", drip.ErrNotFound, unit, number)
	}
	if err != nil {
		return v, nil, err
	}
	files, err := filesOf(ctx, q, id)
	return v, files, err
}
