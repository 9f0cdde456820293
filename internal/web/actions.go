package web

import (
	"context"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/token"
)

// PauseLength is how far the pause link pushes a reader's schedule back.
const PauseLength = 7 * 24 * time.Hour

// actionTimeout bounds a reader's action once its request has arrived.
const actionTimeout = 10 * time.Second

// detached is the context a reader's action runs in: a reader who pressed
// the button and closed the tab, or a mail provider that stopped waiting
// for its one-click POST, still gets what they asked for. It keeps the
// request's values (the logger), not its cancellation.
func detached(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), actionTimeout)
}

// verify checks the request's token for purpose p; on failure it answers
// the request and returns false.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, p token.Purpose) (token.Claims, bool) {
	c, err := s.Links.Signer().Verify(chi.URLParam(r, "token"), p, s.Now())
	if err != nil {
		s.fail(w, r, err)
		return c, false
	}
	if c.Subscriber == links.TestReader {
		s.testLink(w, r)
		return c, false
	}
	return c, true
}

// buttonPage answers a GET on a signed link: the page with the button that
// does the action, and nothing else.
func (s *Server) buttonPage(p token.Purpose, page, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.verify(w, r, p); !ok {
			return
		}
		s.page(w, r, http.StatusOK, page, &render.Page{Title: title, Action: r.URL.Path})
	}
}

// confirmPage offers the button, or says at once that the course was
// confirmed before.
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Confirm)
	if !ok {
		return
	}
	crs, ok := s.linkCourse(w, r, c.Data)
	if !ok {
		return
	}
	if s.confirmedFor(r, c.Subscriber, crs.Slug) {
		s.alreadyConfirmed(w, r, crs)
		return
	}
	s.page(w, r, http.StatusOK, "confirm", &render.Page{Title: "Confirm your address", Action: r.URL.Path, Course: s.courseInfo(crs)})
}

// confirmedFor reports whether the reader has course started already.
func (s *Server) confirmedFor(r *http.Request, sub int64, course string) bool {
	e, err := s.DB.Enrollment(r.Context(), sub, course)
	return err == nil && e.Status != drip.EnrollPending && e.Status != drip.EnrollStopped
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Confirm)
	if !ok {
		return
	}
	crs, ok := s.linkCourse(w, r, c.Data)
	if !ok {
		return
	}
	ctx, cancel := detached(r)
	defer cancel()
	sub, err := s.DB.Subscriber(ctx, c.Subscriber)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.Now()
	if crs.Closed(now) && !s.confirmedFor(r, sub.ID, crs.Slug) {
		s.closedPage(w, r, crs)
		return
	}
	already, err := s.DB.Confirm(ctx, sub.ID, crs.Slug, schedule.Start(crs, sub.Timezone, now), now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if already {
		s.alreadyConfirmed(w, r, crs)
		return
	}
	s.Metrics.Reader(drip.EventConfirm, crs.Slug)
	s.page(w, r, http.StatusOK, "confirmed", &render.Page{Title: "You're in", Course: s.courseInfo(crs)})
}

func (s *Server) alreadyConfirmed(w http.ResponseWriter, r *http.Request, crs *course.Course) {
	s.page(w, r, http.StatusOK, "confirmed", &render.Page{Title: "Already confirmed", Already: true, Course: s.courseInfo(crs),
		Message: "This address was confirmed for this course before, so this link has nothing left to do."})
}
