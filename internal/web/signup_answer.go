package web

import (
	"errors"
	"net/http"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/render"
)

// The answers to a signup: a page (the course's, or the embed page when
// the form came from it), or JSON for a script.

// signedUp is the one answer to every signup taken, so the form never
// tells anyone whether an address was already on the list: JSON, the
// form's redirect to a page on a trusted origin, or "check your inbox".
func (s *Server) signedUp(w http.ResponseWriter, r *http.Request, c *course.Course) {
	if wantsJSON(r) {
		s.answerJSON(w, http.StatusOK, formAnswer{Status: "check-inbox"})
		return
	}
	if to := s.redirectTo(r); to != "" {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.checkInbox(w, r, c)
}

// refuse answers a signup that was not taken: JSON, or the form again
// with what the reader typed and why.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, c *course.Course, f SignupForm, ref *refusal) {
	if wantsJSON(r) {
		s.answerJSON(w, ref.status, formAnswer{Status: ref.word, Message: ref.msg, Errors: map[string]string{ref.field: ref.msg}})
		return
	}
	status, p := ref.status, &render.Page{Title: ref.title, Message: ref.msg}
	if ref.title == "" {
		p = &render.Page{Error: ref.msg}
	}
	if ref.word == "retry" {
		status = http.StatusOK // the form, ready to send again
	}
	s.signupForm(w, r, status, c, f, p)
}

// signupForm shows course c's form again with what the reader typed, a
// fresh stamp, and p's error or message.
func (s *Server) signupForm(w http.ResponseWriter, r *http.Request, status int, c *course.Course, f SignupForm, p *render.Page) {
	p.Email, p.Name, p.Timezone, p.Started = f.Email, f.Name, f.Timezone, s.formStamp()
	p.Course, p.Captcha, p.Redirect = s.courseInfo(c), s.challengePath(), s.redirectTo(r)
	if p.Title == "" {
		p.Title = "Sign up"
	}
	page := "course"
	if fromEmbed(r) {
		page, p.Embed = "embed", true
	}
	s.page(w, r, status, page, p)
}

// fromEmbed says whether the form was the embed page's.
func fromEmbed(r *http.Request) bool { return r.PostFormValue("embed") != "" }

// closedSignup answers a signup for a cohort course that has begun.
func (s *Server) closedSignup(w http.ResponseWriter, r *http.Request, c *course.Course) {
	if wantsJSON(r) {
		s.answerJSON(w, http.StatusConflict, formAnswer{Status: "closed",
			Message: c.Title + " began on " + c.Start.Format("2 January 2006") + " and takes no new readers now."})
		return
	}
	s.closedPage(w, r, c)
}

// badBody answers a signup whose body could not be read.
func (s *Server) badBody(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, errBodyType) {
		s.failSignup(w, r, err)
		return
	}
	if wantsJSON(r) {
		s.answerJSON(w, http.StatusUnsupportedMediaType, formAnswer{Status: "invalid", Message: err.Error()})
		return
	}
	s.errorPage(w, r, http.StatusUnsupportedMediaType, "This form sent its fields in a way we can't read. Please sign up on the course page itself.")
}

// failSignup answers an error of ours (or a body too large), as the error
// table says, in JSON when a script asked for it.
func (s *Server) failSignup(w http.ResponseWriter, r *http.Request, err error) {
	if wantsJSON(r) {
		a := s.answerFor(r, err)
		s.answerJSON(w, a.Status, formAnswer{Status: "error", Message: a.Reader})
		return
	}
	s.fail(w, r, err)
}
