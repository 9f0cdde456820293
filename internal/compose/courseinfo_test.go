package compose

import (
	"testing"
	"testing/fstest"

	"github.com/dripcourse/dripcourse/internal/course"
)

// The course page counts each lesson's day as the schedule does: lesson
// 1's own delay holds nothing back, and a delay in hours lands on the
// nearest day, so a cohort's page and its mail agree.
func TestCourseInfoDaysAreTheSchedules(t *testing.T) {
	lesson := func(delay string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("---\nsubject: A lesson\ndelay: " + delay + "\n---\nBody.\n")}
	}
	crs, err := course.Load(fstest.MapFS{
		"course.yaml": {Data: []byte("slug: days\ntitle: Days\n")},
		"01-a.md":     lesson("2d"), "02-b.md": lesson("36h"), "03-c.md": lesson("1d"),
	})
	if err != nil {
		t.Fatal(err)
	}
	info := CourseInfo(crs)
	var got []int
	for i, l := range info.Lessons {
		got = append(got, l.Day)
		if l.Day != crs.DayOf(i+1) {
			t.Errorf("lesson %d: the page says day %d, the schedule %d", i+1, l.Day, crs.DayOf(i+1))
		}
	}
	if want := []int{0, 2, 3}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || info.Days != 3 {
		t.Errorf("days %v over %d, want %v over 3", got, info.Days, want)
	}
}
