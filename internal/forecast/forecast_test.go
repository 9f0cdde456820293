package forecast

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/store"
)

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T) (*store.DB, *course.Course) {
	t.Helper()
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "forecast.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, crs
}

// reader makes an active reader of crs whose first lesson is due in an hour.
func reader(t *testing.T, db *store.DB, crs *course.Course, email string) {
	t.Helper()
	ctx := context.Background()
	res, err := db.Subscribe(ctx, store.Signup{Email: email, Name: "Sam", Timezone: "Europe/London", Course: crs.Slug, At: now,
		MaxConfirmations: 3, ConfirmWindow: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Confirm(ctx, res.SubscriberID, crs.Slug, now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
}

func total(w Week) int {
	n := 0
	for _, day := range w.Counts {
		for _, c := range day {
			n += c
		}
	}
	return n
}

// The stored forecast is read while it is recent and made from the same
// course; housekeeping remakes it after RemakeAfter; an older one, or one
// from another version of the course, gives way to a projection made for
// the view.
func TestForecastIsStoredReadAndRemade(t *testing.T) {
	ctx := context.Background()
	db, crs := setup(t)
	reader(t, db, crs, "ann@example.com")
	live, err := Read(ctx, db, crs, now)
	if err != nil || live.Stored || live.Active != 1 || total(live) == 0 {
		t.Fatalf("with nothing stored: %+v, %v; want one active reader projected now", live, err)
	}
	if made, err := Remake(ctx, db, []*course.Course{crs}, now); err != nil || made != 1 {
		t.Fatalf("remake: %d, %v", made, err)
	}
	stored, err := Read(ctx, db, crs, now.Add(time.Minute))
	if err != nil || !stored.Stored || !stored.MadeAt.Equal(now) || total(stored) != total(live) || stored.Active != 1 {
		t.Fatalf("after a remake: %+v, %v; want the stored forecast, the same as the live one", stored, err)
	}

	reader(t, db, crs, "bea@example.com")
	if w, _ := Read(ctx, db, crs, now.Add(2*time.Minute)); !w.Stored || w.Active != 1 {
		t.Fatalf("a new reader within RemakeAfter: %+v; want the stored forecast", w)
	}
	if made, _ := Remake(ctx, db, []*course.Course{crs}, now.Add(3*time.Minute)); made != 0 {
		t.Fatalf("remade a forecast %s old", 3*time.Minute)
	}
	if made, _ := Remake(ctx, db, []*course.Course{crs}, now.Add(RemakeAfter)); made != 1 {
		t.Fatalf("did not remake a forecast %s old", RemakeAfter)
	}
	if w, _ := Read(ctx, db, crs, now.Add(RemakeAfter)); !w.Stored || w.Active != 2 || total(w) != 2*total(live) {
		t.Fatalf("after the remake: %+v; want both readers", w)
	}

	if w, _ := Read(ctx, db, crs, now.Add(RemakeAfter+MaxAge+time.Second)); w.Stored {
		t.Fatal("a forecast older than MaxAge was shown")
	}
	edited := *crs
	edited.Lessons = append([]*course.Lesson(nil), crs.Lessons[:len(crs.Lessons)-1]...)
	if w, _ := Read(ctx, db, &edited, now.Add(RemakeAfter)); w.Stored || w.Active != 2 {
		t.Fatalf("a course with a lesson removed: %+v; want a projection of the new version", w)
	}
	if Fingerprint(&edited) == Fingerprint(crs) {
		t.Fatal("removing a lesson left the fingerprint alone")
	}
}
