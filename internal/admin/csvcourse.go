package admin

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/store"
)

// EnrollmentHeader is the header row of an export of several courses:
// ExportHeader, then the course of the row's enrollment.
var EnrollmentHeader = append(slices.Clone(ExportHeader), "course")

// rowCourse is the course a row names in its course column, or Course
// when it names none; with a reason instead when it names a course that
// is not here.
func (im *Importer) rowCourse(c importColumns, rec []string) (*course.Course, string) {
	slug := ""
	if c.Course >= 0 && c.Course < len(rec) {
		slug = strings.ToLower(strings.TrimSpace(unescapeCell(rec[c.Course])))
	}
	if slug == "" || slug == im.Course.Slug {
		return im.Course, ""
	}
	if im.Set == nil {
		return nil, fmt.Sprintf("the row's course %q is not %s, the course this import is for", clip(slug, 64), im.Course.Slug)
	}
	if crs, ok := im.Set.Course(slug); ok {
		return crs, ""
	}
	slugs := make([]string, len(im.Set.Courses))
	for i, c := range im.Set.Courses {
		slugs[i] = c.Slug
	}
	return nil, fmt.Sprintf("unknown course %q: the courses here are %s", clip(slug, 64), strings.Join(slugs, ", "))
}

// ExportEnrollments writes one row per enrollment, with EnrollmentHeader
// first: a reader of three courses has three rows, each with the reader's
// own fields and where they stand in that course. With course "", every
// enrollment of every course, and a row with an empty course for each
// reader in none; with a slug, the readers of that course alone.
// Importing the file again (as confirmed readers) enrolls each reader in
// each of their courses.
func ExportEnrollments(ctx context.Context, db *store.DB, course string, w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(EnrollmentHeader)
	err := db.EachEnrollment(ctx, course, func(r store.ReaderRow) error {
		return cw.Write(append(exportRow(r), r.Course))
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return err
}
