package web

import (
	"net/http"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/token"
)

// unsubscribePage offers the two choices: leave the course whose lesson
// the link came in, or stop every course and never be emailed again.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Unsubscribe)
	if !ok {
		return
	}
	p := &render.Page{Title: "Unsubscribe", Action: r.URL.Path}
	s.lessonCourse(r, c, p)
	s.page(w, r, http.StatusOK, "unsubscribe", p)
}

// lessonCourse puts the course of the link's lesson on p, when there is
// one and it is still in the set.
func (s *Server) lessonCourse(r *http.Request, c token.Claims, p *render.Page) {
	if c.Delivery == 0 {
		return
	}
	if _, e, err := s.DB.DeliveryEnrollment(r.Context(), c.Delivery, c.Subscriber); err == nil {
		if crs, ok := s.content().Set.Course(e.Course); ok {
			p.Course = s.courseInfo(crs)
		}
	}
}

// unsubscribe serves both the page's buttons and RFC 8058 one-click POSTs
// from mail providers: it acts at once, answers 200, and is idempotent. A
// one-click POST, and the first button, stop the course the lesson is
// from (the list its List-Id names); the second button (scope=all) stops
// everything and suppresses the address. Only the request that
// unsubscribed offers the undo, which undoes that unsubscribe alone and
// only for a few minutes: the unsubscribe link is in every lesson, and
// whoever holds an old one must not be able to put the reader back.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Unsubscribe)
	if !ok {
		return
	}
	detail := "link"
	if r.PostFormValue("List-Unsubscribe") == "One-Click" {
		detail = "one-click"
	}
	all := r.PostFormValue("scope") == "all"
	ctx, cancel := detached(r)
	defer cancel()
	now := s.Now()
	leave := s.DB.Leave
	if all {
		leave = s.DB.LeaveAll
	}
	event, err := leave(ctx, c.Subscriber, c.Delivery, detail, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &render.Page{Title: "Unsubscribed", Everything: all || c.Delivery == 0, Action: r.URL.Path}
	s.lessonCourse(r, c, p)
	if event == 0 {
		p.Already, p.Message = true, "You had already unsubscribed. Nothing more to do."
	} else {
		s.Metrics.Reader(drip.EventUnsubscribe, scopeLabel(all, p.Course.Slug))
		p.Undo = s.Links.UndoPath(c.Subscriber, event, now)
	}
	s.page(w, r, http.StatusOK, "unsubscribed", p)
}

// scopeLabel is the course label of an unsubscribe's metric: "" for
// everything.
func scopeLabel(all bool, course string) string {
	if all {
		return ""
	}
	return course
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
	next := func(slug string) time.Time {
		crs, ok := ct.Course(slug)
		if !ok {
			crs = ct.Default()
		}
		return schedule.Resume(crs, sub.Timezone, now)
	}
	changed, err := s.DB.Resubscribe(ctx, sub.ID, links.UndoEvent(c), next, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if changed {
		s.Metrics.Reader(drip.EventResubscribe, "")
	}
	s.page(w, r, http.StatusOK, "resubscribed", &render.Page{Title: "Welcome back"})
}
