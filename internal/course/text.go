package course

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"
)

// TextWidth is the column at which the plain-text part is wrapped, the
// space that ends a soft-broken (flowed) line included.
const TextWidth = 72

// plainText renders a Markdown document as plain text that reads naturally
// in a mail client: paragraphs wrapped at TextWidth as flowed text (see
// wrap), headings underlined, list items indented, and each link numbered
// in the text and listed at the end, so no address is lost. Lines that
// start with ">" are quotes; the mailer space-stuffs the other lines that
// need it (those starting with a space or "From ").
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
		line := strings.Join(strings.Fields(t.inline(n)), " ")
		out.WriteString(strings.TrimRight(first+line, " ") + "\n")
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
			t.block(out, c, quoted(rest), quoted(rest))
		}
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			out.WriteString(rest + "    " + strings.TrimRight(string(seg.Value(t.src)), " \t\r\n") + "\n")
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
			out.WriteString(strings.TrimRight(rest+strings.Join(cells, " | "), " ") + "\n")
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
				b.Write(plainChars(c.Segment.Value(t.src)))
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

// plainChars is Markdown text as it reads: backslash escapes and
// character references (\*, &amp;, &#8212;) resolved, as the HTML part
// shows them.
func plainChars(b []byte) []byte {
	return util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(b)))
}

// wrap fills s into lines of at most TextWidth columns, the first starting
// with first and the others with rest. The lines are flowed (RFC 3676,
// DelSp=no): a line the paragraph goes on after ends in a space, a soft
// break that a mail client joins again to fit its own screen; a
// paragraph's last line and its explicit line breaks do not. A flowed
// paragraph is one logical line, so its continuation lines carry only the
// quote marks of rest, not a list item's indent, which a reflowing client
// would show as a gap in the middle of the text.
func wrap(s, first, rest string) string {
	var out strings.Builder
	lead, cont := first, quoteMarks(rest)
	for _, para := range strings.Split(s, "\n") {
		line, n := lead, 0 // n counts the words on the line
		for _, w := range glue(strings.Fields(para)) {
			if n > 0 && width(line)+1+width(w)+1 > TextWidth { // +1: the soft break's space
				out.WriteString(line + " \n")
				line, n = cont, 0
			}
			switch {
			case n > 0:
				line += " "
			case strings.HasPrefix(w, ">"):
				w = " " + w // a line's text starting with ">" would read as a quote
			}
			line += w
			n++
		}
		out.WriteString(strings.TrimRight(line, " ") + "\n")
		lead = cont
	}
	return out.String()
}

// glue joins to the word before it each word that must not start a line:
// one that starts with ">" (a flowed reader takes it for a quote mark) and
// "--" (alone on a soft-broken line it would read "-- ", a signature
// separator).
func glue(words []string) []string {
	out := words[:0:0]
	for _, w := range words {
		if len(out) > 0 && (strings.HasPrefix(w, ">") || w == "--") {
			out[len(out)-1] += " " + w
			continue
		}
		out = append(out, w)
	}
	return out
}

// quoteMarks is the quote marks that begin prefix, with their space: ">> "
// of ">> - ", nothing of "  ".
func quoteMarks(prefix string) string {
	n := len(prefix) - len(strings.TrimLeft(prefix, ">"))
	if n > 0 && strings.HasPrefix(prefix[n:], " ") {
		return prefix[:n+1]
	}
	return ""
}

// quoted is prefix one quote level deeper: ">> " after "> ", so that the
// quote marks stay together at the start of the line, as RFC 3676 counts
// them.
func quoted(prefix string) string {
	if strings.HasSuffix(prefix, "> ") {
		return prefix[:len(prefix)-1] + "> "
	}
	return prefix + "> "
}

func width(s string) int { return utf8.RuneCountInString(s) }
