package editor

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"html/template"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// site is an admin page in miniature, served the way the integrator is to
// serve it: a form with a CSRF field, a lesson textarea with a problem on
// line 3, a save button, a live preview, and the editor's script.
type site struct {
	t         *testing.T
	srv       *httptest.Server
	assets    *Assets
	mu        sync.Mutex
	saved     []string // each saved lesson text
	fields    []string // the field names of the last save, sorted
	shown     []string // each previewed lesson text
	strict    bool     // the page's styles by nonce only (strictPolicy)
	noPreview bool     // the page without a preview
}

const (
	csrfToken = "csrf-token-of-this-session"
	// The lesson as the page first shows it; line 3 has a problem.
	lessonText = "# Welcome\n\nHello {{.Nmae}}, glad you came.\n\nThe end.\n"
	line3      = "Hello {{.Nmae}}, glad you came."
)

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Edit lesson</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style nonce="{{.Nonce}}">body{font-family:sans-serif;margin:1rem} iframe{border:1px solid #666;height:300px}</style>
<script src="{{.Script}}" nonce="{{.Nonce}}" defer></script>
</head><body>
<h1>Edit lesson</h1>
<ul id="problems">{{range .Problems}}<li><a href="#body" data-editor-line="{{.Line}}">Line {{.Line}}</a>: {{.Message}}</li>{{end}}</ul>
<form method="post" action="/save">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<p><label for="subject">Subject</label> <input id="subject" name="subject" value="Welcome"></p>
<p><label for="body">Lesson text</label></p>
<textarea id="body" name="body" rows="10" cols="60" data-editor="markdown" data-problems="{{.ProblemsAttr}}">{{.Body}}</textarea>
<p><button type="submit" data-editor-save>Save draft</button></p>
{{if not .NoPreview}}<p data-editor-status role="status"></p>
<p><button type="button" data-preview-width="desktop" aria-pressed="true" hidden>Desktop</button>
<button type="button" data-preview-width="phone" hidden>Phone</button></p>
<iframe data-editor-preview data-preview-url="/preview" sandbox title="Preview of the email" srcdoc="<p>Saved preview</p>"></iframe>{{end}}
</form>
</body></html>`))

func newSite(t *testing.T) *site {
	s := &site{t: t, assets: New("/assets")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /edit", s.edit)
	mux.HandleFunc("POST /save", s.save)
	mux.HandleFunc("POST /preview", s.preview)
	mux.HandleFunc("GET /templates", s.templates)
	mux.HandleFunc("POST /preview-templates", s.previewTemplates)
	mux.Handle("/assets/", s.assets)
	s.srv = httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) edit(w http.ResponseWriter, r *http.Request) {
	var b [16]byte
	rand.Read(b[:])
	nonce := base64.RawURLEncoding.EncodeToString(b[:])
	policy := PagePolicy
	if s.strict {
		policy = strictPolicy(nonce)
	}
	w.Header().Set("Content-Security-Policy", policy)
	problems := []Problem{{Line: 3, Message: "unknown field Nmae: did you mean Name?"}}
	err := pageTemplate.Execute(w, map[string]any{
		"Nonce": nonce, "Script": s.assets.ScriptPath(), "CSRF": csrfToken, "Body": lessonText,
		"Problems": problems, "ProblemsAttr": ProblemsAttr(problems), "NoPreview": s.noPreview,
	})
	if err != nil {
		s.t.Errorf("page: %v", err)
	}
}

// strictPolicy is PagePolicy with styles allowed only by nonce: enough for
// the editor, not for a preview's inline styles.
func strictPolicy(nonce string) string {
	return strings.Replace(PagePolicy, "style-src 'self' 'unsafe-inline'", "style-src 'nonce-"+nonce+"'", 1)
}

// lessonOf reads the lesson text of a post, refusing one without the CSRF
// field as the admin would.
func lessonOf(w http.ResponseWriter, r *http.Request) (string, bool) {
	if r.PostFormValue("csrf") != csrfToken {
		http.Error(w, "no CSRF token", http.StatusForbidden)
		return "", false
	}
	// Browsers post a textarea's line breaks as CRLF.
	return strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n"), true
}

func (s *site) save(w http.ResponseWriter, r *http.Request) {
	text, ok := lessonOf(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	s.saved = append(s.saved, text)
	s.fields = slices.Sorted(maps.Keys(r.PostForm))
	s.mu.Unlock()
	w.Header().Set("Content-Security-Policy", PagePolicy)
	fmt.Fprint(w, `<!doctype html><html lang="en"><head><title>Saved</title><link rel="icon" href="data:,"></head><body><h1>Saved</h1></body></html>`)
}

// preview shows the lesson and reports a problem on each line with a TODO
// in it (the message's curly quotes test the header's encoding); a lesson
// with FAIL in it fails.
func (s *site) preview(w http.ResponseWriter, r *http.Request) {
	text, ok := lessonOf(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	s.shown = append(s.shown, text)
	s.mu.Unlock()
	var problems []Problem
	for i, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "TODO") {
			problems = append(problems, Problem{Line: i + 1, Message: "“TODO” is left in the lesson"})
		}
	}
	SetProblems(w.Header(), problems)
	if strings.Contains(text, "FAIL") {
		w.WriteHeader(http.StatusInternalServerError)
	}
	fmt.Fprintf(w, `<!doctype html><html><body><h1 style="color: rgb(0, 51, 102)">%s</h1><pre>%s</pre></body></html>`,
		html.EscapeString(r.PostFormValue("subject")), html.EscapeString(text))
}

func (s *site) lastSaved() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.saved) == 0 {
		return "", 0
	}
	return s.saved[len(s.saved)-1], len(s.saved)
}

func (s *site) lastShown() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.shown) == 0 {
		return ""
	}
	return s.shown[len(s.shown)-1]
}
