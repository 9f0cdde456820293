package main

import (
	"context"
	"fmt"
	lessonreport "github.com/dripcourse/dripcourse/internal/report"
	"io"

	"github.com/dripcourse/dripcourse/internal/bounce/intake"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// coursesReport is what "stats --json" prints with several courses and
// no --course: each course's lessons and readers, then the addresses as
// a whole and the bounces, which belong to no one course. It has no
// top-level "lessons", so a script written for one course's report
// fails plainly instead of reading two courses' lessons as one.
type coursesReport struct {
	Courses []courseReport `json:"courses"`
	// Readers counts every address by its own status, whatever its
	// courses: a reader of three courses counts once.
	Readers    map[drip.Status]int `json:"readers"`
	Bounces    intake.Health       `json:"bounces"`
	Thresholds []intake.Threshold  `json:"thresholds"`
}

// courseReport is one course's part of a coursesReport: its lessons and
// its readers as "stats --course SLUG --json" gives them.
type courseReport struct {
	Slug      string                `json:"slug"`
	Title     string                `json:"title"`
	Lessons   []lessonreport.Lesson `json:"lessons"`
	Readers   map[drip.Status]int   `json:"readers"`
	Completed int                   `json:"completed"` // readers who finished it
}

// statsEach reports on several courses in turn.
func (a *app) statsEach(ctx context.Context, e *env, courses []*course.Course, asJSON bool) error {
	rep, err := a.coursesStats(ctx, courses)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, rep)
	}
	printCoursesStats(e.stdout, courses, rep)
	return nil
}

func (a *app) coursesStats(ctx context.Context, courses []*course.Course) (*coursesReport, error) {
	rep := &coursesReport{Courses: []courseReport{}, Thresholds: intake.Thresholds}
	for _, c := range courses {
		lessons, readers, err := a.courseStats(ctx, c)
		if err != nil {
			return nil, err
		}
		done, err := a.db.Completions(ctx, c.Slug)
		if err != nil {
			return nil, err
		}
		rep.Courses = append(rep.Courses, courseReport{Slug: c.Slug, Title: c.Title, Lessons: lessons, Readers: readers, Completed: done})
	}
	var err error
	if rep.Readers, err = a.db.ReaderCounts(ctx); err != nil {
		return nil, err
	}
	rep.Bounces, err = a.intake.Health(ctx)
	return rep, err
}

// printCoursesStats prints each course's table and readers under its
// heading, then the addresses and bounces over all of them.
func printCoursesStats(w io.Writer, courses []*course.Course, rep *coursesReport) {
	for i, c := range rep.Courses {
		courseHeading(w, i, courses[i])
		printLessons(w, c.Lessons)
		printReaders(w, "readers of this course:", c.Readers)
		fmt.Fprintf(w, "finished the course: %d\n", c.Completed)
	}
	fmt.Fprintf(w, "\n== every course ==\n")
	printReaders(w, "addresses:", rep.Readers)
	printBounceHealth(w, rep.Bounces)
}
