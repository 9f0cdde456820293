package web

import (
	"net/http"
	"slices"

	"github.com/dripcourse/dripcourse/internal/render"
)

// testLinkNote is what a link from a test message does instead of acting.
const testLinkNote = "This link came from a test message, sent from the course's admin pages with \"Send me a test\". " +
	"It belongs to no reader, so it does nothing here. In a reader's copy of the lesson, the same link works."

// testLink answers a signed link of a test message (links.TestReader): a
// page that says so, in the site's own frame (the operator's
// pages/test-message.html, or the error page for template sets that have
// none), never a 404 for a reader who does not exist.
func (s *Server) testLink(w http.ResponseWriter, r *http.Request) {
	p := &render.Page{Title: "A test message", Message: testLinkNote}
	if slices.Contains(s.content().Templates.Pages(), "test-message") {
		s.page(w, r, http.StatusOK, "test-message", p)
		return
	}
	s.page(w, r, http.StatusOK, "error", p)
}
