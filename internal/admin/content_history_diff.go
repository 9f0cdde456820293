package admin

import (
	"html/template"

	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/textdiff"
)

// diffContext is how many unchanged lines are shown around each change.
const diffContext = 3

// fileDiff is the diff of one file as a page shows it: the one place the
// pages get a diff from (textdiff, shared with the editor's conflicts).
func fileDiff(a, b []byte, before, after string) template.HTML {
	return textdiff.HTML(textdiff.Diff(a, b), diffContext, before, after)
}

// fileChange is one file that differs between two file sets, with its
// diff.
type fileChange struct {
	Path string
	Kind string // "changed", "added" or "removed"
	Diff template.HTML
}

// fileChanges lists the files that differ from old to new, in path
// order.
func fileChanges(old, new store.Files, before, after string) []fileChange {
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
			out = append(out, fileChange{Path: p, Kind: "added", Diff: fileDiff(nil, b, before, after)})
		case !has:
			out = append(out, fileChange{Path: p, Kind: "removed", Diff: fileDiff(a, nil, before, after)})
		default:
			out = append(out, fileChange{Path: p, Kind: "changed", Diff: fileDiff(a, b, before, after)})
		}
	}
	return out
}
