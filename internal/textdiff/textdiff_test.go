package textdiff

import (
	"fmt"
	"strings"
	"testing"
)

// render writes a diff as " a", "-b", "+c" lines with their numbers.
func render(lines []Line) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s%d/%d:%s\n", [...]string{" ", "-", "+"}[l.Op], l.A, l.B, l.Text)
	}
	return b.String()
}

func TestDiff(t *testing.T) {
	for _, c := range []struct{ name, a, b, want string }{
		{"same", "x\ny\n", "x\ny", " 1/1:x\n 2/2:y\n"},
		{"empty to text", "", "x\n", "+0/1:x\n"},
		{"text to empty", "x\n", "", "-1/0:x\n"},
		{"one changed line", "a\nb\nc\n", "a\nB\nc\n", " 1/1:a\n-2/0:b\n+0/2:B\n 3/3:c\n"},
		{"insert", "a\nc\n", "a\nb\nc\n", " 1/1:a\n+0/2:b\n 2/3:c\n"},
		{"crlf is lf", "a\r\nb\r\n", "a\nb\n", " 1/1:a\n 2/2:b\n"},
		{"moved line", "a\nb\nc\nd\n", "b\nc\na\nd\n", "-1/0:a\n 2/1:b\n 3/2:c\n+0/3:a\n 4/4:d\n"},
	} {
		if got := render(Diff([]byte(c.a), []byte(c.b))); got != c.want {
			t.Errorf("%s:\n%s\nwant:\n%s", c.name, got, c.want)
		}
	}
}

func TestDiffOfHugeTextsIsBounded(t *testing.T) {
	var a, b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&a, "a%d\n", i)
		fmt.Fprintf(&b, "b%d\n", i)
	}
	lines := Diff([]byte(a.String()), []byte(b.String()))
	if len(lines) != 10000 || lines[0].Op != Removed || lines[9999].Op != Added {
		t.Fatalf("%d lines, first %v, last %v; want every line removed then added", len(lines), lines[0], lines[len(lines)-1])
	}
}

func TestHTMLEscapesAndFolds(t *testing.T) {
	var a, b strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&a, "line %d\n", i)
		if i == 10 {
			b.WriteString("<script>alert(1)</script>\n")
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	got := string(HTML(Diff([]byte(a.String()), []byte(b.String())), 2, "Now", "<yours>"))
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;yours&gt;", "7 unchanged lines", "8 unchanged lines",
		`<del><span class="sr">removed: </span>line 10</del>`} {
		if !strings.Contains(got, want) {
			t.Errorf("HTML lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script>") || strings.Contains(got, ">line 3<") {
		t.Errorf("HTML holds raw markup or a folded line:\n%s", got)
	}
	if Changed(Diff([]byte("a"), []byte("a\n"))) {
		t.Error("a final line break counts as a change")
	}
}
