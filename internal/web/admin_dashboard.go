package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

const (
	sentDays = 30 // the sends chart's span, ending today
	dueDays  = 7  // the due chart's span, starting today
)

type statusCount struct {
	Status drip.Status
	N      int
}

// funnelLine is one lesson's row in the table under the funnel chart.
type funnelLine struct {
	Number int
	Title  string
	store.LessonStats
}

type dashboardData struct {
	Readers    []statusCount
	Total      int
	Series     [4]string
	Funnel     svgChart
	Lessons    []funnelLine
	Sent       svgChart
	SentDays   []column
	SentTotal  int
	Due        svgChart
	DueDays    []column
	DueTotal   int
	ContentErr string
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lessons, readers, err := s.DB.Stats(ctx)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	now := s.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	sent, err := s.DB.SentPerDay(ctx, today.AddDate(0, 0, 1-sentDays), today.AddDate(0, 0, 1))
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	due, err := s.DB.DuePerDay(ctx, now, today.AddDate(0, 0, dueDays))
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	d := &dashboardData{Series: funnelSeries, ContentErr: s.contentProblems()}
	for _, st := range drip.Statuses {
		d.Readers = append(d.Readers, statusCount{st, readers[st]})
		d.Total += readers[st]
	}
	s.funnel(d, lessons)
	d.SentDays, d.SentTotal = days(today.AddDate(0, 0, 1-sentDays), sentDays, sent, "Jan 2", "lessons sent")
	d.Sent = columnChart("sent", "Lessons sent per day, last 30 days (UTC)",
		fmt.Sprintf("%d lessons sent in the last %d days.", d.SentTotal, sentDays), d.SentDays, 5)
	d.DueDays, d.DueTotal = days(today, dueDays, due, "Mon 2", "lessons due")
	d.Due = columnChart("due", "Lessons due over the next 7 days (UTC)",
		fmt.Sprintf("%d readers have a lesson due in the next %d days; overdue ones count today.", d.DueTotal, dueDays), d.DueDays, 1)
	s.adminRender(w, r, http.StatusOK, "dashboard", &adminPage{Title: "Dashboard", Section: "dashboard", Data: d})
}

// funnel fills the funnel chart and table, in course order.
func (s *Server) funnel(d *dashboardData, stats map[string]*store.LessonStats) {
	var rows []funnelRow
	for _, l := range s.content().Default().Lessons {
		st := stats[l.Slug]
		if st == nil {
			st = &store.LessonStats{Slug: l.Slug}
		}
		d.Lessons = append(d.Lessons, funnelLine{Number: l.Number, Title: l.Title, LessonStats: *st})
		rows = append(rows, funnelRow{Label: fmt.Sprintf("%d. %s", l.Number, l.Title),
			Values: [4]int{st.Sent, st.HumanOpens, st.HumanClicks, st.Unsubscribes}})
	}
	d.Funnel = funnelChart("funnel", "The course funnel: each lesson's sends, human opens, human clicks and unsubscribes",
		"For each lesson in course order, four bars: lessons sent, readers who opened it, readers who clicked a link in it, and unsubscribes from it. Machine opens and clicks (scanners, proxies) are left out.", rows)
}

// days turns per-day counts into n columns from the day first.
func days(first time.Time, n int, counts map[time.Time]int, layout, what string) ([]column, int) {
	cols := make([]column, n)
	total := 0
	for i := range cols {
		day := first.AddDate(0, 0, i)
		c := counts[day]
		cols[i] = column{Label: day.Format(layout), Tip: fmt.Sprintf("%s: %d %s", day.Format("Mon 2 Jan"), c, what), N: c}
		total += c
	}
	return cols, total
}

// contentProblems is the last failed reload of the operator's lessons or
// templates, for the operator to fix; "" when the last reload worked.
func (s *Server) contentProblems() string {
	_, err, at := s.Library.Status()
	if err == nil {
		return ""
	}
	return fmt.Sprintf("The last edit of the lessons or templates (%s) did not load, so the previous version is still in use:\n%s", formatTime(at), err.Error())
}
