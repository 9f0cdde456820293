package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A signup's one-use values are spent in its transaction: the same value
// again, with any address, does nothing and says so.
func TestSignupOneUseSpentOnce(t *testing.T) { stores(t, testSignupOneUseSpentOnce) }

func testSignupOneUseSpentOnce(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	uses := []OneUse{{Key: "c:solution", Until: t0.Add(10 * time.Minute)}, {Key: "s:stamp", Until: t0.Add(time.Hour)}}
	s := signup("first@example.org", t0)
	s.OneUse = uses
	if res, err := db.Subscribe(ctx, s); err != nil || !res.Queued || res.Replayed {
		t.Fatalf("first use: %+v %v; want queued", res, err)
	}
	s = signup("second@example.org", t0.Add(time.Minute))
	s.OneUse = uses[1:]
	res, err := db.Subscribe(ctx, s)
	if err != nil || !res.Replayed || res.Queued || res.Created {
		t.Fatalf("replayed stamp: %+v %v; want replayed and nothing done", res, err)
	}
	if _, err := db.SubscriberByEmail(ctx, "second@example.org"); err == nil {
		t.Error("a replayed signup added its reader")
	}
	// Past its expiry the record is taken over (the web layer refuses an
	// expired value before it gets here).
	s.At = t0.Add(2 * time.Hour)
	s.OneUse = []OneUse{{Key: "s:stamp", Until: t0.Add(3 * time.Hour)}}
	if res, err := db.Subscribe(ctx, s); err != nil || res.Replayed {
		t.Fatalf("after the record expired: %+v %v", res, err)
	}
}

// The Spender refuses a key spent through another handle on the database
// (another instance, on PostgreSQL), and housekeeping deletes expired keys.
func TestSpenderSharedAndSwept(t *testing.T) { stores(t, testSpenderSharedAndSwept) }

func testSpenderSharedAndSwept(t *testing.T) {
	ctx := context.Background()
	target := testTarget(t)
	n := 1
	if onPostgres(t) {
		n = 2
	}
	dbs := openInstances(t, target, n)
	now := t0
	clock := func() time.Time { return now }
	first, last := dbs[0].Spender(clock), dbs[n-1].Spender(clock)
	for i := range 3 {
		key := fmt.Sprintf("c:%d", i)
		if fresh, err := first.Spend(ctx, key, t0.Add(time.Duration(i+1)*time.Minute)); err != nil || !fresh {
			t.Fatalf("spend %s: %v %v", key, fresh, err)
		}
		// A replay carries the expiry signed into the value.
		if fresh, err := last.Spend(ctx, key, t0.Add(time.Duration(i+1)*time.Minute)); err != nil || fresh {
			t.Fatalf("%s spent again on instance %d: fresh %v, %v", key, n, fresh, err)
		}
	}
	swept, err := dbs[0].Housekeep(ctx, t0.Add(150*time.Second), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if swept.OneUse != 2 {
		t.Errorf("housekeeping deleted %d expired keys, want 2", swept.OneUse)
	}
	var left int
	if err := dbs[0].r.QueryRowContext(ctx, "SELECT count(*) FROM used_once").Scan(&left); err != nil || left != 1 {
		t.Errorf("%d keys left (%v), want 1", left, err)
	}
}

// The hourly cap counts the confirmations the form queued, not those an
// import queued: a large import leaves the form open.
func TestHourlyCapIgnoresImports(t *testing.T) { stores(t, testHourlyCapIgnoresImports) }

func testHourlyCapIgnoresImports(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	var ins []Import
	for i := range 5 {
		ins = append(ins, Import{Email: fmt.Sprintf("imported%d@example.org", i), Timezone: "UTC", At: t0})
	}
	if _, err := db.ImportReaders(ctx, ins); err != nil {
		t.Fatal(err)
	}
	var queued int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM confirmations").Scan(&queued); err != nil || queued != 5 {
		t.Fatalf("the import queued %d confirmations (%v), want 5", queued, err)
	}
	for i, want := range []bool{true, true, false} {
		s := signup(fmt.Sprintf("form%d@example.org", i), t0.Add(time.Duration(i)*time.Second))
		s.MaxPerHour = 2
		res, err := db.Subscribe(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if res.Queued != want || res.Held == want {
			t.Errorf("form signup %d under a cap of 2 after an import of 5: %+v; want queued %v", i+1, res, want)
		}
	}
	swept, err := db.Housekeep(ctx, t0.Add(3*time.Hour), time.Minute)
	if err != nil || swept.FormConfirms != 2 {
		t.Errorf("housekeeping deleted %d form confirmations (%v), want 2", swept.FormConfirms, err)
	}
}
