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
	Prev, Next     string
	First, Last    string
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
	if d.Page > 1 && len(d.Rows) > 0 {
		d.Prev = d.pageURL(d.Page-1, "after", d.Rows[0].ID)
		d.First = d.pageURL(1, "", 0)
	}
	if d.Page < d.Pages && len(d.Rows) > 0 {
		d.Next = d.pageURL(d.Page+1, "before", d.Rows[len(d.Rows)-1].ID)
		d.Last = d.pageURL(d.Pages, "last", 1)
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

// pageURL is the URL of page n of the list d shows, found from the
// reader key names (before, after or last; "" for the first page).
func (d *readersData) pageURL(n int, key string, id int64) string {
	v := url.Values{"page": {strconv.Itoa(n)}}
	if key != "" {
		v.Set(key, strconv.FormatInt(id, 10))
	}
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

// fillReaders loads the page of readers d asks for. Pages are reached
// from their neighbours (keyset pagination: ?before= the last reader of
// the page above, ?after= the first of the page below, ?last=1 the last
// page), so any page costs an index range; a page number alone is counted
// to by offset. A page past the end shows the last page instead.
func (s *Server) fillReaders(r *http.Request, d *readersData) error {
	q := store.ReaderQuery{Course: d.Course, Only: d.Course != "", Search: d.Q, Status: d.Status, Enrolled: d.Enrolled, Limit: ReadersPerPage}
	if !s.several() && !q.Only {
		q.Course = s.content().Default().Slug // one course: beside each reader, as ever
	}
	v := r.URL.Query()
	q.Before, q.After = idParam(v.Get("before")), idParam(v.Get("after"))
	if v.Get("last") != "" {
		q.Before, q.After, q.Oldest = 0, 0, true
	}
	for {
		if q.Before == 0 && q.After == 0 && !q.Oldest {
			q.Offset = (d.Page - 1) * ReadersPerPage
		}
		rows, total, err := s.DB.Readers(r.Context(), q)
		if err != nil {
			return err
		}
		d.Total, d.Pages = total, max(1, (total+ReadersPerPage-1)/ReadersPerPage)
		if q.Oldest {
			d.Page = d.Pages
		}
		if d.Page <= d.Pages && (len(rows) > 0 || total == 0) {
			return s.readerLines(r, d, rows)
		}
		d.Page, q.Before, q.After, q.Oldest = d.Pages, 0, 0, true
	}
}

// idParam reads a reader ID from a URL; anything else is none.
func idParam(v string) int64 {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
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
