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
