package admin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/dripcourse/dripcourse/internal/bounce/intake"
	"github.com/dripcourse/dripcourse/internal/store"
)

// The operator's view of bounces and complaints: the week's rates next to
// the thresholds providers enforce (the dashboard shows them too, with a
// banner when one is crossed), and the reports themselves, with those
// about our own sending and those that matched no reader apart.

// bounceHealth is the last intake.Window's rates.
func (s *Server) bounceHealth(ctx context.Context) (intake.Health, error) {
	w, err := s.DB.BounceWindowSince(ctx, s.Now().Add(-intake.Window))
	return intake.Assess(w), err
}

// bounceBanner is what the dashboard and the bounces page say above all
// else: each threshold crossed, and reports about our own sending.
type bounceBanner struct {
	Crossed []crossing
	Alerts  int // reports about our own sending in the window
}

type crossing struct {
	Kind, Rate, Threshold, Why string
}

func bannerOf(h intake.Health) bounceBanner {
	b := bounceBanner{Alerts: h.OurSending}
	for _, t := range h.Crossed {
		b.Crossed = append(b.Crossed, crossing{Kind: kindWords[t.Kind], Rate: pct(h.Rate(t.Kind)), Threshold: pct(t.Rate), Why: t.Why})
	}
	return b
}

var kindWords = map[string]string{"hard": "hard bounce", "soft": "soft bounce", "complaint": "complaint", "ignore": "report"}

// pct shows a fraction as a percentage with two decimals.
func pct(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }

// rateOf shows n as a percentage of of, or a dash when of is zero.
func rateOf(n, of int) string {
	if of == 0 {
		return "–"
	}
	return pct(float64(n) / float64(of))
}

// bouncesShown is how many reports the bounces page lists.
const bouncesShown = 200

// reportFilters are the bounces page's views, by query value.
var reportFilters = map[string]store.ReportFilter{"": store.ReportsAll, "alerts": store.ReportsAlerts, "unmatched": store.ReportsUnmatched}

type bouncesData struct {
	Health     intake.Health
	Banner     bounceBanner
	Thresholds []intake.Threshold
	Show       string
	Reports    []store.BounceReport
	Shown      int
}

func (s *Server) bouncesPage(w http.ResponseWriter, r *http.Request) {
	show := r.URL.Query().Get("show")
	filter, ok := reportFilters[show]
	if !ok {
		show, filter = "", store.ReportsAll
	}
	h, err := s.bounceHealth(r.Context())
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	reports, err := s.DB.RecentReports(r.Context(), filter, bouncesShown)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	d := &bouncesData{Health: h, Banner: bannerOf(h), Thresholds: intake.Thresholds, Show: show, Reports: reports, Shown: bouncesShown}
	s.adminRender(w, r, http.StatusOK, "bounces", &adminPage{Title: "Bounces and complaints", Section: "bounces", Data: d})
}
