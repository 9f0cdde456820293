package store

import (
	"context"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// logGone takes the outcome log away (gone) or gives it back, so that
// logging an outcome fails as it would on a broken database.
func logGone(t *testing.T, db *DB, gone bool) {
	t.Helper()
	q := "ALTER TABLE outcome_log RENAME TO outcome_log_away"
	if !gone {
		q = "ALTER TABLE outcome_log_away RENAME TO outcome_log"
	}
	if _, err := db.w.ExecContext(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

// logged counts the rows waiting in the outcome log.
func logged(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.r.QueryRow("SELECT count(*) FROM outcome_log").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOutcomeLogDropsOnlyTheBadRow: an outcome in the log that cannot be
// applied (its delivery does not exist) is dropped, and the outcomes
// logged with it are applied.
func TestOutcomeLogDropsOnlyTheBadRow(t *testing.T) { stores(t, testOutcomeLogDropsOnlyTheBadRow) }

func testOutcomeLogDropsOnlyTheBadRow(t *testing.T) {
	postgresOnly(t, "SQLite keeps its outcomes in its journal")
	ctx := context.Background()
	db, outs := claimedAt(t, open(t), 3)
	bad := outs[0]
	bad.DeliveryID = -1 // its attempt row is refused
	if err := db.logOutcomes(ctx, []Outcome{outs[1], bad, outs[2]}); err != nil {
		t.Fatal(err)
	}
	n, err := db.ApplyOutcomeLog(ctx)
	if err != nil || n != 3 {
		t.Fatalf("apply: %d rows, %v; want 3 taken, no error", n, err)
	}
	wantRecordedOnce(t, db, outs[1:])
	if left := logged(t, db); left != 0 {
		t.Fatalf("%d rows left in the outcome log, want 0", left)
	}
}

// TestClaimSkipsAnOutcomeStillLogged: a reader whose outcome is in the
// log but not yet applied is not claimed again, even once the lease has
// ended (the delivery row still says it is being sent, which a claim
// would take for a send cut short and send again); once it is applied,
// the reader's next lesson comes due as usual.
func TestClaimSkipsAnOutcomeStillLogged(t *testing.T) { stores(t, testClaimSkipsAnOutcomeStillLogged) }

func testClaimSkipsAnOutcomeStillLogged(t *testing.T) {
	postgresOnly(t, "SQLite keeps its outcomes in its journal")
	ctx := context.Background()
	db, outs := claimedAt(t, open(t), 2)
	outs[0].NextDue = t0.Add(2 * time.Hour)
	if err := db.logOutcomes(ctx, outs[:1]); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(3 * time.Hour) // past the claim's lease and the next due time
	jobs, err := db.ClaimDue(ctx, later, time.Hour, 10, pickFirst("one"))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Enrollment.ID == outs[0].EnrollmentID {
			t.Fatalf("a reader whose outcome is still in the log was claimed again: %+v", j)
		}
	}
	if len(jobs) != 1 || jobs[0].Enrollment.ID != outs[1].EnrollmentID {
		t.Fatalf("claimed %d jobs, want the other reader's send cut short: %+v", len(jobs), jobs)
	}
	if _, err := db.ApplyOutcomeLog(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := db.Delivery(ctx, outs[0].DeliveryID, outs[0].SubscriberID)
	if err != nil || d.Status != drip.DeliverySent {
		t.Fatalf("delivery after the log was applied: %+v, %v; want sent", d, err)
	}
	jobs, err = db.ClaimDue(ctx, later, time.Hour, 10, pickFirst("two"))
	if err != nil || len(jobs) != 1 || jobs[0].Enrollment.ID != outs[0].EnrollmentID || jobs[0].Slug != "two" {
		t.Fatalf("claim after the log was applied: %+v, %v; want the reader's next lesson", jobs, err)
	}
}
