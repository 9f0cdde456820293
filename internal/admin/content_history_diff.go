package admin

import (
	"strings"

	"github.com/dripcourse/dripcourse/internal/store"
)

// diffLine is one line of a line diff as the pages show it.
type diffLine struct {
	Kind     string // "same", "added", "removed", or "gap" for unchanged lines left out
	Old, New int    // the line's number in the old and new text; 0 when not in it
	Text     string
}

// diffContext is how many unchanged lines are kept around each change.
const diffContext = 3

// maxDiffCells bounds the work of a diff: past it, the changed middle
// of the two texts is shown as removed, then added.
const maxDiffCells = 4 << 20

// lineDiff compares two texts line by line. It is the one place the pages
// get a diff from, so another diff package can take its place.
func lineDiff(a, b []byte) []diffLine {
	x, y := splitLines(a), splitLines(b)
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	var out []diffLine
	for i := 0; i < pre; i++ {
		out = append(out, diffLine{Kind: "same", Old: i + 1, New: i + 1, Text: x[i]})
	}
	out = append(out, middle(x[pre:len(x)-suf], y[pre:len(y)-suf], pre)...)
	for i := 0; i < suf; i++ {
		oi, ni := len(x)-suf+i, len(y)-suf+i
		out = append(out, diffLine{Kind: "same", Old: oi + 1, New: ni + 1, Text: x[oi]})
	}
	return trimContext(out)
}

// middle diffs the changed middle of two texts by their longest common
// subsequence of lines; at is the lines before it.
func middle(x, y []string, at int) []diffLine {
	var out []diffLine
	if len(x)*len(y) > maxDiffCells {
		for i, l := range x {
			out = append(out, diffLine{Kind: "removed", Old: at + i + 1, Text: l})
		}
		for j, l := range y {
			out = append(out, diffLine{Kind: "added", New: at + j + 1, Text: l})
		}
		return out
	}
	// lcs[i][j] is the longest common subsequence of x[i:] and y[j:].
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			out = append(out, diffLine{Kind: "same", Old: at + i + 1, New: at + j + 1, Text: x[i]})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, diffLine{Kind: "removed", Old: at + i + 1, Text: x[i]})
			i++
		default:
			out = append(out, diffLine{Kind: "added", New: at + j + 1, Text: y[j]})
			j++
		}
	}
	return out
}

// trimContext leaves out unchanged lines further than diffContext from
// any change, each run as one "gap" line.
func trimContext(ls []diffLine) []diffLine {
	near := make([]bool, len(ls))
	for i, l := range ls {
		if l.Kind != "same" {
			for k := max(0, i-diffContext); k <= min(len(ls)-1, i+diffContext); k++ {
				near[k] = true
			}
		}
	}
	var out []diffLine
	for i, l := range ls {
		switch {
		case near[i]:
			out = append(out, l)
		case len(out) == 0 || out[len(out)-1].Kind != "gap":
			out = append(out, diffLine{Kind: "gap"})
		}
	}
	return out
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), "\n")
}

// fileChange is one file that differs between two file sets, with its
// diff.
type fileChange struct {
	Path  string
	Kind  string // "changed", "added" or "removed"
	Lines []diffLine
}

// fileChanges lists the files that differ from old to new, in path
// order.
func fileChanges(old, new store.Files) []fileChange {
	all := store.Files{}
	for p := range old {
		all[p] = nil
	}
	for p := range new {
		all[p] = nil
	}
	var out []fileChange
	for _, p := range all.Paths() {
		a, had := old[p]
		b, has := new[p]
		switch {
		case had && has && string(a) == string(b):
			continue
		case !had:
			out = append(out, fileChange{Path: p, Kind: "added", Lines: lineDiff(nil, b)})
		case !has:
			out = append(out, fileChange{Path: p, Kind: "removed", Lines: lineDiff(a, nil)})
		default:
			out = append(out, fileChange{Path: p, Kind: "changed", Lines: lineDiff(a, b)})
		}
	}
	return out
}
