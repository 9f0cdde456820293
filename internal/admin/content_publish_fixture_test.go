package admin

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/versions"
)

// newContentAdmin is an admin with the content pages on, whose database
// holds the built-in course Rebuilding Trust and the templates as
// version 1 of each, and which, as serve does, puts what it publishes in
// use at once.
func newContentAdmin(t *testing.T) *admin {
	t.Helper()
	loader := versions.Loader{Defaults: dripcourse.Templates()}
	a := newAdmin(t, func(s *Server) {
		s.LoadContent = func(_ context.Context, units versions.Units) (*compose.Content, error) { return loader.Load(units) }
		s.Publishing = &Publishing{Published: func(ctx context.Context) error {
			snap, err := s.DB.Latest(ctx)
			if err != nil {
				return err
			}
			ct, err := loader.Load(snap.Files)
			if err == nil {
				s.Library.Replace(ct, s.Now())
			}
			return err
		}}
	})
	publishBuiltIn(t, a, loader.Check)
	a.login()
	return a
}

const lesson2 = "02-why-trust-breaks.md"

// draft saves a draft of file in unit: the published file with old
// replaced by new.
func (a *admin) draft(unit, file, old, new string) {
	a.t.Helper()
	ctx := context.Background()
	v, files, err := a.db.VersionFiles(ctx, unit, 0)
	if err != nil {
		a.t.Fatal(err)
	}
	body := string(files[file])
	if !strings.Contains(body, old) {
		a.t.Fatalf("%s has no %q", file, old)
	}
	if err := a.db.SaveDraft(ctx, unit, file, v.Number, []byte(strings.Replace(body, old, new, 1))); err != nil {
		a.t.Fatal(err)
	}
}

var shownField = regexp.MustCompile(`name="shown" value="([^"]+)"`)

// shownHash is the hidden hash of what a publish page showed.
func shownHash(t *testing.T, page string) string {
	t.Helper()
	m := shownField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no publish form on the page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

// versionsOf is the numbers and publishers of unit's versions, newest
// first.
func (a *admin) versionsOf(unit string) []store.Version {
	a.t.Helper()
	vs, err := a.db.Versions(context.Background(), unit)
	if err != nil {
		a.t.Fatal(err)
	}
	return vs
}

// inUse is the Markdown of lesson slug in the content the admin uses.
func (a *admin) inUse(slug string) string {
	l, _ := a.srv.content().Default().Lesson(slug)
	return l.Markdown
}
