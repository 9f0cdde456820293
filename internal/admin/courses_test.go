package admin

import (
	"context"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// threeCourses is the built-in two courses and a short third one with a
// sender name, Reply-To and slug of its own.
func threeCourses(t *testing.T) *course.Set {
	t.Helper()
	var cs []*course.Course
	for _, dir := range []string{"rebuilding-trust", "after-the-breakup"} {
		c, err := course.Load(dripcourse.BuiltInCourse(dir))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	src := dripcourse.BuiltInCourse("after-the-breakup")
	third := fstest.MapFS{}
	for _, name := range []string{"course.yaml", "01-welcome.md", "02-what-ended-it.md"} {
		b, err := fs.ReadFile(src, name)
		if err != nil {
			t.Fatal(err)
		}
		third[name] = &fstest.MapFile{Data: b}
	}
	yaml := strings.NewReplacer("slug: after-the-breakup", "slug: third-course", "title: After the Breakup", "title: Third Course",
		"sender_name: After the Breakup", "sender_name: Third Sender\nreply_to: replies@third.example").Replace(string(third["course.yaml"].Data))
	third["course.yaml"] = &fstest.MapFile{Data: []byte(yaml)}
	c, err := course.Load(third)
	if err != nil {
		t.Fatal(err)
	}
	return course.NewSet(append(cs, c)...)
}

// newCoursesAdmin is a logged-in admin over three courses.
func newCoursesAdmin(t *testing.T) *admin {
	a := adminOf(newFixtureOf(t, threeCourses(t)))
	a.login()
	return a
}

// enroll makes a reader who confirmed the first course and joined the
// others from their own links; with no course, one waiting to confirm
// pending.
func (a *admin) enroll(email, pending string, courses ...string) int64 {
	a.t.Helper()
	ctx, now := context.Background(), a.clock.Now()
	first := pending
	if first == "" {
		first = courses[0]
	}
	res, err := a.db.Subscribe(ctx, store.Signup{Email: email, Course: first, At: now, MaxConfirmations: 3, ConfirmWindow: time.Hour})
	if err != nil {
		a.t.Fatal(err)
	}
	for i, c := range courses {
		join := a.db.Enroll
		if i == 0 {
			join = a.db.Confirm
		}
		if _, err := join(ctx, res.SubscriberID, c, now.Add(time.Hour), now); err != nil {
			a.t.Fatalf("%s joins %s: %v", email, c, err)
		}
	}
	return res.SubscriberID
}

// statusCount reads the dashboard's count of readers in enrollment
// status st; -1 when the page has none.
func statusCount(page string, st drip.EnrollmentStatus) string {
	m := regexp.MustCompile(`<b>(\d+)</b> <a href="[^"]*enrolled=` + string(st) + `[^"]*">`).FindStringSubmatch(page)
	if m == nil {
		return "-1"
	}
	return m[1]
}

func TestAdminSwitcherOnlyWithSeveralCourses(t *testing.T) {
	one := newAdmin(t)
	one.login()
	for _, path := range []string{"/admin", "/admin/lessons", "/admin/readers"} {
		if _, page := one.get(path); strings.Contains(page, `class="courses"`) || strings.Contains(page, "course=") {
			t.Errorf("one course: %s shows a switcher or a course in a link", path)
		}
	}
	a := newCoursesAdmin(t)
	_, page := a.get("/admin")
	for _, want := range []string{`<nav class="courses"`, `<a href="/admin?course=rebuilding-trust" aria-current="true">Rebuilding Trust</a>`,
		`<a href="/admin?course=after-the-breakup">After the Breakup</a>`, `<a href="/admin?course=third-course">Third Course</a>`, `href="/admin/lessons"`} {
		if !strings.Contains(page, want) {
			t.Errorf("three courses: /admin lacks %s", want)
		}
	}
	_, page = a.get("/admin/lessons?course=after-the-breakup")
	for _, want := range []string{`<a href="/admin/lessons?course=after-the-breakup" aria-current="true">`, `href="/admin?course=after-the-breakup"`,
		`href="/admin/lessons/what-ended-it?course=after-the-breakup"`, "Course: <strong>After the Breakup</strong>"} {
		if !strings.Contains(page, want) {
			t.Errorf("lessons of the second course lack %s", want)
		}
	}
	if strings.Contains(page, "a-real-apology") {
		t.Error("the second course's lessons list a lesson of the first")
	}
	if _, page = a.get("/admin/readers"); !strings.Contains(page, `<a href="/admin/readers" aria-current="true">Every course</a>`) {
		t.Error("the reader list does not offer every course at once")
	}
}

func TestAdminCountsPerCourse(t *testing.T) {
	a := newCoursesAdmin(t)
	a.enroll("ann@example.com", "", "rebuilding-trust", "after-the-breakup")
	a.enroll("bob@example.com", "", "rebuilding-trust")
	a.enroll("eve@example.com", "", "rebuilding-trust")
	cat := a.enroll("cat@example.com", "", "after-the-breakup")
	a.enroll("dan@example.com", "third-course")
	if _, err := a.db.PauseEnrollment(context.Background(), cat, "after-the-breakup", a.clock.Now()); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[drip.EnrollmentStatus]string{
		"rebuilding-trust":  {drip.EnrollPending: "0", drip.EnrollActive: "3", drip.EnrollPaused: "0"},
		"after-the-breakup": {drip.EnrollPending: "0", drip.EnrollActive: "1", drip.EnrollPaused: "1"},
		"third-course":      {drip.EnrollPending: "1", drip.EnrollActive: "0", drip.EnrollPaused: "0"},
	}
	started := map[string]string{"rebuilding-trust": "3", "after-the-breakup": "2", "third-course": "0"}
	for slug, counts := range want {
		_, page := a.get("/admin?course=" + slug)
		for st, n := range counts {
			if got := statusCount(page, st); got != n {
				t.Errorf("%s dashboard: %s %s, want %s", slug, got, st, n)
			}
		}
		if !strings.Contains(page, "<b>"+started[slug]+"</b> started the course") {
			t.Errorf("%s dashboard: want %s started", slug, started[slug])
		}
	}
	lists := map[string]string{"/admin/readers": "5 readers", "/admin/readers?course=after-the-breakup": "2 readers",
		"/admin/readers?course=rebuilding-trust&enrolled=active": "3 readers", "/admin/readers?course=after-the-breakup&enrolled=paused": "1 reader.",
		"/admin/readers?enrolled=pending": "1 reader."}
	for path, n := range lists {
		if _, page := a.get(path); !strings.Contains(page, n) {
			t.Errorf("%s: want %s", path, n)
		}
	}
	if _, page := a.get("/admin/readers"); !strings.Contains(page, "After the Breakup: paused") {
		t.Error("the list of every course does not show each reader's courses")
	}
}

func TestAdminReaderInTwoCourses(t *testing.T) {
	a := newCoursesAdmin(t)
	ann := a.enroll("ann@example.com", "", "rebuilding-trust", "after-the-breakup")
	base := "/admin/readers/" + itoa(ann)
	_, page := a.get(base)
	for _, want := range []string{`id="course-rebuilding-trust">Rebuilding Trust: active`, `id="course-after-the-breakup">After the Breakup: active`,
		`action="` + base + `/pause?course=after-the-breakup"`, `action="` + base + `/move?course=rebuilding-trust"`, "0 of 13 lessons sent", "0 of 7 lessons sent",
		"<strong>Started a course from their own link</strong> · <span class=\"muted\">link; After the Breakup</span>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the reader's page lacks %s", want)
		}
	}
	statuses := func() (drip.EnrollmentStatus, drip.EnrollmentStatus) {
		rt, _ := a.db.Enrollment(context.Background(), ann, "rebuilding-trust")
		ab, _ := a.db.Enrollment(context.Background(), ann, "after-the-breakup")
		return rt.Status, ab.Status
	}
	if res, _ := a.post(base+"/pause?course=after-the-breakup", nil); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != base+"?course=after-the-breakup&done=pause" {
		t.Fatalf("pause: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if rt, ab := statuses(); rt != drip.EnrollActive || ab != drip.EnrollPaused {
		t.Fatalf("after pausing the second course: %s and %s, want active and paused", rt, ab)
	}
	if _, page := a.get(base + "?course=after-the-breakup&done=pause"); !strings.Contains(page, "paused. Course: After the Breakup.") {
		t.Error("the note after the pause does not name the course")
	}
	if res, _ := a.req("POST", base+"/stop?course=rebuilding-trust", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site stop: %d, want 403", res.StatusCode)
	}
	if res, _ := a.post(base+"/stop?course=rebuilding-trust", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("stop: %d", res.StatusCode)
	}
	if rt, ab := statuses(); rt != drip.EnrollStopped || ab != drip.EnrollPaused || a.status("ann@example.com") != drip.StatusActive {
		t.Fatalf("after stopping the first course: %s and %s, reader %s; want stopped, paused and an active reader", rt, ab, a.status("ann@example.com"))
	}
	if res, _ := a.post(base+"/stop?course=rebuilding-trust", nil); res.StatusCode != http.StatusConflict {
		t.Errorf("a second stop: %d, want 409", res.StatusCode)
	}
	_, page = a.get(base)
	for _, want := range []string{"Rebuilding Trust: stopped", "<dt>Stopped</dt>", "After the Breakup: paused", "<dt>Paused</dt>", `action="` + base + `/resume?course=after-the-breakup"`} {
		if !strings.Contains(page, want) {
			t.Errorf("after the actions the reader's page lacks %s", want)
		}
	}
	if strings.Contains(page, base+"/pause?course=rebuilding-trust") {
		t.Error("a stopped course still offers a pause")
	}
}

func TestAdminUnknownCourseIsNotFound(t *testing.T) {
	a := newCoursesAdmin(t)
	ann := a.enroll("ann@example.com", "", "rebuilding-trust")
	for _, path := range []string{"/admin?course=nope", "/admin/lessons?course=nope", "/admin/lessons/welcome?course=nope",
		"/admin/lessons/welcome/email?course=..%2F..", "/admin/readers?course=NOPE", "/admin/lessons/a-real-apology?course=after-the-breakup"} {
		if res, page := a.get(path); res.StatusCode != http.StatusNotFound || !strings.Contains(page, "<h1>") {
			t.Errorf("GET %s: %d, want the admin's 404 page", path, res.StatusCode)
		}
	}
	if res, _ := a.post("/admin/readers/"+itoa(ann)+"/pause?course=nope", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("pause in an unknown course: %d, want 404", res.StatusCode)
	}
	if e, _ := a.db.Enrollment(context.Background(), ann, "rebuilding-trust"); e.Status != drip.EnrollActive {
		t.Errorf("a pause in an unknown course changed the reader's course: %s", e.Status)
	}
}

// TestAdminPreviewUsesTheCoursesSettings: each course's preview has its
// own sender name, Reply-To and List-Id.
func TestAdminPreviewUsesTheCoursesSettings(t *testing.T) {
	a := newCoursesAdmin(t)
	a.srv.Sender = &recorder{}
	_, page := a.get("/admin/lessons/welcome?course=third-course")
	for _, want := range []string{"Third Sender &lt;c@example.test&gt;", "<dd>replies@third.example</dd>", "&lt;third-course.lists.example.test&gt;",
		`src="/admin/lessons/welcome/email?course=third-course"`, `action="/admin/lessons/welcome/test?course=third-course"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the third course's preview lacks %s", want)
		}
	}
	_, page = a.get("/admin/lessons/welcome")
	if !strings.Contains(page, "&lt;rebuilding-trust.lists.example.test&gt;") || strings.Contains(page, "replies@third.example") {
		t.Error("the default course's preview is not the default course's")
	}
	if _, html := a.get("/admin/lessons/welcome/email?course=after-the-breakup"); !strings.Contains(html, "After the Breakup") {
		t.Error("the second course's HTML part is not its own")
	}
}
