package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// ReadersPerPage is the length of a page of the reader list.
const ReadersPerPage = 50

type readersData struct {
	Rows     []store.ReaderRow
	Q        string
	Status   drip.Status
	Statuses []drip.Status
	Total    int
	Page     int
	Pages    int
	Prev     string
	Next     string
}

func (s *Server) readersPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &readersData{Q: q.Get("q"), Statuses: drip.Statuses, Page: 1}
	for _, st := range drip.Statuses {
		if string(st) == q.Get("status") {
			d.Status = st
		}
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 {
		d.Page = p
	}
	rows, total, err := s.DB.Readers(r.Context(), store.ReaderQuery{Course: s.content().Default().Slug, Search: d.Q, Status: d.Status,
		Offset: (d.Page - 1) * ReadersPerPage, Limit: ReadersPerPage})
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	d.Rows, d.Total, d.Pages = rows, total, max(1, (total+ReadersPerPage-1)/ReadersPerPage)
	page := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if d.Q != "" {
			v.Set("q", d.Q)
		}
		if d.Status != "" {
			v.Set("status", string(d.Status))
		}
		return "/admin/readers?" + v.Encode()
	}
	if d.Page > 1 {
		d.Prev = page(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = page(d.Page + 1)
	}
	s.adminRender(w, r, http.StatusOK, "readers", &adminPage{Title: "Readers", Section: "readers", Data: d})
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

type readerData struct {
	Rec         *store.ReaderRecord
	Enrollment  *store.EnrollmentRecord // in the current course; nil if none
	Timeline    []timelineEntry
	CanPause    bool
	CanResume   bool
	CanUnsub    bool
	MoveTargets []*course.Lesson
	Confirm     string // the erase form's typed confirmation
}

func (s *Server) readerPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.reader(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.adminRender(w, r, http.StatusOK, "reader", &adminPage{Title: d.Rec.Subscriber.Email, Section: "readers", Data: d})
}

// reader loads a reader's page: their record, timeline and the actions
// that make sense for them now.
func (s *Server) reader(r *http.Request) (*readerData, error) {
	id, err := readerID(r)
	if err != nil {
		return nil, err
	}
	rec, err := s.DB.ReaderData(r.Context(), id)
	if err != nil {
		return nil, err
	}
	crs := s.content().Default()
	d := &readerData{Rec: rec, Timeline: timeline(rec, crs)}
	for i := range rec.Enrollments {
		if rec.Enrollments[i].Course == crs.Slug {
			d.Enrollment = &rec.Enrollments[i]
		}
	}
	status := drip.Status(rec.Subscriber.Status)
	d.CanUnsub = status == drip.StatusActive || status == drip.StatusPending
	if d.Enrollment == nil || status != drip.StatusActive {
		return d, nil
	}
	es := drip.EnrollmentStatus(d.Enrollment.Status)
	d.CanPause, d.CanResume = es == drip.EnrollActive, es == drip.EnrollPaused
	if d.CanPause || d.CanResume {
		received, err := s.DB.Received(r.Context(), id, crs.Slug)
		if err != nil && !errors.Is(err, drip.ErrNotFound) {
			return nil, err
		}
		d.MoveTargets = moveTargets(crs, received)
	}
	return d, nil
}
