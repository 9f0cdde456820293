package editor

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// templatesPage has an editor for each language in one form (one with
// data-problems that are not JSON, which must show no problem), and a preview that reports a problem for the text template
// only.
var templatesPage = template.Must(template.New("templates").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Edit templates</title>
<link rel="icon" href="data:,">
<script src="{{.Script}}" defer></script>
</head><body>
<form method="post" action="/save">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<label for="html">Email HTML</label>
<textarea id="html" name="html" data-editor="html" data-problems="not JSON">&lt;p style="color: red"&gt;Hello {{"{{"}}.Name}}&lt;/p&gt;</textarea>
<label for="text">Email text</label>
<textarea id="text" name="text" data-editor="text">Hello {{"{{"}}.Name}}
Bye</textarea>
<label for="settings">Course settings</label>
<textarea id="settings" name="settings" data-editor="yaml">title: My course
steps: 3</textarea>
<label for="lesson">Lesson</label>
<textarea id="lesson" name="lesson" data-editor="markdown">---
subject: Hi
---
# Title</textarea>
<iframe data-editor-preview data-preview-url="/preview-templates" sandbox title="Preview" srcdoc=""></iframe>
</form>
</body></html>`))

func (s *site) templates(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", PagePolicy)
	if err := templatesPage.Execute(w, map[string]string{"Script": s.assets.ScriptPath(), "CSRF": csrfToken}); err != nil {
		s.t.Errorf("templates page: %v", err)
	}
}

func (s *site) previewTemplates(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("csrf") != csrfToken {
		http.Error(w, "no CSRF token", http.StatusForbidden)
		return
	}
	SetProblems(w.Header(), []Problem{{Line: 2, Message: "the text part says Bye", Field: "text"}})
	fmt.Fprintf(w, "<!doctype html><p>%s</p>", template.HTMLEscapeString(r.PostFormValue("text")))
}

// styleOf gives the computed style property of the element holding the
// first text node that is word (give or take spaces), in the editor of textarea id.
func styleOf(id, word, property string) string {
	return fmt.Sprintf(`(() => {
  const root = document.getElementById(%q).nextElementSibling.querySelector(".cm-content");
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode())
    if (n.textContent.trim() === %q) return getComputedStyle(n.parentElement)[%q];
  return "no " + %q;
})()`, id, word, property, word)
}

func TestBrowserEditorLanguages(t *testing.T) {
	s := newSite(t)
	tb := newTab(t)
	tb.open(s.srv.URL + "/templates")
	tb.waitFor("four editors", `document.querySelectorAll(".cm-editor").length === 4`)
	// Highlighting can come a moment after the editor.
	tb.expect("HTML tag name weight", styleOf("html", "p", "fontWeight"), "700")
	tb.expect("YAML key colour", styleOf("settings", "title", "color"), "rgb(122, 62, 0)")
	tb.expect("front matter key colour", styleOf("lesson", "subject", "color"), "rgb(122, 62, 0)")
	tb.expect("Markdown heading weight", styleOf("lesson", "Title", "fontWeight"), "700")
	if got := tb.eval(`[...document.querySelectorAll(".cm-template-action")].map((e) => e.textContent).join(",")`); got != "{{.Name}},{{.Name}}" {
		t.Errorf("template actions marked: %q", got)
	}
	tb.do("type in the text template", chromedp.Click(chromedp.CSS("#text + .cm-editor .cm-content")),
		chromedp.KeyEvent(kb.End, chromedp.KeyModifiers(chromedp.ModifierCtrl)), chromedp.KeyEvent(" now"))
	tb.waitFor("the preview", `document.querySelector("iframe").srcdoc.includes("Bye now")`)
	tb.waitFor("a marker", `document.querySelectorAll(".cm-lint-marker-error").length > 0`)
	got := tb.eval(`["html", "text", "settings", "lesson"].map((id) => id + ":" + document.getElementById(id).nextElementSibling.querySelectorAll(".cm-lint-marker-error").length).join(" ")`)
	if got != "html:0 text:1 settings:0 lesson:0" {
		t.Errorf("markers by editor: %s, want the one problem on the text template", got)
	}
	if got := tb.eval(`document.querySelector("#text + .cm-editor .cm-problem-panel").textContent`); !strings.Contains(got, "line 2: the text part says Bye") {
		t.Errorf("text editor's panel: %q", got)
	}
}
