package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

func TestFaultsAreUnavailableAndLeaveNothingHalfWritten(t *testing.T) {
	stores(t, testFaultsAreUnavailableAndLeaveNothingHalfWritten)
}

func testFaultsAreUnavailableAndLeaveNothingHalfWritten(t *testing.T) {
	sqliteOnly(t)
	for name, fault := range map[string]Fault{"read-only": ReadOnly, "disk full": DiskFull} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			active(t, db, "before@example.com", t0)
			if fault == DiskFull {
				// Fill the file so the next writes need new pages.
				for i := range 200 {
					db.Subscribe(ctx, signup(fmt.Sprintf("filler%d@example.com", i), t0))
				}
			}
			if err := db.InjectFault(ctx, fault); err != nil {
				t.Fatal(err)
			}
			var err error
			var failed string
			for i := range 50 { // enough rows to need a new page
				failed = fmt.Sprintf("during%d@example.com", i)
				if _, err = db.Subscribe(ctx, signup(failed, t0)); err != nil {
					break
				}
			}
			if !errors.Is(err, drip.ErrUnavailable) {
				t.Fatalf("signup during the fault: %v, want ErrUnavailable", err)
			}
			if _, err := db.ClaimDue(ctx, t0.Add(time.Hour), time.Minute, 10, pickFirst("one")); fault == ReadOnly && !errors.Is(err, drip.ErrUnavailable) {
				t.Fatalf("claim on a read-only database: %v, want ErrUnavailable", err)
			}
			if err := db.InjectFault(ctx, NoFault); err != nil {
				t.Fatal(err)
			}
			counts, _ := db.ReaderCounts(ctx)
			if _, err := db.SubscriberByEmail(ctx, failed); !errors.Is(err, drip.ErrNotFound) {
				t.Fatalf("the signup that failed left a reader behind: %v", err)
			}
			if _, err := db.SubscriberByEmail(ctx, "before@example.com"); err != nil {
				t.Fatalf("a reader from before the fault is gone: %v", err)
			}
			res, err := db.Subscribe(ctx, signup("after@example.com", t0))
			if err != nil || !res.Queued {
				t.Fatalf("after the fault: %+v, %v", res, err)
			}
			if _, err := db.ClaimDue(ctx, t0.Add(2*time.Hour), time.Minute, 10, pickFirst("one")); err != nil {
				t.Fatalf("claiming after the fault: %v", err)
			}
			t.Logf("readers after the fault: %v", counts)
		})
	}
}
