package course

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// render turns the lesson's Markdown into its HTML and plain-text parts.
// Raw HTML in a lesson is dropped (goldmark's safe default): a lesson is
// prose, and the email templates own the markup.
func (l *Lesson) render() error {
	// NUL would collide with the link markers; CommonMark replaces it
	// with U+FFFD anyway.
	l.Markdown = strings.ReplaceAll(l.Markdown, "\x00", "\uFFFD")
	src := []byte(l.Markdown)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	links, err := collectLinks(doc, src)
	if err != nil {
		return err
	}
	l.Links = links
	// goldmark lets the renderer with the lowest priority number win, so
	// 100 overrides the HTML renderer's links (1000).
	md := goldmark.New(goldmark.WithExtensions(extension.GFM),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(&markerLinks{}, 100))))
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return fmt.Errorf("render markdown: %w", err)
	}
	l.html = splitMarkers(buf.String())
	l.text = splitMarkers(plainText(doc, src, links))
	l.Words = len(strings.Fields(l.Markdown))
	return nil
}

// collectLinks numbers the links in document order and refuses any that a
// mail client should not be sent to.
func collectLinks(doc ast.Node, src []byte) ([]string, error) {
	var links []string
	var bad error
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		dest, ok := destination(n, src)
		if !ok {
			return ast.WalkContinue, nil
		}
		u, err := url.Parse(dest)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") || (u.Scheme != "mailto" && u.Host == "") {
			bad = fmt.Errorf("link %q: lessons may only link to full http, https or mailto addresses", dest)
			return ast.WalkStop, nil
		}
		links = append(links, dest)
		return ast.WalkContinue, nil
	})
	return links, bad
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
