package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
)

// contentDirs returns the lessons and templates to use, and the names to
// report problems under: the operator's directories when set, else the
// copies built into the binary.
func contentDirs(cfg *Config) (lessons fs.FS, lessonsName string, templates fs.FS, templatesName string) {
	lessons, lessonsName = dripcourse.Lessons(), "lessons"
	if cfg.Lessons != "" {
		lessons, lessonsName = os.DirFS(cfg.Lessons), cfg.Lessons
	}
	templates, templatesName = dripcourse.Templates(), "templates"
	if cfg.Templates != "" {
		templates, templatesName = os.DirFS(cfg.Templates), cfg.Templates
	}
	return
}

// loadContent loads and checks the courses and their templates. Every
// problem in both comes back at once, each naming its file.
func loadContent(cfg *Config) (*compose.Content, error) {
	lfs, lname, tfs, tname := contentDirs(cfg)
	var ps drip.Problems
	set, err := course.LoadSet(lfs)
	ps = append(ps, prefixProblems(err, lname)...)
	tpl, err := render.LoadWith(tfs, dripcourse.Templates())
	ps = append(ps, prefixProblems(err, tname)...)
	if len(ps) > 0 {
		return nil, ps
	}
	return &compose.Content{Set: set, Templates: tpl}, nil
}

func prefixProblems(err error, dir string) drip.Problems {
	if err == nil {
		return nil
	}
	var ps drip.Problems
	if !errors.As(err, &ps) {
		return drip.Problems{{File: dir, Msg: err.Error()}}
	}
	out := make(drip.Problems, len(ps))
	for i, p := range ps {
		p.File = filepath.Join(dir, p.File)
		out[i] = p
	}
	return out
}
