// Package versions moves a course's content between its three forms: the
// files in a directory (the operator's, or the copies built into the
// binary), the published versions the store keeps (one store.Files per
// unit: each course by its slug, and the templates), and the
// compose.Content that sends and serves. Every way in goes through the
// checks of dripcourse check: the courses loaded by course.LoadSet and the
// templates rendered with sample data by render.LoadWith.
package versions

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Units is the content as the store keeps it: each unit's files.
type Units = map[string]store.Files

// Loader loads units into content. Defaults are the built-in templates,
// which give a page that a templates unit made by an older dripcourse
// lacks (render.LoadWith).
type Loader struct {
	Defaults fs.FS
}

// Load checks units as dripcourse check does and returns the content they
// make. Problems name files as lessons/SLUG/FILE and templates/FILE.
func (l Loader) Load(units Units) (*compose.Content, error) {
	lessons, templates := Assemble(units)
	var ps drip.Problems
	set, err := course.LoadSet(lessons)
	ps = append(ps, named("lessons", err)...)
	if err == nil {
		ps = append(ps, slugsMatch(set)...)
	}
	var tpl *render.Templates
	if units[store.Templates] == nil {
		ps = append(ps, drip.Problem{File: "templates", Msg: "no templates are published"})
	} else {
		tpl, err = render.LoadWith(templates, l.Defaults)
		ps = append(ps, named("templates", err)...)
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return &compose.Content{Set: set, Templates: tpl}, nil
}

// Check is Load for store.Publication: nil when units load cleanly.
func (l Loader) Check(units Units) error {
	_, err := l.Load(units)
	return err
}

// Assemble lays units out as the directories loading expects: each course
// in a folder named by its slug, and the templates.
func Assemble(units Units) (lessons, templates fs.FS) {
	lfs, tfs := fstest.MapFS{}, fstest.MapFS{}
	for unit, files := range units {
		for p, body := range files {
			if unit == store.Templates {
				tfs[p] = &fstest.MapFile{Data: body, Mode: 0o644}
			} else {
				lfs[unit+"/"+p] = &fstest.MapFile{Data: body, Mode: 0o644}
			}
		}
	}
	return lfs, tfs
}

// slugsMatch refuses a course whose course.yaml names a slug other than
// the unit it is kept as: a slug is a course's identity, so an edit that
// changes it would make another course.
func slugsMatch(set *course.Set) drip.Problems {
	var ps drip.Problems
	for _, c := range set.Courses {
		if c.Slug != c.Dir {
			ps = append(ps, drip.Problem{File: path.Join("lessons", c.Dir, course.CourseFile), Line: 1,
				Msg: fmt.Sprintf("slug is %q, but this is the course %q: a slug is a course's permanent identity, so keep it; a new slug is a new course, imported as its own folder", c.Slug, c.Dir)})
		}
	}
	return ps
}

// named is err's problems with their files under dir.
func named(dir string, err error) drip.Problems {
	if err == nil {
		return nil
	}
	var ps drip.Problems
	if !errors.As(err, &ps) {
		return drip.Problems{{File: dir, Msg: err.Error()}}
	}
	out := make(drip.Problems, len(ps))
	for i, p := range ps {
		p.File = path.Join(dir, p.File)
		out[i] = p
	}
	return out
}

// FromDirs returns the units of content already loaded from directories:
// each course of set, read from its folder in lessons, and the templates.
func FromDirs(lessons fs.FS, set *course.Set, templates fs.FS) (Units, error) {
	units := Units{}
	for _, c := range set.Courses {
		files, err := CourseFiles(lessons, c.Dir)
		if err != nil {
			return nil, err
		}
		units[c.Slug] = files
	}
	files, err := TemplateFiles(templates)
	if err != nil {
		return nil, err
	}
	units[store.Templates] = files
	return units, nil
}

// CourseFiles reads the files of the course in folder dir of fsys ("" or
// "." for a course at the top): course.yaml, the lessons and any other
// file beside them, but no folder and no hidden file.
func CourseFiles(fsys fs.FS, dir string) (store.Files, error) {
	if dir == "" {
		dir = "."
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("versions: read %s: %w", dir, err)
	}
	files := store.Files{}
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			if files[e.Name()], err = fs.ReadFile(fsys, path.Join(dir, e.Name())); err != nil {
				return nil, fmt.Errorf("versions: %w", err)
			}
		}
	}
	return files, nil
}

// TemplateFiles reads every file under fsys but hidden ones.
func TemplateFiles(fsys fs.FS) (store.Files, error) {
	files := store.Files{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p != "." && strings.HasPrefix(d.Name(), "."):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		files[p], err = fs.ReadFile(fsys, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("versions: read the templates: %w", err)
	}
	return files, nil
}
