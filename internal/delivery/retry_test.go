package delivery_test

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/smtptest"
)

// Short retries go at once; a retry hours later waits for the reader's
// window instead of arriving at night.
func TestLongRetryWaitsForTheWindow(t *testing.T) {
	f := newFixture(t, threeLessons, time.Second)
	v := f.reader(addr(1))
	f.smtp.SetRule(always(smtptest.StageRcpt, smtptest.Reply(451, "4.2.1", "mailbox busy")))
	for _, wait := range []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute} {
		at := f.clock.Now()
		f.pass()
		if due := f.enrollment(v).NextDueAt; !due.Equal(at.Add(wait)) {
			t.Fatalf("retry after the attempt at %s due %s, want %s later", at.Format("15:04"), due.Format("15:04"), wait)
		}
		f.clock.Set(at.Add(wait))
	}
	at := f.clock.Now() // 09:06: two hours later would be 11:06, after the window
	f.pass()
	want := time.Date(at.Year(), at.Month(), at.Day()+1, 8, 0, 0, 0, time.UTC)
	if due := f.enrollment(v).NextDueAt; !due.Equal(want) {
		t.Fatalf("the two-hour retry is due %s, want the next window's start %s", due, want)
	}
}
