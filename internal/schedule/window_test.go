package schedule_test

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

const wallLayout = "2006-01-02 15:04"

var everyDay = [7]bool{true, true, true, true, true, true, true}

func window8to10(days [7]bool) schedule.Window {
	return schedule.Window{Hours: course.Window{Start: 8 * time.Hour, End: 10 * time.Hour}, Weekdays: days, Default: time.UTC}
}

func loadZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

func atWall(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(wallLayout, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNextOpen(t *testing.T) {
	tests := []struct {
		name     string
		zone     string
		in       string // local wallLayout time
		wantWall string // local wallLayout time of the result
		wantUTC  string // the same instant, RFC 3339, worked out by hand
	}{
		{"UTC before window", "UTC", "2026-06-10 06:59", "2026-06-10 08:00", "2026-06-10T08:00:00Z"},
		{"UTC inside window", "UTC", "2026-06-10 09:17", "2026-06-10 09:17", "2026-06-10T09:17:00Z"},
		{"UTC at window start", "UTC", "2026-06-10 08:00", "2026-06-10 08:00", "2026-06-10T08:00:00Z"},
		{"UTC at window end", "UTC", "2026-06-10 10:00", "2026-06-11 08:00", "2026-06-11T08:00:00Z"},
		{"UTC after window", "UTC", "2026-06-10 23:59", "2026-06-11 08:00", "2026-06-11T08:00:00Z"},
		{"UTC year end", "UTC", "2026-12-31 15:00", "2027-01-01 08:00", "2027-01-01T08:00:00Z"},

		{"New York spring forward, before gap", "America/New_York", "2026-03-08 01:30", "2026-03-08 08:00", "2026-03-08T12:00:00Z"},
		{"New York spring forward, after gap", "America/New_York", "2026-03-08 03:30", "2026-03-08 08:00", "2026-03-08T12:00:00Z"},
		{"New York spring forward, day before", "America/New_York", "2026-03-07 11:00", "2026-03-08 08:00", "2026-03-08T12:00:00Z"},
		{"New York spring forward, inside", "America/New_York", "2026-03-08 09:45", "2026-03-08 09:45", "2026-03-08T13:45:00Z"},
		{"New York fall back, day before", "America/New_York", "2026-10-31 12:00", "2026-11-01 08:00", "2026-11-01T13:00:00Z"},
		{"New York fall back, repeated hour", "America/New_York", "2026-11-01 01:30", "2026-11-01 08:00", "2026-11-01T13:00:00Z"},
		{"New York fall back, after window", "America/New_York", "2026-11-01 10:30", "2026-11-02 08:00", "2026-11-02T13:00:00Z"},

		{"London spring forward, day before", "Europe/London", "2026-03-28 20:00", "2026-03-29 08:00", "2026-03-29T07:00:00Z"},
		{"London spring forward, early", "Europe/London", "2026-03-29 00:30", "2026-03-29 08:00", "2026-03-29T07:00:00Z"},
		{"London spring forward, inside", "Europe/London", "2026-03-29 08:59", "2026-03-29 08:59", "2026-03-29T07:59:00Z"},
		{"London fall back, day before", "Europe/London", "2026-10-24 10:00", "2026-10-25 08:00", "2026-10-25T08:00:00Z"},
		{"London fall back, repeated hour", "Europe/London", "2026-10-25 01:30", "2026-10-25 08:00", "2026-10-25T08:00:00Z"},
		{"London fall back, after window", "Europe/London", "2026-10-25 12:00", "2026-10-26 08:00", "2026-10-26T08:00:00Z"},

		{"Lord Howe DST ends, day before", "Australia/Lord_Howe", "2026-04-04 18:00", "2026-04-05 08:00", "2026-04-04T21:30:00Z"},
		{"Lord Howe DST ends, repeated half hour", "Australia/Lord_Howe", "2026-04-05 01:45", "2026-04-05 08:00", "2026-04-04T21:30:00Z"},
		{"Lord Howe DST starts, day before", "Australia/Lord_Howe", "2026-10-03 11:00", "2026-10-04 08:00", "2026-10-03T21:00:00Z"},
		{"Lord Howe DST starts, inside", "Australia/Lord_Howe", "2026-10-04 09:30", "2026-10-04 09:30", "2026-10-03T22:30:00Z"},

		{"Kathmandu before window", "Asia/Kathmandu", "2026-01-15 07:44", "2026-01-15 08:00", "2026-01-15T02:15:00Z"},
		{"Kathmandu after window", "Asia/Kathmandu", "2026-01-15 10:01", "2026-01-16 08:00", "2026-01-16T02:15:00Z"},
		{"Kathmandu inside", "Asia/Kathmandu", "2026-01-15 09:59", "2026-01-15 09:59", "2026-01-15T04:14:00Z"},
	}
	s := window8to10(everyDay)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := loadZone(t, tt.zone)
			got := s.NextOpen(atWall(t, loc, tt.in), loc)
			if w := got.In(loc).Format(wallLayout); w != tt.wantWall {
				t.Errorf("local wallLayout time = %s, want %s", w, tt.wantWall)
			}
			want, _ := time.Parse(time.RFC3339, tt.wantUTC)
			if !got.Equal(want) {
				t.Errorf("instant = %s, want %s", got.UTC().Format(time.RFC3339), tt.wantUTC)
			}
		})
	}
}

func TestNextOpenWeekdays(t *testing.T) {
	weekdays := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	wednesdays := [7]bool{time.Wednesday: true}
	tests := []struct {
		name     string
		days     [7]bool
		in, want string // Europe/London wallLayout times; 2026-03-13 is a Friday
	}{
		{"Friday after window to Monday", weekdays, "2026-03-13 11:00", "2026-03-16 08:00"},
		{"Friday inside window", weekdays, "2026-03-13 09:00", "2026-03-13 09:00"},
		{"Friday before window", weekdays, "2026-03-13 07:00", "2026-03-13 08:00"},
		{"Saturday inside hours to Monday", weekdays, "2026-03-14 09:00", "2026-03-16 08:00"},
		{"Sunday late to Monday", weekdays, "2026-03-15 23:00", "2026-03-16 08:00"},
		{"Friday to Monday across London DST", weekdays, "2026-03-27 10:00", "2026-03-30 08:00"},
		{"only Wednesday, Wednesday after window", wednesdays, "2026-03-11 10:30", "2026-03-18 08:00"},
		{"only Wednesday, Thursday", wednesdays, "2026-03-12 08:30", "2026-03-18 08:00"},
	}
	loc := loadZone(t, "Europe/London")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := window8to10(tt.days).NextOpen(atWall(t, loc, tt.in), loc)
			if w := got.In(loc).Format(wallLayout); w != tt.want {
				t.Errorf("NextOpen(%s) = %s, want %s", tt.in, w, tt.want)
			}
		})
	}
}

func TestNextOpenNilLocationUsesDefault(t *testing.T) {
	loc := loadZone(t, "Asia/Kathmandu")
	s := window8to10(everyDay)
	s.Default = loc
	got := s.NextOpen(atWall(t, loc, "2026-01-15 05:00"), nil)
	if w := got.In(loc).Format(wallLayout); w != "2026-01-15 08:00" {
		t.Errorf("NextOpen with nil location = %s, want 2026-01-15 08:00 Kathmandu time", w)
	}
}

func TestNextDue(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		sent  string
		delay time.Duration
		want  string
	}{
		{"delay 0 inside window waits a minute", "UTC", "2026-06-10 08:30", 0, "2026-06-10 08:31"},
		{"delay 0 at window end moves to next day", "UTC", "2026-06-10 09:59", 0, "2026-06-11 08:00"},
		{"delay 0 before window", "UTC", "2026-06-10 06:00", 0, "2026-06-10 08:00"},
		{"delay 0 after window", "UTC", "2026-06-10 12:00", 0, "2026-06-11 08:00"},
		{"two days keeps the hour", "UTC", "2026-06-10 08:05", 48 * time.Hour, "2026-06-12 08:05"},
		{"one day lands after window", "UTC", "2026-06-10 09:30", 24*time.Hour + time.Hour, "2026-06-12 08:00"},
		{"one day over New York spring forward", "America/New_York", "2026-03-07 08:30", 24 * time.Hour, "2026-03-08 09:30"},
		{"one day over New York spring forward, late", "America/New_York", "2026-03-07 09:30", 24 * time.Hour, "2026-03-09 08:00"},
		{"one day over London fall back", "Europe/London", "2026-10-24 09:30", 24 * time.Hour, "2026-10-25 08:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := loadZone(t, tt.zone)
			sent := atWall(t, loc, tt.sent)
			got := window8to10(everyDay).NextDue(sent, tt.delay, loc)
			if w := got.In(loc).Format(wallLayout); w != tt.want {
				t.Errorf("NextDue(%s, %v) = %s, want %s", tt.sent, tt.delay, w, tt.want)
			}
		})
	}
}

// TestNextDueNeverTooSoon walks sent times across two days, some seconds
// off the minute, and checks every due time is in the window and at least
// a minute after the send.
func TestNextDueNeverTooSoon(t *testing.T) {
	for _, name := range []string{"UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"} {
		loc := loadZone(t, name)
		s := window8to10(everyDay)
		start := atWall(t, loc, "2026-10-03 00:00")
		for sent := start; sent.Before(start.Add(48 * time.Hour)); sent = sent.Add(7*time.Minute + 13*time.Second) {
			for _, delay := range []time.Duration{0, 30 * time.Second, time.Minute} {
				due := s.NextDue(sent, delay, loc)
				if due.Before(sent.Add(time.Minute)) {
					t.Fatalf("%s: NextDue(%s, %v) = %s, less than a minute later", name, sent.In(loc), delay, due.In(loc))
				}
				if h := due.In(loc).Hour(); h < 8 || h >= 10 {
					t.Fatalf("%s: NextDue(%s, %v) = %s, outside the window", name, sent.In(loc), delay, due.In(loc))
				}
			}
		}
	}
}

func TestFirstDue(t *testing.T) {
	loc := loadZone(t, "America/New_York")
	s := window8to10(everyDay)
	tests := []struct {
		name      string
		confirmed string
		wait      bool
		want      string
	}{
		{"immediate at night", "2026-11-01 23:00", false, "2026-11-01 23:00"},
		{"immediate inside window", "2026-11-01 09:00", false, "2026-11-01 09:00"},
		{"wait at night", "2026-11-01 23:00", true, "2026-11-02 08:00"},
		{"wait before window on DST day", "2026-03-08 01:00", true, "2026-03-08 08:00"},
		{"wait inside window", "2026-11-01 09:00", true, "2026-11-01 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.FirstDue(atWall(t, loc, tt.confirmed), tt.wait, loc)
			if w := got.In(loc).Format(wallLayout); w != tt.want {
				t.Errorf("FirstDue = %s, want %s", w, tt.want)
			}
		})
	}
}

func TestZone(t *testing.T) {
	def := time.FixedZone("default", 3600)
	tests := []struct{ in, want string }{
		{"", "default"},
		{"Not/A_Zone", "default"},
		{"Local", "default"},
		{"../../etc/passwd", "default"},
		{"Europe/London", "Europe/London"},
		{"Asia/Kathmandu", "Asia/Kathmandu"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			for range 2 { // the second lookup comes from the cache
				if got := schedule.Zone(tt.in, def).String(); got != tt.want {
					t.Errorf("Zone(%q) = %s, want %s", tt.in, got, tt.want)
				}
			}
		})
	}
}

// A lesson scheduled in its window but claimed long after it closed
// (after downtime) waits for the next window; everything else goes.
func TestLateCatchUpWaitsForTheWindow(t *testing.T) {
	s := window8to10(everyDay)
	day := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, time.UTC) }
	for _, c := range []struct {
		name     string
		due, now time.Time
		later    time.Time // zero: goes now
	}{
		{"in the window", day(1, 9, 0), day(1, 9, 30), time.Time{}},
		{"within the hour after it", day(1, 9, 0), day(1, 10, 45), time.Time{}},
		{"the afternoon after", day(1, 9, 0), day(1, 11, 30), day(2, 8, 0)},
		{"the night after downtime", day(1, 9, 0), day(2, 3, 0), day(2, 8, 0)},
		{"a day late, in the window", day(1, 9, 0), day(2, 9, 0), time.Time{}},
		{"a crashed send's lease that ended just after the window", day(1, 10, 5), day(2, 3, 0), day(2, 8, 0)},
		{"due outside the window (asked for at night, an immediate first lesson)", day(1, 23, 0), day(2, 3, 0), time.Time{}},
		{"not due yet", day(2, 8, 0), day(1, 23, 0), time.Time{}},
	} {
		later, late := s.Late(c.due, c.now, time.UTC)
		if late != !c.later.IsZero() || !later.Equal(c.later) {
			t.Errorf("%s: Late = %s, %v; want %s", c.name, later, late, c.later)
		}
	}
}
