package store

import (
	"context"
	"database/sql"
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
	ImportEnrolled                 // a reader already, now in this course too
)

// ImportResult is what importing one reader did, and the reader's status
// (for one already there, the status they keep).
type ImportResult struct {
	Outcome ImportOutcome
	Status  drip.Status
}

// ImportBatch is how many rows an import commits at a time. One
// transaction per row made 100,000 rows take over a minute and grew the
// WAL past a gigabyte: commits came too fast for the checkpointer ever to
// catch up. A thousand rows are a few hundred pages, committed in a
// fraction of a second, so a signup waits little behind one.
const ImportBatch = 1000

// ImportReader adds one reader from an import (ImportReaders).
func (db *DB) ImportReader(ctx context.Context, in Import) (ImportOutcome, drip.Status, error) {
	res, err := db.ImportReaders(ctx, []Import{in})
	if err != nil {
		return 0, "", err
	}
	return res[0].Outcome, res[0].Status, nil
}

// ImportReaders adds readers from an import in one transaction, and
// returns what it did with each, in order; give it at most ImportBatch
// at a time. An address already present is left untouched, whatever its
// status: an import must not re-subscribe someone who left, nor send a
// pending reader another confirmation. The one exception is an import of
// confirmed readers for a course that an active reader has never been
// in: they are enrolled in it too (an export of several courses has a
// row for each course a reader takes). An address that comes twice is
// added once and then found. Either every reader is in or, with an
// error, none is: an import that stops can be run again, and it adds
// what is missing.
//
// After the commit the WAL is checkpointed (SQLite: checkpointNow), so
// that an import of any length keeps it about one batch long.
func (db *DB) ImportReaders(ctx context.Context, ins []Import) ([]ImportResult, error) {
	var out []ImportResult
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = make([]ImportResult, len(ins)) // a retried transaction starts afresh
		w, err := db.newImportWriter(ctx, tx)
		if err != nil {
			return err
		}
		defer w.close()
		for i, in := range ins {
			if out[i], err = w.add(ctx, in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: import readers: %w", err)
	}
	// A checkpoint that fails now is the ticker's to try again.
	_ = db.checkpointNow(ctx)
	return out, nil
}

// importWriter adds import rows in one transaction, with its statements
// prepared once for all of them: parsing each again for every row was
// most of an import's time.
type importWriter struct {
	db                                                *DB
	tx                                                *sql.Tx
	hooks                                             *eventWriter
	find, addActive, events, enroll, joined           *sql.Stmt // confirmed
	addPendingRow, signupEvent, queueConfirm, waiting *sql.Stmt // pending
}

// The import's statements, prepared for each transaction.
const (
	// Whether the address is a reader's (their ID and status), whether
	// it is suppressed, and where it stands in the course, in one step.
	sqlImportFind = `SELECT coalesce((SELECT id FROM subscribers WHERE email_key = ?), 0),
		coalesce((SELECT status FROM subscribers WHERE email_key = ?), ''),
		(SELECT count(*) FROM suppressions WHERE email_hash = ? OR (old_rule = 1 AND email_hash = ?)),
		coalesce((SELECT e.status FROM enrollments e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email_key = ? AND e.course = ?), '')`
	sqlImportActive = `INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at, confirmed_at)
		VALUES (?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id`
	sqlImportEvents = `INSERT INTO events (subscriber_id, kind, detail, at, course)
		VALUES (?, 'signup', 'import', ?, ?), (?, 'confirm', 'import', ?, ?)`
	sqlImportEnroll = `INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at, confirmed_at)
		VALUES (?, ?, 'active', ?, ?, ?)`
	sqlImportJoined  = "INSERT INTO events (subscriber_id, kind, detail, at, course) VALUES (?, 'confirm', 'import', ?, ?)"
	sqlImportPending = `INSERT INTO subscribers (email, email_key, mailbox_key, name, timezone, status, created_at)
		VALUES (?, ?, ?, ?, ?, 'pending', ?) RETURNING id`
	sqlImportSignup  = "INSERT INTO events (subscriber_id, kind, detail, at, course) VALUES (?, 'signup', 'import', ?, ?)"
	sqlImportConfirm = "INSERT INTO confirmations (subscriber_id, status, due_at, message_id, created_at, course) VALUES (?, 'queued', ?, '', ?, ?)"
	sqlImportWaiting = "INSERT INTO enrollments (subscriber_id, course, status, next_due_at, created_at) SELECT ?, ?, 'pending', 0, ? WHERE ?"
)

func (db *DB) newImportWriter(ctx context.Context, tx *sql.Tx) (*importWriter, error) {
	w := &importWriter{db: db, tx: tx, hooks: newEventWriter(tx)}
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&w.find, sqlImportFind}, {&w.addActive, sqlImportActive}, {&w.events, sqlImportEvents},
		{&w.enroll, sqlImportEnroll}, {&w.addPendingRow, sqlImportPending}, {&w.signupEvent, sqlImportSignup},
		{&w.queueConfirm, sqlImportConfirm}, {&w.joined, sqlImportJoined}, {&w.waiting, sqlImportWaiting},
	} {
		st, err := tx.PrepareContext(ctx, p.query)
		if err != nil {
			w.close()
			return nil, err
		}
		*p.dst = st
	}
	return w, nil
}

func (w *importWriter) close() {
	for _, st := range []*sql.Stmt{w.find, w.addActive, w.events, w.enroll, w.addPendingRow, w.signupEvent, w.queueConfirm, w.joined, w.waiting} {
		if st != nil {
			st.Close()
		}
	}
}

func (w *importWriter) add(ctx context.Context, in Import) (ImportResult, error) {
	if err := w.db.lockAddress(ctx, w.tx, in.Email); err != nil {
		return ImportResult{}, err
	}
	var id int64
	var status drip.Status
	var enrolled drip.EnrollmentStatus
	var suppressed int
	key := EmailKey(in.Email)
	if err := w.find.QueryRowContext(ctx, key, key, EmailHash(in.Email), oldRuleHash(in.Email), key, in.Course).
		Scan(&id, &status, &suppressed, &enrolled); err != nil {
		return ImportResult{}, err
	}
	switch {
	case status == drip.StatusActive && in.Confirmed && in.Course != "" && enrolled == "" && suppressed == 0:
		return ImportResult{Outcome: ImportEnrolled, Status: status}, w.join(ctx, id, in)
	case status != "":
		return ImportResult{Outcome: ImportExists, Status: status}, nil
	case suppressed > 0:
		return ImportResult{Outcome: ImportSuppressed}, nil
	}
	if in.Confirmed {
		return ImportResult{Status: drip.StatusActive}, w.addConfirmed(ctx, in)
	}
	return ImportResult{Status: drip.StatusPending}, w.addPending(ctx, in)
}

func (w *importWriter) addConfirmed(ctx context.Context, in Import) error {
	var id int64
	at := unix(in.At)
	if err := w.addActive.QueryRowContext(ctx, in.Email, EmailKey(in.Email), MailboxKey(in.Email), in.Name, in.Timezone, at, at).Scan(&id); err != nil {
		return err
	}
	if _, err := w.events.ExecContext(ctx, id, at, in.Course, id, at, in.Course); err != nil {
		return err
	}
	if _, err := w.enroll.ExecContext(ctx, id, in.Course, unix(in.FirstDue), at, at); err != nil {
		return err
	}
	return w.hooks.joined(ctx, id, in.Course, "import", true, in.At)
}

// join enrolls an active reader in the import's course, confirmed.
func (w *importWriter) join(ctx context.Context, id int64, in Import) error {
	at := unix(in.At)
	if _, err := w.enroll.ExecContext(ctx, id, in.Course, unix(in.FirstDue), at, at); err != nil {
		return err
	}
	if _, err := w.joined.ExecContext(ctx, id, at, in.Course); err != nil {
		return err
	}
	return w.hooks.joined(ctx, id, in.Course, "import", false, in.At)
}

// addPending adds the reader as the signup form adds a new address: a
// pending reader with a confirmation email queued, the signup marked as
// an import. The caps on confirmation emails (per inbox, per hour) hold
// back strangers at the form; an operator's list is not capped, and its
// emails go out at DRIP_SMTP_RATE.
func (w *importWriter) addPending(ctx context.Context, in Import) error {
	var id int64
	at := unix(in.At)
	if err := w.addPendingRow.QueryRowContext(ctx, in.Email, EmailKey(in.Email), MailboxKey(in.Email), in.Name, in.Timezone, at).Scan(&id); err != nil {
		return err
	}
	if _, err := w.signupEvent.ExecContext(ctx, id, at, in.Course); err != nil {
		return err
	}
	if _, err := w.waiting.ExecContext(ctx, id, in.Course, at, in.Course != ""); err != nil {
		return err
	}
	_, err := w.queueConfirm.ExecContext(ctx, id, at, at, in.Course)
	return err
}

// ImportBatcher adds the rows of one import file ImportBatch at a time
// (ImportReaders), and tells each row's callback what became of it once
// its batch is committed, in the order the rows were added.
type ImportBatcher struct {
	db    *DB
	ins   []Import
	thens []importThen
}

type importThen struct {
	row  bool // an Import, the next in ins; else a row refused before the store
	then func(ImportResult)
}

// NewImportBatcher starts an import.
func (db *DB) NewImportBatcher() *ImportBatcher { return &ImportBatcher{db: db} }

// Add queues one row of the file, and commits the batch once it is full.
// A nil in is a row refused before the store (a bad address, say): its
// then is called in its turn, with a zero result, so that a report of
// the file keeps the file's order.
func (b *ImportBatcher) Add(ctx context.Context, in *Import, then func(ImportResult)) error {
	b.thens = append(b.thens, importThen{row: in != nil, then: then})
	if in != nil {
		b.ins = append(b.ins, *in)
	}
	if len(b.thens) < ImportBatch {
		return nil
	}
	return b.Flush(ctx)
}

// Flush commits the rows queued so far, then calls their callbacks. On
// an error none of them is in, nor reported, and the batcher is empty.
func (b *ImportBatcher) Flush(ctx context.Context) error {
	ins, thens := b.ins, b.thens
	b.ins, b.thens = b.ins[:0], b.thens[:0]
	var res []ImportResult
	if len(ins) > 0 {
		var err error
		if res, err = b.db.ImportReaders(ctx, ins); err != nil {
			return err
		}
	}
	for _, t := range thens {
		var r ImportResult
		if t.row {
			r, res = res[0], res[1:]
		}
		t.then(r)
	}
	return nil
}
