package admin

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/editor"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/web"
)

// contentURL is the address of a content page: /admin/content/UNIT/what,
// with file, if any, after it.
func contentURL(unit, what, file string) string {
	u := "/admin/content/" + url.PathEscape(unit)
	if what != "" {
		u += "/" + what
	}
	if file != "" {
		u += "/" + (&url.URL{Path: file}).EscapedPath()
	}
	return u
}

// livePreview answers the editor script's preview POST (internal/editor's
// contract): the form's fields, not saved, put over the unit's drafts and
// rendered as the email (or page) they are part of, with the file's
// problems in the editor's header.
func (s *Server) livePreview(w http.ResponseWriter, r *http.Request) {
	p := fileOfURL(r)
	if err := r.ParseForm(); err != nil {
		s.previewAnswer(w, http.StatusRequestEntityTooLarge, nil, []string{tooBig(err)})
		return
	}
	if p == "" {
		s.previewAnswer(w, http.StatusNotFound, nil, []string{"There is no such file."})
		return
	}
	body, offset := postedFile(r)
	d, err := s.loadDraft(r.Context(), unitOfURL(r), store.Files{p: body})
	if err != nil {
		s.previewAnswer(w, web.AnswerTo(err).Status, nil, []string{web.AnswerTo(err).Operator})
		return
	}
	mine := fileProblems(d.Problems, d.Unit, p, offset)
	editor.SetProblems(w.Header(), editorProblems(mine))
	if len(d.Problems) > 0 {
		s.previewAnswer(w, http.StatusUnprocessableEntity, nil, problemWords(d.Problems))
		return
	}
	o, err := s.show(r.Context(), d, p, draftSample(sampleAddress))
	if err != nil {
		s.previewAnswer(w, http.StatusUnprocessableEntity, nil, []string{err.Error()})
		return
	}
	s.previewAnswer(w, http.StatusOK, o, nil)
}

// previewAnswer writes a live preview: the HTML shown, or a small
// document listing what stops it.
func (s *Server) previewAnswer(w http.ResponseWriter, status int, o *shown, problems []string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if o != nil {
		w.Write([]byte(o.HTML()))
		return
	}
	previewProblems.Execute(w, problems)
}

var previewProblems = template.Must(template.New("problems").Parse(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Not shown</title>
<body style="font:16px/1.5 sans-serif;color:#9f2a24;padding:1rem"><p><strong>The preview can't be shown yet:</strong></p>
<ul>{{range .}}<li>{{.}}</li>{{end}}</ul></body></html>`))

// tooBig is the sentence for a form that could not be read.
func tooBig(err error) string {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return fmt.Sprintf("The text is too large: a file may hold at most %d KB. Split a long lesson into two.", store.MaxFileBytes>>10)
	}
	return "The form could not be read. Reload the page and try again."
}

// editorProblems are problems as the editor marks them.
func editorProblems(ps drip.Problems) []editor.Problem {
	out := make([]editor.Problem, len(ps))
	for i, p := range ps {
		out[i] = editor.Problem{Line: max(p.Line, 1), Message: p.Msg}
	}
	return out
}

// problemWords are problems as lines of text, file and line first.
func problemWords(ps drip.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// previewData is the preview page of one file of a unit's drafts.
type previewData struct {
	Unit, UnitTitle, File string
	What                  string
	View                  string // html, text or raw
	Sample                string // who the sample reader is, in words
	Subject, From         string
	Text, Raw             string
	IsEmail, Sender       bool
	TestTo                string
	Problems              []problemLink
	Drafted               bool
	// The page's links.
	Edit, Frame, HTML, PlainText, RawMessage, Test, Publish string
}

// problemLink is a problem with a link to fix it in its file's editor.
type problemLink struct {
	Text, Href string
}

// previewPage shows a file of a unit's drafts as readers would get it:
// the HTML email at desktop and phone width, the plain text or the raw
// message (?view=), for a sample reader, with a test send. ?view=email
// is the HTML alone, for the page's sandboxed frames.
func (s *Server) previewPage(w http.ResponseWriter, r *http.Request) {
	s.showPreview(w, r, http.StatusOK, "", "")
}

func (s *Server) showPreview(w http.ResponseWriter, r *http.Request, status int, testTo, problem string) {
	p := fileOfURL(r)
	d, err := s.loadDraft(r.Context(), unitOfURL(r), nil)
	if err == nil && p == "" {
		err = drip.ErrNotFound
	}
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	pd := s.previewLinks(d, p)
	pd.View, pd.TestTo, pd.Drafted = r.URL.Query().Get("view"), testTo, d.Drafted
	if r.Header.Get("Sec-Fetch-Dest") == "iframe" {
		// A frame (the edit page's, which asks for ?view=html) gets the
		// email's HTML alone, whatever the view.
		pd.View = "email"
	}
	pd.Problems = s.problemLinks(d)
	if len(d.Problems) == 0 {
		if !s.fillPreview(w, r, d, p, pd) {
			return
		}
	}
	if pd.View != "text" && pd.View != "raw" {
		pd.View = "html"
	}
	s.adminRender(w, r, status, "content_preview", &adminPage{Title: "Preview of " + p, Section: "content", Error: problem, Data: pd})
}

// fillPreview renders the file into pd; for ?view=email it answers with
// the HTML alone. It returns false when it has answered.
func (s *Server) fillPreview(w http.ResponseWriter, r *http.Request, d *draftView, p string, pd *previewData) bool {
	o, err := s.show(r.Context(), d, p, draftSample(sampleAddress))
	if err != nil {
		pd.Problems = append(pd.Problems, problemLink{Text: err.Error(), Href: pd.Edit})
		return true
	}
	if pd.View == "email" {
		framedHeaders(w)
		w.Write([]byte(o.HTML()))
		return false
	}
	pd.What, pd.IsEmail = o.What, o.Msg != nil
	if o.Msg == nil {
		return true
	}
	raw, err := mailer.Raw(o.Msg)
	if err == nil {
		var eml *emlMessage
		if eml, err = parseEML(raw); err == nil {
			pd.Text = eml.Text
		}
	}
	if err != nil {
		s.adminFail(w, r, err)
		return false
	}
	pd.Raw, pd.Subject, pd.From = string(raw), o.Msg.Subject, o.Msg.FromName+" <"+o.Msg.FromAddr+">"
	return true
}

// previewLinks are the preview page's facts and links.
func (s *Server) previewLinks(d *draftView, p string) *previewData {
	u := contentURL(d.Unit, "preview", p)
	return &previewData{Unit: d.Unit, UnitTitle: s.unitHeading(d.Unit), File: p,
		Sample: "Sam Sample <" + sampleAddress + ">, a sample reader in London time (Europe/London)",
		Sender: s.Sender != nil,
		Edit:   contentURL(d.Unit, "edit", p),
		Frame:  u + "?view=email", HTML: u + "?view=html", PlainText: u + "?view=text", RawMessage: u + "?view=raw",
		Test:    contentURL(d.Unit, "test", p),
		Publish: contentURL(d.Unit, "publish", ""),
	}
}

// problemLinks are a draft's problems, each linking to its file's editor
// at its line.
func (s *Server) problemLinks(d *draftView) []problemLink {
	var out []problemLink
	prefix := unitFolder(d.Unit) + "/"
	for _, p := range d.Problems {
		href := contentURL(d.Unit, "", "")
		if f, ok := strings.CutPrefix(p.File, prefix); ok {
			href = contentURL(d.Unit, "edit", f)
			if p.Line > 0 {
				href += fmt.Sprintf("?line=%d#body", p.Line)
			}
		}
		out = append(out, problemLink{Text: p.String(), Href: href})
	}
	return out
}
