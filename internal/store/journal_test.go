package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// journalFixture is a database with n claimed readers and their outcomes,
// ready to record.
func journalFixture(t *testing.T, n int) (*DB, []Outcome) {
	t.Helper()
	sqliteOnly(t)
	return claimedAt(t, open(t), n)
}

func claimedAt(t *testing.T, db *DB, n int) (*DB, []Outcome) {
	t.Helper()
	ctx := context.Background()
	if err := db.SeedDue(ctx, "course", n, t0, func(i int) string { return fmt.Sprintf("r%d@example.com", i) }); err != nil {
		t.Fatal(err)
	}
	jobs, err := db.ClaimDue(ctx, t0, time.Hour, n, pickFirst("one"))
	if err != nil || len(jobs) != n {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	outs := make([]Outcome, n)
	for i, j := range jobs {
		outs[i] = Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
			Slug: "one", Result: drip.DeliverySent, Reply: Reply{Code: 250, Text: "OK"}, At: t0, NextDue: t0.Add(48 * time.Hour)}
	}
	return db, outs
}

// attempts counts each delivery's attempt rows.
func attempts(t *testing.T, db *DB) map[int64]int {
	t.Helper()
	got := map[int64]int{}
	rows, err := db.r.Query("SELECT delivery_id, count(*) FROM attempts GROUP BY delivery_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		rows.Scan(&id, &n)
		got[id] = n
	}
	return got
}

// wantRecordedOnce checks that every outcome is in the database exactly once.
func wantRecordedOnce(t *testing.T, db *DB, outs []Outcome) {
	t.Helper()
	got := attempts(t, db)
	for _, o := range outs {
		if got[o.DeliveryID] != 1 {
			t.Fatalf("delivery %d has %d attempt rows, want 1", o.DeliveryID, got[o.DeliveryID])
		}
		d, err := db.Delivery(context.Background(), o.DeliveryID, o.SubscriberID)
		if err != nil || d.Status != drip.DeliverySent {
			t.Fatalf("delivery %d: %+v, %v; want sent", o.DeliveryID, d, err)
		}
	}
	if len(got) != len(outs) {
		t.Fatalf("%d deliveries have attempts, want %d", len(got), len(outs))
	}
}

// filesLeft lists what journals have left beside the database.
func filesLeft(t *testing.T, db *DB) []string {
	t.Helper()
	files, _ := filepath.Glob(db.journalPrefix() + "*")
	return files
}

// applied appends outs to j and waits until they are in the database.
func applied(t *testing.T, j *Journal, outs []Outcome) {
	t.Helper()
	if err := j.Append(outs); err != nil {
		t.Fatal(err)
	}
	if err := j.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// deadJournal leaves outs in a journal of db as a killed process would:
// db stops taking writes, so they stay only in the journal, and then the
// process dies.
func deadJournal(t *testing.T, db *DB, outs []Outcome) {
	t.Helper()
	if err := db.InjectFault(context.Background(), ReadOnly); err != nil {
		t.Fatal(err)
	}
	j := db.NewJournal()
	if err := j.Append(outs); err != nil {
		t.Fatal(err)
	}
	j.crash()
}

// crash stops j as a killed process would: its applier stops, and its
// files and progress row stay as they are.
func (j *Journal) crash() {
	j.mu.Lock()
	j.closing = true
	j.mu.Unlock()
	j.hurry()
	<-j.done
	j.f.Close()
	j.lock.Close()
}

func TestJournalAppliesAndCleansUp(t *testing.T) {
	stores(t, testJournalAppliesAndCleansUp)
}

func testJournalAppliesAndCleansUp(t *testing.T) {
	db, outs := journalFixture(t, 700)
	j := db.NewJournal()
	for i := 0; i < len(outs); i += 3 {
		if err := j.Append(outs[i:min(i+3, len(outs))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantRecordedOnce(t, db, outs)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if files := filesLeft(t, db); len(files) != 0 {
		t.Fatalf("files left after close: %v", files)
	}
	if _, ok, _ := db.Setting(context.Background(), journalKey(j.id)); ok {
		t.Fatal("the journal's progress row outlived it")
	}
}

// TestJournalReplayAfterCrash leaves a journal as a killed process would,
// half applied and with its last write cut short, and opens the database
// again: every whole outcome is applied once, the torn one not at all.
func TestJournalReplayAfterCrash(t *testing.T) {
	stores(t, testJournalReplayAfterCrash)
}

func testJournalReplayAfterCrash(t *testing.T) {
	ctx := context.Background()
	db, outs := journalFixture(t, 40)
	j := db.NewJournal()
	applied(t, j, outs[:20])
	// The database stops taking writes, so the next outcomes stay only in
	// the journal; then the process dies.
	if err := db.InjectFault(ctx, ReadOnly); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(outs[20:39]); err != nil {
		t.Fatal(err)
	}
	if err := j.Flush(ctx); !errors.Is(err, drip.ErrUnavailable) {
		t.Fatalf("flush on a read-only database: %v, want ErrUnavailable", err)
	}
	j.crash()
	torn := fmt.Sprintf(`{"s":40,"o":{"DeliveryID":%d,"Resu`, outs[39].DeliveryID)
	appendFile(t, j.segs[0].path, torn)

	again := openAt(t, db.path)
	wantRecordedOnce(t, again, outs[:39])
	if files := filesLeft(t, again); len(files) != 0 {
		t.Fatalf("files left after replay: %v", files)
	}
	// The torn outcome's lesson is still in flight: its lease brings it back.
	if d, _ := again.Delivery(ctx, outs[39].DeliveryID, outs[39].SubscriberID); d.Status != drip.DeliverySending {
		t.Fatalf("the torn outcome's delivery is %s, want still sending", d.Status)
	}
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// TestJournalLeftByAPassIsReplayedByTheNextClaim: a pass ends while the
// database refuses writes, so its outcomes stay in the journal; the next
// claim applies them before it claims anything, and a live journal is
// never touched by another's replay.
func TestJournalLeftByAPassIsReplayedByTheNextClaim(t *testing.T) {
	stores(t, testJournalLeftByAPassIsReplayedByTheNextClaim)
}

func testJournalLeftByAPassIsReplayedByTheNextClaim(t *testing.T) {
	ctx := context.Background()
	db, outs := journalFixture(t, 10)
	live := db.NewJournal()
	applied(t, live, outs[:1])
	if err := db.InjectFault(ctx, ReadOnly); err != nil {
		t.Fatal(err)
	}
	left := db.NewJournal()
	if err := left.Append(outs[1:]); err != nil {
		t.Fatal(err)
	}
	if err := left.Close(); err == nil || !strings.Contains(err.Error(), "9 outcomes kept") {
		t.Fatalf("close while the database is read-only: %v, want the outcomes kept", err)
	}
	if _, err := db.ClaimDue(ctx, t0.Add(time.Hour), time.Hour, 10, pickFirst("two")); !errors.Is(err, drip.ErrUnavailable) {
		t.Fatalf("claim while the database is still read-only: %v, want ErrUnavailable", err)
	}
	if err := db.InjectFault(ctx, NoFault); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimDue(ctx, t0.Add(time.Hour), time.Hour, 10, pickFirst("two")); err != nil {
		t.Fatal(err)
	}
	wantRecordedOnce(t, db, outs)
	if _, err := os.Stat(live.segs[0].path); err != nil {
		t.Fatalf("the live journal's file: %v", err)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	if files := filesLeft(t, db); len(files) != 0 {
		t.Fatalf("files left: %v", files)
	}
}

// TestCopyRefusesUnappliedJournal: migrate-store must not copy a database
// while a crashed pass's outcomes are still only in its journal.
func TestCopyRefusesUnappliedJournal(t *testing.T) {
	stores(t, testCopyRefusesUnappliedJournal)
}

func testCopyRefusesUnappliedJournal(t *testing.T) {
	ctx := context.Background()
	db, outs := journalFixture(t, 2)
	deadJournal(t, db, outs)
	_, err := Copy(ctx, db.path, db, CopyOptions{Secret: "s"})
	if err == nil || !strings.Contains(err.Error(), "stopped before they reached the database") {
		t.Fatalf("copy with an unapplied journal: %v", err)
	}
}

// TestJournalWriteFailureStartsAFreshFile: a write that fails half done
// (a full disk) and cannot be cut back leaves half a line, so appends go
// on in a new file, where that half line can only end the old one.
func TestJournalWriteFailureStartsAFreshFile(t *testing.T) {
	stores(t, testJournalWriteFailureStartsAFreshFile)
}

func testJournalWriteFailureStartsAFreshFile(t *testing.T) {
	ctx := context.Background()
	db, outs := journalFixture(t, 3)
	if err := db.InjectFault(ctx, ReadOnly); err != nil {
		t.Fatal(err)
	}
	j := db.NewJournal()
	if err := j.Append(outs[:1]); err != nil {
		t.Fatal(err)
	}
	path := j.segs[0].path
	appendFile(t, path, fmt.Sprintf(`{"s":2,"o":{"DeliveryID":%d,"Resu`, outs[1].DeliveryID))
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	j.mu.Lock()
	j.f.Close()
	j.f = ro // writes and truncation now fail
	j.mu.Unlock()
	if err := j.Append(outs[1:2]); err == nil {
		t.Fatal("an append that could not be written succeeded")
	}
	if err := j.Append(outs[2:]); err != nil {
		t.Fatal(err)
	}
	if len(j.segs) != 2 {
		t.Fatalf("%d journal files, want a second one after the failed write", len(j.segs))
	}
	j.crash()
	again := openAt(t, db.path)
	wantRecordedOnce(t, again, []Outcome{outs[0], outs[2]})
}

// TestJournalRotates: a long pass writes several files; those applied are
// removed as it goes, and a crash leaves the rest to be replayed in order.
func TestJournalRotates(t *testing.T) {
	stores(t, testJournalRotates)
}

func testJournalRotates(t *testing.T) {
	defer func(n int64) { journalSegment = n }(journalSegment)
	journalSegment = 1024 // about four outcomes a file
	ctx := context.Background()
	db, outs := journalFixture(t, 60)
	j := db.NewJournal()
	appendAll := func(outs []Outcome) {
		for i := 0; i < len(outs); i += 3 {
			if err := j.Append(outs[i:min(i+3, len(outs))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendAll(outs[:30])
	if err := j.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if files := filesLeft(t, db); j.made < 5 || len(files) != 2 {
		t.Fatalf("%d files made; on disk after applying: %v, want the lock and the current file", j.made, files)
	}
	if err := db.InjectFault(ctx, ReadOnly); err != nil {
		t.Fatal(err)
	}
	appendAll(outs[30:])
	j.crash()
	if n := len(filesLeft(t, db)); n < 5 {
		t.Fatalf("%d files left by the crash, want several", n)
	}
	again := openAt(t, db.path)
	wantRecordedOnce(t, again, outs)
}

// TestAnotherProcessesJournalIsReplayed: a sender process dies with
// outcomes only in its journal while another process keeps running on the
// same database. The survivor's next claim applies them, long before
// their lessons' leases run out and it could claim those lessons again.
func TestAnotherProcessesJournalIsReplayed(t *testing.T) {
	stores(t, testAnotherProcessesJournalIsReplayed)
}

func testAnotherProcessesJournalIsReplayed(t *testing.T) {
	ctx := context.Background()
	survivor, outs := journalFixture(t, 5)
	dead := openAt(t, survivor.path)
	deadJournal(t, dead, outs)
	if _, err := survivor.ClaimDue(ctx, t0, time.Hour, 10, pickFirst("two")); err != nil {
		t.Fatal(err)
	}
	wantRecordedOnce(t, survivor, outs)
	if files := filesLeft(t, survivor); len(files) != 0 {
		t.Fatalf("files left: %v", files)
	}
}

// TestJournalBesideAnOddlyNamedDatabase: the database's directory may be
// named anything, glob and URI syntax included; the database opens, and
// the journal's files are found all the same.
func TestJournalBesideAnOddlyNamedDatabase(t *testing.T) {
	sqliteOnly(t)
	dir := filepath.Join(t.TempDir(), "courses[2026 *?#%41")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, outs := claimedAt(t, openAt(t, filepath.Join(dir, "d.db")), 3)
	deadJournal(t, db, outs)
	again := openAt(t, db.path)
	wantRecordedOnce(t, again, outs)
}

// TestWaitingOutAFailure: while the database refuses the journal's
// outcomes, Flush and Settle (which every claim waits for) fail; once it
// takes writes again, each applies what waited instead of repeating the
// old error.
func TestWaitingOutAFailure(t *testing.T) {
	stores(t, testWaitingOutAFailure)
}

func testWaitingOutAFailure(t *testing.T) {
	for _, wait := range []struct {
		name string
		f    func(*Journal, context.Context) error
	}{{"Flush", (*Journal).Flush}, {"Settle", func(j *Journal, ctx context.Context) error { return j.Settle(ctx, time.Now()) }}} {
		t.Run(wait.name, func(t *testing.T) {
			ctx := context.Background()
			db, outs := journalFixture(t, 2)
			if err := db.InjectFault(ctx, ReadOnly); err != nil {
				t.Fatal(err)
			}
			j := db.NewJournal()
			if err := j.Append(outs); err != nil {
				t.Fatal(err)
			}
			if err := j.Flush(ctx); !errors.Is(err, drip.ErrUnavailable) {
				t.Fatalf("flush on a read-only database: %v", err)
			}
			if err := wait.f(j, ctx); !errors.Is(err, drip.ErrUnavailable) {
				t.Fatalf("%s after a refused apply: %v; want the refusal", wait.name, err)
			}
			if err := db.InjectFault(ctx, NoFault); err != nil {
				t.Fatal(err)
			}
			if err := wait.f(j, ctx); err != nil {
				t.Fatalf("%s after the fault cleared: %v", wait.name, err)
			}
			wantRecordedOnce(t, db, outs)
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOrphanProgressRowsGo: a database restored from a backup taken during
// a pass holds a progress row for a journal that is not there; Open drops
// it.
func TestOrphanProgressRowsGo(t *testing.T) {
	stores(t, testOrphanProgressRowsGo)
}

func testOrphanProgressRowsGo(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := open(t)
	if _, err := db.w.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, '7')", journalKey("00000000000000000001-1")); err != nil {
		t.Fatal(err)
	}
	again := openAt(t, db.path)
	if _, ok, err := again.Setting(ctx, journalKey("00000000000000000001-1")); ok || err != nil {
		t.Fatalf("orphan progress row after Open: present %v, %v", ok, err)
	}
}

// TestJournalLinesAreJSON: the journal's hand-written lines are what
// json.Marshal writes, so a replay reads them back as they were.
func TestJournalLinesAreJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	strs := []string{"", "welcome", "250 2.0.0 OK", `quote " back \ slash`, "<b>&amp;</b>", "a<b", "c>d", "tab\tline\n", "é ☃", "\xff\xfe", "\u2028"}
	zones := []*time.Location{time.UTC, time.FixedZone("", -7*3600), time.FixedZone("X", 5*3600+1800)}
	for i := range 2000 {
		o := Outcome{DeliveryID: r.Int64(), EnrollmentID: r.Int64N(1000), SubscriberID: -r.Int64N(5),
			Slug: strs[r.IntN(len(strs))], Result: drip.DeliveryStatus(strs[r.IntN(len(strs))]),
			Reply:    Reply{Code: r.IntN(600), Enhanced: strs[r.IntN(len(strs))], Text: strs[r.IntN(len(strs))]},
			At:       time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(zones[r.IntN(len(zones))]),
			Complete: r.IntN(2) == 0, Bounce: r.IntN(2) == 0}
		if i%3 > 0 {
			o.NextDue = o.At.Add(time.Duration(r.Int64N(1e15)))
		}
		e := entry{Seq: int64(i), O: o}
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendEntry(nil, e)
		if err != nil || string(got) != string(want)+"\n" {
			t.Fatalf("line for %+v:\n got %s (%v)\nwant %s", o, got, err, want)
		}
	}
	if _, err := appendEntry(nil, entry{O: Outcome{At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}); err == nil {
		t.Fatal("a time json cannot write was written")
	}
}
