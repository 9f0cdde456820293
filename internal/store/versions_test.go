package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// populateContent publishes two versions of a course and keeps a draft,
// for the copy's tests.
func populateContent(t testing.TB, db *DB) {
	t.Helper()
	publish(t, db, "disk", "one", Files{"course.yaml": []byte("slug: one\n"), "01-a.md": []byte("a")})
	publish(t, db, "ann", "one", Files{"course.yaml": []byte("slug: one\n"), "01-a.md": []byte("a, again")})
	if err := db.SaveDraft(context.Background(), "one", "01-a.md", 2, []byte("a draft")); err != nil {
		t.Fatal(err)
	}
}

func publish(t testing.TB, db *DB, by, unit string, files Files) Version {
	t.Helper()
	made, err := db.Publish(context.Background(), Publication{By: by, At: t0, Changes: map[string]Files{unit: files}})
	if err != nil || len(made) != 1 {
		t.Fatalf("publish %s by %s: %v, %v", unit, by, made, err)
	}
	return made[0]
}

func TestPublishKeepsEveryVersion(t *testing.T) { stores(t, testPublishKeepsEveryVersion) }

func testPublishKeepsEveryVersion(t *testing.T) {
	ctx, db := context.Background(), open(t)
	if s, err := db.ContentStamp(ctx); s != 0 || err != nil {
		t.Fatalf("stamp of an empty database %d, %v; want 0", s, err)
	}
	v1files := Files{"course.yaml": []byte("slug: one\n"), "01-a.md": []byte("é\n")}
	publish(t, db, "disk", "one", v1files)
	s1, _ := db.ContentStamp(ctx)
	publish(t, db, "disk", Templates, Files{"email/lesson.txt": []byte("{{.Body}}")})
	v2 := publish(t, db, "ann", "one", Files{"course.yaml": []byte("slug: one\n"), "01-a.md": []byte("b")})
	if v2.Number != 2 || v2.Bytes != int64(len("slug: one\nb")) || v2.Files != 2 {
		t.Errorf("second version of one %+v; want number 2, 2 files of 11 bytes", v2)
	}
	if s2, _ := db.ContentStamp(ctx); s2 <= s1 {
		t.Errorf("stamp %d after publishing, want more than %d", s2, s1)
	}
	vs, err := db.Versions(ctx, "one")
	if err != nil || len(vs) != 2 || vs[0].By != "ann" || vs[1].By != "disk" || !vs[0].At.Equal(t0) {
		t.Fatalf("versions of one: %+v, %v; want ann's 2 then disk's 1, at t0", vs, err)
	}
	_, got, err := db.VersionFiles(ctx, "one", 1)
	if err != nil || got.Hash() != v1files.Hash() || !bytes.Equal(got["01-a.md"], v1files["01-a.md"]) {
		t.Errorf("version 1 gives back %q, %v; want the bytes published", got, err)
	}
	if _, _, err := db.VersionFiles(ctx, "one", 9); !errors.Is(err, drip.ErrNotFound) {
		t.Errorf("version 9: %v, want ErrNotFound", err)
	}
	snap, err := db.Latest(ctx)
	if err != nil || snap.Versions["one"].Number != 2 || string(snap.Files["one"]["01-a.md"]) != "b" || snap.Files[Templates] == nil {
		t.Errorf("latest: %+v, %v; want one's version 2 and the templates", snap, err)
	}
	made, err := db.Publish(ctx, Publication{By: "disk", At: t0, Changes: map[string]Files{"one": snap.Files["one"]}})
	if err != nil || len(made) != 0 {
		t.Errorf("publishing the latest files again made %v, %v; want nothing", made, err)
	}
}

func TestPublishChecksTheWholeContent(t *testing.T) { stores(t, testPublishChecksTheWholeContent) }

func testPublishChecksTheWholeContent(t *testing.T) {
	ctx, db := context.Background(), open(t)
	publish(t, db, "disk", "one", Files{"course.yaml": []byte("next: two\n")})
	var seen []string
	check := func(units map[string]Files) error {
		seen = nil
		for u := range units {
			seen = append(seen, u)
		}
		if string(units["two"]["course.yaml"]) == "bad" {
			return drip.Problems{{File: "two/course.yaml", Line: 1, Msg: "bad"}}
		}
		return nil
	}
	_, err := db.Publish(ctx, Publication{By: "ann", At: t0, Changes: map[string]Files{"two": {"course.yaml": []byte("bad")}}, Check: check})
	var ps drip.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || len(seen) != 2 {
		t.Fatalf("a publication its check refuses: %v (the check saw %v); want its problems, with both units checked", err, seen)
	}
	if vs, _ := db.Versions(ctx, "two"); len(vs) != 0 {
		t.Errorf("a refused publication made versions %v", vs)
	}
}

func TestDraftFromAnOlderVersionConflicts(t *testing.T) {
	stores(t, testDraftFromAnOlderVersionConflicts)
}

func testDraftFromAnOlderVersionConflicts(t *testing.T) {
	ctx, db := context.Background(), open(t)
	publish(t, db, "disk", "one", Files{"course.yaml": []byte("y"), "01-a.md": []byte("a1")})
	if err := db.SaveDraft(ctx, "one", "01-a.md", 1, []byte("ann's edit")); err != nil {
		t.Fatal(err)
	}
	publish(t, db, "bob", "one", Files{"course.yaml": []byte("y"), "01-a.md": []byte("bob's a")})
	err := db.SaveDraft(ctx, "one", "01-a.md", 1, []byte("ann's second edit"))
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, drip.ErrConflict) || string(ce.Current) != "bob's a" || ce.Version != 2 {
		t.Fatalf("a save from version 1 after version 2 changed the file: %v; want a conflict with bob's text", err)
	}
	if err := db.SaveDraft(ctx, "one", "course.yaml", 1, []byte("y2")); err != nil {
		t.Errorf("a save of a file unchanged since its base: %v", err)
	}
	for path, body := range map[string]string{"01-a.md": "cy's edit", "course.yaml": "y3"} {
		if err := db.SaveDraft(ctx, "one", path, 2, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	err = db.SaveDraft(ctx, "one", "course.yaml", 1, []byte("late"))
	if !errors.As(err, &ce) || !ce.InDraft || string(ce.Current) != "y3" {
		t.Errorf("a save from version 1 over a draft from version 2: %v; want a conflict with the draft", err)
	}
	if err := db.SaveDraft(ctx, "one", "01-a.md", 7, []byte("x")); !errors.Is(err, drip.ErrInvalid) {
		t.Errorf("a save from a version never published: %v, want ErrInvalid", err)
	}
	v, err := db.PublishDrafts(ctx, "one", "cy", t0, nil)
	if err != nil || v.Number != 3 || v.By != "cy" {
		t.Fatalf("publish drafts: %+v, %v; want version 3 by cy", v, err)
	}
	_, files, _ := db.VersionFiles(ctx, "one", 3)
	if string(files["01-a.md"]) != "cy's edit" || string(files["course.yaml"]) != "y3" {
		t.Errorf("version 3 holds %q; want both drafts", files)
	}
	if ds, _ := db.Drafts(ctx, "one"); len(ds) != 0 {
		t.Errorf("drafts left after publishing: %v", ds)
	}
}

func TestPublishDraftsRefusesAStaleDraft(t *testing.T) {
	stores(t, testPublishDraftsRefusesAStaleDraft)
}

func testPublishDraftsRefusesAStaleDraft(t *testing.T) {
	ctx, db := context.Background(), open(t)
	publish(t, db, "disk", "one", Files{"01-a.md": []byte("a1")})
	if err := db.SaveDraft(ctx, "one", "01-a.md", 1, []byte("ann")); err != nil {
		t.Fatal(err)
	}
	publish(t, db, "disk", "one", Files{"01-a.md": []byte("from disk")})
	_, err := db.PublishDrafts(ctx, "one", "ann", t0, nil)
	if !errors.Is(err, drip.ErrConflict) {
		t.Fatalf("publishing a draft whose file changed since: %v, want a conflict", err)
	}
	if vs, _ := db.Versions(ctx, "one"); len(vs) != 2 {
		t.Errorf("versions after a refused publication: %d, want 2", len(vs))
	}
	if ds, _ := db.Drafts(ctx, "one"); len(ds) != 1 {
		t.Errorf("the refused draft is gone: %v", ds)
	}
}

func TestRepublishRollsBack(t *testing.T) { stores(t, testRepublishRollsBack) }

func testRepublishRollsBack(t *testing.T) {
	ctx, db := context.Background(), open(t)
	publish(t, db, "disk", "one", Files{"01-a.md": []byte("good")})
	publish(t, db, "ann", "one", Files{"01-a.md": []byte("regret"), "02-b.md": []byte("b")})
	v, err := db.Republish(ctx, "one", 1, "bob", t0, nil)
	if err != nil || v.Number != 3 || v.By != "bob" {
		t.Fatalf("republish 1: %+v, %v; want version 3 by bob", v, err)
	}
	_, files, _ := db.VersionFiles(ctx, "one", 0)
	if len(files) != 1 || string(files["01-a.md"]) != "good" {
		t.Errorf("latest after a rollback holds %q; want version 1's file alone", files)
	}
	if _, err := db.Republish(ctx, "one", 3, "bob", t0, nil); !errors.Is(err, drip.ErrConflict) {
		t.Errorf("republishing the latest: %v, want ErrConflict", err)
	}
	refuse := func(map[string]Files) error { return drip.Problems{{File: "x", Msg: "no"}} }
	if _, err := db.Republish(ctx, "one", 2, "bob", t0, refuse); err == nil {
		t.Error("a rollback its check refuses was published")
	}
}

func TestContentCaps(t *testing.T) { stores(t, testContentCaps) }

func testContentCaps(t *testing.T) {
	ctx, db := context.Background(), open(t)
	big := bytes.Repeat([]byte("x"), MaxFileBytes)
	many := Files{}
	for _, c := range "abcdefghijklmnopqrstu" {
		many[string(c)+".md"] = big
	}
	for name, files := range map[string]Files{
		"a file over 1 MB":     {"01-a.md": append(big, 'x')},
		"21 MB in one version": many,
		"bytes not UTF-8":      {"01-a.md": {0xff, 0xfe}},
		"a path out":           {"../a.md": []byte("a")},
		"a hidden file":        {".a.md.swp": []byte("a")},
		"no files":             {},
	} {
		_, err := db.Publish(ctx, Publication{By: "ann", At: t0, Changes: map[string]Files{"one": files}})
		if !errors.Is(err, drip.ErrInvalid) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line of ErrInvalid", name, err)
		}
	}
	if err := db.SaveDraft(ctx, "one", "01-a.md", 0, append(big, 'x')); !errors.Is(err, drip.ErrInvalid) || !strings.Contains(err.Error(), "01-a.md") {
		t.Errorf("a 1 MB draft: %v, want ErrInvalid naming the file", err)
	}
	if s, _ := db.ContentStamp(ctx); s != 0 {
		t.Errorf("refused content made versions (stamp %d)", s)
	}
}
