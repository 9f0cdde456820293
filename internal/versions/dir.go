package versions

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Layout says what a directory holds.
type Layout int

// The layouts ReadDir knows, as export writes them.
const (
	LayoutCourses   Layout = iota // a lessons directory: one course at the top, or a folder per course
	LayoutTemplates               // a templates directory: pages/ and email/
	LayoutBoth                    // lessons/ and templates/ side by side
)

// LayoutOf tells what fsys holds from the names at its top.
func LayoutOf(fsys fs.FS) Layout {
	has := func(name string) bool { _, err := fs.Stat(fsys, name); return err == nil }
	switch {
	case has(course.CourseFile):
		return LayoutCourses
	case has("lessons") || (has("templates") && !has("pages")):
		return LayoutBoth
	case has("pages") || has("email"):
		return LayoutTemplates
	}
	return LayoutCourses
}

// ReadDir reads and checks the units in fsys, whatever its layout, with
// the checks of dripcourse check. Problems name files relative to fsys.
func (l Loader) ReadDir(fsys fs.FS) (Units, error) {
	switch LayoutOf(fsys) {
	case LayoutTemplates:
		return l.readTemplates(fsys)
	case LayoutBoth:
		return l.readBoth(fsys)
	}
	return readCourses(fsys)
}

func (l Loader) readBoth(fsys fs.FS) (Units, error) {
	units := Units{}
	var ps drip.Problems
	parts := []struct {
		dir  string
		read func(fs.FS) (Units, error)
	}{{"lessons", readCourses}, {"templates", l.readTemplates}}
	for _, part := range parts {
		if _, err := fs.Stat(fsys, part.dir); err != nil {
			continue
		}
		sub, _ := fs.Sub(fsys, part.dir)
		us, err := part.read(sub)
		ps = append(ps, named(part.dir, err)...)
		for u, files := range us {
			units[u] = files
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return units, nil
}

func readCourses(fsys fs.FS) (Units, error) {
	set, err := course.LoadSet(fsys)
	if err != nil {
		return nil, err
	}
	units := Units{}
	for _, c := range set.Courses {
		if units[c.Slug], err = CourseFiles(fsys, c.Dir); err != nil {
			return nil, err
		}
	}
	return units, nil
}

func (l Loader) readTemplates(fsys fs.FS) (Units, error) {
	if _, err := render.LoadWith(fsys, l.Defaults); err != nil {
		return nil, err
	}
	files, err := TemplateFiles(fsys)
	if err != nil {
		return nil, err
	}
	return Units{store.Templates: files}, nil
}

// WriteDir writes files into dir, which must be missing or empty (hidden
// entries such as .git aside), so that what is there afterwards is exactly
// the version: a file left from before would come back on import.
func WriteDir(dir string, files store.Files) error {
	if err := emptyDir(dir); err != nil {
		return err
	}
	for _, p := range files.Paths() {
		name := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return fmt.Errorf("versions: export: %w", err)
		}
		if err := os.WriteFile(name, files[p], 0o644); err != nil {
			return fmt.Errorf("versions: export: %w", err)
		}
	}
	return nil
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("versions: export: %w", err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			return fmt.Errorf("versions: export: %s is not empty (it holds %s): export into a new or empty folder, so that no file left from before comes back on import", dir, e.Name())
		}
	}
	return nil
}

// Prefixed writes the files of several units into one file set, each
// under its folder: lessons/SLUG/... and templates/..., the layout that
// ReadDir reads back as LayoutBoth.
func Prefixed(units Units) store.Files {
	out := store.Files{}
	for unit, files := range units {
		dir := "lessons/" + unit
		if unit == store.Templates {
			dir = "templates"
		}
		for p, body := range files {
			out[dir+"/"+p] = body
		}
	}
	return out
}
