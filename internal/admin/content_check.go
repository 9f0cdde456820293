package admin

import (
	"context"
	"errors"
	"path"
	"strings"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/versions"
)

// loadContent is the check behind every save and publish in the editor:
// Server.LoadContent when set (cmd gives it the built-in templates as
// defaults, and may bound its time), else versions' own loader.
func (s *Server) loadContent(ctx context.Context, units versions.Units) (*compose.Content, error) {
	if s.LoadContent != nil {
		return s.LoadContent(ctx, units)
	}
	return versions.Loader{}.Load(units)
}

// CheckUnit runs the checks of dripcourse check on the whole content as
// it would be with files as unit's: the other units as published, this
// one as given. Problems (drip.Problems, each naming its file as
// lessons/SLUG/FILE or templates/FILE) may be saved as a draft, marked;
// any other error means the content could not be checked at all (it
// would fail to render, or took too long) and the save is refused.
// Publishing runs the same function on the unit as drafted.
func (s *Server) CheckUnit(ctx context.Context, unit string, files store.Files) (drip.Problems, error) {
	snap, err := s.DB.Latest(ctx)
	if err != nil {
		return nil, err
	}
	return s.checkWith(ctx, snap, unit, files)
}

// checkWith is CheckUnit with the other units as snap holds them.
func (s *Server) checkWith(ctx context.Context, snap *store.Snapshot, unit string, files store.Files) (drip.Problems, error) {
	units := versions.Units{}
	for u, fs := range snap.Files {
		units[u] = fs
	}
	units[unit] = files
	_, err := s.loadContent(ctx, units)
	var ps drip.Problems
	if errors.As(err, &ps) {
		return ps, nil
	}
	return nil, err
}

// unitProblems is CheckUnit as a store.DraftSave's Check: each file's
// problems as text, by its path in the unit; the problems of other units
// (a template that this course's settings break) under the path "". The
// other units are read now, before the save's transaction, which then
// needs no second connection.
func (s *Server) unitProblems(ctx context.Context, unit string) (func(store.Files) (map[string]string, error), error) {
	snap, err := s.DB.Latest(ctx)
	if err != nil {
		return nil, err
	}
	return func(files store.Files) (map[string]string, error) {
		ps, err := s.checkWith(ctx, snap, unit, files)
		if err != nil {
			return nil, err
		}
		if err := wontRender(ps); err != nil {
			return nil, err
		}
		out := map[string]string{}
		for p, list := range byFile(unit, ps) {
			out[p] = list.Error()
		}
		return out, nil
	}, nil
}

// byFile sorts problems by the file of unit they name; those of other
// units go under "".
func byFile(unit string, ps drip.Problems) map[string]drip.Problems {
	out := map[string]drip.Problems{}
	for _, p := range ps {
		f := inUnit(unit, p.File)
		out[f] = append(out[f], p)
	}
	return out
}

// inUnit is the path within unit of a file as problems name it, or "".
func inUnit(unit, file string) string {
	prefix := "lessons/" + unit + "/"
	if unit == store.Templates {
		prefix = "templates/"
	}
	if rest, ok := strings.CutPrefix(path.Clean(file), prefix); ok {
		return rest
	}
	return ""
}

// wontRender refuses a save that would leave a template unable to
// render (a parse error, an unknown function, a failure with sample
// data): such an edit is not kept even as a draft, so that no page or
// mail is ever one save away from failing. Problems elsewhere (a
// lesson's front matter, the course settings) are kept on the draft,
// which cannot be published until they are fixed.
func wontRender(ps drip.Problems) error {
	var bad drip.Problems
	for _, p := range ps {
		if strings.HasPrefix(p.File, "templates/") {
			bad = append(bad, p)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &renderRefusal{bad}
}

// renderRefusal is a save refused because a template would not render.
type renderRefusal struct{ problems drip.Problems }

func (e *renderRefusal) Error() string {
	return "a template would fail to render: " + e.problems.Error()
}
