package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/pause"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
)

// A reader's page: who they are, each course they take with its own
// actions, their reports and their timeline.

type readerData struct {
	Rec         *store.ReaderRecord
	Enrollments []enrollmentView // every course the reader has joined or asked to
	Timeline    []timelineEntry
	CanUnsub    bool
	Confirm     string // the erase form's typed confirmation
	// Suppression says why the address is suppressed (the report that
	// did it), or how many soft bounces in a row it has had.
	Suppression store.Suppression
}

// enrollmentView is one of a reader's courses, as their page shows it.
type enrollmentView struct {
	store.EnrollmentRecord
	Title       string // the course's title
	Progress    string // lessons sent, of the course's
	Next        string // the next lesson, by number and title; "" for none
	Paused      time.Time
	PausedUntil time.Time // the reader's own pause is in force until then
	CanPause    bool
	CanResume   bool
	CanStop     bool
	MoveTargets []*course.Lesson
	// Query is added to the enrollment's action URLs to name its course
	// ("" with one course); Key tells its form fields apart on the page.
	Query, Key string
}

func (s *Server) readerPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.reader(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.adminRender(w, r, http.StatusOK, "reader", &adminPage{Title: d.Rec.Subscriber.Email, Section: "readers", Data: d})
}

// reader loads a reader's page: their record, timeline, and each of their
// courses with the actions that make sense for it now.
func (s *Server) reader(r *http.Request) (*readerData, error) {
	id, err := readerID(r)
	if err != nil {
		return nil, err
	}
	rec, err := s.DB.ReaderData(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &readerData{Rec: rec, Timeline: s.timeline(rec)}
	if d.Suppression, err = s.DB.SuppressionOf(r.Context(), id); err != nil {
		return nil, err
	}
	status := drip.Status(rec.Subscriber.Status)
	d.CanUnsub = status == drip.StatusActive || status == drip.StatusPending
	for i := range rec.Enrollments {
		v, err := s.enrollment(r.Context(), rec, &rec.Enrollments[i])
		if err != nil {
			return nil, err
		}
		d.Enrollments = append(d.Enrollments, v)
	}
	return d, nil
}

// enrollment describes one of the reader's courses, and what the
// operator may do with it: only while the reader is active, and only
// with a course that is still loaded.
func (s *Server) enrollment(ctx context.Context, rec *store.ReaderRecord, e *store.EnrollmentRecord) (enrollmentView, error) {
	v := enrollmentView{EnrollmentRecord: *e, Title: s.courseTitle(e.Course), Key: e.Course, Query: s.inCourse("", e.Course)}
	es, now := drip.EnrollmentStatus(e.Status), s.Now()
	if es == drip.EnrollPaused {
		v.Paused = lastEvent(rec, e.Course, drip.EventPause)
	}
	crs, ok := s.content().Set.Course(e.Course)
	if !ok {
		return v, nil
	}
	received, err := s.DB.Received(ctx, rec.Subscriber.ID, e.Course)
	if err != nil && !errors.Is(err, drip.ErrNotFound) {
		return v, err
	}
	v.Progress = progress(crs, received)
	if l := schedule.NextLesson(crs, received); l != nil && (es == drip.EnrollActive || es == drip.EnrollPaused) {
		v.Next = fmt.Sprintf("%d. %s", l.Number, l.Title)
	}
	if drip.Status(rec.Subscriber.Status) == drip.StatusActive {
		v.offer(rec, e, crs, received, now)
	}
	return v, nil
}

// offer fills in the actions that make sense for an active reader's
// enrollment e now.
func (v *enrollmentView) offer(rec *store.ReaderRecord, e *store.EnrollmentRecord, crs *course.Course, received []drip.Received, now time.Time) {
	es := drip.EnrollmentStatus(e.Status)
	v.PausedUntil = pause.Until(rec, e, now)
	v.CanPause, v.CanResume = es == drip.EnrollActive, es == drip.EnrollPaused || !v.PausedUntil.IsZero()
	v.CanStop = es == drip.EnrollActive || es == drip.EnrollPaused
	if v.CanStop {
		v.MoveTargets = moveTargets(crs, received)
	}
}

// progress says how many of the course's lessons the reader was sent.
func progress(crs *course.Course, received []drip.Received) string {
	sent := 0
	for _, r := range received {
		if _, ok := crs.Lesson(r.Slug); ok && r.Status == drip.DeliverySent {
			sent++
		}
	}
	return fmt.Sprintf("%d of %d lessons sent", sent, len(crs.Lessons))
}

// ofCourse reports whether an event of the reader's concerns course:
// events recorded before there were several courses name none, and were
// about the one course there was.
func ofCourse(ev store.EventRecord, course string) bool {
	return ev.Course == course || ev.Course == ""
}

// lastEvent is when the reader's last event of kind about course
// happened; zero for never.
func lastEvent(rec *store.ReaderRecord, course string, kind drip.EventKind) time.Time {
	var at time.Time
	for _, ev := range rec.Events {
		if drip.EventKind(ev.Kind) == kind && ofCourse(ev, course) {
			at = ev.At
		}
	}
	return at
}
