package course

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// newMarkdown is the Markdown dialect of lessons: CommonMark with GitHub's
// tables, strikethrough, task lists and bare links.
func newMarkdown(opts ...goldmark.Option) goldmark.Markdown {
	return goldmark.New(append([]goldmark.Option{goldmark.WithExtensions(extension.GFM)}, opts...)...)
}

// parseMarkdown parses the lesson's body.
func parseMarkdown(l *Lesson) (ast.Node, []byte) {
	// NUL would collide with the link markers; CommonMark replaces it
	// with U+FFFD anyway.
	l.Markdown = strings.ReplaceAll(l.Markdown, "\x00", "\uFFFD")
	src := []byte(l.Markdown)
	return newMarkdown().Parser().Parse(text.NewReader(src)), src
}

// render turns the lesson's parsed Markdown into its HTML and plain-text
// parts. checkBody has refused raw HTML, so what the email shows is what
// the lesson says; HTML comments, notes for whoever edits the lesson, are
// left out of both parts.
func (l *Lesson) render(doc ast.Node, src []byte) error {
	// goldmark lets the renderer with the lowest priority number win, so
	// 100 overrides the HTML renderer's links (1000).
	md := newMarkdown(goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(&markerLinks{}, 100))))
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return fmt.Errorf("render markdown: %w", err)
	}
	l.html = splitMarkers(buf.String())
	l.text = splitMarkers(plainText(doc, src, l.Links))
	l.Words = len(strings.Fields(l.Markdown))
	return nil
}

func destination(n ast.Node, src []byte) (string, bool) {
	switch n := n.(type) {
	case *ast.Link:
		return string(n.Destination), true
	case *ast.AutoLink:
		dest := string(n.URL(src))
		if n.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(dest), "mailto:") {
			dest = "mailto:" + dest
		}
		return dest, true
	}
	return "", false
}

// markerLinks renders links with a marker for their destination, which
// each delivery fills in.
type markerLinks struct{ n int }

func (r *markerLinks) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, r.link)
	reg.Register(ast.KindAutoLink, r.autoLink)
	reg.Register(ast.KindHTMLBlock, skip)
	reg.Register(ast.KindRawHTML, skip)
}

// skip renders nothing: the only HTML a loaded lesson holds is comments.
func skip(util.BufWriter, []byte, ast.Node, bool) (ast.WalkStatus, error) {
	return ast.WalkSkipChildren, nil
}

func (r *markerLinks) link(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		w.WriteString("</a>")
		return ast.WalkContinue, nil
	}
	w.WriteString(`<a href="` + linkMarker(r.n) + `"`)
	r.n++
	if t := node.(*ast.Link).Title; t != nil {
		w.WriteString(` title="`)
		w.Write(util.EscapeHTML(t))
		w.WriteByte('"')
	}
	w.WriteByte('>')
	return ast.WalkContinue, nil
}

func (r *markerLinks) autoLink(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	w.WriteString(`<a href="` + linkMarker(r.n) + `">`)
	r.n++
	w.Write(util.EscapeHTML(node.(*ast.AutoLink).Label(src)))
	w.WriteString("</a>")
	return ast.WalkContinue, nil
}
