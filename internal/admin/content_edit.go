package admin

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/editor"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/textdiff"
)

// editData is the page of one file in the editor.
type editData struct {
	Unit, UnitTitle, Path string
	Heading               string // what the file is, in words
	Back, Action          string // the unit's page; where the form posts
	Preview, PreviewPost  string // the preview frame's page and its live preview (content_preview.go)
	Fields                bool   // a lesson with its front matter as fields
	Lesson                lessonFields
	Language              string // data-editor: markdown, yaml, html or text
	Label                 string // the text box's label
	Text                  string
	Base, Revision        int
	Draft                 bool
	Problems              []problemLine // this file's
	Others                []otherProblem
	ProblemsAttr          string // data-problems
	FieldProblems         map[string]string
	Conflict              *conflictView
	Refused               string // why a save was refused, when it was not a conflict
	Settings              bool   // course.yaml: show the keys' help
}

// problemLine is one problem as the page lists it: Line is the line of
// the text box, or 0 when the problem is in a field (Field) or the file
// as a whole.
type problemLine struct {
	Line  int
	Field string
	Msg   string
}

// otherProblem is a problem in another file, with a link to it when the
// unit has it.
type otherProblem struct {
	Text, Href string
}

// conflictView is a refused save: what the file is now, and how the
// refused edit differs from it.
type conflictView struct {
	Message string
	Current string
	Removed bool // the file is removed now
	Diff    template.HTML
}

func (s *Server) contentEdit(w http.ResponseWriter, r *http.Request) {
	st, path, ok := s.editTarget(w, r)
	if !ok {
		return
	}
	d := s.editPage(st, path, st.Files[path])
	s.markProblems(r, st, d, st.Files)
	s.renderEdit(w, r, http.StatusOK, d, savedFlash(r))
}

// editTarget reads the unit and the file an edit URL names; on failure
// it answers the request and returns false.
func (s *Server) editTarget(w http.ResponseWriter, r *http.Request) (*unitState, string, bool) {
	st, err := s.urlUnit(r.Context(), chi.URLParam(r, "unit"))
	path := ""
	if err == nil {
		path, err = st.filePath(chi.URLParam(r, "*"))
	}
	if err != nil {
		s.adminFail(w, r, err)
		return nil, "", false
	}
	return st, path, true
}

// editPage lays out the form for body as path's text.
func (s *Server) editPage(st *unitState, path string, body []byte) *editData {
	base := "/admin/content/" + url.PathEscape(st.Unit)
	d := &editData{Unit: st.Unit, UnitTitle: st.Title, Path: path, Back: base, Action: base + "/edit/" + path,
		Preview: base + "/preview/" + path + "?view=html", PreviewPost: base + "/preview/" + path,
		Base: st.base(path), Revision: st.revision(path), FieldProblems: map[string]string{}}
	_, d.Draft = st.Drafts[path]
	d.Language, d.Label = languageOf(path)
	d.Text = string(body)
	d.Settings = st.Unit != store.Templates && path == "course.yaml"
	d.Heading = path
	switch {
	case d.Settings:
		d.Heading = "Course settings"
	case st.Unit == store.Templates:
		d.Heading = "Template: " + templateTitle(path)
	}
	if d.Language == editor.Markdown {
		if p, ok := splitLesson(body); ok {
			d.Fields, d.Lesson, d.Text, d.Label = true, p.Fields, p.Body, "Lesson text (Markdown)"
			d.Heading = "Lesson: " + orDefault(p.Fields.Title, p.Fields.Subject)
		}
	}
	return d
}

// languageOf is the editor's language for a file, and its text box's
// label.
func languageOf(path string) (lang, label string) {
	switch {
	case path == "course.yaml":
		return editor.YAML, "Course settings (YAML)"
	case strings.HasSuffix(path, ".md"):
		return editor.Markdown, "The whole lesson file: front matter and Markdown"
	case strings.HasSuffix(path, ".html"):
		return editor.HTML, "Template (HTML)"
	}
	return editor.Text, "Template (plain text)"
}

// markProblems checks the unit with files and puts the problems on the
// page: this file's beside their lines or fields, the others listed.
func (s *Server) markProblems(r *http.Request, st *unitState, d *editData, files store.Files) {
	ps, err := s.CheckUnit(r.Context(), st.Unit, files)
	if err != nil {
		d.Others = append(d.Others, otherProblem{Text: "The course could not be checked: " + err.Error()})
	}
	var marks []editor.Problem
	for f, list := range byFile(st.Unit, ps) {
		if f != d.Path {
			for _, p := range list {
				d.Others = append(d.Others, s.otherProblem(st, f, p))
			}
			continue
		}
		for _, p := range list {
			pl := d.place(p, files[f])
			d.Problems = append(d.Problems, pl)
			if pl.Line > 0 {
				marks = append(marks, editor.Problem{Line: pl.Line, Message: pl.Msg})
			} else if pl.Field != "" {
				d.FieldProblems[pl.Field] = pl.Msg
			}
		}
	}
	d.ProblemsAttr = editor.ProblemsAttr(marks)
}

// place puts a problem of the file on the text box's line or a field.
func (d *editData) place(p drip.Problem, file []byte) problemLine {
	if !d.Fields {
		return problemLine{Line: p.Line, Msg: p.Msg}
	}
	parts, _ := splitLesson(file)
	switch {
	case p.Line > parts.Offset:
		return problemLine{Line: p.Line - parts.Offset, Msg: p.Msg}
	case parts.KeyLines[p.Line] != "":
		return problemLine{Field: parts.KeyLines[p.Line], Msg: p.Msg}
	}
	return problemLine{Msg: p.Msg}
}

func (s *Server) otherProblem(st *unitState, f string, p drip.Problem) otherProblem {
	o := otherProblem{Text: p.String()}
	if _, ok := st.Files[f]; ok && f != "" {
		o.Href = "/admin/content/" + url.PathEscape(st.Unit) + "/edit/" + f
	}
	return o
}

// renderEdit shows the editor page with the editor's script and the
// policy it needs.
func (s *Server) renderEdit(w http.ResponseWriter, r *http.Request, status int, d *editData, flash string) {
	w.Header().Set("Content-Security-Policy", editor.PagePolicy)
	title := d.Heading
	s.adminRender(w, r, status, "content_edit", &adminPage{Title: title, Section: "content", Flash: flash,
		Script: s.editor.ScriptPath(), Data: d})
}

// savedFlash is the note after a save, by the redirect's done key.
func savedFlash(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "saved":
		return "Saved as a draft. Readers get nothing until you publish."
	case "unchanged":
		return "Nothing changed, so nothing was saved."
	case "added":
		return "The lesson is added as a draft. Write it here, then save."
	}
	return ""
}

// editedBody is the file as the form says: the fields and the body for a
// lesson, or the one text box; line breaks as LF.
func editedBody(r *http.Request, old []byte) []byte {
	text := strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")
	if r.PostFormValue("mode") != "fields" {
		return []byte(text)
	}
	f := lessonFields{Title: oneLine(r.PostFormValue("title")), Subject: oneLine(r.PostFormValue("subject")),
		Preheader: oneLine(r.PostFormValue("preheader")), Delay: oneLine(r.PostFormValue("delay"))}
	return joinLesson(old, f, text)
}

// oneLine keeps a field's value on one line: a pasted line break would
// end the front matter's key.
func oneLine(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s))
}

// conflict lays out a refused save: the current text and a diff from it
// to the refused edit.
func conflict(ce *store.ConflictError, mine []byte) *conflictView {
	c := &conflictView{Current: string(ce.Current), Removed: ce.Current == nil}
	switch {
	case ce.Revision > 0:
		c.Message = "Someone else saved this file as a draft after you opened it. Your changes are not saved yet, and nothing is lost: they are still in the form below."
	case ce.InDraft:
		c.Message = "This file has a newer draft, made from a newer published version, than the one you started from. Your changes are not saved yet: they are still in the form below."
	default:
		c.Message = "This file was published again after you opened it. Your changes are not saved yet: they are still in the form below."
	}
	c.Diff = textdiff.HTML(textdiff.Diff(ce.Current, mine), 3, "Now", "Yours")
	return c
}

// formInts reads the hidden base and revision fields.
func formInts(r *http.Request) (base, rev int, err error) {
	if base, err = strconv.Atoi(r.PostFormValue("base")); err == nil {
		rev, err = strconv.Atoi(r.PostFormValue("revision"))
	}
	if err != nil || base < 0 || rev < 0 {
		return 0, 0, errors.New("the form is missing the version it started from: open the file again from the course's page")
	}
	return base, rev, nil
}

// sameBytes is bytes.Equal, named for what the save asks.
func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) }
