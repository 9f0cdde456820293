package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

const testSecret = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7"

// copyPair opens a SQLite store in a file, which the caller closes, and a
// fresh PostgreSQL one. The copy needs both, so its tests run once, not
// through stores.
func copyPair(t testing.TB) (src *DB, file string, dst *DB) {
	t.Helper()
	url := pgtest.Fresh(t)
	ctx := context.Background()
	file = filepath.Join(t.TempDir(), "dripcourse.db")
	src, err := Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	if dst, err = Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dst.Close() })
	return src, file, dst
}

// sendAll claims every enrollment due at at and records result for each.
func sendAll(t testing.TB, db *DB, slug string, at time.Time, result drip.DeliveryStatus, next time.Time) {
	t.Helper()
	ctx := context.Background()
	jobs, err := db.ClaimDue(ctx, at, time.Minute, 100, pickFirst(slug))
	if err != nil || len(jobs) == 0 {
		t.Fatalf("claim %s: %d jobs, %v", slug, len(jobs), err)
	}
	for _, j := range jobs {
		if err := db.Record(ctx, Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
			Slug: slug, Result: result, Reply: Reply{Code: 451, Enhanced: "4.7.1", Text: "later"}, At: at, NextDue: next}); err != nil {
			t.Fatal(err)
		}
	}
}

// populate gives every copied table rows: readers in each state, lessons
// sent and retried, opens, an erased reader (the newest, so the id
// sequence is ahead of every id left) and admin settings. It returns the
// erased reader's id.
func populate(t testing.TB, db *DB) int64 {
	t.Helper()
	ctx := context.Background()
	a := active(t, db, "ann@example.com", t0)
	active(t, db, "bob@example.com", t0)
	if _, err := db.Subscribe(ctx, signup("pending@example.com", t0)); err != nil {
		t.Fatal(err)
	}
	d := active(t, db, "dan@example.com", t0.Add(time.Hour))
	if _, err := db.Unsubscribe(ctx, d, 0, "link", t0); err != nil {
		t.Fatal(err)
	}
	gone := active(t, db, "gone@example.com", t0)
	hooks := populateHooks(t, db)
	sendAll(t, db, "one", t0, drip.DeliverySent, t0.Add(24*time.Hour))
	claimed, err := hooks.Claim(ctx, webhook.Claim{Now: t0.Add(time.Hour), Lease: time.Minute, PerEndpoint: 10, Limit: 10})
	if err != nil || len(claimed) < 2 {
		t.Fatalf("claim webhook deliveries: %d, %v", len(claimed), err)
	}
	for _, c := range claimed {
		if _, err := hooks.Record(ctx, webhook.Outcome{Attempt: webhook.Attempt{EventID: c.EventID, EndpointID: c.EndpointID,
			Number: c.Attempt, At: t0.Add(time.Hour), Status: 204}, State: webhook.Delivered}); err != nil {
			t.Fatal(err)
		}
	}
	sendAll(t, db, "two", t0.Add(24*time.Hour), drip.DeliveryRetry, t0.Add(25*time.Hour))
	if _, err := db.RecordReport(ctx, ReportIn{Key: "populate", Source: "dsn", Recipient: "bob@example.com", Kind: ReportSoft,
		Status: "4.2.2", Action: "failed", ReceivedAt: t0}, 5); err != nil {
		t.Fatal(err)
	}
	// An open a day old, rolled up into the daily counts, then two kept.
	if err := db.RecordEvent(ctx, drip.Event{SubscriberID: a, DeliveryID: 1, Kind: drip.EventOpen, At: t0.Add(-24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []drip.EventKind{drip.EventOpen, drip.EventClick} {
		if err := db.RecordEvent(ctx, drip.Event{SubscriberID: a, DeliveryID: 1, Kind: k, At: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(time.Hour)
	sumAll(t, db, &now) // a rollup folds only the events summed
	if n, _, err := db.RollUpEvents(ctx, t0, time.Minute); err != nil || n != 1 {
		t.Fatalf("rollup: %d folded, %v; want the old open", n, err)
	}
	if err := db.Erase(ctx, gone, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.SetAdminPassword(ctx, "hash"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAdminSession(ctx, "session", t0.Add(time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	populateContent(t, db)
	return gone
}

// populateHooks adds an API key, and a webhook endpoint for lesson.sent.
func populateHooks(t testing.TB, db *DB) *Webhooks {
	t.Helper()
	ctx := context.Background()
	if _, err := db.CreateAPIKey(ctx, "shop", "prefix1", "hash", []string{"subscribers:read"}, t0); err != nil {
		t.Fatal(err)
	}
	hooks := db.Webhooks(testSealer(t))
	if _, err := hooks.AddEndpoint(ctx, "https://hooks.example/x", webhook.NewSecret(), []string{webhook.LessonSent}); err != nil {
		t.Fatal(err)
	}
	return hooks
}

// dump returns a table's rows, formatted and sorted, to compare databases.
func dump(t testing.TB, db *DB, table string) []string {
	t.Helper()
	rows, err := db.r.QueryContext(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%#v", vals))
	}
	sort.Strings(out)
	return out
}

func checkCounts(t testing.TB, rep CopyReport) {
	t.Helper()
	for _, tc := range rep.Tables {
		if tc.Source != tc.Dest {
			t.Errorf("%s: %d rows in the source, %d in the destination", tc.Table, tc.Source, tc.Dest)
		}
	}
}

func table(rep CopyReport, name string) TableCopy {
	for _, tc := range rep.Tables {
		if tc.Table == name {
			return tc
		}
	}
	return TableCopy{}
}

func fileHash(t testing.TB, file string) [32]byte {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestCopyKeepsRowsAndIDs(t *testing.T) {
	ctx := context.Background()
	src, file, dst := copyPair(t)
	erased := populate(t, src)
	src.Close()
	before := fileHash(t, file)
	if _, err := dst.InitSetting(ctx, KeySigningSecret, "stale"); err != nil {
		t.Fatal(err)
	}
	rep, err := Copy(ctx, file, dst, CopyOptions{Secret: testSecret, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, rep)
	if fileHash(t, file) != before {
		t.Error("the copy changed the SQLite file")
	}
	src, err = Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, ct := range copyTables {
		want, got := dump(t, src, ct.name), dump(t, dst, ct.name)
		if ct.name == "settings" {
			want = append(want, fmt.Sprintf("%#v", []any{KeySigningSecret, testSecret}))
			sort.Strings(want)
		}
		if len(want) == 0 || fmt.Sprint(want) != fmt.Sprint(got) {
			t.Errorf("%s differs:\nsqlite   %q\npostgres %q", ct.name, want, got)
		}
	}
	if v, _, _ := dst.Setting(ctx, KeySigningSecret); v != testSecret {
		t.Errorf("signing secret in PostgreSQL %q, want the secret file's", v)
	}
	sameFigures(t, src, dst)
	res, err := dst.Subscribe(ctx, signup("new@example.com", t0))
	if err != nil || res.SubscriberID <= erased {
		t.Fatalf("new reader on PostgreSQL: id %d, %v; want more than %d, the erased reader's", res.SubscriberID, err, erased)
	}
}

func TestCopyRefuses(t *testing.T) {
	stores(t, testCopyRefuses)
}

func testCopyRefuses(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	dir := t.TempDir()
	db, file := open(t), filepath.Join(dir, "dripcourse.db")
	os.WriteFile(filepath.Join(dir, "empty.db"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "text.db"), []byte("not a database, not at all, no"), 0o644)
	src, _ := Open(ctx, file)
	src.Close()
	for _, tc := range []struct {
		name, file, secret string
		want               error
	}{
		{"no secret", file, "", drip.ErrInvalid},
		{"missing file", filepath.Join(dir, "nope.db"), testSecret, fs.ErrNotExist},
		{"empty file", filepath.Join(dir, "empty.db"), testSecret, drip.ErrInvalid},
		{"not SQLite", filepath.Join(dir, "text.db"), testSecret, nil},
		{"SQLite destination", file, testSecret, drip.ErrInvalid},
	} {
		_, err := Copy(ctx, tc.file, db, CopyOptions{Secret: tc.secret})
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// BenchmarkCopy copies 25,000 readers and their enrollments (50,000 rows);
// with -benchtime 1x it measures a first copy, after that re-runs.
func BenchmarkCopy(b *testing.B) {
	ctx := context.Background()
	src, file, dst := copyPair(b)
	if err := src.SeedDue(ctx, "course", 25000, t0, func(i int) string { return fmt.Sprintf("r%d@example.com", i) }); err != nil {
		b.Fatal(err)
	}
	src.Close()
	for b.Loop() {
		if _, err := Copy(ctx, file, dst, CopyOptions{Secret: testSecret}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(50000*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// sameFigures fails t unless the copy's per-lesson figures are the
// source's, with its counts started again and once summed: the open the
// source rolled up counts once, its later one not again.
func sameFigures(t *testing.T, src, dst *DB) {
	t.Helper()
	ctx := context.Background()
	want, err := src.lessonStats(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if l := want["one"]; l == nil || l.HumanOpens != 1 || l.HumanClicks != 1 {
		t.Fatalf("the source's figures %s: want lesson one opened and clicked once", show(want))
	}
	now := t0.Add(48 * time.Hour)
	for _, when := range []string{"copied", "summed"} {
		got, err := dst.lessonStats(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the figures in PostgreSQL differ:\n sqlite   %s\n postgres %s", when, show(want), show(got))
		}
		sumAll(t, dst, &now)
	}
}
