package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

func (f *fixture) due(sub int64) time.Time {
	e, err := f.db.Enrollment(context.Background(), sub, "rebuilding-trust")
	if err != nil {
		f.t.Fatal(err)
	}
	return e.NextDueAt
}

func TestNextLessonNow(t *testing.T) {
	f := newFixture(t)
	a, del := f.reader("a@example.com")
	path := f.srv.Links.Path(token.Next, a, del, f.clock.Now())
	before := f.due(a)
	if res, page := f.do("GET", path, nil); res.StatusCode != 200 || !strings.Contains(page, `method="post"`) || !f.due(a).Equal(before) {
		t.Fatalf("GET must only show the button: %d", res.StatusCode)
	}
	f.clock.Advance(time.Hour)
	pressed := f.clock.Now()
	for i := range 2 {
		if res, _ := f.do("POST", path, nil); res.StatusCode != 200 {
			t.Fatalf("POST %d: %d", i+1, res.StatusCode)
		}
		if !f.due(a).Equal(pressed) {
			t.Fatalf("after POST %d the next lesson is due %s, want %s: due at once, and a second press changes nothing", i+1, f.due(a), pressed)
		}
		f.clock.Advance(time.Minute)
	}
}

func TestPauseForAWeek(t *testing.T) {
	f := newFixture(t)
	a, del := f.reader("a@example.com")
	path := f.srv.Links.Path(token.Pause, a, del, f.clock.Now())
	before := f.due(a)
	for i := range 2 {
		if res, _ := f.do("POST", path, nil); res.StatusCode != 200 {
			t.Fatalf("POST %d: %d", i+1, res.StatusCode)
		}
		if want := before.Add(PauseLength); !f.due(a).Equal(want) {
			t.Fatalf("after POST %d due %s, want %s (one week later, once)", i+1, f.due(a), want)
		}
	}
}

func TestPacingRefusedWhenNotRunning(t *testing.T) {
	for _, p := range []token.Purpose{token.Next, token.Pause} {
		t.Run(p.String(), func(t *testing.T) {
			f := newFixture(t)
			a, del := f.reader("a@example.com")
			if _, err := f.db.Unsubscribe(context.Background(), a, del, "link", f.clock.Now()); err != nil {
				t.Fatal(err)
			}
			before := f.state(a)
			res, _ := f.do("POST", f.srv.Links.Path(p, a, del, f.clock.Now()), nil)
			if res.StatusCode != http.StatusConflict || f.state(a) != before || f.status("a@example.com") != drip.StatusUnsubscribed {
				t.Fatalf("for an unsubscribed reader: %d, state %q -> %q; want 409 and no change", res.StatusCode, before, f.state(a))
			}
		})
	}
}

// While a lesson is being sent its due time is its lease, and moving it
// could send it twice: the reader is told to try again, and once the
// lesson's outcome is in, the pause goes through.
func TestPacingWhileALessonIsInFlight(t *testing.T) {
	f := newFixture(t)
	a, del := f.reader("a@example.com")
	f.clock.Advance(24 * time.Hour)
	jobs, err := f.db.ClaimDue(context.Background(), f.clock.Now(), time.Minute, 10, func(store.Due) store.Pick {
		return store.Pick{Slug: "why-trust-breaks", MessageID: "m2@example.test"}
	})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	path := f.srv.Links.Path(token.Pause, a, del, f.clock.Now())
	leased := f.due(a)
	res, page := f.do("POST", path, nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(page, "on its way to you right now") || !f.due(a).Equal(leased) {
		t.Fatalf("pause during a send: %d, due %s -> %s; want 409, try again, and no change", res.StatusCode, leased, f.due(a))
	}
	j := jobs[0]
	err = f.db.Record(context.Background(), store.Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: a,
		Slug: j.Slug, Result: drip.DeliverySent, At: f.clock.Now(), NextDue: f.clock.Now().Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := f.do("POST", path, nil); res.StatusCode != http.StatusOK || !f.due(a).After(f.clock.Now().Add(8*24*time.Hour)) {
		t.Fatalf("pause once the lesson was sent: %d, due %s; want it done", res.StatusCode, f.due(a))
	}
}
