package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

// The built-in lessons hold two courses, in catalogue order.
const (
	breakup = "after-the-breakup"
	trust   = "rebuilding-trust" // the default course: it leads to breakup
)

// courseCLI is a harness with the settings every command of a test gets
// (the PostgreSQL database, when the test runs on one).
type courseCLI struct {
	*harness
	env map[string]string
}

func (h *courseCLI) run(args ...string) (string, error) {
	h.t.Helper()
	return h.cli(h.env, args...)
}

// severalCoursesChecks run on SQLite and on PostgreSQL, each on its own
// twoCourses.
var severalCoursesChecks = []struct {
	name string
	fn   func(*testing.T, *courseCLI)
}{
	{"export", checkExportSeveralCourses}, {"import --course", checkImportCourseFlag}, {"stats", checkStatsSeveralCourses},
	{"stats --course --json", checkStatsCourseJSONKeepsItsShape}, {"schedule and check", checkScheduleAndCheckSeveralCourses},
	{"subscriber", checkSubscriberSeveralCourses},
}

func TestSeveralCoursesCLI(t *testing.T) {
	for _, c := range severalCoursesChecks {
		t.Run(c.name, func(t *testing.T) { c.fn(t, twoCourses(t, nil)) })
	}
}

func TestSeveralCoursesCLIOnPostgres(t *testing.T) {
	pgtest.URL(t)
	for _, c := range severalCoursesChecks {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, twoCourses(t, map[string]string{"DRIP_DATABASE_URL": pgtest.Fresh(t)}))
		})
	}
}

// twoCourses is a harness on the built-in set with readers imported into
// both courses by the course column: ann takes both, bob the second,
// cat names no course and so gets the default. Each has had lesson 1.
func twoCourses(t *testing.T, env map[string]string) *courseCLI {
	t.Helper()
	h := &courseCLI{newHarness(t, env), env}
	file := writeCSV(t, "email,name,timezone,course\n"+
		"ann@example.com,Ann,Europe/London,rebuilding-trust\n"+
		"ann@example.com,Ann,Europe/London,After-The-Breakup\n"+
		"bob@example.com,Bob,UTC,after-the-breakup\n"+
		"cat@example.com,,UTC,\n"+
		"dan@example.com,,UTC,no-such-course\n")
	out, err := h.run("import", file, "--confirmed")
	var ec exitCode
	if !errors.As(err, &ec) || ec != 1 {
		t.Fatalf("import with an unknown course: %v, want exit status 1\n%s", err, out)
	}
	for _, want := range []string{
		file + `:6: unknown course "no-such-course": the courses here are after-the-breakup, rebuilding-trust`,
		"3 added, 0 already present, 0 suppressed, 1 bad rows, 1 readers already present enrolled in a further course",
		"Rows that name no course went to the default course, rebuilding-trust",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("import output lacks %q:\n%s", want, out)
		}
	}
	if _, err := h.app.db.SubscriberByEmail(context.Background(), "dan@example.com"); !errors.Is(err, drip.ErrNotFound) {
		t.Fatalf("the row with an unknown course was imported: %v", err)
	}
	h.clock.Set(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	h.pass()
	if n := h.smtp.Count(); n != 4 {
		t.Fatalf("%d first lessons sent, want 4 (ann twice, bob, cat)", n)
	}
	h.smtp.Reset()
	return h
}

func writeCSV(t *testing.T, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "readers.csv")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// enrollments maps a reader's courses to their status in each.
func (h *harness) enrollments(email string) map[string]drip.EnrollmentStatus {
	h.t.Helper()
	ctx := context.Background()
	sub, err := h.app.db.SubscriberByEmail(ctx, email)
	if err != nil {
		h.t.Fatal(err)
	}
	ens, err := h.app.db.Enrollments(ctx, sub.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]drip.EnrollmentStatus{}
	for _, en := range ens {
		out[en.Course] = en.Status
	}
	return out
}

// mustFailOneLine runs a command that must fail with one line holding
// want.
func (h *courseCLI) mustFailOneLine(want string, args ...string) {
	h.t.Helper()
	out, err := h.run(args...)
	if err == nil {
		h.t.Fatalf("%v succeeded:\n%s", args, out)
	}
	if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
		h.t.Fatalf("%v: error %q, want one line with %q", args, msg, want)
	}
}

const unknownSlug = `unknown course "nope": the courses here are after-the-breakup, rebuilding-trust`

func checkExportSeveralCourses(t *testing.T, h *courseCLI) {
	out, err := h.run("export")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || strings.Join(rows[0], ",") != "email,name,timezone,status,created,confirmed,last_lesson,next_due,enrollment_status,course" {
		t.Fatalf("export: %v\n%s", err, out)
	}
	got := map[string]bool{}
	for _, r := range rows[1:] {
		got[r[0]+" "+r[9]+" "+r[8]+" "+r[6]] = true
	}
	for _, want := range []string{"ann@example.com rebuilding-trust active welcome", "ann@example.com after-the-breakup active welcome",
		"bob@example.com after-the-breakup active welcome", "cat@example.com rebuilding-trust active welcome"} {
		if !got[want] {
			t.Errorf("export lacks the row %q:\n%s", want, out)
		}
	}
	if len(rows) != 5 {
		t.Errorf("export has %d rows, want a header and one per enrollment (4):\n%s", len(rows), out)
	}
	one, err := h.run("export", "--course", breakup)
	if err != nil || strings.Count(one, "\n") != 3 || !strings.Contains(one, "ann@example.com") || !strings.Contains(one, "bob@example.com") {
		t.Fatalf("export --course %s should hold its 2 readers: %v\n%s", breakup, err, one)
	}
	h.mustFailOneLine(unknownSlug, "export", "--course", "nope")

	// The export, imported elsewhere, gives each reader their courses.
	file := writeCSV(t, out)
	env := map[string]string{"DRIP_DATA": t.TempDir()}
	if out, err := runCmd(t, env, "import", "--confirmed", file); err != nil || !strings.Contains(out, "3 added") {
		t.Fatalf("importing the export: %v\n%s", err, out)
	}
	again, err := runCmd(t, env, "export")
	if err != nil || strings.Count(again, "\n") != 5 || !strings.Contains(again, ",after-the-breakup\n") {
		t.Fatalf("the export of the imported export: %v\n%s", err, again)
	}
}

func checkImportCourseFlag(t *testing.T, h *courseCLI) {
	// --course (after the file, as one writes it) is the course of the
	// rows that name none; a row that names one keeps it.
	file := writeCSV(t, "email,course\neve@example.com\nfay@example.com,rebuilding-trust\n")
	if out, err := h.run("import", file, "--course", breakup, "--confirmed"); err != nil || !strings.Contains(out, "2 added") || strings.Contains(out, "default course") {
		t.Fatalf("import --course: %v\n%s", err, out)
	}
	if e, f := h.enrollments("eve@example.com"), h.enrollments("fay@example.com"); len(e) != 1 || e[breakup] != drip.EnrollActive || len(f) != 1 || f[trust] != drip.EnrollActive {
		t.Fatalf("eve's courses %v, fay's %v", e, f)
	}
	h.mustFailOneLine(unknownSlug, "import", file, "--course", "nope")
	// A mistyped slug leaves nothing behind, not even a database.
	data := t.TempDir()
	if _, err := runCmd(t, map[string]string{"DRIP_DATA": data}, "import", "--course", "nope", file); err == nil {
		t.Fatal("import --course nope succeeded")
	}
	if _, err := os.Stat(filepath.Join(data, "dripcourse.db")); !os.IsNotExist(err) {
		t.Fatalf("import --course nope made a database: %v", err)
	}
}

func checkStatsSeveralCourses(t *testing.T, h *courseCLI) {
	out, err := h.run("stats")
	if err != nil {
		t.Fatal(err)
	}
	flat := squeeze(out)
	for _, want := range []string{"== After the Breakup (after-the-breakup) ==", "== Rebuilding Trust (rebuilding-trust) ==",
		"welcome 2 0 (0.0%) 0 0 (0.0%)", "readers of this course: pending 0 active 2", "== every course ==", "addresses: pending 0 active 3", "last 7 days: 4 sent"} {
		if !strings.Contains(flat, want) {
			t.Errorf("stats lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(flat, "welcome 4") {
		t.Errorf("stats counted the two courses' welcome lessons together:\n%s", out)
	}

	out, err = h.run("stats", "--json")
	var all coursesReport
	if err != nil || json.Unmarshal([]byte(out), &all) != nil || len(all.Courses) != 2 {
		t.Fatalf("stats --json: %v\n%s", err, out)
	}
	if b, r := all.Courses[0], all.Courses[1]; b.Slug != breakup || r.Slug != trust || len(b.Lessons) != 7 || b.Lessons[0].Sent != 2 ||
		r.Lessons[0].Sent != 2 || b.Readers[drip.StatusActive] != 2 || all.Readers[drip.StatusActive] != 3 {
		t.Errorf("stats --json: %+v", all)
	}
	h.mustFailOneLine(unknownSlug, "stats", "--course", "nope")
}

// checkStatsCourseJSONKeepsItsShape: one course's report of several has
// exactly the keys of a one-course install's (lessons, readers, bounces,
// thresholds, and completed, which both carry), counting that course
// alone.
func checkStatsCourseJSONKeepsItsShape(t *testing.T, h *courseCLI) {
	out, err := h.run("stats", "--course", breakup, "--json")
	var keys map[string]json.RawMessage
	if err != nil || json.Unmarshal([]byte(out), &keys) != nil {
		t.Fatalf("stats --course --json: %v\n%s", err, out)
	}
	if len(keys) != 5 || keys["lessons"] == nil || keys["readers"] == nil || keys["bounces"] == nil || keys["thresholds"] == nil || keys["completed"] == nil {
		t.Fatalf("stats --course --json has other keys than lessons, readers, completed, bounces, thresholds:\n%s", out)
	}
	var rep statsReport
	json.Unmarshal([]byte(out), &rep)
	if len(rep.Lessons) != 7 || rep.Lessons[0].Slug != "welcome" || rep.Lessons[0].Sent != 2 || rep.Readers[drip.StatusActive] != 2 {
		t.Errorf("stats --course %s --json: %+v", breakup, rep)
	}
}

func checkScheduleAndCheckSeveralCourses(t *testing.T, h *courseCLI) {
	out, err := h.run("schedule")
	if err != nil {
		t.Fatal(err)
	}
	at := strings.Index(out, "== Rebuilding Trust")
	if !strings.HasPrefix(out, "== After the Breakup (after-the-breakup) ==") || at < 0 || strings.Count(out, "for 2 active readers") != 2 {
		t.Fatalf("schedule should show each course in turn under its heading:\n%s", out)
	}
	if !strings.Contains(out[:at], "02 what-ended-it") || !strings.Contains(out[at:], "02 why-trust-breaks") {
		t.Errorf("each course's lessons should be under its own heading:\n%s", out)
	}
	one, err := h.run("schedule", "--course", trust)
	if err != nil || one != out[at+len("== Rebuilding Trust (rebuilding-trust) ==\n\n"):] {
		t.Errorf("schedule --course %s should be that course's part, with no heading: %v\n%s", trust, err, one)
	}
	h.mustFailOneLine(unknownSlug, "schedule", "--course", "nope")

	out, err = h.run("check", "--against-live")
	if err != nil || !strings.Contains(out, "ok: 2 courses") || strings.Count(out, "the 2 readers now in the course") != 2 || !strings.Contains(out, "== Rebuilding Trust") {
		t.Fatalf("check --against-live: %v\n%s", err, out)
	}
	out, err = h.run("check", "--against-live", "--course", breakup)
	if err != nil || strings.Contains(out, "==") || !strings.Contains(squeeze(out), "02 what-ended-it 2 2 0") || strings.Contains(out, "why-trust-breaks") {
		t.Fatalf("check --against-live --course %s: %v\n%s", breakup, err, out)
	}
	h.mustFailOneLine(unknownSlug, "check", "--against-live", "--course", "nope")
}

func checkSubscriberSeveralCourses(t *testing.T, h *courseCLI) {
	h.mustFailOneLine("ann@example.com takes 2 courses (rebuilding-trust: active, after-the-breakup: active): add --course SLUG to say which",
		"subscriber", "pause", "ann@example.com")
	out, err := h.run("subscriber", "pause", "ann@example.com", "--course", breakup)
	if err != nil || !strings.HasPrefix(out, "ann@example.com: paused in after-the-breakup;") {
		t.Fatalf("pause --course: %v\n%s", err, out)
	}
	if got := h.enrollments("ann@example.com"); got[breakup] != drip.EnrollPaused || got[trust] != drip.EnrollActive {
		t.Fatalf("after pausing one course, ann's courses are %v", got)
	}
	// bob takes one course: no --course needed.
	if out, err := h.run("subscriber", "pause", "bob@example.com"); err != nil || !strings.HasPrefix(out, "bob@example.com: paused in after-the-breakup;") {
		t.Fatalf("pause of a one-course reader: %v\n%s", err, out)
	}
	h.mustFailOneLine("bob@example.com is not a reader of rebuilding-trust (after-the-breakup: paused)",
		"subscriber", "resume", "--course", trust, "bob@example.com")
	h.mustFailOneLine(unknownSlug, "subscriber", "resume", "bob@example.com", "--course", "nope")
	h.mustFailOneLine("put settings first", "subscriber", "resume", "bob@example.com", "--data", "elsewhere")
	if out, err := h.run("subscriber", "resume", "--course", breakup, "ann@example.com"); err != nil || !strings.HasPrefix(out, "ann@example.com: active in after-the-breakup;") {
		t.Fatalf("resume --course: %v\n%s", err, out)
	}
	if got := h.enrollments("ann@example.com"); got[breakup] != drip.EnrollActive || got[trust] != drip.EnrollActive {
		t.Fatalf("after resuming, ann's courses are %v", got)
	}
}
