package store

import (
	"cmp"
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
	// Via says how the reader came, on their timeline and in webhook
	// events: "import" when empty, "api" for the JSON API.
	Via string
}

func (in Import) via() string { return cmp.Or(in.Via, "import") }

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
// The batch is set-based (import_set.go): a few reads for all its
// addresses, then a multi-row INSERT per table, so that PostgreSQL pays a
// round trip per statement, not per row and statement.
//
// After the commit the WAL is checkpointed (SQLite: checkpointNow), so
// that an import of any length keeps it about one batch long.
func (db *DB) ImportReaders(ctx context.Context, ins []Import) ([]ImportResult, error) {
	var out []ImportResult
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = db.importSet(ctx, tx, ins) // a retried transaction starts afresh
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: import readers: %w", err)
	}
	// A checkpoint that fails now is the ticker's to try again.
	_ = db.checkpointNow(ctx)
	return out, nil
}

// ImportBatcher adds the rows of one import file ImportBatch at a time
// (ImportReaders), and tells each row's callback what became of it once
// its batch is committed, in the order the rows were added. A full batch
// is written while the caller reads and checks the next one: one batch at
// most is in flight, and its callbacks are called, on the caller's
// goroutine, before the next batch starts.
type ImportBatcher struct {
	db     *DB
	ins    []Import
	thens  []importThen
	flight chan importFlight // the batch being written; nil for none
}

type importThen struct {
	row  bool // an Import, the next in ins; else a row refused before the store
	then func(ImportResult)
}

// importFlight is a batch written, with what became of its rows.
type importFlight struct {
	thens []importThen
	res   []ImportResult
	err   error
}

// NewImportBatcher starts an import.
func (db *DB) NewImportBatcher() *ImportBatcher { return &ImportBatcher{db: db} }

// Add queues one row of the file, and starts writing the batch once it is
// full. A nil in is a row refused before the store (a bad address, say):
// its then is called in its turn, with a zero result, so that a report of
// the file keeps the file's order. An error is the previous batch's, or
// ctx's: the rows queued since are dropped.
func (b *ImportBatcher) Add(ctx context.Context, in *Import, then func(ImportResult)) error {
	b.thens = append(b.thens, importThen{row: in != nil, then: then})
	if in != nil {
		b.ins = append(b.ins, *in)
	}
	if len(b.thens) < ImportBatch {
		return nil
	}
	return b.launch(ctx)
}

// Flush commits the rows queued so far, then calls their callbacks. On
// an error none of them is in, nor reported, and the batcher is empty.
func (b *ImportBatcher) Flush(ctx context.Context) error {
	if err := b.launch(ctx); err != nil {
		return err
	}
	return b.land()
}

// Stop waits for the batch in flight, calling its callbacks if it went
// in, and drops the rows queued since: an import that stops early must
// not leave a write running behind it.
func (b *ImportBatcher) Stop() error {
	b.ins, b.thens = nil, nil
	return b.land()
}

// launch lands the batch in flight, then starts writing the rows queued.
// The write is not cut short by ctx: a batch either goes in whole or
// fails, and one takes well under a second.
func (b *ImportBatcher) launch(ctx context.Context) error {
	err := b.land()
	if err == nil && len(b.ins) > 0 {
		err = ctx.Err()
	}
	if err != nil {
		b.ins, b.thens = nil, nil
		return err
	}
	ins, thens := b.ins, b.thens
	b.ins, b.thens = nil, nil // the flight owns the old slices
	ch := make(chan importFlight, 1)
	b.flight = ch
	go func() {
		f := importFlight{thens: thens}
		if len(ins) > 0 {
			f.res, f.err = b.db.ImportReaders(context.WithoutCancel(ctx), ins)
		}
		ch <- f
	}()
	return nil
}

// land waits for the batch in flight, if any, and calls its callbacks.
func (b *ImportBatcher) land() error {
	if b.flight == nil {
		return nil
	}
	f := <-b.flight
	b.flight = nil
	if f.err != nil {
		return f.err
	}
	res := f.res
	for _, t := range f.thens {
		var r ImportResult
		if t.row {
			r, res = res[0], res[1:]
		}
		t.then(r)
	}
	return nil
}
