package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv(pgtest.Env) == "" {
		fmt.Println("store: the suite ran on SQLite only;", pgtest.SkipMessage)
	}
	os.Exit(code)
}

// stores runs test on each database the suite runs on, as the subtests
// sqlite and, when DRIP_TEST_POSTGRES names a server, postgres: both
// dialects pass the same tests, and the output says which one failed.
// Every test that opens the store under test runs through it.
func stores(t *testing.T, test func(t *testing.T)) {
	t.Run("sqlite", test)
	if os.Getenv(pgtest.Env) != "" {
		t.Run("postgres", test)
	}
}

// storeOf names the database t runs on: the subtest of stores it is in
// ("sqlite" or "postgres"), or "" outside stores.
func storeOf(t testing.TB) string {
	if parts := strings.Split(t.Name(), "/"); len(parts) > 1 && (parts[1] == "sqlite" || parts[1] == "postgres") {
		return parts[1]
	}
	return ""
}

// onPostgres reports whether t runs in the postgres subtest of stores.
func onPostgres(t testing.TB) bool { return storeOf(t) == "postgres" }

// sqliteOnly skips a test of SQLite's own machinery on PostgreSQL.
func sqliteOnly(t testing.TB) {
	t.Helper()
	if onPostgres(t) {
		t.Skip("tests SQLite itself")
	}
}

// postgresOnly skips a test of what only PostgreSQL's concurrency allows.
func postgresOnly(t testing.TB, why string) {
	t.Helper()
	if !onPostgres(t) {
		t.Skip(why)
	}
}

func open(t testing.TB) *DB {
	t.Helper()
	return openAt(t, testTarget(t))
}

// testTarget names a fresh, empty database of the dialect under test. A
// benchmark runs on SQLite; a test must run through stores, or it would
// silently pass on one database only.
func testTarget(t testing.TB) string {
	t.Helper()
	if _, ok := t.(*testing.T); ok && storeOf(t) == "" {
		t.Fatalf("%s opens the store under test outside stores(t, ...): run it through stores, so that it runs on both databases", t.Name())
	}
	if onPostgres(t) {
		return pgtest.Fresh(t)
	}
	return filepath.Join(t.TempDir(), "test.db")
}

// openAt opens target for the rest of the test; a second handle on one
// target stands for a second instance.
func openAt(t testing.TB, target string) *DB {
	t.Helper()
	db, err := Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if tt, ok := t.(*testing.T); ok {
		// Registered after Close, so it runs before it.
		t.Cleanup(func() {
			if !tt.Failed() {
				checkTallies(tt, db)
			}
		})
	}
	return db
}

func signup(email string, at time.Time) Signup {
	return Signup{Email: email, Name: "Sam", Timezone: "Europe/London", At: at, MaxConfirmations: 3, ConfirmWindow: 24 * time.Hour}
}

// active signs up and confirms a reader with the first lesson due at due.
func active(t testing.TB, db *DB, email string, due time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	res, err := db.Subscribe(ctx, signup(email, t0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Confirm(ctx, res.SubscriberID, "course", due, t0); err != nil {
		t.Fatal(err)
	}
	return res.SubscriberID
}

// claimOne makes an active reader whose first lesson is due at at, and
// claims it as slug with a minute's lease.
func claimOne(t testing.TB, db *DB, email string, at time.Time, slug string) (int64, Job) {
	t.Helper()
	id := active(t, db, email, at)
	jobs, err := db.ClaimDue(context.Background(), at, time.Minute, 10, pickFirst(slug))
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	return id, jobs[0]
}

func TestSubscribeStates(t *testing.T) {
	stores(t, testSubscribeStates)
}

func testSubscribeStates(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	res, err := db.Subscribe(ctx, signup("Sam@Example.com", t0))
	if err != nil || !res.Created || !res.Queued {
		t.Fatalf("new address: %+v, %v; want created and queued", res, err)
	}
	again, err := db.Subscribe(ctx, signup("sam@example.COM", t0.Add(time.Minute)))
	if err != nil || again.Created || again.SubscriberID != res.SubscriberID || !again.Queued {
		t.Fatalf("same address in another case: %+v, %v; want the same pending reader, queued again", again, err)
	}
	if _, err := db.Confirm(ctx, res.SubscriberID, "course", t0, t0); err != nil {
		t.Fatal(err)
	}
	act, err := db.Subscribe(ctx, signup("sam@example.com", t0))
	if err != nil || act.Queued {
		t.Fatalf("active reader signing up again: %+v, %v; want nothing queued", act, err)
	}
	if _, err := db.Unsubscribe(ctx, res.SubscriberID, 0, "link", t0); err != nil {
		t.Fatal(err)
	}
	back, err := db.Subscribe(ctx, signup("sam@example.com", t0.Add(48*time.Hour)))
	if err != nil || !back.Queued {
		t.Fatalf("signing up after unsubscribing: %+v, %v; want a fresh confirmation", back, err)
	}
	if s, _ := db.Subscriber(ctx, res.SubscriberID); s.Status != drip.StatusPending {
		t.Fatalf("after signing up again the reader is %s, want pending (double opt-in again)", s.Status)
	}
}

func TestConfirmationCap(t *testing.T) {
	stores(t, testConfirmationCap)
}

func testConfirmationCap(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	queued := 0
	for i := range 10 {
		res, err := db.Subscribe(ctx, signup("victim@example.com", t0.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		if res.Queued {
			queued++
		}
	}
	if queued != 3 {
		t.Fatalf("%d confirmations queued in 10 minutes, want 3", queued)
	}
	res, _ := db.Subscribe(ctx, signup("victim@example.com", t0.Add(25*time.Hour)))
	if !res.Queued {
		t.Fatal("a day later a new confirmation should be allowed")
	}
}

func TestSuppressedAddressNeverQueued(t *testing.T) {
	stores(t, testSuppressedAddressNeverQueued)
}

func testSuppressedAddressNeverQueued(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id := active(t, db, "gone@example.com", t0)
	if err := db.MarkBounced(ctx, id, "550 5.1.1", t0); err != nil {
		t.Fatal(err)
	}
	res, err := db.Subscribe(ctx, signup("gone@example.com", t0.Add(time.Hour)))
	if err != nil || res.Queued || !res.Suppressed {
		t.Fatalf("bounced address: %+v, %v; want suppressed, nothing queued", res, err)
	}
}

func pickFirst(slug string) func(Due) Pick {
	return func(d Due) Pick { return Pick{Slug: slug, MessageID: "m" + slug + "@example.com"} }
}

func TestClaimLeaseAndRecord(t *testing.T) {
	stores(t, testClaimLeaseAndRecord)
}

func testClaimLeaseAndRecord(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id := active(t, db, "a@example.com", t0)
	jobs, err := db.ClaimDue(ctx, t0, 10*time.Minute, 10, pickFirst("one"))
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %v jobs, %v", len(jobs), err)
	}
	if again, _ := db.ClaimDue(ctx, t0, 10*time.Minute, 10, pickFirst("one")); len(again) != 0 {
		t.Fatal("a leased reader was claimed twice")
	}
	// The sender dies; after the lease the same delivery comes back with
	// the same Message-ID.
	later := t0.Add(11 * time.Minute)
	re, err := db.ClaimDue(ctx, later, 10*time.Minute, 10, func(d Due) Pick {
		if len(d.Received) != 1 || d.Received[0].Status != drip.DeliverySending {
			t.Errorf("reclaimed reader's received: %+v, want the in-flight delivery", d.Received)
		}
		return Pick{Slug: "one", MessageID: "different@example.com"}
	})
	if err != nil || len(re) != 1 || re[0].DeliveryID != jobs[0].DeliveryID || re[0].MessageID != jobs[0].MessageID {
		t.Fatalf("reclaim: %+v, %v; want the same delivery and Message-ID", re, err)
	}
	next := later.Add(48 * time.Hour)
	err = db.Record(ctx, Outcome{DeliveryID: re[0].DeliveryID, EnrollmentID: re[0].Enrollment.ID, SubscriberID: id,
		Slug: "one", Result: drip.DeliverySent, Reply: Reply{Code: 250, Text: "OK"}, At: later, NextDue: next})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := db.Enrollment(ctx, id, "course")
	if e.LastSlug != "one" || !e.NextDueAt.Equal(next) {
		t.Fatalf("enrollment after send: %+v", e)
	}
	if jobs, _ := db.ClaimDue(ctx, next.Add(-time.Second), time.Minute, 10, pickFirst("two")); len(jobs) != 0 {
		t.Fatal("claimed before the next lesson was due")
	}
}

func TestUnsubscribeStopsClaims(t *testing.T) {
	stores(t, testUnsubscribeStopsClaims)
}

func testUnsubscribeStopsClaims(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id := active(t, db, "a@example.com", t0)
	if changed, err := db.Unsubscribe(ctx, id, 0, "link", t0); err != nil || !changed {
		t.Fatalf("unsubscribe: %v %v", changed, err)
	}
	if changed, _ := db.Unsubscribe(ctx, id, 0, "link", t0); changed {
		t.Fatal("a second unsubscribe reported a change")
	}
	if jobs, _ := db.ClaimDue(ctx, t0.Add(time.Hour), time.Minute, 10, pickFirst("one")); len(jobs) != 0 {
		t.Fatal("an unsubscribed reader's due lesson was claimed")
	}
}

func TestBounceSuppresses(t *testing.T) {
	stores(t, testBounceSuppresses)
}

func testBounceSuppresses(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id := active(t, db, "a@example.com", t0)
	jobs, _ := db.ClaimDue(ctx, t0, time.Minute, 10, pickFirst("one"))
	err := db.Record(ctx, Outcome{DeliveryID: jobs[0].DeliveryID, EnrollmentID: jobs[0].Enrollment.ID, SubscriberID: id,
		Slug: "one", Result: drip.DeliveryFailed, Reply: Reply{Code: 550, Enhanced: "5.1.1", Text: "no such user"},
		At: t0, NextDue: t0.Add(time.Hour), Bounce: true})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := db.Subscriber(ctx, id); s.Status != drip.StatusBounced {
		t.Fatalf("reader is %s after 5.1.1, want bounced", s.Status)
	}
	if jobs, _ := db.ClaimDue(ctx, t0.Add(2*time.Hour), time.Minute, 10, pickFirst("two")); len(jobs) != 0 {
		t.Fatal("a bounced reader was claimed")
	}
}

func TestMigrationRefusesNewerSchema(t *testing.T) {
	stores(t, testMigrationRefusesNewerSchema)
}

func testMigrationRefusesNewerSchema(t *testing.T) {
	target := filepath.Join(t.TempDir(), "x.db")
	if onPostgres(t) {
		target = pgtest.Fresh(t)
	}
	db, err := Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.tx(context.Background(), func(tx *sql.Tx) error { return db.setSchemaVersion(context.Background(), tx, 999) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(context.Background(), target)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("opening a newer schema: %v", err)
	}
}

func TestSubscriberNotFound(t *testing.T) {
	stores(t, testSubscriberNotFound)
}

func testSubscriberNotFound(t *testing.T) {
	if _, err := open(t).Subscriber(context.Background(), 42); !errors.Is(err, drip.ErrNotFound) {
		t.Fatalf("err %v, want ErrNotFound", err)
	}
}

func TestOperatorUnsubscribeIsFinal(t *testing.T) {
	stores(t, testOperatorUnsubscribeIsFinal)
}

func testOperatorUnsubscribeIsFinal(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	id := active(t, db, "a@example.com", t0)
	ev, _ := db.Leave(ctx, id, 0, "operator", t0)
	if _, err := db.Resubscribe(ctx, id, ev, at(t0), t0); !errors.Is(err, drip.ErrConflict) {
		t.Fatalf("undo after an operator's unsubscribe: %v, want refused", err)
	}
	id2 := active(t, db, "b@example.com", t0)
	ev2, _ := db.Leave(ctx, id2, 0, "link", t0)
	if changed, err := db.Resubscribe(ctx, id2, ev2, at(t0), t0); err != nil || !changed {
		t.Fatalf("a reader's own undo: %v %v", changed, err)
	}
}

func TestDatabaseFilesArePrivate(t *testing.T) { stores(t, testDatabaseFilesArePrivate) }

func testDatabaseFilesArePrivate(t *testing.T) {
	sqliteOnly(t)
	db := open(t)
	active(t, db, "mode@example.org", time.Unix(1e9, 0))
	backup := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	files := []string{db.path, db.path + "-wal", db.path + "-shm", backup}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(f), mode)
		}
	}
}

// at is a Resubscribe schedule that puts every course's next lesson at t.
func at(t time.Time) func(string) time.Time { return func(string) time.Time { return t } }
