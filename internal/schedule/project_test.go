package schedule_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/schedule"
)

// TestDueByDay: an overdue reader counts from now, each lesson on its
// day, and nothing past the end of the span.
func TestDueByDay(t *testing.T) {
	c := courseOf(t, "a", "b", "c") // a day apart, 08:00-10:00 UTC
	now := at(9, 0)
	readers := []schedule.Reader{
		{Timezone: "UTC", NextDue: at(5, 0)},                                        // overdue: a today
		{Timezone: "UTC", NextDue: now.AddDate(0, 0, 1), Received: receivedOf("a")}, // b tomorrow
	}
	got := schedule.DueByDay(c, readers, now, now.Add(36*time.Hour))
	want := map[string]map[string]int{"2026-05-04": {"a": 1}, "2026-05-05": {"b": 2}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DueByDay = %v, want %v", got, want)
	}
}

// TestEffectOf: a course edit seen from the readers now in it.
func TestEffectOf(t *testing.T) {
	c := courseOf(t, "x", "a", "b", "c") // x inserted before a; "old" removed
	readers := []schedule.Reader{
		{Timezone: "UTC", NextDue: at(9, 0), Received: receivedOf("a")},
		{Timezone: "UTC", NextDue: at(9, 0), Received: receivedOf("a", "old")},
		{Timezone: "UTC", NextDue: at(9, 0)},
	}
	ef := schedule.EffectOf(c, readers)
	for _, tt := range []struct {
		name      string
		got, want any
	}{
		{"readers", ef.Readers, 3},
		{"next", ef.Next, map[string]int{"b": 2, "x": 1}},
		{"future", ef.Future, map[string]int{"a": 1, "b": 3, "c": 3, "x": 1}},
		{"skipped", ef.Skipped, map[string]int{"x": 2}},
		{"removed", ef.Removed, map[string]int{"old": 1}},
	} {
		if fmt.Sprint(tt.got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestDueSummary: the total of every day and lesson, in the shared words.
func TestDueSummary(t *testing.T) {
	total, words := schedule.DueSummary(map[string]map[string]int{"2026-05-04": {"a": 1}, "2026-05-05": {"b": 2, "c": 1}}, 3)
	if total != 4 || words != "4 lessons due over the next 7 days for 3 active readers" {
		t.Errorf("DueSummary = %d, %q", total, words)
	}
}

// TestUnpause: a reader's own pause ended early brings the next lesson
// back to when it would have come, and never before the next window.
func TestUnpause(t *testing.T) {
	c := courseOf(t, "a", "b", "c") // a day apart, 08:00-10:00 UTC
	received := receivedOf("a")
	for _, tt := range []struct {
		name          string
		lastSent, now time.Time
		want          time.Time
	}{
		{"ended the same day: b keeps its day", at(9, 0), at(11, 0), at(9, 0).AddDate(0, 0, 1)},
		{"ended after b's day: the next window", at(9, 0), at(12, 0).AddDate(0, 0, 3), at(8, 0).AddDate(0, 0, 4)},
		{"nothing sent yet: the next window", time.Time{}, at(7, 0), at(8, 0)},
	} {
		if got := schedule.Unpause(c, "UTC", received, tt.lastSent, tt.now); !got.Equal(tt.want) {
			t.Errorf("%s: Unpause = %s, want %s", tt.name, got, tt.want)
		}
	}
}
