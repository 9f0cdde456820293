package web

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/token"
)

// PauseLength is how far the pause link pushes a reader's schedule back.
const PauseLength = 7 * 24 * time.Hour

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

func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) {
	s.buttonPage(token.Confirm, "confirm", "Confirm your address")(w, r)
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Confirm)
	if !ok {
		return
	}
	sub, err := s.DB.Subscriber(r.Context(), c.Subscriber)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ct, now := s.content(), s.Now()
	first := schedule.Start(ct.Course, sub.Timezone, now)
	already, err := s.DB.Confirm(r.Context(), sub.ID, ct.Course.Slug, first, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &render.Page{Title: "You're in"}
	if already {
		p.Message = "You had already confirmed. Nothing more to do."
	} else {
		s.Metrics.Reader(drip.EventConfirm)
	}
	s.page(w, r, http.StatusOK, "confirmed", p)
}

func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	s.buttonPage(token.Unsubscribe, "unsubscribe", "Unsubscribe")(w, r)
}

// unsubscribe serves both the page's button and RFC 8058 one-click POSTs
// from mail providers: it acts at once, answers 200, and is idempotent.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Unsubscribe)
	if !ok {
		return
	}
	detail := "link"
	if r.PostFormValue("List-Unsubscribe") == "One-Click" {
		detail = "one-click"
	}
	now := s.Now()
	changed, err := s.DB.Unsubscribe(r.Context(), c.Subscriber, c.Delivery, detail, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if changed {
		s.Metrics.Reader(drip.EventUnsubscribe)
	}
	undo := s.Links.Path(token.Resubscribe, c.Subscriber, c.Delivery, now)
	s.page(w, r, http.StatusOK, "unsubscribed", &render.Page{Title: "Unsubscribed", Undo: undo})
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
	sub, err := s.DB.Subscriber(r.Context(), c.Subscriber)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ct, now := s.content(), s.Now()
	next := schedule.Resume(ct.Course, sub.Timezone, now)
	changed, err := s.DB.Resubscribe(r.Context(), sub.ID, next, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if changed {
		s.Metrics.Reader(drip.EventResubscribe)
	}
	s.page(w, r, http.StatusOK, "resubscribed", &render.Page{Title: "Welcome back"})
}

func (s *Server) nextPage(w http.ResponseWriter, r *http.Request) {
	s.buttonPage(token.Next, "next", "Next lesson")(w, r)
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Next)
	if !ok {
		return
	}
	if _, err := s.DB.SendNextNow(r.Context(), c.Subscriber, c.Delivery, s.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "next", &render.Page{Title: "Next lesson", Message: "Your next lesson is on its way. It should reach you within a few minutes."})
}

func (s *Server) pausePage(w http.ResponseWriter, r *http.Request) {
	s.buttonPage(token.Pause, "pause", "Pause")(w, r)
}

func (s *Server) pause(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Pause)
	if !ok {
		return
	}
	if _, err := s.DB.PauseFor(r.Context(), c.Subscriber, c.Delivery, PauseLength, s.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "pause", &render.Page{Title: "Paused", Message: "Done. Your lessons will pick up again in a week, at the usual time of day."})
}
