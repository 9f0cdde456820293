package admin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/versions"
)

// Publishing is what the content pages' preview, publish and history
// need beyond the Server. Build it in cmd. Drafts are checked and loaded
// with the Server's LoadContent, within the render bounds.
type Publishing struct {
	// Published, when set, puts newly published content in use in this
	// instance at once; without it the instance's regular look at the
	// database (every 2 s) does.
	Published func(context.Context) error
}

// draftView is a unit as its drafts would leave it, checked and loaded
// within the render bounds.
type draftView struct {
	Unit     string
	Latest   int              // the unit's latest published version; 0 for none
	Files    store.Files      // the unit's files with its drafts in place
	Units    versions.Units   // every unit, this one as Files
	Drafted  bool             // the unit has drafts
	Content  *compose.Content // nil when Problems is not empty
	Problems drip.Problems
	Conflict *store.ConflictError // a draft whose file moved on since
}

// unitOfURL is the unit named in the URL: a course's slug or
// store.Templates. Only ever a key into the store, never a file path.
func unitOfURL(r *http.Request) string { return chi.URLParam(r, "unit") }

// loadDraft reads unit's latest version and drafts, puts over them the
// files in extra (an edit not yet saved, for the live preview), and
// checks and loads the result. A unit with neither a version nor drafts
// is drip.ErrNotFound.
func (s *Server) loadDraft(ctx context.Context, unit string, extra store.Files) (*draftView, error) {
	snap, err := s.DB.Latest(ctx)
	if err != nil {
		return nil, err
	}
	d := &draftView{Unit: unit, Units: maps.Clone(snap.Files)}
	files, latest, err := s.DB.DraftedFiles(ctx, unit)
	d.Latest, d.Drafted = latest, files != nil
	switch {
	case errors.As(err, &d.Conflict):
		d.Problems = append(d.Problems, drip.Problem{File: unitFilePath(unit, d.Conflict.Path), Msg: conflictWords(d.Conflict)})
	case err != nil:
		return nil, err
	}
	if files == nil {
		files = snap.Files[unit]
	}
	if files == nil && len(extra) == 0 {
		return nil, drip.ErrNotFound
	}
	d.Files = maps.Clone(files)
	if d.Files == nil {
		d.Files = store.Files{}
	}
	maps.Copy(d.Files, extra)
	d.Units[unit] = d.Files
	s.checkDraft(ctx, d)
	return d, nil
}

// checkDraft loads the draft's units within the render bounds; what
// goes wrong becomes its problems, after any it has already.
func (s *Server) checkDraft(ctx context.Context, d *draftView) {
	type loaded struct {
		ct  *compose.Content
		err error
	}
	out := make(chan loaded, 1)
	err := render.Within(ctx, render.RenderTimeout, unitFolder(d.Unit), func() error {
		ct, err := s.loadContent(ctx, d.Units)
		out <- loaded{ct, err}
		return nil
	})
	if err == nil {
		r := <-out
		d.Content, err = r.ct, r.err
	}
	var ps drip.Problems
	switch {
	case errors.As(err, &ps):
		d.Problems = append(d.Problems, ps...)
	case err != nil:
		d.Problems = append(d.Problems, drip.Problem{File: unitFolder(d.Unit), Msg: err.Error()})
	}
	if len(d.Problems) > 0 {
		d.Content = nil
	}
}

// unitFolder is how problems name a unit's folder: lessons/SLUG or
// templates, as dripcourse check does.
func unitFolder(unit string) string {
	if unit == store.Templates {
		return "templates"
	}
	return "lessons/" + unit
}

// unitFilePath is how problems name file p of unit.
func unitFilePath(unit, p string) string { return path.Join(unitFolder(unit), p) }

// fileProblems are the problems of file p of unit, with lines less
// offset (the lines of the file before the text an editor shows).
func fileProblems(ps drip.Problems, unit, p string, offset int) drip.Problems {
	var out drip.Problems
	want := unitFilePath(unit, p)
	for _, pr := range ps {
		if pr.File == want {
			pr.Line = max(pr.Line-offset, 0)
			out = append(out, pr)
		}
	}
	return out
}

// unitHeading is how the pages name a unit.
func (s *Server) unitHeading(unit string) string {
	if unit == store.Templates {
		return "Email and page templates"
	}
	if c, ok := s.content().Course(unit); ok {
		return c.Title
	}
	return unit
}

// conflictWords says what a conflict means and what to do.
func conflictWords(ce *store.ConflictError) string {
	return fmt.Sprintf("this file was changed and published as version %d after the draft was started from version %d. "+
		"Open it, compare the two, and save the draft again before publishing.", ce.Version, ce.Base)
}

// loadVersion is version number of unit checked and loaded as if it were
// published again over every other unit's latest version.
func (s *Server) loadVersion(ctx context.Context, unit string, number int) (*draftView, error) {
	snap, err := s.DB.Latest(ctx)
	if err != nil {
		return nil, err
	}
	_, files, err := s.DB.VersionFiles(ctx, unit, number)
	if err != nil {
		return nil, err
	}
	d := &draftView{Unit: unit, Latest: snap.Versions[unit].Number, Files: files, Units: maps.Clone(snap.Files)}
	d.Units[unit] = files
	s.checkDraft(ctx, d)
	return d, nil
}
