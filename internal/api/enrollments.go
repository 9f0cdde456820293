package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/pause"
	"github.com/dripcourse/dripcourse/internal/schedule"
)

// enrollmentAction runs act on the reader's enrollment in the path's
// course, then answers with the reader. A reader who is not in that
// course, or a course that does not exist, is 404; a change the
// enrollment's state refuses (a completed course paused, say) is 409.
// Repeating an action that is already done changes nothing and answers
// 200 as the first time.
func (s *Server) enrollmentAction(act func(ctx context.Context, id int64, crs *course.Course) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		crs, ok := s.Library.Content().Set.Course(chi.URLParam(r, "course"))
		if !ok {
			writeProblem(w, problem(http.StatusNotFound, "not-found", "no such course"))
			return
		}
		if err := s.inCourse(r.Context(), id, crs.Slug); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := act(r.Context(), id, crs); err != nil {
			s.fail(w, r, err)
			return
		}
		s.answerReader(w, r, id, http.StatusOK)
	}
}

// inCourse returns drip.ErrNotFound unless reader id is in course.
func (s *Server) inCourse(ctx context.Context, id int64, slug string) error {
	enrs, err := s.DB.Enrollments(ctx, id)
	if err != nil {
		return err
	}
	for _, e := range enrs {
		if e.Course == slug {
			return nil
		}
	}
	if _, err := s.DB.Subscriber(ctx, id); err != nil {
		return err
	}
	return fmt.Errorf("api: the reader is not in course %q: %w", slug, drip.ErrNotFound)
}

func (s *Server) pause(w http.ResponseWriter, r *http.Request) {
	s.enrollmentAction(func(ctx context.Context, id int64, crs *course.Course) error {
		_, err := s.DB.PauseEnrollment(ctx, id, crs.Slug, s.Now())
		return err
	})(w, r)
}

// resume restarts a paused course as the operator's resume does.
func (s *Server) resume(w http.ResponseWriter, r *http.Request) {
	s.enrollmentAction(func(ctx context.Context, id int64, crs *course.Course) error {
		_, err := pause.Resume(ctx, s.DB, crs, id, s.Now())
		return err
	})(w, r)
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	s.enrollmentAction(func(ctx context.Context, id int64, crs *course.Course) error {
		_, err := s.DB.LeaveCourse(ctx, id, crs.Slug, "api", s.Now())
		return err
	})(w, r)
}

// move makes the body's lesson the reader's next one, due now; lessons
// before it that the reader never got are skipped, never sent.
func (s *Server) move(w http.ResponseWriter, r *http.Request) {
	var in MoveRequest
	if p := decode(r, &in); p != nil {
		writeProblem(w, p)
		return
	}
	s.enrollmentAction(func(ctx context.Context, id int64, crs *course.Course) error {
		if _, ok := crs.Lesson(in.Lesson); !ok {
			return &problemError{problem(http.StatusUnprocessableEntity, "validation", "the lesson is not in this course",
				FieldError{Field: "/lesson", Reason: fmt.Sprintf("no lesson %q in %s", in.Lesson, crs.Slug)})}
		}
		now := s.Now()
		return s.DB.Move(ctx, id, crs.Slug, in.Lesson, now, now, func(received []drip.Received) ([]string, error) {
			skip, err := schedule.PlanMove(crs, received, in.Lesson)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", err, drip.ErrConflict)
			}
			return skip, nil
		})
	})(w, r)
}

// problemError carries a problem through a function that returns errors.
type problemError struct{ p *Problem }

func (e *problemError) Error() string { return e.p.Detail }
