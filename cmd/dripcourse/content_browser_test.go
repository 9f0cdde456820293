package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// editorMarkedLines lists the editor's lines (by their line-number
// gutter) that have a problem marker, joined by commas.
const editorMarkedLines = `[...document.querySelectorAll(".cm-lint-marker-error")].map((m) => {
  const top = m.closest(".cm-gutterElement").getBoundingClientRect().top;
  const n = [...document.querySelectorAll(".cm-lineNumbers .cm-gutterElement")]
    .filter((g) => g.style.visibility !== "hidden").find((g) => Math.abs(g.getBoundingClientRect().top - top) < 1);
  return n ? n.textContent : "?";
}).join(",")`

// waitFor polls js in the tab until it is true, for up to 10 s.
func (tb *tab) waitFor(what, js string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil {
		tb.t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, tb.eval(`document.body.innerText.slice(0, 1500)`))
	}
}

// do runs chromedp actions in the tab.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// save presses Ctrl-S in the editor and waits for the page it loads.
func (tb *tab) save() {
	tb.t.Helper()
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.KeyEvent("s", chromedp.KeyModifiers(chromedp.ModifierCtrl))); err != nil {
		tb.t.Fatalf("Ctrl-S: %v", err)
	}
	tb.waitFor("the editor", `document.querySelector("#body") && document.querySelector("#body").dataset.editorReady === "true"`)
}

// TestBrowserContentFlow is the operator's whole way in Chromium: edit a
// lesson, see a problem beside its line, fix it, see the live preview
// at phone width, publish after reading the impact, and the next lesson
// goes out with the new text over SMTP.
func TestBrowserContentFlow(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_LESSONS": trackedCourse(t), "DRIP_ADMIN_PASSWORD": operatorPassword})
	h.signup("one@example.com", "", "UTC")
	h.confirmAll()
	h.pass()
	tb := newTab(t, h, "UTC")
	tb.login(operatorPassword)
	tb.open("/admin/content/tracked")
	tb.click(`a[href="` + lesson2Edit + `"]`)
	tb.waitFor("the editor", `document.querySelector("#body").dataset.editorReady === "true"`)
	tb.do("replace the lesson's text", chromedp.Click(chromedp.CSS(".cm-content")), chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.KeyEvent(editedWords), chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.Enter),
		chromedp.KeyEvent("# A top heading"), chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent("The end."))
	tb.save()
	line := tb.eval(`document.querySelector("a[data-editor-line]").dataset.editorLine`)
	if got := tb.eval(`document.querySelectorAll(".cm-line")[` + line + ` - 1].textContent`); got != "# A top heading" {
		t.Fatalf("the problem is said at line %s, which holds %q", line, got)
	}
	tb.waitFor("a marker beside line "+line, "("+editorMarkedLines+`) === "`+line+`"`)
	if got := tb.text("#problems + ul"); !strings.Contains(got, "Line "+line+": a top-level heading") {
		t.Errorf("the problem list says %q; want it by its line", got)
	}
	tb.do("go to the problem", chromedp.Click(chromedp.CSS(`a[data-editor-line="`+line+`"]`)))
	tb.waitFor("the cursor on line "+line, `(document.querySelector(".cm-lineNumbers .cm-activeLineGutter") || {}).textContent === "`+line+`"`)
	tb.do("fix the heading", chromedp.KeyEvent(kb.Home), chromedp.KeyEvent("#"))
	tb.waitFor("the live preview of the fix", `(document.querySelector("iframe[data-editor-preview]").srcdoc || "").includes("A top heading") &&
		document.querySelector("iframe[data-editor-preview]").srcdoc.includes("`+editedWords+`")`)
	tb.do("show the phone width", chromedp.Click(chromedp.CSS(`button[data-preview-width="phone"]`)))
	tb.waitFor("the frame at phone width", `document.querySelector('button[data-preview-width="phone"]').getAttribute("aria-pressed") === "true" &&
		document.querySelector("iframe[data-editor-preview]").getBoundingClientRect().width <= 375`)
	tb.save()
	tb.waitFor("no markers after the fix", `document.querySelectorAll(".cm-lint-marker-error").length === 0`)
	tb.open("/admin/content/tracked/preview/02-second.md")
	frame := tb.eval(`document.querySelector("#phone-frame").getAttribute("src")`)
	tb.visit(frame)
	if got := tb.eval(`document.body.innerText`); !strings.Contains(got, editedWords) || !strings.Contains(got, "A top heading") {
		t.Fatalf("the preview at phone width shows:\n%s", got)
	}
	tb.open("/admin/content/tracked/publish")
	if got := tb.eval(`(() => { const i = document.querySelector("#impact"), b = document.querySelector('form[action="/admin/content/tracked/publish"] button');
		return (i.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) ? "before" : "after"; })()`); got != "before" {
		t.Fatalf("the impact summary is %s the publish button", got)
	}
	if got := tb.text("main"); !strings.Contains(got, "1 reader gets lesson 2, “Second”, next.") {
		t.Fatalf("the publish page does not say who gets what next:\n%s", got)
	}
	tb.typeInto("#publish-name", "Ann Operator")
	tb.do("confirm", chromedp.Click(chromedp.CSS("#publish-confirm")))
	tb.click(`form[action="/admin/content/tracked/publish"] button`)
	if got := tb.text("main"); !strings.Contains(got, "Version 2 is published.") || !strings.Contains(got, "Ann Operator") {
		t.Fatalf("after publishing:\n%s", got)
	}
	h.passUntil(2)
	if text, n := h.lastText(); n != 2 || !strings.Contains(text, editedWords) || !strings.Contains(text, "A top heading") {
		t.Fatalf("%d messages; lesson 2 after the publish:\n%s", n, text)
	}
}
