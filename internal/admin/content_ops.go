package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/store"
)

// unitAction reads the unit of an action's URL and runs act; an error
// from act is answered, else the answer is act's.
func (s *Server) unitAction(act func(w http.ResponseWriter, r *http.Request, st *unitState) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.parseContentForm(w, r) {
			return
		}
		st, err := s.urlUnit(r.Context(), chi.URLParam(r, "unit"))
		if err == nil {
			err = act(w, r, st)
		}
		if err != nil {
			s.adminFail(w, r, err)
		}
	}
}

// saveChanges saves changes to st's drafts in one go, with the checks.
func (s *Server) saveChanges(r *http.Request, st *unitState, changes ...store.DraftChange) error {
	check, err := s.unitProblems(r.Context(), st.Unit)
	if err == nil {
		_, err = s.DB.SaveDrafts(r.Context(), store.DraftSave{Unit: st.Unit, By: editorName, At: s.Now(), Changes: changes, Check: check})
	}
	return err
}

// contentAdd adds a lesson at the end of a course, as a draft: its slug
// from the title typed, its number the next.
func (s *Server) contentAdd(w http.ResponseWriter, r *http.Request) {
	s.unitAction(func(w http.ResponseWriter, r *http.Request, st *unitState) error {
		title := oneLine(r.PostFormValue("title"))
		if st.Unit == store.Templates || title == "" {
			d := s.unitData(st)
			d.AddTitle, d.AddError = title, "Type the new lesson's title, then press Add lesson."
			if st.Unit == store.Templates {
				d.AddError = "Lessons belong to a course, not to the templates."
			}
			s.showUnit(w, r, http.StatusUnprocessableEntity, d, "")
			return nil
		}
		path, body := newLesson(st, title)
		err := s.saveChanges(r, st, store.DraftChange{Path: path, Base: st.base(path), Revision: st.revision(path), Body: body})
		if err == nil {
			http.Redirect(w, r, "/admin/content/"+url.PathEscape(st.Unit)+"/edit/"+path+"?done=added", http.StatusSeeOther)
		}
		return err
	})(w, r)
}

// newLesson is the file of a lesson titled title, after the course's last
// lesson: the next number, written as wide as the last one's, and a slug
// made from the title, unique in the course.
func newLesson(st *unitState, title string) (path string, body []byte) {
	ls := st.lessons()
	number, width, delay := 1, 2, "0d"
	taken := map[string]bool{}
	for _, l := range ls {
		taken[l.Slug] = true
	}
	if n := len(ls); n > 0 {
		last := ls[n-1]
		number, width, delay = last.Number+1, len(last.Prefix), "2d"
		if p, ok := splitLesson(st.Files[last.Path]); ok && p.Fields.Delay != "" && n > 1 {
			delay = p.Fields.Delay
		}
	}
	slug := slugOf(title)
	for i := 2; taken[slug]; i++ {
		slug = fmt.Sprintf("%s-%d", slugOf(title), i)
	}
	path = fmt.Sprintf("%0*d-%s.md", width, number, slug)
	f := lessonFields{Title: title, Subject: title, Delay: delay}
	return path, joinLesson(nil, f, "Write the lesson here, in Markdown. Use ## for a section heading.\n")
}

// slugOf makes a lesson's slug from its title: lower-case letters and
// digits, words joined by single dashes.
func slugOf(title string) string {
	var b strings.Builder
	dash := false
	for _, c := range latin.Replace(strings.ToLower(title)) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		case c == '\'' || c == '’':
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	if s == "" {
		return "lesson"
	}
	return s
}

// latin spells the accented letters of Western European languages
// without their accents, so a title's words survive in its slug.
var latin = strings.NewReplacer("à", "a", "á", "a", "â", "a", "ã", "a", "ä", "a", "å", "a", "æ", "ae", "ç", "c",
	"è", "e", "é", "e", "ê", "e", "ë", "e", "ì", "i", "í", "i", "î", "i", "ï", "i", "ñ", "n", "ò", "o", "ó", "o",
	"ô", "o", "õ", "o", "ö", "o", "ø", "o", "œ", "oe", "ù", "u", "ú", "u", "û", "u", "ü", "u", "ý", "y", "ÿ", "y", "ß", "ss")

// confirmData is a page that asks before a removal or a discard.
type confirmData struct {
	Heading, Explain, Action, Path, Button, Cancel string
}

// contentRemovePage asks before a lesson is removed.
func (s *Server) contentRemovePage(w http.ResponseWriter, r *http.Request) {
	s.unitAction(func(w http.ResponseWriter, r *http.Request, st *unitState) error {
		path, err := s.lessonPath(st, r.FormValue("path"))
		if err != nil {
			return err
		}
		s.confirm(w, r, st, confirmData{Heading: "Remove " + path + "?", Path: path, Button: "Remove the lesson",
			Explain: "The lesson is removed as a draft, and from the course when you publish. Readers who already had it keep it in their history; " +
				"nobody gets it again. Until you publish, you can undo this by discarding the drafts.",
			Action: "/admin/content/" + url.PathEscape(st.Unit) + "/remove"})
		return nil
	})(w, r)
}

// contentRemove removes a lesson, once confirmed: a draft that removes
// its file, or, for a lesson never published, no draft at all.
func (s *Server) contentRemove(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("confirm") != "yes" {
		s.contentRemovePage(w, r)
		return
	}
	s.unitAction(func(w http.ResponseWriter, r *http.Request, st *unitState) error {
		path, err := s.lessonPath(st, r.PostFormValue("path"))
		if err != nil {
			return err
		}
		if err := s.saveChanges(r, st, removal(st, path)); err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/content/"+url.PathEscape(st.Unit)+"?done=removed", http.StatusSeeOther)
		return nil
	})(w, r)
}

// removal is the change that takes path out of the unit.
func removal(st *unitState, path string) store.DraftChange {
	ch := store.DraftChange{Path: path, Base: st.base(path), Revision: st.revision(path), Delete: true}
	if _, published := st.Published[path]; !published {
		ch.Delete, ch.Drop = false, true
	}
	return ch
}

// placed is the change that puts body at path: a draft, or none when body
// is what is published there.
func placed(st *unitState, path string, body []byte) store.DraftChange {
	ch := store.DraftChange{Path: path, Base: st.base(path), Revision: st.revision(path), Body: body}
	if pub, ok := st.Published[path]; ok && sameBytes(pub, body) {
		ch.Body, ch.Drop = nil, true
	}
	return ch
}

// lessonPath is path if it is a lesson of the unit; else drip.ErrNotFound.
func (s *Server) lessonPath(st *unitState, path string) (string, error) {
	p, err := st.filePath(path)
	if err == nil && !lessonName.MatchString(p) {
		return "", errNoLesson
	}
	return p, err
}
