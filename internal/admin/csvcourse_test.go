package admin

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
)

// TestImportCourseColumn: a row's course column picks its course from
// the Set; without a Set, only the import's own course is accepted, and
// a row of another is refused, saying which course the import is for.
func TestImportCourseColumn(t *testing.T) {
	db, trust := importDB(t)
	breakup, err := course.Load(dripcourse.BuiltInCourse("after-the-breakup"))
	if err != nil {
		t.Fatal(err)
	}
	file := "email,Course\nann@example.com,\nbob@example.com,AFTER-THE-BREAKUP\ncat@example.com,'=nope\n"
	alone := &Importer{DB: db, Course: trust, Now: time.Now, Confirmed: true}
	rep, err := alone.Import(context.Background(), strings.NewReader(file))
	if err != nil || rep.Added != 1 || rep.Bad != 2 || rep.Notes[0].String() != `line 3: the row's course "after-the-breakup" is not rebuilding-trust, the course this import is for` ||
		rep.Notes[1].String() != `line 4: the row's course "=nope" is not rebuilding-trust, the course this import is for` {
		t.Fatalf("import without a set: %+v, %v", rep, err)
	}
	both := &Importer{DB: db, Course: trust, Set: course.NewSet(breakup, trust), Now: time.Now, Confirmed: true}
	rep, err = both.Import(context.Background(), strings.NewReader(file))
	if err != nil || rep.Added != 1 || rep.Existing != 1 || rep.Bad != 1 ||
		rep.Notes[1].String() != `line 4: unknown course "=nope": the courses here are after-the-breakup, rebuilding-trust` {
		t.Fatalf("import with a set: %+v, %v", rep, err)
	}
	var out bytes.Buffer
	if err := ExportEnrollments(context.Background(), db, "after-the-breakup", &out); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[0], ",enrollment_status,course") ||
		!strings.HasPrefix(lines[1], "bob@example.com,") || !strings.HasSuffix(lines[1], ",active,after-the-breakup") {
		t.Fatalf("export of one course:\n%s", out.String())
	}
}
