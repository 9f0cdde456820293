// Package report builds a course's per-lesson figures as the API and the
// stats command give them: counts and rates per lesson in course order,
// and the course's readers by their standing in it.
package report

import (
	"context"
	"fmt"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Stats is a course's figures: per lesson in course order, lessons
// removed from the course but with history last, and readers by status.
type Stats struct {
	Course  string              `json:"course"`
	Lessons []Lesson            `json:"lessons"`
	Readers map[drip.Status]int `json:"readers"`
}

// Lesson is one lesson's counts and rates (four decimals, 0 when there
// is nothing to divide by).
type Lesson struct {
	store.LessonStats
	Title           string  `json:"title,omitempty"`
	Removed         bool    `json:"removed,omitempty"`
	FailedRate      float64 `json:"failed_rate"`
	BouncedRate     float64 `json:"bounced_rate"`
	SoftBouncedRate float64 `json:"soft_bounced_rate"`
	ComplaintRate   float64 `json:"complaint_rate"`
	HumanOpenRate   float64 `json:"human_open_rate"`
	MachineOpenRate float64 `json:"machine_open_rate"`
	HumanClickRate  float64 `json:"human_click_rate"`
	UnsubscribeRate float64 `json:"unsubscribe_rate"`
}

func ratio(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(int(float64(n)/float64(of)*10000+0.5)) / 10000
}

// Build gathers the figures of crs.
func Build(ctx context.Context, db *store.DB, crs *course.Course) (*Stats, error) {
	byslug, readers, err := db.CourseStats(ctx, crs.Slug)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return &Stats{Course: crs.Slug, Readers: readers, Lessons: InOrder(crs, byslug)}, nil
}

// InOrder is the lessons of crs with their counts from byslug, in course
// order, then the lessons byslug holds that crs no longer has (removed,
// with history). It takes the entries it uses out of byslug.
func InOrder(crs *course.Course, byslug map[string]*store.LessonStats) []Lesson {
	lessons := []Lesson{}
	for _, l := range crs.Lessons {
		s := byslug[l.Slug]
		if s == nil {
			s = &store.LessonStats{Slug: l.Slug}
		}
		delete(byslug, l.Slug)
		lessons = append(lessons, lesson(s, l.Title, false))
	}
	for _, s := range byslug {
		lessons = append(lessons, lesson(s, "", true))
	}
	return lessons
}

func lesson(s *store.LessonStats, title string, removed bool) Lesson {
	return Lesson{LessonStats: *s, Title: title, Removed: removed,
		FailedRate: ratio(s.Failed, s.Sent+s.Failed), BouncedRate: ratio(s.Bounced, s.Sent+s.Failed),
		SoftBouncedRate: ratio(s.SoftBounced, s.Sent), ComplaintRate: ratio(s.Complaints, s.Sent),
		HumanOpenRate: ratio(s.HumanOpens, s.Sent), MachineOpenRate: ratio(s.MachineOpens, s.Sent),
		HumanClickRate: ratio(s.HumanClicks, s.Sent), UnsubscribeRate: ratio(s.Unsubscribes, s.Sent)}
}
