package admin

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
)

func TestDayBars(t *testing.T) {
	first := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	counts := map[time.Time]int{first.AddDate(0, 0, 3): 120, first.AddDate(0, 0, 4): 7}
	bars, total := dayBars(first, 30, func(d time.Time) int { return counts[d] }, "lessons sent")
	if len(bars) != 30 || total != 127 {
		t.Fatalf("%d bars, total %d", len(bars), total)
	}
	if b := bars[3]; b.Label != "Fri 4 Dec" || b.Value != "120" || b.Len != 100 || b.Tip != "Fri 4 Dec: 120 lessons sent" {
		t.Fatalf("the tallest bar: %+v", b)
	}
	if b := bars[4]; b.Value != "7" || b.Len != 5.8 {
		t.Fatalf("a short bar is not to scale: %+v", b)
	}
	for i, b := range bars {
		if b.Label == "" || b.Value == "" {
			t.Errorf("bar %d has no label or value: %+v", i, b)
		}
	}
	if bars, total := dayBars(first, 7, func(time.Time) int { return 0 }, "due"); total != 0 || bars[0].Len != 0 || bars[0].Value != "0" {
		t.Fatalf("an empty chart: %+v", bars[0])
	}
}

func TestFunnel(t *testing.T) {
	steps := funnelOf([]funnelLine{
		{Number: 1, Title: "One", LessonStats: store.LessonStats{Sent: 40, HumanOpens: 30, HumanClicks: 4}},
		{Number: 2, Title: "Two", LessonStats: store.LessonStats{Sent: 1}},
		{Number: 3, Title: "Three"},
	}, 50)
	want := []funnelStep{
		{Number: 1, Title: "One", Reached: 40, Share: "80%", Len: 80, Opened: "75%", Clicked: "10%"},
		{Number: 2, Title: "Two", Reached: 1, Share: "2%", Len: 2, Opened: "0%", Clicked: "0%"},
		{Number: 3, Title: "Three", Share: "0%", Opened: "–", Clicked: "–"},
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("step %d: %+v, want %+v", i+1, steps[i], want[i])
		}
	}
}
