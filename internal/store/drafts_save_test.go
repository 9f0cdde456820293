package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/drip"
)

func TestDraftRevisionsNeverOverwrite(t *testing.T) { stores(t, testDraftRevisionsNeverOverwrite) }

// Two operators open the same file at version 1 with no draft; the first
// save wins, and the second, which started from no draft, is refused with
// the first one's text.
func testDraftRevisionsNeverOverwrite(t *testing.T) {
	ctx, db := context.Background(), open(t)
	publish(t, db, "disk", "one", Files{"course.yaml": []byte("y"), "01-a.md": []byte("a1")})
	save := func(by string, rev int, body string) (map[string]int, error) {
		return db.SaveDrafts(ctx, DraftSave{Unit: "one", By: by, At: t0,
			Changes: []DraftChange{{Path: "01-a.md", Base: 1, Revision: rev, Body: []byte(body)}}})
	}
	revs, err := save("ann", 0, "ann's text")
	if err != nil || revs["01-a.md"] != 1 {
		t.Fatalf("first save: %v, %v; want revision 1", revs, err)
	}
	_, err = save("bob", 0, "bob's text")
	var ce *ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, drip.ErrConflict) || ce.Revision != 1 || string(ce.Current) != "ann's text" {
		t.Fatalf("second save from no draft: %v; want a conflict holding ann's draft", err)
	}
	if !strings.Contains(err.Error(), "someone else") {
		t.Errorf("conflict message %q does not say someone else saved", err)
	}
	if revs, err = save("ann", 1, "ann's second text"); err != nil || revs["01-a.md"] != 2 {
		t.Fatalf("save from revision 1: %v, %v; want revision 2", revs, err)
	}
	if _, err := save("bob", 1, "bob again"); !errors.As(err, &ce) || ce.Revision != 2 {
		t.Fatalf("save from revision 1 after revision 2: %v; want a conflict", err)
	}
	ds, err := db.Drafts(ctx, "one")
	if err != nil || len(ds) != 1 || string(ds[0].Body) != "ann's second text" || ds[0].By != "ann" || ds[0].Revision != 2 {
		t.Fatalf("drafts %+v, %v; want ann's second text at revision 2", ds, err)
	}
}

func TestDraftDeletionsAndRenamesPublish(t *testing.T) {
	stores(t, testDraftDeletionsAndRenamesPublish)
}

// A move is a deleted draft of the old name and a draft of the new one,
// saved together; publishing applies both, and a dropped draft is gone.
func testDraftDeletionsAndRenamesPublish(t *testing.T) {
	ctx, db := context.Background(), open(t)
	publish(t, db, "disk", "one", Files{"course.yaml": []byte("y"), "01-a.md": []byte("a"), "02-b.md": []byte("b")})
	_, err := db.SaveDrafts(ctx, DraftSave{Unit: "one", By: "ann", At: t0, Changes: []DraftChange{
		{Path: "01-a.md", Base: 1, Delete: true}, {Path: "02-a.md", Base: 1, Body: []byte("a")},
		{Path: "02-b.md", Base: 1, Delete: true}, {Path: "01-b.md", Base: 1, Body: []byte("b")},
		{Path: "03-c.md", Base: 1, Body: []byte("c")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveDrafts(ctx, DraftSave{Unit: "one", At: t0, Changes: []DraftChange{{Path: "03-c.md", Base: 1, Revision: 1, Drop: true}}}); err != nil {
		t.Fatal(err)
	}
	ds, _ := db.Drafts(ctx, "one")
	deleted := 0
	for _, d := range ds {
		if d.Deleted {
			deleted++
		}
	}
	if len(ds) != 4 || deleted != 2 {
		t.Fatalf("drafts %+v; want 4, 2 of them deletions", ds)
	}
	v, err := db.PublishDrafts(ctx, "one", "ann", t0, nil)
	if err != nil || v.Number != 2 {
		t.Fatalf("publish: %+v, %v", v, err)
	}
	_, files, _ := db.VersionFiles(ctx, "one", 0)
	if got := strings.Join(files.Paths(), ","); got != "01-b.md,02-a.md,course.yaml" {
		t.Fatalf("published files %s; want the lessons renamed and nothing else", got)
	}
	if string(files["01-b.md"]) != "b" || string(files["02-a.md"]) != "a" {
		t.Errorf("renamed files hold %q and %q", files["01-b.md"], files["02-a.md"])
	}
}

func TestDraftProblemsStopThePublication(t *testing.T) {
	stores(t, testDraftProblemsStopThePublication)
}

// The check's problems are kept on the drafts, a file's own on its draft
// and a file's with no draft on every draft; a marked unit is not
// published; a refused check saves nothing.
func testDraftProblemsStopThePublication(t *testing.T) {
	ctx, db := context.Background(), open(t)
	publish(t, db, "disk", "one", Files{"course.yaml": []byte("y"), "01-a.md": []byte("a")})
	check := func(files Files) (map[string]string, error) {
		out := map[string]string{}
		for p, b := range files {
			if strings.Contains(string(b), "bad") {
				out[p] = p + ":1: bad"
			}
			if strings.Contains(string(b), "hang") {
				return nil, errors.New("rendering took too long")
			}
		}
		return out, nil
	}
	save := func(path string, rev int, body string) error {
		_, err := db.SaveDrafts(ctx, DraftSave{Unit: "one", At: t0, Check: check,
			Changes: []DraftChange{{Path: path, Base: 1, Revision: rev, Body: []byte(body)}}})
		return err
	}
	if err := save("01-a.md", 0, "bad"); err != nil {
		t.Fatal(err)
	}
	if err := save("course.yaml", 0, "fine"); err != nil {
		t.Fatal(err)
	}
	ds, _ := db.Drafts(ctx, "one")
	if len(ds) != 2 || ds[0].Problems != "01-a.md:1: bad" || ds[1].Problems != "" {
		t.Fatalf("drafts %+v; want the problem on 01-a.md's draft only", ds)
	}
	if _, err := db.PublishDrafts(ctx, "one", "ann", t0, nil); !errors.Is(err, ErrDraftProblems) {
		t.Fatalf("publish with a marked draft: %v; want ErrDraftProblems", err)
	}
	if err := save("01-a.md", 1, "hang"); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("a save the check refuses: %v", err)
	}
	if ds, _ := db.Drafts(ctx, "one"); string(ds[0].Body) != "bad" || ds[0].Revision != 1 {
		t.Fatalf("a refused save changed the draft: %+v", ds[0])
	}
	if err := save("01-a.md", 1, "good"); err != nil {
		t.Fatal(err)
	}
	if v, err := db.PublishDrafts(ctx, "one", "ann", t0, nil); err != nil || v.Number != 2 {
		t.Fatalf("publish once fixed: %+v, %v", v, err)
	}
}
