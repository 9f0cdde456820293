package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// importRows is n import rows, reader i at readerN@example.com.
func importRows(n int, confirmed bool) []Import {
	ins := make([]Import, n)
	for i := range ins {
		ins[i] = Import{Email: fmt.Sprintf("reader%d@example.com", i), Name: fmt.Sprintf("Reader %d", i), Timezone: "Europe/Paris",
			Confirmed: confirmed, Course: "course", FirstDue: t0, At: t0}
	}
	return ins
}

// countRows counts the rows of table.
func countRows(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.r.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportBatcherReportsEveryRow: rows go in a batch at a time, and
// every row hears what became of it, in the file's order: rows refused
// before the store among them, an address that comes twice in one batch
// or in two (added once, then found), and a suppressed one.
func TestImportBatcherReportsEveryRow(t *testing.T) {
	stores(t, testImportBatcherReportsEveryRow)
}

func testImportBatcherReportsEveryRow(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	gone := active(t, db, "gone@example.com", t0)
	if err := db.Erase(ctx, gone, t0); err != nil {
		t.Fatal(err)
	}
	ins := importRows(2500, true)
	ins[21].Email = "READER20@example.com"  // the same reader, in the same batch
	ins[1700].Email = "reader5@example.com" // and in a later one
	ins[900].Email = "gone@example.com"
	b := db.NewImportBatcher()
	var order []int
	got := map[int]ImportResult{}
	for i := range ins {
		in := &ins[i]
		if i%100 == 99 {
			in = nil // a bad row
		}
		if err := b.Add(ctx, in, func(r ImportResult) { order, got[i] = append(order, i), r }); err != nil {
			t.Fatal(err)
		}
	}
	if len(order) != ImportBatch {
		t.Fatalf("%d rows reported before the end, want the %d of the first full batch (the second is being written)", len(order), ImportBatch)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i, n := range order {
		if i != n {
			t.Fatalf("row %d was reported in place %d", n, i)
		}
	}
	want := map[int]ImportResult{0: {ImportAdded, drip.StatusActive}, 21: {ImportExists, drip.StatusActive},
		1700: {ImportExists, drip.StatusActive}, 900: {ImportSuppressed, ""}, 99: {}}
	for i, w := range want {
		if got[i] != w {
			t.Errorf("row %d: %+v, want %+v", i, got[i], w)
		}
	}
	// 2,500 rows, 25 bad, two found, one suppressed.
	if n := countRows(t, db, "subscribers WHERE email LIKE 'reader%'"); n != 2500-25-3 {
		t.Fatalf("%d readers imported, want %d", n, 2500-25-3)
	}
	if n := countRows(t, db, "enrollments"); n != 2500-25-3 {
		t.Fatalf("%d enrollments, want one per imported reader", n)
	}
}

// TestStoppedImportResumes: an import cut off after its first batch keeps
// that batch, and running it again adds the rest and finds the first
// batch's readers there, each still once.
func TestStoppedImportResumes(t *testing.T) {
	stores(t, testStoppedImportResumes)
}

func testStoppedImportResumes(t *testing.T) {
	db := open(t)
	ins := importRows(2500, false)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	b := db.NewImportBatcher()
	var err error
	for i := range ins {
		if i == ImportBatch+1 {
			stop() // the operator presses Ctrl-C
		}
		if err = b.Add(ctx, &ins[i], func(ImportResult) {}); err != nil {
			break
		}
	}
	if err == nil {
		err = b.Flush(ctx)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("import after a cancel: %v, want it stopped", err)
	}
	if n := countRows(t, db, "subscribers"); n != ImportBatch {
		t.Fatalf("%d readers after the stop, want the first batch's %d", n, ImportBatch)
	}
	res, err := db.ImportReaders(context.Background(), ins[:ImportBatch])
	if err != nil {
		t.Fatal(err)
	}
	if res[0] != (ImportResult{ImportExists, drip.StatusPending}) {
		t.Fatalf("a reader of the first run, imported again: %+v, want found pending", res[0])
	}
	for i := ImportBatch; i < len(ins); i += ImportBatch {
		if _, err := db.ImportReaders(context.Background(), ins[i:min(i+ImportBatch, len(ins))]); err != nil {
			t.Fatal(err)
		}
	}
	for table, want := range map[string]int{"subscribers": 2500, "confirmations": 2500, "events WHERE kind = 'signup' AND detail = 'import'": 2500} {
		if n := countRows(t, db, table); n != want {
			t.Errorf("%s: %d rows, want %d: one per reader", table, n, want)
		}
	}
}

// TestImportKeepsTheWALSmall: a long import, batch after batch, leaves the
// WAL about one batch long. Without a checkpoint between batches the
// ticker's checkpoints never catch up with the writer, and the WAL grows
// by every batch.
func TestImportKeepsTheWALSmall(t *testing.T) {
	stores(t, testImportKeepsTheWALSmall)
}

func testImportKeepsTheWALSmall(t *testing.T) {
	sqliteOnly(t)
	db := open(t)
	ins := importRows(20*ImportBatch, true)
	var peak int64
	for i := 0; i < len(ins); i += ImportBatch {
		if _, err := db.ImportReaders(context.Background(), ins[i:i+ImportBatch]); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(db.path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		peak = max(peak, st.Size())
	}
	db2, _ := os.Stat(db.path)
	t.Logf("20,000 rows: peak WAL %d KiB, database %d KiB", peak>>10, db2.Size()>>10)
	if peak > 2<<20 {
		t.Fatalf("the WAL reached %d KiB over 20 batches, want it to stay near one batch's (under 2 MiB)", peak>>10)
	}
}

// TestImportKeysAddressesAsSignupsDo: an imported reader is kept under the
// same keys as one who used the form, so the caps on confirmations count
// their inbox, and an address erased under the old rule stays suppressed.
func TestImportKeysAddressesAsSignupsDo(t *testing.T) {
	stores(t, testImportKeysAddressesAsSignupsDo)
}

func testImportKeysAddressesAsSignupsDo(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if _, err := db.w.ExecContext(ctx, "INSERT INTO suppressions (email_hash, reason, created_at, old_rule) VALUES (?, 'erased', 1, 1)",
		oldRuleHash("Old@Example.com")); err != nil {
		t.Fatal(err)
	}
	ins := []Import{{Email: "A.B+news@gmail.com", Confirmed: true, Course: "course", At: t0}, {Email: "Old@Example.com", At: t0}}
	res, err := db.ImportReaders(ctx, ins)
	if err != nil {
		t.Fatal(err)
	}
	if res[1].Outcome != ImportSuppressed {
		t.Fatalf("an address erased under the old rule: %+v, want suppressed", res[1])
	}
	var mailbox string
	if err := db.r.QueryRow("SELECT mailbox_key FROM subscribers WHERE email_key = ?", EmailKey(ins[0].Email)).Scan(&mailbox); err != nil {
		t.Fatal(err)
	}
	if mailbox != MailboxKey(ins[0].Email) {
		t.Fatalf("imported reader's mailbox key %q, want %q", mailbox, MailboxKey(ins[0].Email))
	}
}
