package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// A journal line can only be damaged from outside: a write cut short
// ends its file (readSegment drops it), so a bad line before the end is a
// disk error or an edit. Such a line must not stop the operator: every
// command opens the database, and Open replays journals. So a replay
// applies every outcome it can read, sets each damaged line aside in a
// file of its own beside the database (its bytes as they were), and logs
// where it is.
//
// What becomes of the lesson the line recorded decides whether a reader
// gets it twice. A journal line is only ever written after its message's
// send ended: the message most likely went out. Left alone, its delivery
// would stay "sending", and when the lease ran out the next claim would
// send it again. So the delivery the line names is recorded as sent, with
// its outcome unknown (last_reply and an attempt say so): a lesson that
// perhaps went twice is worse than one that perhaps did not go, which
// the reader can still ask for with their "next lesson" link. Only a
// delivery still "sending" is changed, and only when what the line still
// shows (its delivery, enrollment and reader IDs, its lesson) points at
// exactly one: a line applied already, or a guess that matches another
// reader's lesson, changes nothing. The reader's next lesson is due when
// the claim's lease ends, in their send window, as after any lesson whose
// outcome came in late. A line that names no delivery at all cannot be
// tied to a lesson: its lesson is then treated as a message in flight at
// a crash, sent again at the end of its lease with the same Message-ID.

// setAside writes a damaged line's bytes to a new file beside the
// database, synced, and returns its name.
func (db *DB) setAside(d damage) (string, error) {
	base := fmt.Sprintf("%s.journal-damaged-%s", db.path, time.Now().UTC().Format("20060102T150405Z"))
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("store: journal: set a damaged line aside: %w", errUnavailable(err))
		}
		_, err = f.Write(append(d.raw[:len(d.raw):len(d.raw)], '\n'))
		err = errors.Join(err, f.Sync(), f.Close())
		if err != nil {
			os.Remove(name)
			return "", fmt.Errorf("store: journal: set a damaged line aside: %w", errUnavailable(err))
		}
		return name, nil
	}
}

// settleDamage records what each lost outcome of d means for its lesson
// (see the top of this file) and logs the line, the file that keeps it
// and what was done.
func (db *DB) settleDamage(ctx context.Context, d damage, kept string) error {
	var done []string
	for _, l := range d.lost {
		what, err := db.holdLost(ctx, l, d, kept)
		if err != nil {
			return err
		}
		done = append(done, what)
	}
	db.log.Error(fmt.Sprintf("outcome journal %s line %d is damaged: its bytes are kept in %s (see them with: cat -v %s), and the outcomes before and after it are applied", d.path, d.line, kept, kept),
		"lesson", strings.Join(done, "; "))
	return nil
}

// holdLost records the one delivery still being sent that l points at as
// sent with its outcome unknown, and says what it did.
func (db *DB) holdLost(ctx context.Context, l lostOutcome, d damage, kept string) (string, error) {
	if d.applied {
		return "its outcome was already in the database", nil
	}
	if !l.named() {
		return "no delivery can be told from it: if it recorded a send, that lesson goes again with the same Message-ID when its lease ends", nil
	}
	at := l.At
	if at.IsZero() {
		at = time.Now()
	}
	reply := "outcome unknown: the journal line that recorded it was damaged (kept in " + kept + ")"
	var held int64
	var slug string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		held, slug = 0, ""
		id, enr, s, err := lostDelivery(ctx, tx, l)
		if err != nil || id == 0 {
			return err
		}
		held, slug = id, s
		return markSentUnknown(ctx, tx, id, enr, slug, at, reply)
	})
	if err != nil {
		return "", fmt.Errorf("store: journal: %w", err)
	}
	if held == 0 {
		return fmt.Sprintf("no lesson being sent matches it (delivery %d, enrollment %d, reader %d, lesson %q): it was recorded already, or it is too damaged to tell whose it was",
			l.DeliveryID, l.EnrollmentID, l.SubscriberID, l.Slug), nil
	}
	return fmt.Sprintf("delivery %d (lesson %s) is recorded as sent with its outcome unknown, and is not sent again", held, slug), nil
}

// lostDelivery finds the one delivery still being sent that matches
// every field l still has; id 0 when none or more than one does.
func lostDelivery(ctx context.Context, tx *sql.Tx, l lostOutcome) (id, enr int64, slug string, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, enrollment_id, slug FROM deliveries WHERE status = 'sending'
		AND (id = ? OR ? = 0) AND (enrollment_id = ? OR ? = 0) AND (subscriber_id = ? OR ? = 0) AND (slug = ? OR ? = '')
		LIMIT 2`, l.DeliveryID, l.DeliveryID, l.EnrollmentID, l.EnrollmentID, l.SubscriberID, l.SubscriberID, l.Slug, l.Slug)
	if err != nil {
		return 0, 0, "", err
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		if err := rows.Scan(&id, &enr, &slug); err != nil {
			return 0, 0, "", err
		}
	}
	if n != 1 {
		return 0, 0, "", rows.Err()
	}
	return id, enr, slug, rows.Err()
}

// markSentUnknown records delivery id as sent at at, with reply saying
// why its outcome is unknown, and moves its reader past the lesson.
func markSentUnknown(ctx context.Context, tx *sql.Tx, id, enr int64, slug string, at time.Time, reply string) error {
	if _, err := tx.ExecContext(ctx, sqlInsertAttempt, id, unix(at), 0, "", reply); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlUpdateDelivery, "sent", reply, unix(at), id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE enrollments SET last_slug = ?, last_sent_at = ? WHERE id = ?", slug, unix(at), enr)
	return err
}

// settleDamaged sets every damaged line of a journal aside and settles
// its lost outcomes, once the journal's readable outcomes are applied.
// The lines are kept before the journal's files go; a crash in between
// keeps a line twice, and settles it again, which changes nothing more.
func (db *DB) settleDamaged(ctx context.Context, damaged []damage) error {
	for _, d := range damaged {
		kept, err := db.setAside(d)
		if err != nil {
			return err
		}
		if err := db.settleDamage(ctx, d, kept); err != nil {
			return err
		}
	}
	return nil
}
