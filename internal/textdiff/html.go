package textdiff

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// HTML renders a diff as a table for an admin page: each changed line
// with its line numbers and a word a screen reader says ("removed",
// "added"), and context lines of unchanged text around each change; longer
// unchanged stretches are folded into one row that counts them. Every
// line's text is escaped. The table's classes are diff, del, ins and
// fold, for the page's style.
func HTML(lines []Line, context int, oldName, newName string) template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<table class="diff"><thead><tr><th scope="col">%s</th><th scope="col">%s</th><th scope="col">Text</th></tr></thead><tbody>`,
		html.EscapeString(oldName), html.EscapeString(newName))
	show := shown(lines, context)
	for i := 0; i < len(lines); i++ {
		if !show[i] {
			j := i
			for j < len(lines) && !show[j] {
				j++
			}
			fmt.Fprintf(&b, `<tr class="fold"><td colspan="3">%d unchanged line%s</td></tr>`, j-i, plural(j-i))
			i = j - 1
			continue
		}
		row(&b, lines[i])
	}
	b.WriteString("</tbody></table>")
	return template.HTML(b.String()) // every piece of text above is escaped
}

func row(b *strings.Builder, l Line) {
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return fmt.Sprint(n)
	}
	text := html.EscapeString(l.Text)
	switch l.Op {
	case Removed:
		fmt.Fprintf(b, `<tr class="del"><td>%s</td><td></td><td><del><span class="sr">removed: </span>%s</del></td></tr>`, num(l.A), text)
	case Added:
		fmt.Fprintf(b, `<tr class="ins"><td></td><td>%s</td><td><ins><span class="sr">added: </span>%s</ins></td></tr>`, num(l.B), text)
	default:
		fmt.Fprintf(b, `<tr><td>%s</td><td>%s</td><td>%s</td></tr>`, num(l.A), num(l.B), text)
	}
}

// shown marks the lines to show: every change, and context lines of
// unchanged text on each side of it.
func shown(lines []Line, context int) []bool {
	show := make([]bool, len(lines))
	for i, l := range lines {
		if l.Op == Same {
			continue
		}
		for j := max(0, i-context); j <= min(len(lines)-1, i+context); j++ {
			show[j] = true
		}
	}
	return show
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
