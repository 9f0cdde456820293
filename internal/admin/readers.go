package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
	d := &readersData{Q: q.Get("q"), Statuses: drip.Statuses, Page: pageNumber(q.Get("page"))}
	for _, st := range drip.Statuses {
		if string(st) == q.Get("status") {
			d.Status = st
		}
	}
	if err := s.fillReaders(r, d); err != nil {
		s.adminFail(w, r, err)
		return
	}
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
	for {
		rows, total, err := s.DB.Readers(r.Context(), store.ReaderQuery{Course: s.content().Default().Slug, Search: d.Q, Status: d.Status,
			Offset: (d.Page - 1) * ReadersPerPage, Limit: ReadersPerPage})
		if err != nil {
			return err
		}
		d.Rows, d.Total, d.Pages = rows, total, max(1, (total+ReadersPerPage-1)/ReadersPerPage)
		if d.Page <= d.Pages {
			return nil
		}
		d.Page = d.Pages
	}
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
	PausedUntil time.Time // the reader's own pause is in force until then
	CanPause    bool
	CanResume   bool
	CanUnsub    bool
	MoveTargets []*course.Lesson
	Confirm     string // the erase form's typed confirmation
	// Suppression says why the address is suppressed (the report that
	// did it), or how many soft bounces in a row it has had.
	Suppression store.Suppression
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
	if d.Suppression, err = s.DB.SuppressionOf(r.Context(), id); err != nil {
		return nil, err
	}
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
	d.PausedUntil = readerPause(rec, d.Enrollment, s.Now())
	d.CanPause, d.CanResume = es == drip.EnrollActive, es == drip.EnrollPaused || !d.PausedUntil.IsZero()
	if d.CanPause || d.CanResume {
		received, err := s.DB.Received(r.Context(), id, crs.Slug)
		if err != nil && !errors.Is(err, drip.ErrNotFound) {
			return nil, err
		}
		d.MoveTargets = moveTargets(crs, received)
	}
	return d, nil
}

// readerPause is when the reader's own pause (their "pause a week" link)
// ends, while it is in force; zero otherwise. Such a pause only pushes
// the next lesson back, so it is found in the events: the reader's last
// pause, with no resume, "next lesson now" or lesson claimed since, and
// the next lesson still to come.
func readerPause(rec *store.ReaderRecord, e *store.EnrollmentRecord, now time.Time) time.Time {
	if drip.EnrollmentStatus(e.Status) != drip.EnrollActive || !e.NextDueAt.After(now) {
		return time.Time{}
	}
	var paused time.Time
	for _, ev := range rec.Events {
		switch drip.EventKind(ev.Kind) {
		case drip.EventPause:
			paused = time.Time{}
			if ev.DeliveryID != 0 { // from a lesson's link, not the operator
				paused = ev.At
			}
		case drip.EventResume, drip.EventNext:
			paused = time.Time{}
		}
	}
	for _, d := range rec.Deliveries {
		if d.CreatedAt.After(paused) {
			return time.Time{}
		}
	}
	if paused.IsZero() {
		return time.Time{}
	}
	return e.NextDueAt
}
