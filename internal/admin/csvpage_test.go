package admin

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// uploadTo posts a CSV file to the import form with its course field.
func (a *admin) uploadTo(csv, course string) (*http.Response, string) {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("confirmed", "yes")
	mw.WriteField("course", course)
	fw, _ := mw.CreateFormFile("file", "readers.csv")
	fw.Write([]byte(csv))
	mw.Close()
	return a.req("POST", "/admin/import", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// With several courses, the import page imports into the course chosen
// in its form (a row's own course column wins), refuses a course that is
// not loaded, and the export writes one course's readers or every
// course's, with a course column.
func TestAdminImportExportPerCourse(t *testing.T) {
	a := newCoursesAdmin(t)
	_, page := a.get("/admin/import")
	if !strings.Contains(page, `<option value="third-course">Third Course</option>`) {
		t.Fatalf("the import page offers no course choice:\n%s", page)
	}
	csv := "email,name,timezone,course\nann@example.com,Ann,,\nbob@example.com,Bob,,rebuilding-trust\n"
	if res, page := a.uploadTo(csv, "third-course"); res.StatusCode != 200 || !strings.Contains(page, "2 added") {
		t.Fatalf("import: %d\n%s", res.StatusCode, page)
	}
	want := map[string]string{"ann@example.com": "third-course", "bob@example.com": "rebuilding-trust"}
	for email, course := range want {
		r, err := a.db.SubscriberByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		es, err := a.db.EnrollmentsOf(context.Background(), []int64{r.ID})
		if err != nil || len(es[r.ID]) != 1 || es[r.ID][0].Course != course {
			t.Errorf("%s: enrollments %+v, %v; want one in %s", email, es[r.ID], err, course)
		}
	}
	if res, page := a.uploadTo("email\ncat@example.com\n", "no-such-course"); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "There is no such course here") {
		t.Errorf("unknown course: %d\n%s", res.StatusCode, page)
	}
	if _, err := a.db.SubscriberByEmail(context.Background(), "cat@example.com"); err == nil {
		t.Error("an import into an unknown course added a reader")
	}
	_, one := a.get("/admin/export.csv?course=third-course")
	if lines := strings.Split(strings.TrimSpace(one), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "ann@example.com,") ||
		!strings.HasSuffix(lines[0], "course") {
		t.Errorf("export of one course:\n%s", one)
	}
	_, all := a.get("/admin/export.csv")
	if strings.Count(strings.TrimSpace(all), "\n") != 2 {
		t.Errorf("export of every course: want a header and 2 rows:\n%s", all)
	}
}
