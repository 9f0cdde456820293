package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Import is one reader from an operator's import file, already validated.
type Import struct {
	Email    string
	Name     string
	Timezone string
	// Confirmed readers gave their consent elsewhere: they are active and
	// enrolled in Course at once, first lesson due at FirstDue. Others get
	// a confirmation email, as if they had used the signup form.
	Confirmed bool
	Course    string
	FirstDue  time.Time
	At        time.Time
}

// ImportOutcome is what importing one reader did.
type ImportOutcome int

// Import outcomes.
const (
	ImportAdded      ImportOutcome = iota
	ImportExists                   // the address is already a reader: left as it is
	ImportSuppressed               // the address must never be mailed: not added
	ImportEnrolled                 // a reader already, confirmed, now in this course too
)

// ImportReader adds one reader from an import. An address already present
// is left untouched, whatever its status: an import must not re-subscribe
// someone who left, nor send a pending reader another confirmation. The
// one exception is a confirmed import for a course that an active reader
// has never been in: they are enrolled in it (an export of several
// courses has a row for each course a reader takes).
func (db *DB) ImportReader(ctx context.Context, in Import) (ImportOutcome, drip.Status, error) {
	var out ImportOutcome
	var status drip.Status
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out, status = 0, "" // a retried transaction starts afresh
		if err := db.lockAddress(ctx, tx, in.Email); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, "SELECT id, status FROM subscribers WHERE email_key = ?", EmailKey(in.Email)).Scan(&id, &status)
		if err == nil {
			out, err = importExisting(ctx, tx, id, status, in)
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM suppressions WHERE email_hash = ?", EmailHash(in.Email)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			out = ImportSuppressed
			return nil
		}
		if in.Confirmed {
			status = drip.StatusActive
			return importConfirmed(ctx, tx, in)
		}
		status = drip.StatusPending
		return db.importPending(ctx, tx, in)
	})
	if err != nil {
		return 0, "", fmt.Errorf("store: import reader: %w", err)
	}
	return out, status, nil
}

func importConfirmed(ctx context.Context, tx *sql.Tx, in Import) error {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at, confirmed_at)
		VALUES (?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id`,
		in.Email, EmailKey(in.Email), MailboxKey(in.Email), in.Name, in.Timezone, unix(in.At), unix(in.At)).Scan(&id)
	if err != nil {
		return err
	}
	for _, kind := range []drip.EventKind{drip.EventSignup, drip.EventConfirm} {
		if err := insertEvent(ctx, tx, drip.Event{SubscriberID: id, Course: in.Course, Kind: kind, Detail: "import", At: in.At}, ""); err != nil {
			return err
		}
	}
	return enroll(ctx, tx, id, in.Course, in.FirstDue, in.At)
}

// importExisting enrolls an active reader in a course they have never
// been in, when the import is of confirmed readers; anyone else is left
// as they are.
func importExisting(ctx context.Context, tx *sql.Tx, id int64, status drip.Status, in Import) (ImportOutcome, error) {
	if !in.Confirmed || status != drip.StatusActive || in.Course == "" {
		return ImportExists, nil
	}
	enrolled, err := enrollmentStatus(ctx, tx, id, in.Course)
	if err != nil || enrolled != "" {
		return ImportExists, err
	}
	if err := enroll(ctx, tx, id, in.Course, in.FirstDue, in.At); err != nil {
		return 0, err
	}
	ev := drip.Event{SubscriberID: id, Course: in.Course, Kind: drip.EventConfirm, Detail: "import", At: in.At}
	return ImportEnrolled, insertEvent(ctx, tx, ev, "")
}

func (db *DB) importPending(ctx context.Context, tx *sql.Tx, in Import) error {
	res, err := db.subscribe(ctx, tx, Signup{Email: in.Email, Name: in.Name, Timezone: in.Timezone, Course: in.Course, At: in.At,
		MaxConfirmations: 1, ConfirmWindow: time.Hour})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE events SET detail = 'import' WHERE subscriber_id = ? AND kind = 'signup'", res.SubscriberID)
	return err
}
