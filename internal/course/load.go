package course

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

const maxFileSize = 1 << 20

var lessonName = regexp.MustCompile(`^(\d{1,4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$`)

// Load reads and validates the course in fsys. On any problem it returns a
// Problems error listing all of them, every one in every file, and no
// course.
func Load(fsys fs.FS) (*Course, error) {
	c := &Course{bySlug: map[string]*Lesson{}}
	ps := loadCourseFile(fsys, c)
	files, lps, err := lessonFiles(fsys)
	if err != nil {
		p := readProblem(".", err)
		p.Msg = "the lessons directory " + p.Msg
		return nil, Problems{p}
	}
	ps = append(ps, lps...)
	owner := map[string]string{} // slug -> the first file that has it
	for i, name := range files {
		l, lps := loadLesson(fsys, name, i == 0)
		ps = append(ps, lps...)
		slug := lessonName.FindStringSubmatch(name)[2]
		if prev, dup := owner[slug]; dup {
			ps = append(ps, Problem{File: name, Line: 1, Msg: fmt.Sprintf("duplicate slug %q: %s has it too; rename one of the two files", slug, prev)})
			continue
		}
		owner[slug] = name
		if len(lps) == 0 {
			c.Lessons = append(c.Lessons, l)
			c.bySlug[l.Slug] = l
			l.Number, l.course = len(c.Lessons), c
		}
	}
	if len(files) == 0 {
		ps = append(ps, Problem{File: ".", Msg: "no lessons: add files named like 01-welcome.md"})
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return c, nil
}

// lessonFiles lists the lesson files in course order, with a problem for
// each .md file whose name is not a lesson's.
func lessonFiles(fsys fs.FS) ([]string, Problems, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, nil, err
	}
	type numbered struct {
		n    int
		name string
	}
	var files []numbered
	var ps Problems
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".md") || strings.EqualFold(name, "README.md") {
			continue
		}
		m := lessonName.FindStringSubmatch(name)
		if m == nil {
			ps = append(ps, Problem{File: name, Msg: "lesson file names look like 03-slug.md: a number, a dash, then lower-case words joined by dashes"})
			continue
		}
		n, _ := strconv.Atoi(m[1])
		files = append(files, numbered{n, name})
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].n < files[j].n })
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	return names, ps, nil
}

// errTooBig is a file over maxFileSize.
var errTooBig = errors.New("too big")

func readLimited(fsys fs.FS, name string) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("%s is %d bytes: %w", name, st.Size(), errTooBig)
	}
	return fs.ReadFile(fsys, name)
}

// readProblem says why a file could not be read.
func readProblem(name string, err error) Problem {
	if errors.Is(err, errTooBig) {
		return Problem{File: name, Msg: fmt.Sprintf("the file is over %d MB: a course file is text, far smaller than that", maxFileSize>>20)}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return Problem{File: name, Msg: fmt.Sprintf("cannot be read: %v", err)}
}

// notUTF8 reports the first line of b (counted from offset+1) that is not
// UTF-8 text, or nil.
func notUTF8(file string, b []byte, offset int) *Problem {
	if utf8.Valid(b) {
		return nil
	}
	for i, line := range strings.Split(string(b), "\n") {
		if !utf8.ValidString(line) {
			return &Problem{File: file, Line: offset + i + 1, Msg: "this line is not UTF-8 text: save the file as UTF-8"}
		}
	}
	return nil
}
