package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
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

// confirmPage offers the button, or says at once that the address was
// confirmed before.
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Confirm)
	if !ok {
		return
	}
	if sub, err := s.DB.Subscriber(r.Context(), c.Subscriber); err == nil && sub.Status == drip.StatusActive {
		s.alreadyConfirmed(w, r)
		return
	}
	s.page(w, r, http.StatusOK, "confirm", &render.Page{Title: "Confirm your address", Action: r.URL.Path})
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Confirm)
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
	ct, now := s.content(), s.Now()
	first := schedule.Start(ct.Course, sub.Timezone, now)
	already, err := s.DB.Confirm(ctx, sub.ID, ct.Course.Slug, first, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if already {
		s.alreadyConfirmed(w, r)
		return
	}
	s.Metrics.Reader(drip.EventConfirm)
	s.page(w, r, http.StatusOK, "confirmed", &render.Page{Title: "You're in"})
}

func (s *Server) alreadyConfirmed(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusOK, "confirmed", &render.Page{Title: "Already confirmed", Already: true,
		Message: "This address was confirmed before, so this link has nothing left to do."})
}

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	s.buttonPage(token.Unsubscribe, "unsubscribe", "Unsubscribe")(w, r)
}

// unsubscribe serves both the page's button and RFC 8058 one-click POSTs
// from mail providers: it acts at once, answers 200, and is idempotent.
// Only the request that unsubscribed offers the undo, which undoes that
// unsubscribe alone and only for a few minutes: the unsubscribe link is in
// every lesson, and whoever holds an old one must not be able to put the
// reader back on the list.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Unsubscribe)
	if !ok {
		return
	}
	detail := "link"
	if r.PostFormValue("List-Unsubscribe") == "One-Click" {
		detail = "one-click"
	}
	ctx, cancel := detached(r)
	defer cancel()
	now := s.Now()
	event, err := s.DB.Leave(ctx, c.Subscriber, c.Delivery, detail, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &render.Page{Title: "Unsubscribed"}
	if event == 0 {
		p.Already, p.Message = true, "You had already unsubscribed. Nothing more to do."
	} else {
		s.Metrics.Reader(drip.EventUnsubscribe)
		p.Undo = s.Links.UndoPath(c.Subscriber, event, now)
	}
	s.page(w, r, http.StatusOK, "unsubscribed", p)
}

func (s *Server) resubscribePage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.verify(w, r, token.Resubscribe); !ok {
		return
	}
	s.page(w, r, http.StatusOK, "unsubscribed", &render.Page{Title: "Unsubscribed", Undo: r.URL.Path})
}

func (s *Server) resubscribe(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Resubscribe)
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
	ct, now := s.content(), s.Now()
	next := schedule.Resume(ct.Course, sub.Timezone, now)
	changed, err := s.DB.Resubscribe(ctx, sub.ID, links.UndoEvent(c), next, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if changed {
		s.Metrics.Reader(drip.EventResubscribe)
	}
	s.page(w, r, http.StatusOK, "resubscribed", &render.Page{Title: "Welcome back"})
}

// pacingPage answers a GET on a next-lesson or pause link: the button, or,
// for a reader who has had every lesson, a page that says so.
func (s *Server) pacingPage(p token.Purpose, page, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.verify(w, r, p)
		if !ok {
			return
		}
		e, err := s.DB.Enrollment(r.Context(), c.Subscriber, s.content().Course.Slug)
		if err == nil && e.Status == drip.EnrollCompleted {
			s.page(w, r, http.StatusOK, page, &render.Page{Title: "Course complete", Finished: true})
			return
		}
		s.page(w, r, http.StatusOK, page, &render.Page{Title: title, Action: r.URL.Path})
	}
}

func (s *Server) nextPage(w http.ResponseWriter, r *http.Request) {
	s.pacingPage(token.Next, "next", "Next lesson")(w, r)
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.pacing(w, r, token.Next, "next", &render.Page{Title: "Next lesson",
		Message: "Your next lesson is on its way. It should reach you within a few minutes."})
}

func (s *Server) pausePage(w http.ResponseWriter, r *http.Request) {
	s.pacingPage(token.Pause, "pause", "Pause")(w, r)
}

func (s *Server) pause(w http.ResponseWriter, r *http.Request) {
	s.pacing(w, r, token.Pause, "pause", &render.Page{Title: "Paused",
		Message: "Done. Your lessons will pick up again in a week, at the usual time of day."})
}

// pacing does a next-lesson or pause POST and answers with done, or with
// the course-complete page for a reader who has had every lesson.
func (s *Server) pacing(w http.ResponseWriter, r *http.Request, p token.Purpose, page string, done *render.Page) {
	c, ok := s.verify(w, r, p)
	if !ok {
		return
	}
	ctx, cancel := detached(r)
	defer cancel()
	var err error
	if p == token.Next {
		_, err = s.DB.SendNextNow(ctx, c.Subscriber, c.Delivery, s.Now())
	} else {
		_, err = s.DB.PauseFor(ctx, c.Subscriber, c.Delivery, PauseLength, s.Now())
	}
	switch {
	case errors.Is(err, store.ErrCompleted):
		s.page(w, r, http.StatusOK, page, &render.Page{Title: "Course complete", Finished: true})
	case err != nil:
		s.fail(w, r, err)
	default:
		s.page(w, r, http.StatusOK, page, done)
	}
}
