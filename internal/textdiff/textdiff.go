// Package textdiff compares two texts line by line: the changes between
// an operator's refused edit and the file as it is now, or between two
// published versions of a file. Diff finds a longest common subsequence
// of lines; HTML renders the result for an admin page, escaped.
package textdiff

import (
	"bytes"
	"strings"
)

// Op says what happened to a line.
type Op int

// The ops of a Line.
const (
	Same    Op = iota // in both texts
	Removed           // only in the first text
	Added             // only in the second text
)

// Line is one line of a diff. A and B are its 1-based line numbers in the
// first and second text, 0 where it is absent.
type Line struct {
	Op   Op
	Text string
	A, B int
}

// maxCells bounds the table the LCS fills (the changed middle's lines,
// one text's times the other's): past it, the middle is shown as removed
// then added, rather than spending seconds and hundreds of MB on a
// pasted book.
const maxCells = 4 << 20

// Diff returns the lines of a and b in order, each marked as in both, only
// in a (removed) or only in b (added). Line breaks may be LF or CRLF; a
// final line break makes no extra line.
func Diff(a, b []byte) []Line {
	as, bs := split(a), split(b)
	pre := 0
	for pre < len(as) && pre < len(bs) && as[pre] == bs[pre] {
		pre++
	}
	suf := 0
	for suf < len(as)-pre && suf < len(bs)-pre && as[len(as)-1-suf] == bs[len(bs)-1-suf] {
		suf++
	}
	out := make([]Line, 0, max(len(as), len(bs)))
	for i := 0; i < pre; i++ {
		out = append(out, Line{Op: Same, Text: as[i], A: i + 1, B: i + 1})
	}
	out = append(out, middle(as[pre:len(as)-suf], bs[pre:len(bs)-suf], pre)...)
	for i := 0; i < suf; i++ {
		ai, bi := len(as)-suf+i, len(bs)-suf+i
		out = append(out, Line{Op: Same, Text: as[ai], A: ai + 1, B: bi + 1})
	}
	return out
}

// middle diffs the lines between the common prefix and suffix; off is
// the prefix's length, to number the lines.
func middle(as, bs []string, off int) []Line {
	n, m := len(as), len(bs)
	if n*m > maxCells {
		return replaced(as, bs, off)
	}
	// lcs[i][j] is the LCS length of as[i:] and bs[j:].
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if as[i] == bs[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && as[i] == bs[j]:
			out = append(out, Line{Op: Same, Text: as[i], A: off + i + 1, B: off + j + 1})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, Line{Op: Removed, Text: as[i], A: off + i + 1})
			i++
		default:
			out = append(out, Line{Op: Added, Text: bs[j], B: off + j + 1})
			j++
		}
	}
	return out
}

func replaced(as, bs []string, off int) []Line {
	out := make([]Line, 0, len(as)+len(bs))
	for i, s := range as {
		out = append(out, Line{Op: Removed, Text: s, A: off + i + 1})
	}
	for j, s := range bs {
		out = append(out, Line{Op: Added, Text: s, B: off + j + 1})
	}
	return out
}

func split(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	s := string(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")))
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// Changed reports whether a diff holds any added or removed line.
func Changed(lines []Line) bool {
	for _, l := range lines {
		if l.Op != Same {
			return true
		}
	}
	return false
}
