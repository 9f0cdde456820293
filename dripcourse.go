// Package dripcourse carries the default course and templates inside the
// binary, so dripcourse runs from any directory and in a container with no
// files beside it. An operator's own directories replace them with
// --lessons and --templates.
package dripcourse

import (
	"embed"
	"io/fs"
)

//go:embed lessons templates
var files embed.FS

// Lessons is the built-in course.
func Lessons() fs.FS { return sub("lessons") }

// Templates are the built-in pages and emails.
func Templates() fs.FS { return sub("templates") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return f
}

// BuiltInCourse is one course of the built-in set, by its folder name
// (rebuilding-trust, after-the-breakup): a course directory of its own.
func BuiltInCourse(dir string) fs.FS { return sub("lessons/" + dir) }
