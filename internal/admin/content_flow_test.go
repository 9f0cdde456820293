package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/versions"
)

// lessonForm is the editor's form of 02-why-trust-breaks.md with body as
// its Markdown.
func (a *admin) lessonForm(body string) url.Values {
	form := a.editForm("02-why-trust-breaks.md")
	form.Set("title", "Why trust breaks")
	form.Set("subject", "The many ways trust breaks, and why it matters")
	form.Set("preheader", "Affairs get the headlines.")
	form.Set("delay", "1d")
	form.Set("body", body)
	return form
}

// With plain forms and no JavaScript: a save with a mistake is kept as a
// draft, and the page lists the problem with its line in the text box
// (not the file) and marks the text box's line; the fix clears it.
func TestContentPlainFormEditShowsProblemsByLine(t *testing.T) {
	a := contentAdmin(t)
	form := a.lessonForm("First paragraph.\r\n\r\n# A top heading\r\n\r\nLast paragraph.\r\n")
	if form.Get("mode") != "fields" || form.Get("base") != "1" || form.Get("revision") != "0" {
		t.Fatalf("hidden fields %v; want fields mode from version 1, no draft", form)
	}
	res, _ := a.post(unitPath+"/edit/02-why-trust-breaks.md", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d, want 303", res.StatusCode)
	}
	_, page := a.get(res.Header.Get("Location"))
	if !strings.Contains(page, `data-editor-line="3">Line 3</a>`) || !strings.Contains(page, `&#34;line&#34;:3`) {
		t.Fatalf("the problem is not listed and marked at line 3 of the text:\n%s", page)
	}
	if !strings.Contains(page, "Saved as a draft") || !strings.Contains(page, "A top heading") {
		t.Error("the page does not say the draft is saved, or lost the text")
	}
	ds := a.drafts()
	if len(ds) != 1 || ds[0].Problems == "" || ds[0].Revision != 1 || !strings.Contains(string(ds[0].Body), "delay: 1d\n---\nFirst paragraph.\n") {
		t.Fatalf("drafts %+v; want one with problems, as the fields and LF lines", ds)
	}
	if _, unit := a.get(unitPath); !strings.Contains(unit, "has problems") {
		t.Error("the course's page does not mark the draft as having problems")
	}
	form = a.editForm("02-why-trust-breaks.md")
	if form.Get("revision") != "1" {
		t.Fatalf("the form after a save carries revision %q, want 1", form.Get("revision"))
	}
	fixed := a.lessonForm("First paragraph.\n\n## A section heading\n\nLast paragraph.\n")
	fixed.Set("revision", "1")
	if res, _ = a.post(unitPath+"/edit/02-why-trust-breaks.md", fixed); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the fix: %d", res.StatusCode)
	}
	_, page = a.get(res.Header.Get("Location"))
	if strings.Contains(page, "Problems to fix") || !strings.Contains(page, `data-problems="[]"`) {
		t.Fatalf("problems still shown after the fix:\n%s", page)
	}
	if ds = a.drafts(); len(ds) != 1 || ds[0].Problems != "" || ds[0].Revision != 2 {
		t.Fatalf("drafts after the fix %+v", ds)
	}
}

// A problem in a front matter field is shown beside that field.
func TestContentFieldProblemBesideItsField(t *testing.T) {
	a := contentAdmin(t)
	form := a.lessonForm("Text.\n")
	form.Set("delay", "soon")
	res, _ := a.post(unitPath+"/edit/02-why-trust-breaks.md", form)
	_, page := a.get(res.Header.Get("Location"))
	if !strings.Contains(page, `id="f-delay-problem"`) || !strings.Contains(page, `<a href="#f-delay">delay</a>`) {
		t.Fatalf("the delay's problem is not beside its field:\n%s", page)
	}
}

// Two operators open the same lesson; the second save is refused with a
// message, the current text and a diff, and keeps the refused edit in the
// form; saving again, having seen it, goes through.
func TestContentConflictingSave(t *testing.T) {
	a := contentAdmin(t)
	ann, bob := a.lessonForm("Ann's text.\n"), a.lessonForm("Bob's text.\n")
	if res, _ := a.post(unitPath+"/edit/02-why-trust-breaks.md", ann); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ann's save: %d", res.StatusCode)
	}
	res, page := a.post(unitPath+"/edit/02-why-trust-breaks.md", bob)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("bob's save from the same start: %d, want 409", res.StatusCode)
	}
	for _, want := range []string{"Someone else saved this file", "removed: </span>Ann&#39;s text.", "added: </span>Bob&#39;s text.",
		"\nBob&#39;s text.\n</textarea>", `name="revision" value="1"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused save's page lacks %q", want)
		}
	}
	if ds := a.drafts(); len(ds) != 1 || !strings.Contains(string(ds[0].Body), "Ann's text.") {
		t.Fatalf("the refused save changed the draft: %+v", ds)
	}
	bob.Set("revision", "1")
	if res, _ := a.post(unitPath+"/edit/02-why-trust-breaks.md", bob); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob's save after seeing the diff: %d", res.StatusCode)
	}
	_, err := a.db.Publish(context.Background(), publicationOf(t, a, "02-why-trust-breaks.md", "Carl's text.\n"))
	if err != nil {
		t.Fatal(err)
	}
	bob.Set("revision", "2")
	if res, page = a.post(unitPath+"/edit/02-why-trust-breaks.md", bob); res.StatusCode != http.StatusConflict ||
		!strings.Contains(page, "published again") {
		t.Fatalf("a save from version 1 after version 2 changed the file: %d", res.StatusCode)
	}
}

// Adding, moving and removing lessons are drafts that keep each
// lesson's slug; published, they make the course as the page showed it.
func TestContentAddMoveRemoveThenPublish(t *testing.T) {
	a := contentAdmin(t)
	res, _ := a.post(unitPath+"/add", url.Values{"title": {"Café talks: a new start!"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/edit/14-cafe-talks-a-new-start.md?done=added") {
		t.Fatalf("add: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ = a.post(unitPath+"/add", url.Values{"title": {" "}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("add with no title: %d, want 422", res.StatusCode)
	}
	if res, _ = a.post(unitPath+"/move", url.Values{"path": {"14-cafe-talks-a-new-start.md"}, "dir": {"up"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("move up: %d", res.StatusCode)
	}
	if res, _ = a.post(unitPath+"/move", url.Values{"path": {"01-welcome.md"}, "dir": {"up"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("moving the first lesson up: %d, want 422", res.StatusCode)
	}
	res, page := a.post(unitPath+"/remove", url.Values{"path": {"05-listening.md"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `name="confirm" value="yes"`) || len(a.drafts()) != 3 {
		t.Fatalf("remove without confirming: %d, %d drafts; want the question and nothing removed", res.StatusCode, len(a.drafts()))
	}
	if res, _ = a.post(unitPath+"/remove", url.Values{"path": {"05-listening.md"}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	_, page = a.get(unitPath)
	if !strings.Contains(page, "Removed when you publish: 05-listening.md") || strings.Index(page, "13-cafe-talks") > strings.Index(page, "14-keeping-trust") {
		t.Errorf("the course's page does not show the new order and the removal:\n%s", page)
	}
	loader := versions.Loader{Defaults: dripcourse.Templates()}
	v, err := a.db.PublishDrafts(context.Background(), "rebuilding-trust", "admin", a.clock.Now(), loader.Check)
	if err != nil || v.Number != 2 {
		t.Fatalf("publish: %+v, %v", v, err)
	}
	_, files, _ := a.db.VersionFiles(context.Background(), "rebuilding-trust", 0)
	got := strings.Join(files.Paths(), ",")
	if !strings.Contains(got, "12-getting-help-or-walking-away.md,13-cafe-talks-a-new-start.md,14-keeping-trust.md,course.yaml") ||
		strings.Contains(got, "listening") {
		t.Fatalf("published files %s", got)
	}
}

func TestContentDiscard(t *testing.T) {
	a := contentAdmin(t)
	a.post(unitPath+"/add", url.Values{"title": {"Extra"}})
	if res, page := a.get(unitPath + "/discard"); res.StatusCode != http.StatusOK || !strings.Contains(page, "Discard the drafts") {
		t.Fatalf("discard page: %d", res.StatusCode)
	}
	if res, _ := a.post(unitPath+"/discard", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther || len(a.drafts()) != 0 {
		t.Fatalf("discard: %d, %d drafts left", res.StatusCode, len(a.drafts()))
	}
}

// A change the check cannot finish (a render past its bounds) is refused,
// with the reason, the text kept in the form and the draft as it was.
func TestContentSaveRefusedWhenItCannotBeChecked(t *testing.T) {
	a := contentAdmin(t)
	load := a.srv.LoadContent
	a.srv.LoadContent = func(ctx context.Context, u versions.Units) (*compose.Content, error) {
		if strings.Contains(string(u["rebuilding-trust"]["02-why-trust-breaks.md"]), "LOOP") {
			return nil, errors.New("rendering the lesson took longer than 2s")
		}
		return load(ctx, u)
	}
	res, page := a.post(unitPath+"/edit/02-why-trust-breaks.md", a.lessonForm("A LOOP here.\n"))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Not saved, because the course could not be checked with this change: rendering the lesson took longer than 2s") ||
		!strings.Contains(page, "\nA LOOP here.\n</textarea>") {
		t.Fatalf("a save that can't be checked: %d\n%s", res.StatusCode, page)
	}
	if len(a.drafts()) != 0 {
		t.Fatal("a save that could not be checked made a draft")
	}
}

// A template is its text; its problem is listed and marked on its line.
func TestContentTemplateProblemOnItsLine(t *testing.T) {
	a := contentAdmin(t)
	const tpl = "/admin/content/_templates/edit/email/lesson.txt"
	res, page := a.get(tpl)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-editor="text"`) || !strings.Contains(page, `value="whole"`) {
		t.Fatalf("the template's editor: %d", res.StatusCode)
	}
	// A template that would fail to render is refused at save, not kept
	// as a draft: the problem is shown on its line, the text kept.
	form := url.Values{"base": {"1"}, "revision": {"0"}, "mode": {"whole"}, "body": {"Hello\n\n{{nosuchfunc .Title}}\n"}}
	res, page = a.post(tpl, form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "a template would fail to render") {
		t.Fatalf("save of a template that cannot render: %d, want 422 saying so", res.StatusCode)
	}
	if !strings.Contains(page, `data-editor-line="3">Line 3</a>`) || !strings.Contains(page, "nosuchfunc") || !strings.Contains(page, "{{nosuchfunc .Title}}") {
		t.Fatalf("the template's problem is not on line 3, or the text is lost:\n%s", page)
	}
	if ds, err := a.db.Drafts(context.Background(), store.Templates); err != nil || len(ds) != 0 {
		t.Fatalf("the refused template was kept as a draft: %v %v", ds, err)
	}
}

// A lesson whose front matter has a key the fields do not hold is edited
// as one text box with the whole file, and its lines are the file's.
func TestContentWholeFileWhenFrontMatterIsUnusual(t *testing.T) {
	a := contentAdmin(t)
	form := a.lessonForm("Text.\n")
	form.Set("mode", "whole")
	form.Set("body", "---\nsubject: S\ndelay: 1d\nauthor: me\n---\nText.\n")
	res, _ := a.post(unitPath+"/edit/02-why-trust-breaks.md", form)
	_, page := a.get(res.Header.Get("Location"))
	if !strings.Contains(page, `value="whole"`) || !strings.Contains(page, `data-editor-line="4">Line 4</a>`) || strings.Contains(page, `id="f-subject"`) {
		t.Fatalf("a lesson with an unknown key: not the whole file with the problem on line 4:\n%s", page)
	}
}
