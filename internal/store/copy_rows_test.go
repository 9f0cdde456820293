package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Copy across runs: resuming, erasures, and the snapshot. The helpers are
// in copy_test.go.

func TestCopyResumesAfterInterruption(t *testing.T) {
	src, file, dst := copyPair(t)
	defer src.Close()
	for i := range 23 {
		active(t, src, fmt.Sprintf("r%d@example.com", i), t0) // a signup and a confirm event each
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
		if b["events"] == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted copy: %v, want context.Canceled", err)
	}
	var last int64
	if err := dst.r.QueryRow("SELECT last_id FROM migrate_progress WHERE tbl = 'events'").Scan(&last); err != nil || last != 15 {
		t.Fatalf("progress after 3 batches of 5 events: %d, %v; want 15", last, err)
	}
	// Meanwhile serve adds a reader (2 more events), erases one already
	// copied, and a copied reader unsubscribes: a changed row.
	active(t, src, "late@example.com", t0)
	if err := src.Erase(context.Background(), 2, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Unsubscribe(context.Background(), 1, 0, "", t0); err != nil {
		t.Fatal(err)
	}
	nop := func(map[string]int) {}
	rep, batches, err := run(context.Background(), nop)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, rep)
	// Events 1-15 were copied; 16-46 were not, and 3 came after (two for
	// the late reader, one for the unsubscribe): 34 to copy.
	if e := table(rep, "events"); e.After != 15 || e.Copied != 34 || e.Deleted != 2 || batches["events"] != 7 {
		t.Errorf("resumed events: %+v in %d batches; want 34 rows after id 15 in 7 batches, the erased reader's 2 deleted", e, batches["events"])
	}
	if s := table(rep, "subscribers"); s.After != 0 || s.Deleted != 1 {
		t.Errorf("subscribers on resume: %+v; want read again from the start, 1 deleted", s)
	}
	if sub, err := dst.Subscriber(context.Background(), 1); err != nil || sub.Status != drip.StatusUnsubscribed {
		t.Errorf("reader 1 after the resumed copy: %+v, %v; want the unsubscribe made in between", sub, err)
	}
	var gone bool
	if dst.r.QueryRow("SELECT to_regclass('migrate_progress') IS NULL").Scan(&gone); !gone {
		t.Error("a completed copy left its progress behind")
	}
	// After a completed run, the next one reads everything again.
	rep, batches, err = run(context.Background(), nop)
	if e := table(rep, "events"); err != nil || e.After != 0 || e.Copied != 47 || batches["events"] != 10 {
		t.Errorf("run after completion: %+v in %d batches, %v; want 47 rows from the start", e, batches["events"], err)
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

// TestCopyRefusesOnceInstancesRan: after the switch, a copy would delete
// the readers the PostgreSQL instances signed up.
func TestCopyRefusesOnceInstancesRan(t *testing.T) {
	ctx := context.Background()
	src, file, dst := copyPair(t)
	defer src.Close()
	active(t, src, "ann@example.com", t0)
	if _, err := Copy(ctx, file, dst, CopyOptions{Secret: testSecret}); err != nil {
		t.Fatal(err)
	}
	if _, err := dst.InitSetting(ctx, KeyInstancesStarted, "2026-12-01T09:00:00Z"); err != nil {
		t.Fatal(err)
	}
	res, err := dst.Subscribe(ctx, signup("new@example.com", t0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Copy(ctx, file, dst, CopyOptions{Secret: testSecret})
	if !errors.Is(err, drip.ErrInvalid) || !strings.Contains(err.Error(), "instances have run") {
		t.Fatalf("copy after instances ran: %v; want a refusal", err)
	}
	if _, err := dst.Subscriber(ctx, res.SubscriberID); err != nil {
		t.Fatalf("the refused copy lost the reader signed up on PostgreSQL: %v", err)
	}
}

// TestCopyRefusesASecondCopyAtOnce: two copies into one database would
// fight over its progress; the second is refused while the first runs.
func TestCopyRefusesASecondCopyAtOnce(t *testing.T) {
	ctx := context.Background()
	src, file, dst := copyPair(t)
	defer src.Close()
	active(t, src, "ann@example.com", t0)
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := dst.Exclusive(ctx, "migrate-store", func(context.Context) error {
			close(holding)
			<-release
			return nil
		})
		done <- err
	}()
	<-holding
	_, err := Copy(ctx, file, dst, CopyOptions{Secret: testSecret})
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err == nil || !strings.Contains(err.Error(), "another migrate-store") {
		t.Fatalf("copy while another runs: %v; want a refusal", err)
	}
	if _, err := Copy(ctx, file, dst, CopyOptions{Secret: testSecret}); err != nil {
		t.Fatalf("copy after the other finished: %v", err)
	}
}
