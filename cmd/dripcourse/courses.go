package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
)

// courseFlag declares a command's --course, with the help that says what
// the command does without it.
func courseFlag(fs *flag.FlagSet, without string) *string {
	slug := new(string)
	slugVar(fs, slug, "the slug of the course to work on; without it, "+without)
	return slug
}

// slugVar declares --course into p. A value that starts with "-" is a
// flag typed where the slug was forgotten (--course -h): it is refused,
// rather than looked for as a course that cannot exist.
func slugVar(fs *flag.FlagSet, p *string, usage string) {
	fs.Func("course", usage, func(v string) error {
		if strings.HasPrefix(v, "-") {
			return fmt.Errorf("needs the slug of a course after it, not %q", v)
		}
		*p = v
		return nil
	})
}

// pickCourses is the courses a command covers: the one named, or, with
// no slug, every course in catalogue order (the one course of a
// single-course dripcourse).
func pickCourses(ct *compose.Content, slug string) ([]*course.Course, error) {
	if slug == "" {
		return ct.Set.Courses, nil
	}
	c, err := findCourse(ct, slug)
	if err != nil {
		return nil, err
	}
	return []*course.Course{c}, nil
}

// findCourse is the course with slug, or an error that names them all.
func findCourse(ct *compose.Content, slug string) (*course.Course, error) {
	if c, ok := ct.Set.Course(slug); ok {
		return c, nil
	}
	return nil, fmt.Errorf("unknown course %q: %s", slug, courseList(ct.Set))
}

// courseList names the set's courses, for an error that asks for one.
func courseList(set *course.Set) string {
	if set.Single() {
		return "the course here is " + set.Courses[0].Slug
	}
	slugs := make([]string, len(set.Courses))
	for i, c := range set.Courses {
		slugs[i] = c.Slug
	}
	return "the courses here are " + strings.Join(slugs, ", ")
}

// courseHeading introduces one course's part of a report that covers
// several in turn.
func courseHeading(w io.Writer, i int, c *course.Course) {
	if i > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "== %s (%s) ==\n\n", c.Title, c.Slug)
}

// eachCourse runs fn for each course, under a heading when there are
// several (a report on one course reads as it always has).
func eachCourse(w io.Writer, courses []*course.Course, fn func(*course.Course) error) error {
	for i, c := range courses {
		if len(courses) > 1 {
			courseHeading(w, i, c)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// laterFlags takes the command's own flags from among its arguments,
// where the flag package, which stops at the first argument, leaves
// them: "dripcourse subscriber pause EMAIL --course SLUG" means what it
// says. declare adds the own flags, bound to the variables the first
// parse filled, so a flag given before the arguments keeps its value.
// Any other flag after the arguments is an error: settings come first.
func laterFlags(args []string, declare func(fs *flag.FlagSet), example string) ([]string, error) {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	declare(fs)
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w, after the arguments: put settings first, as in %s", err, example)
		}
		if args = fs.Args(); len(args) > 0 {
			pos, args = append(pos, args[0]), args[1:]
		}
	}
	return pos, nil
}
