// Package render owns dripcourse's templates: the public pages and the
// emails, read from templates/ (built in, or an operator's directory). Pages
// and HTML email parts use html/template, so everything a reader typed is
// escaped; plain-text parts use text/template. Every template is parsed once
// at load, and every render goes into a buffer first, so a failing template
// never sends half a page or half an email.
//
// Layout of a templates directory:
//
//	pages/layout.html      the page frame; defines "layout"
//	pages/NAME.html        one page each; defines "content" (and "title")
//	email/NAME.html        HTML part of an email
//	email/NAME.txt         plain-text part of the same email
package render

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Templates is a parsed, checked set of templates.
type Templates struct {
	pages     map[string]*htmltemplate.Template
	emailHTML map[string]*htmltemplate.Template
	emailText map[string]*texttemplate.Template
}

// Required pages and emails: the product cannot run without them, so Load
// refuses a directory that lacks one.
var (
	RequiredPages  = []string{"course", "check-inbox", "confirm", "confirmed", "unsubscribe", "unsubscribed", "resubscribed", "next", "pause", "error"}
	RequiredEmails = []string{"confirm", "lesson"}
	// NewerPages are pages a templates directory made for an earlier
	// release lacks: LoadWith takes them from its defaults instead, in
	// the directory's own layout.
	NewerPages = []string{"catalogue", "enroll", "embed"}
)

// Load parses every template in fsys and checks each one by rendering it
// with sample data, so a template that refers to a missing field fails here
// and not in front of a reader.
func Load(fsys fs.FS) (*Templates, error) { return LoadWith(fsys, nil) }

// LoadWith is Load, with each of NewerPages that fsys lacks read from
// defaults (the built-in templates) when it has it.
func LoadWith(fsys, defaults fs.FS) (*Templates, error) {
	t := &Templates{
		pages:     map[string]*htmltemplate.Template{},
		emailHTML: map[string]*htmltemplate.Template{},
		emailText: map[string]*texttemplate.Template{},
	}
	var ps drip.Problems
	ps = append(ps, t.loadPages(fsys, defaults)...)
	ps = append(ps, t.loadEmails(fsys)...)
	if len(ps) == 0 {
		ps = append(ps, t.selfCheck()...)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return t, nil
}

var funcs = map[string]any{
	"add":       func(a, b int) int { return a + b },
	"upper":     strings.ToUpper,
	"underline": underline,
}

// underline returns a line of c as long as s (in characters), at most 72:
// a heading's underline in a plain-text email.
func underline(c, s string) string {
	return strings.Repeat(c, min(utf8.RuneCountInString(s), 72))
}

func (t *Templates) loadPages(fsys, defaults fs.FS) drip.Problems {
	layoutSrc, err := fs.ReadFile(fsys, "pages/layout.html")
	if err != nil {
		return drip.Problems{{File: "pages/layout.html", Msg: "missing: the page layout is required"}}
	}
	layout, err := htmltemplate.New("layout.html").Funcs(funcs).Parse(string(layoutSrc))
	if err != nil {
		return drip.Problems{templateProblem("pages/", err)}
	}
	if ps := loopProblems("pages/", htmlTrees(layout)); len(ps) > 0 {
		return ps
	}
	names, _ := fs.Glob(fsys, "pages/*.html")
	var ps drip.Problems
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" {
			continue
		}
		src, err := fs.ReadFile(fsys, file)
		if err != nil {
			ps = append(ps, drip.Problem{File: file, Msg: err.Error()})
			continue
		}
		clone := htmltemplate.Must(layout.Clone())
		if _, err := clone.New(path.Base(file)).Parse(string(src)); err != nil {
			ps = append(ps, templateProblem("pages/", err))
			continue
		}
		if loops := loopProblems("pages/", htmlTrees(clone)); len(loops) > 0 {
			ps = append(ps, loops...)
			continue
		}
		t.pages[name] = clone
	}
	for _, name := range NewerPages {
		if _, ok := t.pages[name]; ok || defaults == nil || hasProblem(ps, "pages/"+name+".html") {
			continue
		}
		if p := t.pageFrom(defaults, layout, name); p != nil {
			ps = append(ps, *p)
		}
	}
	for _, name := range slices.Concat(RequiredPages, NewerPages) {
		if _, ok := t.pages[name]; !ok && !hasProblem(ps, "pages/"+name+".html") {
			ps = append(ps, drip.Problem{File: "pages/" + name + ".html", Msg: "missing: this page is required"})
		}
	}
	return ps
}

// pageFrom parses page name from defaults into a copy of layout.
func (t *Templates) pageFrom(defaults fs.FS, layout *htmltemplate.Template, name string) *drip.Problem {
	src, err := fs.ReadFile(defaults, "pages/"+name+".html")
	if err != nil {
		return nil // reported as missing
	}
	clone := htmltemplate.Must(layout.Clone())
	if _, err := clone.New(name + ".html").Parse(string(src)); err != nil {
		p := templateProblem("pages/", err)
		return &p
	}
	t.pages[name] = clone
	return nil
}

func (t *Templates) loadEmails(fsys fs.FS) drip.Problems {
	var ps drip.Problems
	htmlFiles, _ := fs.Glob(fsys, "email/*.html")
	for _, file := range htmlFiles {
		src, err := fs.ReadFile(fsys, file)
		if err == nil {
			var tpl *htmltemplate.Template
			tpl, err = htmltemplate.New(path.Base(file)).Funcs(funcs).Parse(string(src))
			if err == nil {
				if loops := loopProblems("email/", htmlTrees(tpl)); len(loops) > 0 {
					ps = append(ps, loops...)
					continue
				}
				t.emailHTML[strings.TrimSuffix(path.Base(file), ".html")] = tpl
			}
		}
		if err != nil {
			ps = append(ps, templateProblem("email/", err))
		}
	}
	textFiles, _ := fs.Glob(fsys, "email/*.txt")
	for _, file := range textFiles {
		src, err := fs.ReadFile(fsys, file)
		if err == nil {
			var tpl *texttemplate.Template
			tpl, err = texttemplate.New(path.Base(file)).Funcs(funcs).Parse(string(src))
			if err == nil {
				if loops := loopProblems("email/", textTrees(tpl)); len(loops) > 0 {
					ps = append(ps, loops...)
					continue
				}
				t.emailText[strings.TrimSuffix(path.Base(file), ".txt")] = tpl
			}
		}
		if err != nil {
			ps = append(ps, templateProblem("email/", err))
		}
	}
	for _, name := range RequiredEmails {
		for _, ext := range []string{".html", ".txt"} {
			file := "email/" + name + ext
			if !hasProblem(ps, file) && !exists(fsys, file) {
				ps = append(ps, drip.Problem{File: file, Msg: "missing: this email part is required"})
			}
		}
	}
	return ps
}

func exists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

func hasProblem(ps drip.Problems, file string) bool {
	for _, p := range ps {
		if p.File == file {
			return true
		}
	}
	return false
}

var templateErr = regexp.MustCompile(`^(?:html/)?template: ?([^:]+):(\d+):(?:\d+:)?\s*(.*)$`)

// templateProblem turns a template package error into file:line form.
func templateProblem(dir string, err error) drip.Problem {
	var be *BoundError
	if errors.As(err, &be) {
		return drip.Problem{File: be.What, Msg: strings.TrimPrefix(strings.TrimPrefix(be.Error(), "template "), be.What+": ")}
	}
	msg := err.Error()
	if m := templateErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[2])
		return drip.Problem{File: dir + m[1], Line: line, Msg: m[3]}
	}
	return drip.Problem{File: strings.TrimSuffix(dir, "/"), Msg: msg}
}

// Page renders the named page with data.
func (t *Templates) Page(name string, data *Page) ([]byte, error) {
	tpl, ok := t.pages[name]
	if !ok {
		return nil, fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	err := execute(&buf, "pages/"+name+".html", func(w io.Writer) error { return tpl.ExecuteTemplate(w, "layout", data) })
	if err != nil {
		return nil, fmt.Errorf("render: page %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// Email renders both parts of the named email.
func (t *Templates) Email(name string, data *Email) (html, text string, err error) {
	h, ok1 := t.emailHTML[name]
	x, ok2 := t.emailText[name]
	if !ok1 || !ok2 {
		return "", "", fmt.Errorf("render: no email %q", name)
	}
	var hb, tb bytes.Buffer
	if err := execute(&hb, "email/"+name+".html", func(w io.Writer) error { return h.Execute(w, data) }); err != nil {
		return "", "", fmt.Errorf("render: email %s.html: %w", name, err)
	}
	if err := execute(&tb, "email/"+name+".txt", func(w io.Writer) error { return x.Execute(w, data) }); err != nil {
		return "", "", fmt.Errorf("render: email %s.txt: %w", name, err)
	}
	return hb.String(), tb.String(), nil
}

// Pages lists the loaded page names, sorted.
func (t *Templates) Pages() []string {
	var names []string
	for n := range t.pages {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// htmlTrees and textTrees are the parse trees of a template and every
// template associated with it, for loopProblems.
func htmlTrees(t *htmltemplate.Template) []*parse.Tree {
	var ts []*parse.Tree
	for _, x := range t.Templates() {
		ts = append(ts, x.Tree)
	}
	return ts
}

func textTrees(t *texttemplate.Template) []*parse.Tree {
	var ts []*parse.Tree
	for _, x := range t.Templates() {
		ts = append(ts, x.Tree)
	}
	return ts
}
