package admin

import (
	"math"
	"strings"
	"testing"
)

func TestColumnChart(t *testing.T) {
	cols := make([]column, 30)
	cols[3] = column{Label: "Dec 4", Tip: "Fri 4 Dec: 120 lessons sent", N: 120}
	cols[4] = column{N: 7}
	c := columnChart("sent", "Sent", "desc", cols, 5)
	if len(c.Rects) != 30 || c.Rects[3].Tip != "Fri 4 Dec: 120 lessons sent" {
		t.Fatalf("rects: %d, %+v", len(c.Rects), c.Rects[3])
	}
	tall, short := c.Rects[3], c.Rects[4]
	if tall.H <= short.H || math.Abs(tall.Y+tall.H-(short.Y+short.H)) > 0.2 || tall.X+tall.W > c.W {
		t.Fatalf("bars are not on one base and scale: %+v %+v", tall, short)
	}
	var texts []string
	for _, x := range c.Texts {
		texts = append(texts, x.Text)
		if x.X < 0 || x.X > c.W {
			t.Errorf("text %q at x=%v is outside the chart", x.Text, x.X)
		}
	}
	got := strings.Join(texts, " ")
	if !strings.HasPrefix(got, "120 ") || !strings.Contains(got, " 7 ") {
		t.Fatalf("labels %q: want the scale (120) and the value 7", got)
	}
	if empty := columnChart("e", "", "", make([]column, 7), 1); empty.Texts[0].Text != "0" {
		t.Fatalf("an empty chart's scale reads %q", empty.Texts[0].Text)
	}
}

func TestFunnelChart(t *testing.T) {
	c := funnelChart("f", "Funnel", "desc", []funnelRow{{"1. One", [4]int{10, 5, 2, 1}}, {"2. Two", [4]int{0, 0, 0, 0}}})
	if len(c.Rects) != 8 || c.Rects[0].Class != "s0" || c.Rects[3].Class != "s3" || !strings.Contains(c.Rects[1].Tip, "5 human opens") {
		t.Fatalf("rects %+v", c.Rects)
	}
	if c.Rects[0].W <= c.Rects[1].W || c.Rects[4].W < 1 {
		t.Fatal("bars are not to scale, or an empty bar vanished")
	}
}
