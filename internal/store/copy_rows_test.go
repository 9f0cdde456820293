package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Copy across runs: resuming, erasures, and the snapshot. The helpers are
// in copy_test.go.

func TestCopyResumesAfterInterruption(t *testing.T) {
	src, file, dst := copyPair(t)
	defer src.Close()
	if err := src.SeedDue(context.Background(), "course", 23, t0, func(i int) string { return fmt.Sprintf("r%d@example.com", i) }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := func(ctx context.Context, stop func(map[string]int)) (CopyReport, map[string]int, error) {
		batches := map[string]int{}
		rep, err := Copy(ctx, file, dst, CopyOptions{Secret: testSecret, BatchSize: 5, Progress: func(p CopyProgress) {
			if p.Stage == CopyBatch {
				batches[p.Table]++
				stop(batches)
			}
		}})
		return rep, batches, err
	}
	_, _, err := run(ctx, func(b map[string]int) {
		if b["subscribers"] == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted copy: %v, want context.Canceled", err)
	}
	var last int64
	if err := dst.r.QueryRow("SELECT last_id FROM migrate_progress WHERE tbl = 'subscribers'").Scan(&last); err != nil || last != 15 {
		t.Fatalf("progress after 3 batches of 5: %d, %v; want 15", last, err)
	}
	// Meanwhile serve adds 4 readers (ids 24 to 27) and erases one copied.
	if err := src.SeedDue(context.Background(), "course", 4, t0, func(i int) string { return fmt.Sprintf("n%d@example.com", i) }); err != nil {
		t.Fatal(err)
	}
	if err := src.Erase(context.Background(), 2, t0); err != nil {
		t.Fatal(err)
	}
	nop := func(map[string]int) {}
	rep, batches, err := run(context.Background(), nop)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, rep)
	if s := table(rep, "subscribers"); s.After != 15 || s.Copied != 12 || s.Deleted != 1 || batches["subscribers"] != 3 {
		t.Errorf("resumed subscribers: %+v in %d batches; want 12 rows after id 15 in 3 batches, 1 deleted", s, batches["subscribers"])
	}
	if batches["enrollments"] != 6 {
		t.Errorf("enrollments: %d batches, want 6 (26 rows, none copied before)", batches["enrollments"])
	}
	var gone bool
	if dst.r.QueryRow("SELECT to_regclass('migrate_progress') IS NULL").Scan(&gone); !gone {
		t.Error("a completed copy left its progress behind")
	}
	// After a completed run, the next one copies everything again.
	rep, batches, err = run(context.Background(), nop)
	if s := table(rep, "subscribers"); err != nil || s.After != 0 || s.Copied != 26 || batches["subscribers"] != 6 {
		t.Errorf("run after completion: %+v in %d batches, %v; want 26 rows from the start", s, batches["subscribers"], err)
	}
}

func TestCopyPropagatesErasure(t *testing.T) {
	ctx := context.Background()
	src, file, dst := copyPair(t)
	defer src.Close()
	ann := active(t, src, "ann@example.com", t0)
	bob := active(t, src, "bob@example.com", t0)
	sendAll(t, src, "one", t0, drip.DeliverySent, t0.Add(time.Hour))
	if _, err := Copy(ctx, file, dst, CopyOptions{Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	if err := src.Erase(ctx, ann, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Unsubscribe(ctx, bob, 0, "link", t0); err != nil {
		t.Fatal(err)
	}
	active(t, src, "cat@example.com", t0)
	rep, err := Copy(ctx, file, dst, CopyOptions{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, rep)
	if d := table(rep, "subscribers").Deleted; d != 1 {
		t.Errorf("%d subscribers deleted, want 1", d)
	}
	for _, q := range []string{
		"SELECT count(*) FROM subscribers WHERE id = ?", "SELECT count(*) FROM enrollments WHERE subscriber_id = ?",
		"SELECT count(*) FROM deliveries WHERE subscriber_id = ?", "SELECT count(*) FROM events WHERE subscriber_id = ?",
		"SELECT count(*) FROM confirmations WHERE subscriber_id = ?",
		"SELECT count(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.subscriber_id = ? OR d.id IS NULL",
	} {
		var n int
		if err := dst.r.QueryRow(q, ann).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows of the erased reader left (%v)", q, n, err)
		}
	}
	if s, _ := dst.Suppressed(ctx, "ann@example.com"); !s {
		t.Error("the erased address is not suppressed in PostgreSQL")
	}
	if b, _ := dst.Subscriber(ctx, bob); b.Status != drip.StatusUnsubscribed {
		t.Errorf("bob is %s in PostgreSQL, want the change since the first run (unsubscribed)", b.Status)
	}
}

func TestCopyReadsOneSnapshot(t *testing.T) {
	ctx := context.Background()
	src, file, dst := copyPair(t)
	defer src.Close()
	seed := func(from, n int) {
		if err := src.SeedDue(ctx, "course", n, t0, func(i int) string { return fmt.Sprintf("r%d@example.com", from+i) }); err != nil {
			t.Fatal(err)
		}
	}
	seed(0, 12)
	once := false
	rep, err := Copy(ctx, file, dst, CopyOptions{Secret: testSecret, BatchSize: 5, Progress: func(p CopyProgress) {
		if !once && p.Stage == CopyBatch {
			once = true
			seed(100, 5) // serve goes on writing while the copy runs
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if s := table(rep, "subscribers"); s.Source != 12 || s.Dest != 12 {
		t.Fatalf("subscribers: %d in the snapshot, %d copied; want 12 (those before the copy began)", s.Source, s.Dest)
	}
	if rep, err = Copy(ctx, file, dst, CopyOptions{Secret: testSecret}); err != nil || table(rep, "subscribers").Dest != 17 {
		t.Fatalf("second run: %+v, %v; want all 17 readers", table(rep, "subscribers"), err)
	}
}
