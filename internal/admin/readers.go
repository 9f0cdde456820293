package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// ReadersPerPage is the length of a page of the reader list.
const ReadersPerPage = 50

type readersData struct {
	Rows     []readerLine
	Q        string
	Status   drip.Status
	Statuses []drip.Status
	// Course is the slug of the course whose readers are listed, "" for
	// every reader; Enrolled narrows them to one enrollment status.
	Course         string
	Courses        []courseOption // the course filter's choices; nil with one course
	Enrolled       drip.EnrollmentStatus
	EnrollStatuses []drip.EnrollmentStatus
	Total          int
	Page           int
	Pages          int
	Prev           string
	Next           string
}

// readerLine is a row of the reader list: the reader, their enrollment in
// the course listed, and, when every course is listed, each of their
// enrollments in words.
type readerLine struct {
	store.ReaderRow
	Courses []string
}

// courseOption is one choice of the reader list's course filter.
type courseOption struct{ Slug, Title string }

func (s *Server) readersPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &readersData{Q: q.Get("q"), Statuses: drip.Statuses, EnrollStatuses: drip.EnrollmentStatuses, Page: pageNumber(q.Get("page")),
		Course: chosen(r), Courses: s.courseOptions()}
	d.Status = pick(drip.Statuses, q.Get("status"))
	d.Enrolled = pick(drip.EnrollmentStatuses, q.Get("enrolled"))
	if err := s.fillReaders(r, d); err != nil {
		s.adminFail(w, r, err)
		return
	}
	if d.Page > 1 {
		d.Prev = d.pageURL(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = d.pageURL(d.Page + 1)
	}
	s.adminRender(w, r, http.StatusOK, "readers", &adminPage{Title: "Readers", Section: "readers", Current: d.Course, Data: d})
}

// pick is the value of list whose name is v; "" when none is.
func pick[T ~string](list []T, v string) T {
	for _, x := range list {
		if string(x) == v {
			return x
		}
	}
	return ""
}

// pageURL is the URL of page n of the list d shows.
func (d *readersData) pageURL(n int) string {
	v := url.Values{"page": {strconv.Itoa(n)}}
	for k, x := range map[string]string{"q": d.Q, "status": string(d.Status), courseParam: d.Course, "enrolled": string(d.Enrolled)} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return "/admin/readers?" + v.Encode()
}

// courseOptions are the courses to filter the reader list by; nil with
// one course, where every reader is the course's.
func (s *Server) courseOptions() []courseOption {
	if !s.several() {
		return nil
	}
	var out []courseOption
	for _, c := range s.content().Set.Courses {
		out = append(out, courseOption{c.Slug, c.Title})
	}
	return out
}

// maxPage bounds a page number before it becomes an offset, so no page
// number can overflow one.
const maxPage = 1 << 24

// pageNumber reads a page number from a URL: anything but a whole number
// of at least 1 is the first page.
func pageNumber(v string) int {
	p, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-"):
		return maxPage // a number too large for any list: its last page
	case err != nil || p < 1:
		return 1
	}
	return int(min(p, maxPage))
}

// fillReaders loads the page of readers d asks for. A page past the end
// shows the last page instead.
func (s *Server) fillReaders(r *http.Request, d *readersData) error {
	q := store.ReaderQuery{Course: d.Course, Only: d.Course != "", Search: d.Q, Status: d.Status, Enrolled: d.Enrolled, Limit: ReadersPerPage}
	if !s.several() && !q.Only {
		q.Course = s.content().Default().Slug // one course: beside each reader, as ever
	}
	for {
		q.Offset = (d.Page - 1) * ReadersPerPage
		rows, total, err := s.DB.Readers(r.Context(), q)
		if err != nil {
			return err
		}
		d.Total, d.Pages = total, max(1, (total+ReadersPerPage-1)/ReadersPerPage)
		if d.Page <= d.Pages {
			return s.readerLines(r, d, rows)
		}
		d.Page = d.Pages
	}
}

// readerLines makes the rows of the list; listing every course, it reads
// each reader's enrollments, in one query for the page.
func (s *Server) readerLines(r *http.Request, d *readersData, rows []store.ReaderRow) error {
	d.Rows = make([]readerLine, len(rows))
	ids := make([]int64, len(rows))
	for i, row := range rows {
		d.Rows[i].ReaderRow, ids[i] = row, row.ID
	}
	if !s.several() || d.Course != "" {
		return nil
	}
	enrolled, err := s.DB.EnrollmentsOf(r.Context(), ids)
	for i := range d.Rows {
		for _, e := range enrolled[d.Rows[i].ID] {
			d.Rows[i].Courses = append(d.Rows[i].Courses, s.courseTitle(e.Course)+": "+string(e.Status))
		}
	}
	return err
}

// readerID is the reader named in the URL; a malformed ID is simply not
// found.
func readerID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, drip.ErrNotFound
	}
	return id, nil
}
