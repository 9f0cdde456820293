package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/smtptest"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

// editFile replaces old with new in a file, failing when old is not there.
func editFile(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), old) {
		t.Fatalf("%s: %v, or it lacks %q", file, err, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCourseExportImportRoundTrips(t *testing.T) {
	h := newHarness(t, nil)
	all := filepath.Join(t.TempDir(), "all")
	if out, err := h.cli(nil, "course", "export", all); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	sameFiles(t, dripcourse.Lessons(), ".", filepath.Join(all, "lessons"), "README.md")
	sameFiles(t, dripcourse.Templates(), ".", filepath.Join(all, "templates"), "")
	out, err := h.cli(nil, "course", "import", all)
	if err != nil || !strings.Contains(out, "rebuilding-trust unchanged") || strings.Contains(out, "published") {
		t.Fatalf("importing what was exported: %v\n%s", err, out)
	}
	editFile(t, filepath.Join(all, "lessons/rebuilding-trust/01-welcome.md"), "subject: ", "subject: Edited ")
	out, err = h.cli(nil, "course", "import", all)
	if err != nil || !strings.Contains(out, "published rebuilding-trust version 2") || !strings.Contains(out, "templates unchanged") {
		t.Fatalf("importing an edit: %v\n%s", err, out)
	}
	one := filepath.Join(t.TempDir(), "v1")
	if out, err := h.cli(nil, "course", "export", "--course", "rebuilding-trust", "--version", "1", one); err != nil {
		t.Fatalf("export version 1: %v\n%s", err, out)
	}
	sameFiles(t, dripcourse.Lessons(), "rebuilding-trust", one, "")
	out, err = h.cli(nil, "course", "versions", "--course", "rebuilding-trust")
	if err != nil || !strings.Contains(squeeze(out), "rebuilding-trust 2") || !strings.Contains(out, " import ") || !strings.Contains(out, " disk ") {
		t.Errorf("versions: %v\n%s", err, out)
	}
	out, err = h.cli(nil, "course", "republish", "--course", "rebuilding-trust", "--version", "1")
	if err != nil || !strings.Contains(out, "published rebuilding-trust version 3, with the files of version 1") {
		t.Errorf("republish: %v\n%s", err, out)
	}
}

// sameFiles fails unless dir holds exactly the files under root in fsys,
// byte for byte, but for skip (the README at the top of the lessons,
// which belongs to no course).
func sameFiles(t *testing.T, fsys fs.FS, root, dir, skip string) {
	t.Helper()
	want := map[string]string{}
	fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != skip {
			b, _ := fs.ReadFile(fsys, p)
			rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
			if root == "." {
				rel = p
			}
			want[rel] = string(b)
		}
		return nil
	})
	got := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			got[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("%s holds %d files, want the %d of %s", dir, len(got), len(want), root)
	}
	for p, b := range want {
		if got[p] != b {
			t.Errorf("%s/%s differs from the built-in %s", dir, p, p)
		}
	}
}

func TestCourseImportRefusesBadFiles(t *testing.T) {
	h := newHarness(t, nil)
	dir := filepath.Join(t.TempDir(), "c")
	if out, err := h.cli(nil, "course", "export", "--course", "after-the-breakup", dir); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	editFile(t, filepath.Join(dir, "02-what-ended-it.md"), "delay:", "delay: soon\nold_delay:")
	before, _ := h.app.db.ContentStamp(context.Background())
	out, err := h.cli(nil, "course", "import", dir)
	if err == nil || !strings.Contains(out, filepath.Join(dir, "02-what-ended-it.md")+":5:") || !strings.Contains(out, "nothing was published") {
		t.Fatalf("a bad import: %v\n%s", err, out)
	}
	if after, _ := h.app.db.ContentStamp(context.Background()); after != before {
		t.Errorf("a refused import published something (stamp %d, was %d)", after, before)
	}
	trust := filepath.Join(t.TempDir(), "trust")
	if out, err := h.cli(nil, "course", "export", "--course", "rebuilding-trust", trust); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	editFile(t, filepath.Join(trust, "course.yaml"), "next: after-the-breakup", "next: after-the-break")
	out, err = h.cli(nil, "course", "import", trust)
	if err == nil || !strings.Contains(out, "lessons/rebuilding-trust/course.yaml:19: next is \"after-the-break\"") || !strings.Contains(out, "nothing was published") {
		t.Errorf("an import that breaks another course's next: %v\n%s", err, out)
	}
}

func TestStartKeepsWhatAnOperatorPublished(t *testing.T) {
	dir := trackedCourse(t)
	h := newHarness(t, map[string]string{"DRIP_LESSONS": dir})
	ctx := context.Background()
	_, files, err := h.app.db.VersionFiles(ctx, "tracked", 0)
	if err != nil {
		t.Fatal(err)
	}
	files["01-first.md"] = []byte(strings.Replace(string(files["01-first.md"]), "subject: First", "subject: Ann's first", 1))
	if _, err := h.app.db.Publish(ctx, store.Publication{By: "ann", At: h.clock.Now(), Changes: map[string]store.Files{"tracked": files}, Check: loader().Check}); err != nil {
		t.Fatal(err)
	}
	subject := func() string {
		a := reopen(t, h)
		defer a.Close()
		l, _ := a.lib.Content().Default().Lesson("first")
		return l.Subject
	}
	if got := subject(); got != "Ann's first" {
		t.Errorf("after a restart with the disk unchanged, lesson 1 is %q; want the version ann published", got)
	}
	editFile(t, filepath.Join(dir, "01-first.md"), "subject: First", "subject: First from disk")
	if got := subject(); got != "First from disk" {
		t.Errorf("after an edit on disk, lesson 1 is %q; want the disk's", got)
	}
	editFile(t, filepath.Join(dir, "01-first.md"), "delay: 0d", "delay: soon")
	if got := subject(); got != "First from disk" {
		t.Errorf("after a broken edit on disk, lesson 1 is %q; want the last published", got)
	}
}

// reopen opens a second app on h's settings, as a restart would.
func reopen(t *testing.T, h *harness) *app {
	t.Helper()
	a, err := openApp(context.Background(), h.app.cfg, h.app.log, h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestInstancesFollowAVersionPublishedByAnother(t *testing.T) {
	dbURL := pgtest.Fresh(t)
	dir := trackedCourse(t)
	env := map[string]string{"DRIP_LESSONS": dir, "DRIP_DATABASE_URL": dbURL}
	a, b := newHarness(t, env), newHarness(t, env)
	edited := filepath.Join(t.TempDir(), "tracked")
	if out, err := a.cli(env, "course", "export", "--course", "tracked", edited); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	editFile(t, filepath.Join(edited, "01-first.md"), "subject: First", "subject: First, as published")
	if out, err := a.cli(env, "course", "import", edited); err != nil || !strings.Contains(out, "published tracked version 2") {
		t.Fatalf("import on one instance: %v\n%s", err, out)
	}
	if err := b.app.syncContent(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l, _ := b.app.lib.Content().Default().Lesson("first"); l.Subject != "First, as published" {
		t.Fatalf("the other instance, after one look, has lesson 1 as %q", l.Subject)
	}
	b.signup("reader@example.com", "", "UTC")
	b.confirmAll()
	b.pass()
	msgs := b.smtp.Messages()
	if len(msgs) != 1 || parse(t, msgs[0]).header.Get("Subject") != "First, as published" {
		t.Fatalf("the other instance sent %d messages; want lesson 1 with the published subject", len(msgs))
	}
}

func TestAPassSendsFromOneVersion(t *testing.T) {
	// One connection: each lesson is composed after the one before it
	// was sent.
	h := newHarness(t, map[string]string{"DRIP_LESSONS": trackedCourse(t), "DRIP_SMTP_CONNECTIONS": "1"})
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		h.signup(e, "", "UTC")
	}
	h.confirmAll()
	ctx := context.Background()
	_, files, err := h.app.db.VersionFiles(ctx, "tracked", 0)
	if err != nil {
		t.Fatal(err)
	}
	files["01-first.md"] = []byte(strings.Replace(string(files["01-first.md"]), "subject: First", "subject: First, edited", 1))
	var once sync.Once
	var published error
	// While the pass sends its first lesson, a new version is published
	// and put in use.
	h.smtp.SetRule(func(s smtptest.Stage, _ string) error {
		if s == smtptest.StageData {
			once.Do(func() {
				_, published = h.app.db.Publish(ctx, store.Publication{By: "ann", At: h.clock.Now(), Changes: map[string]store.Files{"tracked": files}, Check: loader().Check})
				if published == nil {
					published = h.app.syncContent(ctx)
				}
			})
		}
		return nil
	})
	h.pass()
	if published != nil {
		t.Fatal(published)
	}
	msgs := h.smtp.Messages()
	for _, m := range msgs {
		if got := parse(t, m).header.Get("Subject"); got != "First" {
			t.Errorf("a lesson of the pass under way went out as %q; want the version the pass began with", got)
		}
	}
	if l, _ := h.app.lib.Content().Default().Lesson("first"); len(msgs) != 3 || l.Subject != "First, edited" {
		t.Errorf("%d lessons sent; the content in use after the pass has %q", len(msgs), l.Subject)
	}
}
