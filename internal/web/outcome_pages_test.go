package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// A confirm link used a second time says the address was confirmed
// before, and does not promise a first lesson again.
func TestConfirmLinkUsedTwice(t *testing.T) {
	f := newFixture(t)
	f.do("POST", "/subscribe", f.form("sam@example.com", 5*time.Second))
	sub, _ := f.db.SubscriberByEmail(context.Background(), "sam@example.com")
	path := f.srv.Links.Path(token.Confirm, sub.ID, 0, f.clock.Now())
	const promise = "first lesson"
	if res, page := f.do("POST", path, nil); res.StatusCode != 200 || !strings.Contains(page, promise) {
		t.Fatalf("first confirmation: %d, or the page does not announce the first lesson", res.StatusCode)
	}
	for _, method := range []string{"POST", "GET"} {
		res, page := f.do(method, path, nil)
		if res.StatusCode != 200 || strings.Contains(page, promise) || !strings.Contains(page, "Already confirmed") {
			t.Errorf("%s on a used confirm link: %d; want 200, \"Already confirmed\" and no first lesson on its way", method, res.StatusCode)
		}
	}
}

// finish gives a reader their last lesson.
func (f *fixture) finish(sub int64) {
	f.t.Helper()
	ctx := context.Background()
	f.clock.Advance(25 * time.Hour)
	jobs, err := f.db.ClaimDue(ctx, f.clock.Now(), time.Minute, 10, func(d store.Due) store.Pick {
		return store.Pick{Slug: "last", MessageID: "last@example.test"}
	})
	if err != nil || len(jobs) != 1 {
		f.t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	j := jobs[0]
	err = f.db.Record(ctx, store.Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: sub,
		Slug: "last", Result: drip.DeliverySent, At: f.clock.Now(), Complete: true})
	if err != nil {
		f.t.Fatal(err)
	}
}

// A finished reader's old "next lesson" and "pause" links say the course
// is complete, on the page and after the button.
func TestFinishedReaderOldPacingLinks(t *testing.T) {
	f := newFixture(t)
	a, del := f.reader("a@example.com")
	f.finish(a)
	for _, p := range []token.Purpose{token.Next, token.Pause} {
		path := f.srv.Links.Path(p, a, del, f.clock.Now())
		for _, method := range []string{"GET", "POST"} {
			res, page := f.do(method, path, nil)
			if res.StatusCode != 200 || !strings.Contains(page, "finished the course") || strings.Contains(page, "<button") {
				t.Errorf("%s %s for a finished reader: %d; want a page saying the course is complete, with no button", method, p, res.StatusCode)
			}
		}
	}
}
