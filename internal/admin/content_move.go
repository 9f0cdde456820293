package admin

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// errNoLesson is a remove or move of a file that is not a lesson.
var errNoLesson = fmt.Errorf("%w: only a lesson can be removed or moved", drip.ErrNotFound)

// contentMove moves a lesson one place up or down: it swaps the numbers
// of the two lessons' files, so each keeps its slug, the reader's
// identity of a lesson, and readers mid-course get nothing twice.
func (s *Server) contentMove(w http.ResponseWriter, r *http.Request) {
	s.unitAction(func(w http.ResponseWriter, r *http.Request, st *unitState) error {
		path, err := s.lessonPath(st, r.PostFormValue("path"))
		if err != nil {
			return err
		}
		ls := st.lessons()
		i := indexOf(ls, path)
		j := i - 1
		if r.PostFormValue("dir") == "down" {
			j = i + 1
		}
		if j < 0 || j >= len(ls) || ls[i].Prefix == ls[j].Prefix {
			d := s.unitData(st)
			s.showUnit(w, r, http.StatusUnprocessableEntity, d, "That lesson can't move further that way.")
			return nil
		}
		a, b := ls[i], ls[j]
		newA, newB := b.Prefix+"-"+a.Slug+".md", a.Prefix+"-"+b.Slug+".md"
		err = s.saveChanges(r, st, removal(st, a.Path), removal(st, b.Path),
			placed(st, newA, st.Files[a.Path]), placed(st, newB, st.Files[b.Path]))
		if err == nil {
			http.Redirect(w, r, "/admin/content/"+url.PathEscape(st.Unit)+"?done=moved", http.StatusSeeOther)
		}
		return err
	})(w, r)
}

func indexOf(ls []lessonFile, path string) int {
	for i, l := range ls {
		if l.Path == path {
			return i
		}
	}
	return -1
}

// contentDiscardPage asks before the unit's drafts are thrown away.
func (s *Server) contentDiscardPage(w http.ResponseWriter, r *http.Request) {
	s.unitAction(func(w http.ResponseWriter, r *http.Request, st *unitState) error {
		s.confirm(w, r, st, confirmData{Heading: "Discard every draft of " + st.Title + "?", Button: "Discard the drafts",
			Explain: fmt.Sprintf("The %d draft%s of %s are deleted: every change saved since the last publication, added and removed lessons and the order too. "+
				"What readers get does not change. This can't be undone.", len(st.Drafts), plural(len(st.Drafts)), st.Title),
			Action: "/admin/content/" + url.PathEscape(st.Unit) + "/discard"})
		return nil
	})(w, r)
}

// contentDiscard deletes every draft of the unit, once confirmed.
func (s *Server) contentDiscard(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("confirm") != "yes" {
		s.contentDiscardPage(w, r)
		return
	}
	s.unitAction(func(w http.ResponseWriter, r *http.Request, st *unitState) error {
		n, err := s.DB.DiscardDrafts(r.Context(), st.Unit)
		if err != nil {
			return err
		}
		s.logger(r).Info("admin: drafts discarded", "unit", st.Unit, "drafts", n)
		http.Redirect(w, r, "/admin/content/"+url.PathEscape(st.Unit)+"?done=discarded", http.StatusSeeOther)
		return nil
	})(w, r)
}

// confirm shows a page that asks before an action.
func (s *Server) confirm(w http.ResponseWriter, r *http.Request, st *unitState, d confirmData) {
	d.Cancel = "/admin/content/" + url.PathEscape(st.Unit)
	s.adminRender(w, r, http.StatusOK, "content_confirm", &adminPage{Title: d.Heading, Section: "content", Data: d})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
