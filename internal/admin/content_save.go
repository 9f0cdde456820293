package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// maxContentBody caps an editor form: a file may hold store.MaxFileBytes,
// and the form's other fields are small.
const maxContentBody = store.MaxFileBytes + 64<<10

// editorName is who saves and publishes from the admin: it has one
// password, so no operator is told apart.
const editorName = "admin"

// contentSave saves the form as the file's draft, after the checks. A
// draft with problems is saved and marked; a conflict, or content that
// could not be checked, is refused with the edit kept in the form.
func (s *Server) contentSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseContentForm(w, r) {
		return
	}
	st, path, ok := s.editTarget(w, r)
	if !ok {
		return
	}
	base, rev, err := formInts(r)
	if err != nil {
		s.adminError(w, r, http.StatusBadRequest, "This can't be saved: "+err.Error()+".")
		return
	}
	old := st.Files[path]
	mine := editedBody(r, old)
	back := "/admin/content/" + url.PathEscape(st.Unit) + "/edit/" + path
	ch := store.DraftChange{Path: path, Base: base, Revision: rev, Body: mine}
	if sameBytes(mine, st.Published[path]) && len(st.Published[path]) > 0 {
		if rev == 0 {
			http.Redirect(w, r, back+"?done=unchanged", http.StatusSeeOther)
			return
		}
		ch.Drop = true // back to the published text: no draft is needed
	}
	if err := s.saveChanges(r, st, ch); err != nil {
		s.refusedSave(w, r, st, path, mine, err)
		return
	}
	s.logger(r).Info("admin: draft saved", "unit", st.Unit, "path", path)
	http.Redirect(w, r, back+"?done=saved", http.StatusSeeOther)
}

// refusedSave shows the form again with the refused edit in it, and why:
// a conflict with the current text and a diff, or what is wrong.
func (s *Server) refusedSave(w http.ResponseWriter, r *http.Request, st *unitState, path string, mine []byte, err error) {
	fresh, ferr := s.unitOf(r.Context(), st.Unit)
	if ferr != nil {
		s.adminFail(w, r, ferr)
		return
	}
	d := s.editPage(fresh, path, mine)
	files := store.Files{}
	for p, b := range fresh.Files {
		files[p] = b
	}
	files[path] = mine
	status := http.StatusUnprocessableEntity
	var ce *store.ConflictError
	var rr *renderRefusal
	var flash string
	switch {
	case errors.As(err, &rr):
		flash = "Not saved: with this change a template would fail to render, so it is not kept even as a draft (the problem is listed below, beside its line). Your text is still below: fix it and save again."
	case errors.As(err, &ce):
		// The form now carries the file's current base and revision: a
		// second save, made having seen the difference, goes through.
		d.Conflict, status = conflict(ce, mine), http.StatusConflict
	case errors.Is(err, drip.ErrInvalid):
		flash = "Not saved: " + reason(err) + ". Your text is still below: change it and save again."
	default:
		s.logger(r).Warn("admin: draft refused", "unit", st.Unit, "path", path, "err", err)
		msg, _ := strings.CutPrefix(err.Error(), "store: save draft of "+st.Unit+": ")
		flash = "Not saved, because the course could not be checked with this change: " + strings.TrimSuffix(msg, ".") + ". Your text is still below: change it and save again."
	}
	s.markProblems(r, fresh, d, files)
	if flash != "" {
		d.Refused = flash
	}
	s.renderEdit(w, r, status, d, "")
}

// reason is the last part of an error's message, the words meant for
// the operator, without the prefixes of the layers it went through.
func reason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	return strings.TrimSuffix(msg, ".")
}

// parseContentForm reads an editor form, answering a body past the cap
// with what to do about it.
func (s *Server) parseContentForm(w http.ResponseWriter, r *http.Request) bool {
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.adminError(w, r, http.StatusRequestEntityTooLarge, "This is more text than one file may hold (1 MB). Nothing was saved: "+
			"go back, split the text into two lessons or shorten it, and save again.")
		return false
	case err != nil:
		s.adminError(w, r, http.StatusBadRequest, "The form could not be read. Open the page again and save once more.")
		return false
	}
	return true
}
