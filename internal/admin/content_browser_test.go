package admin

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/dripcourse/dripcourse/internal/browsertest"
)

// browser is the package's one Chromium, for the editor's browser tests.
var browser browsertest.Browser

func TestMain(m *testing.M) {
	code := m.Run()
	browser.Close()
	os.Exit(code)
}

// markedLines lists the editor's lines (by their line-number gutter)
// that have a problem marker, joined by commas.
const markedLines = `[...document.querySelectorAll(".cm-lint-marker-error")].map((m) => {
  const top = m.closest(".cm-gutterElement").getBoundingClientRect().top;
  const n = [...document.querySelectorAll(".cm-lineNumbers .cm-gutterElement")]
    .filter((g) => g.style.visibility !== "hidden").find((g) => Math.abs(g.getBoundingClientRect().top - top) < 1);
  return n ? n.textContent : "?";
}).join(",")`

// browserTab is a logged-in Chromium tab on the admin.
func browserTab(t *testing.T, a *admin) context.Context {
	t.Helper()
	ctx, _ := browser.Tab(t, 60*time.Second)
	err := chromedp.Do(ctx, chromedp.EmulateViewport(1100, 900), chromedp.Navigate(a.ts.URL+"/admin/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), adminPassword))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(`input[name="password"]`))); err != nil {
		t.Fatalf("log in: %v", err)
	}
	return ctx
}

func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](js)); err != nil {
		last, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, last)
	}
}

// The CodeMirror editor on the lesson page marks a saved problem on its
// line of the text box, and Ctrl-S saves what was typed as the draft.
func TestBrowserContentEditorMarksAndSaves(t *testing.T) {
	a := contentAdmin(t)
	a.post(unitPath+"/edit/02-why-trust-breaks.md", a.lessonForm("First paragraph.\n\n# A top heading\n\nLast paragraph.\n"))
	ctx := browserTab(t, a)
	if err := chromedp.Do(ctx, chromedp.Navigate(a.ts.URL+unitPath+"/edit/02-why-trust-breaks.md")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the editor", `document.querySelector("#body").dataset.editorReady === "true"`)
	waitFor(t, ctx, "a marker on line 3", "("+markedLines+`) === "3"`)
	err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[data-editor-line="3"]`)))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the cursor on line 3", `(document.querySelector(".cm-lineNumbers .cm-activeLineGutter") || {}).textContent === "3"`)
	err = chromedp.Do(ctx, chromedp.KeyEvent(kb.Home), chromedp.KeyEvent("#"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.KeyEvent("s", chromedp.KeyModifiers(chromedp.ModifierCtrl))); err != nil {
		t.Fatalf("Ctrl-S: %v", err)
	}
	waitFor(t, ctx, "the saved page", `document.querySelector(".flash") && document.querySelector(".flash").textContent.includes("Saved as a draft")`)
	ds := a.drafts()
	if len(ds) != 1 || !strings.Contains(string(ds[0].Body), "\n## A top heading\n") || ds[0].Problems != "" || ds[0].Revision != 2 {
		t.Fatalf("drafts after Ctrl-S: %+v; want the heading fixed, no problems, revision 2", ds)
	}
	waitFor(t, ctx, "no markers", `document.querySelector("#body").dataset.editorReady === "true" && document.querySelectorAll(".cm-lint-marker-error").length === 0`)
}
