package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestSignupsCountWhatTheyChange signs up for courses in every state a
// reader and an enrollment can be in, one at a time and in groups that
// share a transaction, and after each step checks the tallies against a
// count of the rows. On PostgreSQL a signup counts the rows it adds
// itself and the triggers count what it changes (migration 0019): a row
// counted twice, or by neither, shows here.
func TestSignupsCountWhatTheyChange(t *testing.T) { stores(t, testSignupsCountWhatTheyChange) }

func testSignupsCountWhatTheyChange(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	sub := func(email, course string) int64 {
		t.Helper()
		s := signup(email, t0)
		s.Course = course
		res, err := db.Subscribe(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		checkTallies(t, db)
		return res.SubscriberID
	}
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		checkTallies(t, db)
	}

	// A new reader in a course, the same signup again, a second course,
	// and a reader with no course.
	sam := sub("sam@example.com", "c")
	sub("sam@example.com", "c")
	sub("sam@example.com", "d")
	sub("alone@example.com", "")

	// A course left, then signed up for again: the stopped enrollment
	// starts over.
	_, err := db.LeaveCourse(ctx, sam, "d", "", t0)
	step("leave a course", err)
	sub("sam@example.com", "d")

	// Confirmed and unsubscribed, then back: the reader and the stopped
	// enrollment both change, and a third course is added at once.
	kim := sub("kim@example.com", "c")
	_, err = db.Confirm(ctx, kim, "c", t0, t0)
	step("confirm", err)
	_, err = db.Unsubscribe(ctx, kim, 0, "", t0)
	step("unsubscribe", err)
	sub("kim@example.com", "c")
	sub("kim@example.com", "e")

	// A reader who finished a course signs up for it again.
	lee := sub("lee@example.com", "c")
	mustExec(t, db, "UPDATE enrollments SET status = 'completed', completed_at = 5 WHERE subscriber_id = ?", lee)
	sub("lee@example.com", "c")

	// Readers whose address bounced or complained, not on the suppression
	// list: kept, with no course added.
	for _, status := range []string{"bounced", "complained"} {
		id := sub(status+"@example.com", "c")
		mustExec(t, db, "UPDATE subscribers SET status = ? WHERE id = ?", status, id)
		checkTallies(t, db)
		sub(status+"@example.com", "d")
	}

	// An erased address is suppressed: signing it up writes nothing.
	gone := sub("gone@example.com", "c")
	step("erase", db.Erase(ctx, gone, t0))
	sub("gone@example.com", "c")

	// A replayed one-use value: nothing written either.
	s := signup("once@example.com", t0)
	s.Course = "c"
	s.OneUse = []OneUse{{Key: "s:stamp", Until: t0.Add(time.Hour)}}
	for range 2 {
		_, err := db.Subscribe(ctx, s)
		step("one-use signup", err)
	}

	// Many at once, so that groups share transactions: new readers,
	// the same address twice in a group, and the readers above again.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			email := fmt.Sprintf("crowd%d@example.com", i%40)
			if i%8 == 7 {
				email = []string{"sam@example.com", "kim@example.com", "lee@example.com", "bounced@example.com"}[i/8%4]
			}
			s := signup(email, t0)
			s.Course = []string{"c", "d", "e"}[i%3]
			if _, err := db.Subscribe(ctx, s); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkTallies(t, db)
}
