package main

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// editForm is the hidden fields of the edit page at path, and the page.
func (o *operator) editForm(path string) (url.Values, string) {
	o.h.t.Helper()
	status, page := o.do("GET", path, nil)
	if status != 200 {
		o.h.t.Fatalf("GET %s: %d", path, status)
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	return form, page
}

const lesson2Edit = "/admin/content/tracked/edit/02-second.md"

// TestContentFlowWithPlainForms is the operator's whole way with plain
// form posts, as a browser without JavaScript sends them: edit a lesson,
// see a problem by its line, fix it, preview, publish after reading the
// impact, and the next lesson goes out with the new text over SMTP.
func TestContentFlowWithPlainForms(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_LESSONS": trackedCourse(t), "DRIP_ADMIN_PASSWORD": operatorPassword})
	h.signup("one@example.com", "", "UTC")
	h.confirmAll()
	h.pass()
	op := h.operator()
	if status, page := op.do("GET", "/admin/content/tracked", nil); status != 200 || !strings.Contains(page, `href="`+lesson2Edit+`"`) {
		t.Fatalf("the course's files: %d, no link to edit lesson 2", status)
	}
	form, _ := op.editForm(lesson2Edit)
	form.Set("subject", "Second")
	form.Set("delay", "1d")
	form.Set("body", editedWords+"\r\n\r\n# A top heading\r\n\r\nThe end.")
	status, page := op.do("POST", lesson2Edit, form)
	if status != http.StatusSeeOther && status != 200 && status != http.StatusUnprocessableEntity {
		t.Fatalf("save with a problem: %d\n%s", status, page)
	}
	form, page = op.editForm(lesson2Edit)
	if !strings.Contains(page, `data-editor-line="3">Line 3</a>`) {
		t.Fatalf("the saved draft's problem is not shown by its line:\n%s", page)
	}
	if status, _ := op.do("GET", "/admin/content/tracked/publish", nil); status != 200 {
		t.Fatalf("publish page with a problem: %d", status)
	}
	form.Set("subject", "Second")
	form.Set("delay", "1d")
	form.Set("body", editedWords+"\r\n\r\n## A section heading\r\n\r\nThe end.")
	if status, page = op.do("POST", lesson2Edit, form); status != http.StatusSeeOther {
		t.Fatalf("save of the fix: %d\n%s", status, page)
	}
	_, page = op.do("GET", "/admin/content/tracked/preview/02-second.md?view=text", nil)
	if !strings.Contains(page, editedWords) || !strings.Contains(page, "A section heading") {
		t.Fatalf("the plain-text preview lacks the draft:\n%s", page)
	}
	_, frame := op.do("GET", "/admin/content/tracked/preview/02-second.md?view=email", nil)
	if !strings.Contains(frame, editedWords) {
		t.Fatal("the HTML preview lacks the draft")
	}
	op.publish("/admin/content/tracked/publish", "1 reader gets lesson 2, “Second”, next.")
	h.passUntil(2)
	if text, n := h.lastText(); n != 2 || !strings.Contains(text, editedWords) || !strings.Contains(text, "A section heading") {
		t.Fatalf("%d messages; lesson 2 after the publish:\n%s", n, text)
	}
}
