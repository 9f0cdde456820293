package admin

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce/intake"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/forecast"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

// sentDays is the span of the sends chart, ending today.
const sentDays = 30

// enrollCount is how many of a course's readers are in one enrollment
// status, with the reader list of them.
type enrollCount struct {
	Status drip.EnrollmentStatus
	N      int
	Href   string
}

type dashboardData struct {
	Course     string // the course's title
	Slug       string
	Readers    []enrollCount
	Total      int
	Suppressed int // readers of the course whose address bounced or complained
	Started    int // readers who confirmed and so started the course
	Completed  int // readers who had every lesson
	Funnel     []funnelStep
	Lessons    []funnelLine
	Sent       barChart
	SentTotal  int
	Due        barChart
	DueTotal   int
	DueWords   string // in the words of `dripcourse schedule`
	ContentErr string
	Bounces    intake.Health
	Banner     bounceBanner
	Hooks      []hookWarning // webhook endpoints disabled or failing
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	crs, err := s.courseOf(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	d := &dashboardData{Course: crs.Title, Slug: crs.Slug, ContentErr: s.contentProblems()}
	for _, fill := range []func(context.Context, *course.Course, *dashboardData) error{s.fillCounts, s.fillFunnel, s.fillSent, s.fillDue, s.fillBounces, s.fillHooks} {
		if err := fill(r.Context(), crs, d); err != nil {
			s.adminFail(w, r, err)
			return
		}
	}
	s.adminRender(w, r, http.StatusOK, "dashboard", &adminPage{Title: "Dashboard", Section: "dashboard", Current: crs.Slug, Data: d})
}

// fillCounts counts the course's readers by enrollment status, and how
// many started and completed it.
func (s *Server) fillCounts(ctx context.Context, crs *course.Course, d *dashboardData) error {
	enrolled, readers, err := s.DB.CourseCounts(ctx, crs.Slug)
	if err != nil {
		return err
	}
	for _, st := range drip.EnrollmentStatuses {
		v := url.Values{"enrolled": {string(st)}}
		if s.several() {
			v.Set(courseParam, crs.Slug)
		}
		d.Readers = append(d.Readers, enrollCount{st, enrolled[st], "/admin/readers?" + v.Encode()})
		d.Total += enrolled[st]
		if st != drip.EnrollPending { // waiting to confirm: not started
			d.Started += enrolled[st]
		}
	}
	d.Completed = enrolled[drip.EnrollCompleted]
	d.Suppressed = readers[drip.StatusBounced] + readers[drip.StatusComplained]
	return nil
}

// fillFunnel fills the funnel and its table, in course order.
func (s *Server) fillFunnel(ctx context.Context, crs *course.Course, d *dashboardData) error {
	stats, err := s.DB.CourseLessonStats(ctx, crs.Slug)
	if err != nil {
		return err
	}
	for _, l := range crs.Lessons {
		line := funnelLine{Number: l.Number, Title: l.Title}
		if st := stats[l.Slug]; st != nil {
			line.LessonStats = *st
		}
		d.Lessons = append(d.Lessons, line)
	}
	d.Funnel = funnelOf(d.Lessons, d.Started)
	return nil
}

// fillSent charts the lessons sent on each of the last sentDays days.
func (s *Server) fillSent(ctx context.Context, crs *course.Course, d *dashboardData) error {
	today := s.Now().UTC().Truncate(24 * time.Hour)
	first := today.AddDate(0, 0, 1-sentDays)
	sent, err := s.DB.SentPerDayIn(ctx, crs.Slug, first, today.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	d.Sent = barChart{ID: "sent", Class: "bars days"}
	d.Sent.Bars, d.SentTotal = dayBars(first, sentDays, func(day time.Time) int { return sent[day] }, "lessons sent")
	return nil
}

// fillDue charts what is due over the next week: the projection of
// `dripcourse schedule` (schedule.DueByDay), read from the forecast
// housekeeping keeps, so the two always agree.
func (s *Server) fillDue(ctx context.Context, crs *course.Course, d *dashboardData) error {
	now := s.Now().UTC()
	week, err := forecast.Read(ctx, s.DB, crs, now)
	if err != nil {
		return err
	}
	d.DueTotal, d.DueWords = week.Summary()
	until := now.Add(schedule.DueWeek)
	today := now.Truncate(24 * time.Hour)
	days := int(until.Truncate(24*time.Hour).Sub(today)/(24*time.Hour)) + 1
	d.Due = barChart{ID: "due", Class: "bars"}
	d.Due.Bars, _ = dayBars(today, days, func(day time.Time) int {
		n := 0
		for _, c := range week.Counts[day.Format("2006-01-02")] {
			n += c
		}
		return n
	}, "lessons due")
	return nil
}

// fillBounces reads the week's bounces and complaints, and what the
// banner says of them. They are the instance's, every course's together:
// mail providers judge the sending domain, not a course.
func (s *Server) fillBounces(ctx context.Context, _ *course.Course, d *dashboardData) error {
	h, err := s.bounceHealth(ctx)
	d.Bounces, d.Banner = h, bannerOf(h)
	return err
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
