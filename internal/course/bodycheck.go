package course

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/yuin/goldmark/ast"
)

// checkBody finds every problem in a lesson's Markdown, each on its line
// of the file, and records the lesson's links in document order. A lesson
// is prose: the email template prints its title and owns the markup, so a
// top-level heading would repeat the title, and raw HTML (which goldmark
// leaves out of the email) would silently vanish.
func checkBody(l *Lesson, doc ast.Node, src []byte, bodyLine int) Problems {
	if strings.TrimSpace(l.Markdown) == "" {
		return Problems{{File: l.File, Line: bodyLine, Msg: "the lesson has no text after its front matter"}}
	}
	var ps Problems
	line := func(off int) int { return bodyLine + bytes.Count(src[:off], []byte("\n")) }
	at := func(off int, msg string) { ps = append(ps, Problem{File: l.File, Line: line(off), Msg: msg}) }
	htmlLine := 0 // the last line raw HTML was reported on: once a line is enough
	l.Links = nil
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if dest, ok := destination(n, src); ok {
			if !linkAllowed(dest) {
				at(findIn(n, src, dest), fmt.Sprintf("link %q is not allowed: lessons link only to full http://, https:// or mailto: addresses", dest))
			}
			l.Links = append(l.Links, dest)
		}
		switch n := n.(type) {
		case *ast.Heading:
			if n.Level == 1 {
				at(blockStart(n), fmt.Sprintf("a top-level heading (%q): the email already shows the lesson's title above the text; use ## for a section heading, or title: in the front matter for the title", "# "+snippet(n.Lines().Value(src))))
			}
		case *ast.HTMLBlock:
			if n.HTMLBlockType != ast.HTMLBlockType2 { // type 2 is a comment
				at(blockStart(n), rawHTML(n.Lines().Value(src)))
			}
		case *ast.RawHTML:
			raw, off := n.Segments.Value(src), n.Segments.At(0).Start
			if !bytes.HasPrefix(raw, []byte("<!--")) && line(off) != htmlLine {
				at(off, rawHTML(raw))
				htmlLine = line(off)
			}
		}
		return ast.WalkContinue, nil
	})
	return ps
}

func rawHTML(raw []byte) string {
	return fmt.Sprintf("raw HTML (%q) would be left out of the email: write it in Markdown instead", snippet(raw))
}

// linkAllowed reports whether a mail client may be sent to dest.
func linkAllowed(dest string) bool {
	u, err := url.Parse(dest)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return true
	}
	return false
}

// snippet is the first line of b, cut short for a message.
func snippet(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return s
}

// block is the nearest block with source lines at or around n.
func block(n ast.Node) ast.Node {
	for ; n != nil; n = n.Parent() {
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			return n
		}
	}
	return nil
}

// blockStart is the offset in the source of the first line of the block
// at or around n.
func blockStart(n ast.Node) int {
	if b := block(n); b != nil {
		return b.Lines().At(0).Start
	}
	return 0
}

// findIn is the offset of needle in the source of the block around n, or
// the block's start when it is not written there as it is.
func findIn(n ast.Node, src []byte, needle string) int {
	b := block(n)
	if b == nil {
		return 0
	}
	lines := b.Lines()
	start, stop := lines.At(0).Start, lines.At(lines.Len()-1).Stop
	if i := bytes.Index(src[start:stop], []byte(needle)); i >= 0 {
		return start + i
	}
	return start
}
