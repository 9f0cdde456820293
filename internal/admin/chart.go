package admin

import (
	"fmt"
	"math"
)

// Charts are drawn on the server as inline SVG: they need no script, the
// CSP stays strict, and each has a <title> and <desc> for screen readers,
// a <title> tooltip on every bar and the numbers written beside the bars.
// The same numbers are also in a table under each chart.

type svgChart struct {
	ID, Title, Desc string
	W, H            float64
	Rects           []svgRect
	Texts           []svgText
	Lines           []svgLine
}

type svgRect struct {
	X, Y, W, H float64
	Class, Tip string
}

type svgText struct {
	X, Y          float64
	Anchor, Class string
	Text          string
}

type svgLine struct{ X1, Y1, X2, Y2 float64 }

// column is one bar of a column chart.
type column struct {
	Label string // under the bar, when there is room
	Tip   string
	N     int
}

// chartW is the charts' width in SVG units. Text scales with the chart,
// so this is about the width a phone shows, and the page caps how wide a
// chart is drawn on a desktop: text stays readable on both.
const chartW = 400

// round keeps coordinates short in the markup.
func round(f float64) float64 { return math.Round(f*10) / 10 }

// columnChart draws one bar per column, with its value above it where
// the number fits, a line at the tallest bar's value for scale, and every
// labelEvery-th label under the bars, counting back from the last.
func columnChart(id, title, desc string, cols []column, labelEvery int) svgChart {
	const h, top, bottom, side = 180.0, 18.0, 24.0, 8.0
	c := svgChart{ID: id, Title: title, Desc: desc, W: chartW, H: h}
	maxN := 0
	for _, col := range cols {
		maxN = max(maxN, col.N)
	}
	scale := float64(max(maxN, 1))
	plotH := h - top - bottom
	space := (chartW - 2*side) / float64(max(1, len(cols)))
	base := h - bottom
	c.Lines = append(c.Lines, svgLine{side, base, chartW - side, base}, svgLine{side, top, chartW - side, top})
	c.Texts = append(c.Texts, svgText{X: side, Y: top - 4, Text: fmt.Sprintf("%d", maxN)})
	for i, col := range cols {
		x := side + float64(i)*space
		bh := float64(col.N) / scale * plotH
		c.Rects = append(c.Rects, svgRect{X: round(x + space*0.15), Y: round(base - bh), W: round(space * 0.7), H: round(bh), Class: "s0", Tip: col.Tip})
		mid := round(x + space/2)
		if n := fmt.Sprint(col.N); col.N > 0 && col.N < maxN && float64(len(n))*7 <= space {
			c.Texts = append(c.Texts, svgText{X: mid, Y: round(base - bh - 3), Anchor: "middle", Text: n})
		}
		if labelEvery > 0 && (len(cols)-1-i)%labelEvery == 0 { // counted back from the last (today's) bar
			c.Texts = append(c.Texts, edgeLabel(i, len(cols), x, space, base+15, col.Label))
		}
	}
	return c
}

// edgeLabel is the label under bar i of n. Under narrow bars the first and
// last labels are aligned to their bar's outer edge, so they are not cut
// off at the chart's sides.
func edgeLabel(i, n int, x, space, y float64, text string) svgText {
	t := svgText{X: round(x + space/2), Y: y, Anchor: "middle", Text: text}
	switch {
	case space >= 40:
	case i == 0:
		t.X, t.Anchor = round(x+space*0.15), "start"
	case i == n-1:
		t.X, t.Anchor = round(x+space*0.85), "end"
	}
	return t
}

// funnelRow is one lesson of the funnel chart: its label and one value
// per series of funnelSeries.
type funnelRow struct {
	Label  string
	Values [4]int
}

// funnelSeries are the funnel's bars for each lesson, in order; the CSS
// classes s0..s3 colour them, and the legend uses the same classes.
var funnelSeries = [4]string{"sent", "human opens", "human clicks", "unsubscribes"}

// funnelChart draws, for each lesson, its label and one horizontal bar
// per series, all on one scale, so the drop from sent to opened to
// clicked reads down the page.
func funnelChart(id, title, desc string, rows []funnelRow) svgChart {
	const labelH, barH, gap, groupGap, side, valueRoom = 15.0, 10.0, 2.0, 8.0, 8.0, 40.0
	group := labelH + 4*(barH+gap) + groupGap
	c := svgChart{ID: id, Title: title, Desc: desc, W: chartW, H: round(float64(len(rows))*group + groupGap)}
	maxN := 1
	for _, r := range rows {
		for _, v := range r.Values {
			maxN = max(maxN, v)
		}
	}
	width := chartW - 2*side - valueRoom
	for i, r := range rows {
		y := groupGap + float64(i)*group
		c.Texts = append(c.Texts, svgText{X: side, Y: y + 12, Class: "label", Text: r.Label})
		for j, v := range r.Values {
			by := y + labelH + float64(j)*(barH+gap)
			w := float64(v) / float64(maxN) * width
			c.Rects = append(c.Rects, svgRect{X: side, Y: round(by), W: round(max(w, 1)), H: barH,
				Class: fmt.Sprintf("s%d", j), Tip: fmt.Sprintf("%s: %d %s", r.Label, v, funnelSeries[j])})
			c.Texts = append(c.Texts, svgText{X: round(side + max(w, 1) + 4), Y: round(by + barH - 1), Text: fmt.Sprint(v)})
		}
	}
	return c
}
