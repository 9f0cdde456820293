package course

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
)

// TextWidth is the column at which the plain-text part is wrapped.
const TextWidth = 72

// plainText renders a Markdown document as plain text that reads naturally
// in a mail client: paragraphs wrapped at TextWidth, headings underlined,
// list items indented, and each link numbered in the text and listed at the
// end, so no address is lost.
func plainText(doc ast.Node, src []byte, links []string) string {
	var out strings.Builder
	t := &textWriter{src: src}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		t.block(&out, n, "", "")
	}
	s := strings.TrimRight(out.String(), "\n") + "\n"
	if len(links) > 0 {
		s += "\nLinks:\n"
		for i := range links {
			s += fmt.Sprintf("[%d] %s\n", i+1, linkMarker(i))
		}
	}
	return s
}

type textWriter struct {
	src   []byte
	links int
}

func (t *textWriter) block(out *strings.Builder, n ast.Node, first, rest string) {
	switch n := n.(type) {
	case *ast.Heading:
		line := t.inline(n)
		out.WriteString(first + line + "\n")
		// Only ## and smaller: the loader refuses a lesson's # heading.
		out.WriteString(rest + strings.Repeat("-", max(1, min(len([]rune(line)), TextWidth-len(rest)))) + "\n\n")
	case *ast.Paragraph, *ast.TextBlock:
		out.WriteString(wrap(t.inline(n), first, rest))
		if _, tight := n.(*ast.TextBlock); !tight {
			out.WriteString("\n")
		}
	case *ast.List:
		t.list(out, n, first, rest)
		out.WriteString("\n")
	case *ast.Blockquote:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			t.block(out, c, rest+"> ", rest+"> ")
		}
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			out.WriteString(rest + "    " + strings.TrimRight(string(seg.Value(t.src)), "\n") + "\n")
		}
		out.WriteString("\n")
	case *ast.ThematicBreak:
		out.WriteString(rest + strings.Repeat("-", 20) + "\n\n")
	case *east.Table:
		for row := n.FirstChild(); row != nil; row = row.NextSibling() {
			var cells []string
			for c := row.FirstChild(); c != nil; c = c.NextSibling() {
				cells = append(cells, t.inline(c))
			}
			out.WriteString(rest + strings.Join(cells, " | ") + "\n")
		}
		out.WriteString("\n")
	default:
		// HTML blocks are dropped, as in the HTML part.
	}
}

func (t *textWriter) list(out *strings.Builder, l *ast.List, first, rest string) {
	i := l.Start
	for item := l.FirstChild(); item != nil; item = item.NextSibling() {
		bullet := "- "
		if l.IsOrdered() {
			bullet = fmt.Sprintf("%d. ", i)
			i++
		}
		pad := strings.Repeat(" ", len(bullet))
		lead := first + bullet
		for c := item.FirstChild(); c != nil; c = c.NextSibling() {
			t.block(out, c, lead, rest+pad)
			lead = rest + pad
		}
		first = rest
	}
}

// inline flattens a block's inline content to one line of text.
func (t *textWriter) inline(n ast.Node) string {
	var b strings.Builder
	ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		switch c := c.(type) {
		case *ast.Text:
			if entering {
				b.Write(c.Segment.Value(t.src))
				if c.SoftLineBreak() {
					b.WriteByte(' ')
				}
				if c.HardLineBreak() {
					b.WriteByte('\n')
				}
			}
		case *ast.String:
			if entering {
				b.Write(c.Value)
			}
		case *ast.CodeSpan:
			if entering {
				for g := c.FirstChild(); g != nil; g = g.NextSibling() {
					if s, ok := g.(*ast.Text); ok {
						b.Write(s.Segment.Value(t.src))
					}
				}
				return ast.WalkSkipChildren, nil
			}
		case *ast.Emphasis:
			if c.Level == 2 {
				b.WriteString("*")
			} else {
				b.WriteString("_")
			}
		case *ast.Link:
			if !entering {
				t.links++
				fmt.Fprintf(&b, " [%d]", t.links)
			}
		case *ast.AutoLink:
			if entering {
				t.links++
				fmt.Fprintf(&b, "%s [%d]", c.Label(t.src), t.links)
			}
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// wrap fills s into lines of at most TextWidth columns, starting the first
// line with first and the others with rest. Explicit line breaks are kept.
func wrap(s, first, rest string) string {
	var out strings.Builder
	lead := first
	for _, para := range strings.Split(s, "\n") {
		line := lead
		empty := true
		for _, w := range strings.Fields(para) {
			if !empty && len([]rune(line))+1+len([]rune(w)) > TextWidth {
				out.WriteString(line + "\n")
				line, empty = rest, true
			}
			if !empty {
				line += " "
			}
			line += w
			empty = false
		}
		out.WriteString(line + "\n")
		lead = rest
	}
	return out.String()
}
