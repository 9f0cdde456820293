package admin

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// templatesTitle is how the templates unit is named on the pages.
const templatesTitle = "Email and page templates"

// unitState is one unit as the editor shows it: its latest published
// version and its files with the drafts in place.
type unitState struct {
	Unit      string
	Title     string
	Version   store.Version // zero when nothing is published
	Published store.Files
	Files     store.Files            // the published files with the drafts in place, removals applied
	Drafts    map[string]store.Draft // by path, removals included
}

// unitOf reads the unit named in the URL; one that is neither published
// nor a course in use is drip.ErrNotFound.
func (s *Server) unitOf(ctx context.Context, unit string) (*unitState, error) {
	v, files, err := s.DB.VersionFiles(ctx, unit, 0)
	if err != nil && !errors.Is(err, drip.ErrNotFound) {
		return nil, err
	}
	if err != nil {
		if _, inUse := s.content().Set.Course(unit); !inUse && unit != store.Templates {
			return nil, drip.ErrNotFound
		}
		files = store.Files{}
	}
	st := &unitState{Unit: unit, Title: s.unitTitle(unit), Version: v, Published: files, Files: store.Files{}, Drafts: map[string]store.Draft{}}
	for p, b := range files {
		st.Files[p] = b
	}
	ds, err := s.DB.Drafts(ctx, unit)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		st.Drafts[d.Path] = d
		if d.Deleted {
			delete(st.Files, d.Path)
		} else {
			st.Files[d.Path] = d.Body
		}
	}
	return st, nil
}

// urlUnit is unitOf for the {unit} of the request's URL.
func (s *Server) urlUnit(ctx context.Context, unit string) (*unitState, error) {
	if unit == "" || (strings.HasPrefix(unit, "_") && unit != store.Templates) {
		return nil, drip.ErrNotFound
	}
	return s.unitOf(ctx, unit)
}

func (s *Server) unitTitle(unit string) string {
	if unit == store.Templates {
		return templatesTitle
	}
	return s.courseTitle(unit)
}

// base is the version an edit of path starts from: its draft's, or the
// latest.
func (st *unitState) base(path string) int {
	if d, ok := st.Drafts[path]; ok {
		return d.Base
	}
	return st.Version.Number
}

// revision is the draft revision an edit of path starts from; 0 without
// a draft.
func (st *unitState) revision(path string) int { return st.Drafts[path].Revision }

// hasProblems reports whether any draft of the unit is marked.
func (st *unitState) hasProblems() bool {
	for _, d := range st.Drafts {
		if d.Problems != "" {
			return true
		}
	}
	return false
}

// lessonName is a lesson file's name: its number and slug, as
// internal/course reads it.
var lessonName = regexp.MustCompile(`^(\d{1,4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$`)

// lessonFile is one lesson's file in course order.
type lessonFile struct {
	Path   string
	Number int
	Prefix string // the number as written, with its zeros
	Slug   string
}

// lessons lists a course unit's lesson files in course order.
func (st *unitState) lessons() []lessonFile {
	var out []lessonFile
	for p := range st.Files {
		if m := lessonName.FindStringSubmatch(p); m != nil {
			n, _ := strconv.Atoi(m[1])
			out = append(out, lessonFile{Path: p, Number: n, Prefix: m[1], Slug: m[2]})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Number != out[j].Number {
			return out[i].Number < out[j].Number
		}
		return out[i].Slug < out[j].Slug
	})
	return out
}

// filePath is the file named by the rest of an edit URL, if the unit has
// it; anything else is drip.ErrNotFound, so a URL only ever names a key
// of the unit's files.
func (st *unitState) filePath(rest string) (string, error) {
	if _, ok := st.Files[rest]; !ok || rest == "" {
		return "", drip.ErrNotFound
	}
	return rest, nil
}
