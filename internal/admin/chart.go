package admin

import (
	"fmt"
	"math"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
)

// Charts are rows of HTML text, each with its bar drawn as a small inline
// SVG (viewBox 0 0 100 10, stretched to the row's width): the bars use
// whatever width the screen has, while the labels and values are page
// text, legible at any width and read by screen readers in order. No
// script is needed and the CSP stays strict.

// bar is one row of a bar chart.
type bar struct {
	Label string  // what the row is, always shown
	Value string  // its value, written out beside the bar
	Len   float64 // the bar's length, 0 to 100, on the chart's one scale
	Tip   string  // the whole row in words, for hover
}

// barChart is a titled list of bars; ID names its heading.
type barChart struct {
	ID, Class string
	Bars      []bar
}

// barLen is n on a scale where top is 100, rounded for short markup; a
// value that is not zero always shows a sliver.
func barLen(n, top int) float64 {
	if n <= 0 || top <= 0 {
		return 0
	}
	return max(0.5, math.Round(float64(n)/float64(top)*1000)/10)
}

// dayBars turns per-day counts into one bar per day, for n days from
// first (UTC days); total is their sum.
func dayBars(first time.Time, n int, count func(day time.Time) int, what string) (bars []bar, total int) {
	counts := make([]int, n)
	top := 0
	for i := range counts {
		counts[i] = count(first.AddDate(0, 0, i))
		top, total = max(top, counts[i]), total+counts[i]
	}
	for i, c := range counts {
		day := first.AddDate(0, 0, i)
		bars = append(bars, bar{Label: day.Format("Mon 2 Jan"), Value: fmt.Sprint(c), Len: barLen(c, top),
			Tip: fmt.Sprintf("%s: %d %s", day.Format("Mon 2 Jan"), c, what)})
	}
	return bars, total
}

// funnelStep is one lesson of the funnel: how many readers reached it
// (were sent it), as a share of those who started the course, and how
// many of those opened it and clicked in it (people, not machines).
type funnelStep struct {
	Number  int
	Title   string
	Reached int
	Share   string
	Len     float64
	Opened  string
	Clicked string
}

// funnelOf builds the funnel of lessons in course order from their
// stats, for started readers.
func funnelOf(lessons []funnelLine, started int) []funnelStep {
	steps := make([]funnelStep, 0, len(lessons))
	for _, l := range lessons {
		steps = append(steps, funnelStep{Number: l.Number, Title: l.Title, Reached: l.Sent, Share: percent(l.Sent, started),
			Len: min(100, barLen(l.Sent, started)), Opened: percent(l.HumanOpens, l.Sent), Clicked: percent(l.HumanClicks, l.Sent)})
	}
	return steps
}

// percent is n out of of as a whole percentage, or a dash when of is 0.
func percent(n, of int) string {
	if of <= 0 {
		return "–"
	}
	return fmt.Sprintf("%d%%", int(math.Round(float64(n)*100/float64(of))))
}

// funnelLine is one lesson's row in the table under the funnel.
type funnelLine struct {
	Number int
	Title  string
	store.LessonStats
}
