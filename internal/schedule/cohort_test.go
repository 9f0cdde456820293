package schedule_test

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

// cohortCourse starts on Sunday 28 March 2027, the day Europe's clocks go
// forward. Lesson 2 comes a day after lesson 1, lesson 3 two days after
// that, lesson 4 36 hours after that (day 4.5, rounded to 5 days in all).
func cohortCourse(t *testing.T, extra string) *course.Course {
	t.Helper()
	l := func(subject, delay string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("---\nsubject: " + subject + "\ndelay: " + delay + "\n---\nBody.\n")}
	}
	c, err := course.Load(fstest.MapFS{
		"course.yaml": {Data: []byte("slug: cohort\ntitle: Cohort\nstart: 2027-03-28\ntimezone: Europe/London\n" + extra)},
		"01-one.md":   l("One", "0d"), "02-two.md": l("Two", "1d"), "03-three.md": l("Three", "2d"), "04-four.md": l("Four", "36h"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCohortDue(t *testing.T) {
	tests := []struct {
		name, extra, zone string
		lesson            int
		want              string // local wall time in zone
	}{
		{"London, the day the clocks go forward", "", "Europe/London", 1, "2027-03-28 08:00"},
		{"London, lesson 2 a day later", "", "Europe/London", 2, "2027-03-29 08:00"},
		{"New York, already on summer time", "", "America/New_York", 1, "2027-03-28 08:00"},
		{"Tokyo, ahead of the course's own zone", "", "Asia/Tokyo", 1, "2027-03-28 08:00"},
		{"Kathmandu, a 45-minute zone", "", "Asia/Kathmandu", 3, "2027-03-31 08:00"},
		{"36 hours round to a whole day", "", "Europe/London", 4, "2027-04-02 08:00"},
		{"own window", "send_window: \"07:30-09:00\"\n", "Europe/London", 2, "2027-03-29 07:30"},
		{"start on a day not allowed: the next one", "weekdays: [mon, wed, fri]\n", "Europe/London", 1, "2027-03-29 08:00"},
		{"a later lesson on a day not allowed", "weekdays: [mon, wed, fri]\n", "Europe/London", 2, "2027-03-29 08:00"},
		{"day 3 is a Wednesday", "weekdays: [mon, wed, fri]\n", "Europe/London", 3, "2027-03-31 08:00"},
		{"Sydney, whose clocks go back a week later", "", "Australia/Sydney", 4, "2027-04-02 08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cohortCourse(t, tt.extra)
			loc := loadZone(t, tt.zone)
			got := schedule.CohortDue(c, tt.lesson, loc)
			if want := atWall(t, loc, tt.want); !got.Equal(want) {
				t.Errorf("lesson %d: %s, want %s", tt.lesson, got.In(loc).Format(wallLayout), tt.want)
			}
		})
	}
}

func TestCohortMembership(t *testing.T) {
	c := cohortCourse(t, "")
	london := loadZone(t, "Europe/London")
	before := atWall(t, london, "2027-03-27 23:59")
	after := atWall(t, london, "2027-03-28 00:00")
	if !schedule.InCohort(c, before) || schedule.InCohort(c, after) || schedule.InCohort(c, time.Time{}) {
		t.Fatal("a reader is in the first run only when they joined before midnight of the start date, course time")
	}
	tokyo := loadZone(t, "Asia/Tokyo")
	if got, want := schedule.Start(c, "Asia/Tokyo", before), atWall(t, tokyo, "2027-03-28 08:00"); !got.Equal(want) {
		t.Errorf("an early reader's first lesson is due %v, want %v", got, want)
	}
	if got := schedule.Start(c, "Asia/Tokyo", after); !got.Equal(after.UTC()) {
		t.Errorf("a late reader's first lesson is due %v, want at once (%v)", got, after)
	}
	if !schedule.InCohort(c, atWall(t, london, "2026-12-01 10:00")) {
		t.Error("a reader who joined months ahead is not in the first run")
	}
}

// TestCohortAfter: a reader on schedule gets each lesson on its cohort
// day, the same local morning as everyone; one who fell behind goes on at
// the course's own pace, never in a burst.
func TestCohortAfter(t *testing.T) {
	c := cohortCourse(t, "")
	ny := loadZone(t, "America/New_York")
	joined := atWall(t, ny, "2027-03-20 12:00")
	r := schedule.Reader{Timezone: "America/New_York", Joined: joined, Received: []drip.Received{{Slug: "one", Status: drip.DeliverySent}}}
	sent := atWall(t, ny, "2027-03-29 08:05") // lesson 2, on time
	n := schedule.After(c, r, "two", schedule.Attempt{At: sent})
	if want := atWall(t, ny, "2027-03-31 08:00"); !n.Due.Equal(want) {
		t.Errorf("on schedule: lesson 3 due %s, want its cohort day %s", n.Due.In(ny).Format(wallLayout), want.Format(wallLayout))
	}
	late := atWall(t, ny, "2027-04-01 09:00") // lesson 2, after a pause, past lesson 3's day
	n = schedule.After(c, r, "two", schedule.Attempt{At: late})
	if want := atWall(t, ny, "2027-04-03 09:00"); !n.Due.Equal(want) {
		t.Errorf("behind: lesson 3 due %s, want two days on, in the window (%s)", n.Due.In(ny).Format(wallLayout), want.Format(wallLayout))
	}
	r.Joined = atWall(t, ny, "2027-03-29 12:00") // a late joiner
	n = schedule.After(c, r, "two", schedule.Attempt{At: sent})
	if want := atWall(t, ny, "2027-03-31 08:05"); n.Due.Before(want.Add(-5*time.Minute)) || n.Due.After(want) {
		t.Errorf("late joiner: lesson 3 due %s, want the evergreen pace (%s)", n.Due.In(ny).Format(wallLayout), want.Format(wallLayout))
	}
}

func TestCohortProjection(t *testing.T) {
	c := cohortCourse(t, "")
	london := loadZone(t, "Europe/London")
	r := schedule.Reader{Timezone: "Europe/London", Joined: atWall(t, london, "2027-03-01 09:00"), NextDue: schedule.CohortDue(c, 1, london)}
	var got []string
	for _, p := range schedule.Project(c, r, time.Time{}) {
		got = append(got, p.Due.In(london).Format(wallLayout))
	}
	want := []string{"2027-03-28 08:00", "2027-03-29 08:00", "2027-03-31 08:00", "2027-04-02 08:00"}
	if len(got) != len(want) {
		t.Fatalf("projected %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("lesson %d projected %s, want %s", i+1, got[i], want[i])
		}
	}
}
