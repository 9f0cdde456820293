package admin

import (
	"net/http"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/web"
)

// testDraft sends the email a file of a unit's drafts is part of to the
// address the operator typed, through the app's own sender, marked as a
// test as the lesson pages' tests are (markTest).
func (s *Server) testDraft(w http.ResponseWriter, r *http.Request) {
	f, problem := web.ParseSignup(r.PostFormValue("email"), "", "")
	if problem != "" {
		s.showPreview(w, r, http.StatusUnprocessableEntity, f.Email, problem)
		return
	}
	if s.Sender == nil {
		s.adminError(w, r, http.StatusServiceUnavailable, "No mail sender is configured, so no test can be sent.")
		return
	}
	p := fileOfURL(r)
	d, err := s.loadDraft(r.Context(), unitOfURL(r), nil)
	if err == nil && (p == "" || len(d.Problems) > 0) {
		err = drip.ErrNotFound
	}
	if err != nil {
		s.showPreview(w, r, http.StatusUnprocessableEntity, f.Email, "The test was not sent: fix the draft's problems first.")
		return
	}
	o, err := s.show(r.Context(), d, p, draftSample(f.Email))
	if err == nil && o.Msg == nil {
		s.showPreview(w, r, http.StatusUnprocessableEntity, f.Email, "This file is a page, not an email, so there is nothing to send.")
		return
	}
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	if o.Lesson != nil {
		markTest(o.Msg, o.Lesson)
	} else {
		o.Msg.Subject = "[Test] " + o.Msg.Subject
	}
	if err := s.Sender.Send(r.Context(), o.Msg); err != nil {
		s.logger(r).Warn("admin: test of a draft not sent", "unit", d.Unit, "file", p, "err", err)
		s.showPreview(w, r, http.StatusBadGateway, f.Email, "The test was not sent: "+mailer.AsError(err).Error())
		return
	}
	s.logger(r).Info("admin: test of a draft sent", "unit", d.Unit, "file", p)
	http.Redirect(w, r, withDone(contentURL(d.Unit, "preview", p), "test"), http.StatusSeeOther)
}
