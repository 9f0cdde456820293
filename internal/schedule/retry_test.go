package schedule_test

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/schedule"
)

var firstTry = time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)

func TestRetryAtBackoff(t *testing.T) {
	tests := []struct {
		attempts int
		wait     time.Duration
	}{
		{1, time.Minute},
		{2, 5 * time.Minute},
		{3, 30 * time.Minute},
		{4, 2 * time.Hour},
		{5, 6 * time.Hour},
		{6, 6 * time.Hour},
		{7, 6 * time.Hour},
		{20, 6 * time.Hour},
	}
	for _, tt := range tests {
		now := firstTry.Add(time.Hour)
		next, ok := schedule.RetryAt(firstTry, now, tt.attempts)
		if !ok {
			t.Errorf("attempt %d: gave up an hour in", tt.attempts)
			continue
		}
		if got := next.Sub(now); got != tt.wait {
			t.Errorf("attempt %d: waits %v, want %v", tt.attempts, got, tt.wait)
		}
	}
}

func TestRetryAtGivesUp(t *testing.T) {
	tests := []struct {
		name     string
		since    time.Duration // now - first
		attempts int
		want     bool
	}{
		{"fresh", 0, 1, true},
		{"next try lands exactly on 72h", 66 * time.Hour, 9, true},
		{"well past 72h", 73 * time.Hour, 12, false},
		{"a second past 72h", 72*time.Hour + time.Second, 1, false},
		{"a week later", 7 * 24 * time.Hour, 30, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, ok := schedule.RetryAt(firstTry, firstTry.Add(tt.since), tt.attempts)
			if ok != tt.want {
				t.Fatalf("ok = %v, want %v (next %v)", ok, tt.want, next)
			}
			if ok && next.Sub(firstTry) > schedule.GiveUpAfter {
				t.Errorf("next try %v is past the give-up limit", next.Sub(firstTry))
			}
			if !ok && !next.IsZero() {
				t.Errorf("gave up but returned a time %v", next)
			}
		})
	}
}

// TestRetryAtFollowsSchedule plays a message that always fails: every
// retry comes later than the one before, and the last one is within 72h.
func TestRetryAtFollowsSchedule(t *testing.T) {
	now, tries := firstTry, 1
	for {
		next, ok := schedule.RetryAt(firstTry, now, tries)
		if !ok {
			break
		}
		if !next.After(now) {
			t.Fatalf("try %d: next %v is not after now %v", tries, next, now)
		}
		now, tries = next, tries+1
		if tries > 100 {
			t.Fatal("never gave up")
		}
	}
	if got := now.Sub(firstTry); got > schedule.GiveUpAfter || got < schedule.GiveUpAfter-6*time.Hour {
		t.Errorf("last try %v after the first, want within the last 6h before %v", got, schedule.GiveUpAfter)
	}
}

// The doc comment says RetryAt gives up "when the message has been failing
// for longer than GiveUpAfter", but it compares the *next* try with the
// limit, so a message failing for 70h is given up although 2h remain. The
// last try should instead be brought forward to the limit.
func TestRetryAtKeepsTryingUntil72h(t *testing.T) {
	for _, since := range []time.Duration{67 * time.Hour, 70 * time.Hour, 71*time.Hour + 59*time.Minute} {
		next, ok := schedule.RetryAt(firstTry, firstTry.Add(since), 8)
		if !ok {
			t.Errorf("failing for %v: gave up, want one more try", since)
			continue
		}
		if next.Sub(firstTry) > schedule.GiveUpAfter {
			t.Errorf("failing for %v: next try at %v, past the limit", since, next.Sub(firstTry))
		}
	}
}
