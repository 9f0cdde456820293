package versions

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

var loader = Loader{Defaults: dripcourse.Templates()}

// builtIn is the built-in content as units.
func builtIn(t *testing.T) Units {
	t.Helper()
	set, err := course.LoadSet(dripcourse.Lessons())
	if err != nil {
		t.Fatal(err)
	}
	units, err := FromDirs(dripcourse.Lessons(), set, dripcourse.Templates())
	if err != nil {
		t.Fatal(err)
	}
	return units
}

func TestBuiltInContentLoadsFromUnits(t *testing.T) {
	units := builtIn(t)
	if units["rebuilding-trust"]["course.yaml"] == nil || units[store.Templates]["email/lesson.html"] == nil {
		t.Fatalf("units %v lack the course or the templates", keys(units))
	}
	ct, err := loader.Load(units)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := ct.Set.Course("rebuilding-trust")
	if !ok || len(c.Lessons) != 13 {
		t.Errorf("rebuilding-trust from units: %v, %d lessons; want 13", ok, len(c.Lessons))
	}
}

func TestLoadNamesEachProblemsFile(t *testing.T) {
	units := builtIn(t)
	units["rebuilding-trust"] = clone(units["rebuilding-trust"])
	units["rebuilding-trust"]["course.yaml"] = bytes.Replace(units["rebuilding-trust"]["course.yaml"], []byte("slug: rebuilding-trust"), []byte("slug: renamed"), 1)
	_, err := loader.Load(units)
	if got := problemText(err); !strings.Contains(got, "lessons/rebuilding-trust/course.yaml:1: slug is \"renamed\"") {
		t.Errorf("a changed slug: %q", got)
	}
	units = builtIn(t)
	units["after-the-breakup"] = clone(units["after-the-breakup"])
	units["after-the-breakup"]["03-should-you-go-back.md"] = []byte("---\nsubject: x\n---\n")
	_, err = loader.Load(units)
	if got := problemText(err); !strings.Contains(got, "lessons/after-the-breakup/03-should-you-go-back.md:1: delay is missing") {
		t.Errorf("a broken lesson: %q", got)
	}
	delete(units, store.Templates)
	if _, err := loader.Load(units); !strings.Contains(problemText(err), "templates: no templates are published") {
		t.Errorf("content without templates: %v", err)
	}
}

func TestWriteThenReadIsTheSameFiles(t *testing.T) {
	units := builtIn(t)
	dir := t.TempDir()
	if err := WriteDir(dir, Prefixed(units)); err != nil {
		t.Fatal(err)
	}
	back, err := loader.ReadDir(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	for unit, files := range units {
		if back[unit].Hash() != files.Hash() {
			t.Errorf("%s read back differs from what was written", unit)
		}
	}
	if err := WriteDir(dir, units["rebuilding-trust"]); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a full folder: %v, want a refusal", err)
	}
	one := filepath.Join(t.TempDir(), "one")
	if err := WriteDir(one, units["rebuilding-trust"]); err != nil {
		t.Fatal(err)
	}
	if back, err := loader.ReadDir(os.DirFS(one)); err != nil || back["rebuilding-trust"].Hash() != units["rebuilding-trust"].Hash() {
		t.Errorf("one course read back: %v, %v", keys(back), err)
	}
}

func TestReadDirReportsFileAndLine(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "lessons", "c"), 0o755)
	os.WriteFile(filepath.Join(dir, "lessons", "c", "course.yaml"), []byte("slug: c\ntitle: C\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "lessons", "c", "01-a.md"), []byte("---\nsubject: A\ndelay: soon\n---\nHi\n"), 0o644)
	_, err := loader.ReadDir(os.DirFS(dir))
	if got := problemText(err); !strings.Contains(got, "lessons/c/01-a.md:3:") {
		t.Errorf("problems %q; want lessons/c/01-a.md:3", got)
	}
}

func problemText(err error) string {
	var ps drip.Problems
	if !errors.As(err, &ps) {
		return "not problems: " + err.Error()
	}
	return ps.Error()
}

func clone(f store.Files) store.Files {
	out := store.Files{}
	for p, b := range f {
		out[p] = b
	}
	return out
}

func keys(u Units) []string {
	var out []string
	for k := range u {
		out = append(out, k)
	}
	return out
}
