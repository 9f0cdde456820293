package course

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Set is every course one dripcourse serves, in catalogue order.
type Set struct {
	Courses []*Course
	bySlug  map[string]*Course
}

// NewSet makes a set of courses already loaded, in the order given. It
// does not check them against each other; LoadSet does.
func NewSet(courses ...*Course) *Set {
	s := &Set{Courses: courses, bySlug: map[string]*Course{}}
	for _, c := range courses {
		s.bySlug[c.Slug] = c
	}
	return s
}

// Course finds a course by slug.
func (s *Set) Course(slug string) (*Course, bool) {
	c, ok := s.bySlug[slug]
	return c, ok
}

// Default is the course a form or link without a course means, unless the
// database has fixed another (compose.Content.Pinned): the first course,
// in catalogue order, that no other course offers as its next, since a
// course that others lead to is not where a reader starts; the first
// course when every one is some course's next.
func (s *Set) Default() *Course {
	led := map[string]bool{}
	for _, c := range s.Courses {
		if c.Next != c.Slug {
			led[c.Next] = true
		}
	}
	for _, c := range s.Courses {
		if !led[c.Slug] {
			return c
		}
	}
	return s.Courses[0]
}

// Single reports whether the set holds one course.
func (s *Set) Single() bool { return len(s.Courses) == 1 }

// LoadSet reads the courses in fsys: one course when a course.yaml is at
// its top (Load), or else one course in each subdirectory that holds a
// course.yaml, in directory-name order. A subdirectory without one is a
// problem unless its name starts with "." or "_" (a place for drafts and
// notes). Problems name files relative to fsys, so a lesson in a course
// folder reads as after-the-breakup/03-x.md:4: ...
func LoadSet(fsys fs.FS) (*Set, error) {
	if _, err := fs.Stat(fsys, CourseFile); err == nil {
		c, err := Load(fsys)
		if err != nil {
			return nil, err
		}
		return NewSet(c), nil
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		p := readProblem(".", err)
		p.Msg = "the lessons directory " + p.Msg
		return nil, Problems{p}
	}
	dirs, ps := courseDirs(fsys, entries)
	if len(dirs) == 0 && len(ps) == 0 {
		// Nothing that looks like a set: report it as the one course it
		// may have meant to be (course.yaml missing, no lessons).
		_, err := Load(fsys)
		return nil, err
	}
	var courses []*Course
	for _, dir := range dirs {
		c, err := loadIn(fsys, dir)
		ps = append(ps, prefixed(err, dir)...)
		if c != nil {
			c.Dir = dir
			courses = append(courses, c)
		}
	}
	ps = append(ps, checkSet(courses)...)
	if len(ps) > 0 {
		return nil, ps
	}
	return NewSet(courses...), nil
}

// courseDirs lists the subdirectories that are courses, with a problem
// for each that is neither a course nor set apart, and for lesson files
// at the top, where no course would read them.
func courseDirs(fsys fs.FS, entries []fs.DirEntry) ([]string, Problems) {
	var dirs []string
	var ps Problems
	lessonsAtTop := false
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() {
			lessonsAtTop = lessonsAtTop || lessonName.MatchString(name)
			continue
		}
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		if _, err := fs.Stat(fsys, name+"/"+CourseFile); err != nil {
			ps = append(ps, Problem{File: name, Msg: "this folder has no course.yaml: give it one to make it a course, or start its name with _ to keep drafts or notes in it"})
			continue
		}
		dirs = append(dirs, name)
	}
	if lessonsAtTop && len(dirs) > 0 {
		ps = append(ps, Problem{File: ".", Msg: "lesson files at the top of a directory of courses belong to no course: move them into a course's folder"})
	}
	return dirs, ps
}

func loadIn(fsys fs.FS, dir string) (*Course, error) {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

// prefixed is err's problems with their files named from the set's root.
func prefixed(err error, dir string) Problems {
	if err == nil {
		return nil
	}
	ps, ok := err.(Problems)
	if !ok {
		return Problems{{File: dir, Msg: err.Error()}}
	}
	out := make(Problems, len(ps))
	for i, p := range ps {
		if p.File == "." {
			p.File = dir
		} else {
			p.File = dir + "/" + p.File
		}
		out[i] = p
	}
	return out
}

// checkSet finds what is wrong between courses: two with one slug, and a
// next that names no other course of the set.
func checkSet(courses []*Course) Problems {
	var ps Problems
	owner := map[string]string{} // slug -> the folder of the first course with it
	for _, c := range courses {
		file := c.Dir + "/" + CourseFile
		if prev, dup := owner[c.Slug]; dup {
			ps = append(ps, Problem{File: file, Line: c.lines.slug,
				Msg: fmt.Sprintf("slug %q is also the slug of %s: a slug is a course's permanent identity, so give each course its own", c.Slug, prev+"/"+CourseFile)})
			continue
		}
		owner[c.Slug] = c.Dir
	}
	var all []string
	for slug := range owner {
		all = append(all, slug)
	}
	sort.Strings(all)
	for _, c := range courses {
		file := c.Dir + "/" + CourseFile
		switch {
		case c.Next == "":
		case c.Next == c.Slug:
			ps = append(ps, Problem{File: file, Line: c.lines.next, Msg: "next names this course itself: name another course, or leave next out"})
		case owner[c.Next] == "" && len(courses) > 1:
			// A course alone may name one that is not here (yet): its
			// readers are offered nothing, as with a course.yaml at the top.
			ps = append(ps, Problem{File: file, Line: c.lines.next, Msg: fmt.Sprintf("next is %q, but no course here has that slug; the slugs are %s", c.Next, joinAnd(all))})
		}
	}
	return ps
}
