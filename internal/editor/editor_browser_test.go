package editor

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// lineNumbers lists the line-number gutter's elements, without the hidden
// one that sizes the gutter.
const lineNumbers = `[...document.querySelectorAll(".cm-lineNumbers .cm-gutterElement")]
  .filter((g) => g.style.visibility !== "hidden")`

// markedLines lists the lines (by their line-number gutter) that have a
// problem marker in the gutter, in order, joined by commas.
const markedLines = `[...document.querySelectorAll(".cm-lint-marker-error")].map((m) => {
  const top = m.closest(".cm-gutterElement").getBoundingClientRect().top;
  const n = ` + lineNumbers + `.find((g) => Math.abs(g.getBoundingClientRect().top - top) < 1);
  return n ? n.textContent : "?";
}).join(",")`

// activeLine is the number of the line the cursor is on.
const activeLine = `(document.querySelector(".cm-lineNumbers .cm-activeLineGutter") || {}).textContent || ""`

// focusIn says whether the editor has the keyboard focus.
const focusIn = `document.activeElement === document.querySelector(".cm-content")`

// openEditor opens the edit page and waits for the editor to replace the
// textarea.
func openEditor(t *testing.T, s *site) *tab {
	tb := newTab(t)
	tb.open(s.srv.URL + "/edit")
	tb.waitFor("the editor", `document.querySelector("#body").dataset.editorReady === "true"`)
	return tb
}

// typeAtEnd types text at the end of the lesson.
func (tb *tab) typeAtEnd(text string) {
	tb.t.Helper()
	tb.do("type at the end", chromedp.Click(chromedp.CSS(".cm-content")),
		chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(chromedp.ModifierCtrl)), chromedp.KeyEvent(text))
}

func TestBrowserEditorReplacesTextarea(t *testing.T) {
	s := newSite(t)
	tb := openEditor(t, s)
	if got := tb.eval(`getComputedStyle(document.querySelector("#body")).display + " " + document.querySelector("#body").nextElementSibling.className`); !strings.HasPrefix(got, "none cm-editor") {
		t.Fatalf("textarea display and next element: %q, want it hidden with the editor after it", got)
	}
	tb.expect("line numbers", lineNumbers+`.map((e) => e.textContent).join(",")`, "1,2,3,4,5,6")
	tb.expect("problem markers on lines", markedLines, "3")
	tb.expect("underlined text", `[...document.querySelectorAll(".cm-lintRange-error")].map((e) => e.textContent).join("|")`, line3)
	if got := tb.accessibleName(".cm-content"); got != "textbox: Lesson text" {
		t.Errorf("the editor's role and accessible name: %q, want the textarea's label", got)
	}
	if got := tb.eval(`[...document.querySelectorAll("[data-preview-width]")].filter((b) => !b.hidden).length + ""`); got != "2" {
		t.Errorf("%s preview width buttons shown, want 2", got)
	}
	tb.do("click the label", chromedp.Click(chromedp.CSS(`label[for="body"]`)))
	tb.waitFor("focus from the label", focusIn)
	// CodeMirror marks itself focused from its own focus observer, a moment
	// after the element takes the focus.
	tb.waitFor("the editor's focused state", `document.querySelector(".cm-editor").classList.contains("cm-focused")`)
	if got := tb.eval(`(() => { const s = getComputedStyle(document.querySelector(".cm-editor")); return s.outlineStyle + " " + s.outlineWidth; })()`); got != "solid 3px" {
		t.Errorf("focused editor's outline %q, want a visible solid 3px", got)
	}
}

func TestBrowserEditorTypeAndSave(t *testing.T) {
	s := newSite(t)
	tb := openEditor(t, s)
	tb.typeAtEnd("More text.")
	// The search panel's fields are inside the form but must not be posted.
	tb.do("search", chromedp.KeyEvent("f", chromedp.KeyModifiers(chromedp.ModifierCtrl)), chromedp.KeyEvent("the"))
	tb.submit("save", chromedp.Click(chromedp.CSS("button[data-editor-save]")))
	want := lessonText + "More text."
	if got, n := s.lastSaved(); n != 1 || got != want {
		t.Fatalf("saved %d times, last %q; want once %q", n, got, want)
	}
	if got := strings.Join(s.fields, ","); got != "body,csrf,subject" {
		t.Errorf("posted fields %s, want the form's own: body,csrf,subject", got)
	}
}

func TestBrowserEditorCtrlS(t *testing.T) {
	s := newSite(t)
	tb := openEditor(t, s)
	tb.typeAtEnd("Saved by key.")
	tb.submit("Ctrl-S", chromedp.KeyEvent("s", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	want := lessonText + "Saved by key."
	if got, n := s.lastSaved(); n != 1 || got != want {
		t.Fatalf("saved %d times, last %q; want once %q", n, got, want)
	}
}

func TestBrowserEditorPreview(t *testing.T) {
	s := newSite(t)
	tb := openEditor(t, s)
	tb.typeAtEnd("TODO: an example")
	tb.waitFor("the preview", `document.querySelector("iframe").srcdoc.includes("TODO: an example")`)
	tb.waitFor("the new problem from X-Editor-Problems", markedLines+` === "6"`)
	if got := s.lastShown(); got != lessonText+"TODO: an example" {
		t.Errorf("the preview handler got %q", got)
	}
	if got := tb.eval(`document.querySelector(".cm-problem-panel").textContent`); got != "Problem on line 6: “TODO” is left in the lesson" {
		t.Errorf("problem panel %q", got)
	}
	if got := tb.eval(`document.querySelector("[data-editor-status]").textContent`); got != "" {
		t.Errorf("status %q after a good preview, want nothing said", got)
	}
	// The email's own inline style applies inside the sandboxed frame.
	if got := tb.frameEval(`getComputedStyle(document.querySelector("h1")).color + " " + document.querySelector("h1").textContent`); got != "rgb(0, 51, 102) Welcome" {
		t.Errorf("preview heading: %q, want the inline colour and the subject", got)
	}
	tb.do("edit the subject", chromedp.Clear(chromedp.CSS("#subject")), chromedp.SendKeys(chromedp.CSS("#subject"), "Welcome again"))
	tb.waitFor("the preview of the new subject", `document.querySelector("iframe").srcdoc.includes("<h1 style=\"color: rgb(0, 51, 102)\">Welcome again</h1>")`)
	tb.do("phone width", chromedp.Click(chromedp.CSS(`[data-preview-width="phone"]`)))
	if got := tb.eval(`document.querySelector("iframe").clientWidth + " " + document.querySelector('[data-preview-width="phone"]').getAttribute("aria-pressed")`); got != "375 true" {
		t.Errorf("after the phone button: frame width and pressed %q", got)
	}
	tb.do("desktop width", chromedp.Click(chromedp.CSS(`[data-preview-width="desktop"]`)))
	if got := tb.eval(`document.querySelector("iframe").clientWidth + ""`); got != "640" {
		t.Errorf("after the desktop button: frame width %s", got)
	}
	tb.allowError("the server responded with a status of 500")
	tb.typeAtEnd(" FAIL")
	tb.expect("status after a failed preview", `document.querySelector("[data-editor-status]").textContent`, "Preview failed: the server answered 500.")
}

func TestBrowserEditorKeyboard(t *testing.T) {
	s := newSite(t)
	tb := openEditor(t, s)
	tb.do("go to line 3", chromedp.Click(chromedp.CSS(`#problems a[data-editor-line="3"]`)))
	tb.waitFor("focus in the editor", focusIn)
	if got := tb.eval(activeLine); got != "3" {
		t.Fatalf("after the line 3 link the cursor is on line %q", got)
	}
	if got := tb.eval(`document.querySelector(".cm-problem-panel").textContent`); !strings.HasPrefix(got, "Problem on line 3: unknown field Nmae") {
		t.Errorf("problem panel on line 3: %q", got)
	}
	tb.do("to the top, then F8", chromedp.KeyEvent(kb.Home, chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	if got := tb.eval(activeLine); got != "1" {
		t.Fatalf("Ctrl-Home: line %q", got)
	}
	tb.do("F8", chromedp.KeyEvent(kb.F8))
	if got := tb.eval(activeLine); got != "3" {
		t.Errorf("F8 moved to line %q, want the problem on 3", got)
	}
	tb.do("Tab", chromedp.KeyEvent(kb.Tab))
	if tb.eval(`String(`+focusIn+`)`) != "true" {
		t.Errorf("Tab alone left the editor; it should indent")
	}
	tb.do("Escape, Tab", chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Tab))
	if got := tb.eval(`document.activeElement.textContent`); got != "Save draft" {
		t.Errorf("Escape then Tab focused %q, want the next control, the save button", got)
	}
}

func TestBrowserEditorWithoutJavaScript(t *testing.T) {
	s := newSite(t)
	tb := newTab(t)
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	tb.open(s.srv.URL + "/edit")
	if got := tb.eval(`document.querySelectorAll(".cm-editor").length + " " + getComputedStyle(document.querySelector("#body")).display`); got != "0 inline-block" {
		t.Fatalf("without JavaScript: editors and textarea display %q, want the plain textarea", got)
	}
	tb.do("type", chromedp.SendKeys(chromedp.CSS("#body"), "Typed by hand. "))
	tb.submit("save", chromedp.Click(chromedp.CSS("button[data-editor-save]")))
	want := "Typed by hand. " + lessonText
	if got, n := s.lastSaved(); n != 1 || got != want {
		t.Fatalf("saved %d times, last %q; want once %q", n, got, want)
	}
}

// TestBrowserEditorStrictStyles: a page without a preview may allow styles
// by nonce alone; the editor's style elements carry its script's nonce.
func TestBrowserEditorStrictStyles(t *testing.T) {
	s := newSite(t)
	s.strict, s.noPreview = true, true
	tb := openEditor(t, s)
	if got := tb.eval(`getComputedStyle(document.querySelector(".cm-editor")).borderTopStyle`); got != "solid" {
		t.Errorf("the editor's theme did not apply under a nonce policy: border %q", got)
	}
}

// TestBrowserPreviewNeedsInlineStyles is why PagePolicy allows inline
// styles: a srcdoc frame inherits its page's policy, and under styles by
// nonce the email's inline style is refused.
func TestBrowserPreviewNeedsInlineStyles(t *testing.T) {
	s := newSite(t)
	s.strict = true
	tb := openEditor(t, s)
	tb.typeAtEnd("More.")
	tb.waitFor("the preview", `document.querySelector("iframe").srcdoc.includes("More.")`)
	if got := tb.frameEval(`getComputedStyle(document.querySelector("h1")).color`); got != "rgb(0, 0, 0)" {
		t.Errorf("under styles by nonce the preview's inline colour applied (%s): PagePolicy could drop 'unsafe-inline'", got)
	}
}
