// Package editor owns the admin's text editor: a CodeMirror 6 bundle
// (js/, built by js/build.sh into assets/editor.js and embedded here) that
// turns plain form textareas into editors with line numbers, highlighting
// and problems beside their lines, and the Go side that serves it.
//
// The page works without JavaScript: every feature below is added to a
// form that already posts on its own, and if the script fails or is
// blocked the textarea stays as it is.
//
// # Wiring
//
// Make one Assets with New, mount it, and put its script in each editor
// page's head; send PagePolicy as the page's Content-Security-Policy:
//
//	ed := editor.New("/admin/assets")
//	r.Handle("/admin/assets/*", ed) // serves ed.ScriptPath(), cached for a year
//	<script src="{{.EditorScript}}" nonce="{{.Nonce}}" defer></script>
//
// The handler sets its own caching headers over the admin's no-store. The
// nonce on the script tag is optional: CodeMirror adds its styles in a
// <style> element, which then carries the same nonce, so a page without a
// preview may send PagePolicy with style-src 'nonce-…' in place of
// 'self' 'unsafe-inline' (PagePolicy explains why a preview needs them).
//
// # The page's HTML
//
// An editor: a textarea with data-editor set to markdown (a lesson, YAML
// front matter highlighted), html (an html/template template), text, or
// yaml (course settings), inside a form:
//
//	<label for="body">Lesson text</label>
//	<textarea id="body" name="body" rows="20" data-editor="markdown"
//	  data-problems="{{.ProblemsAttr}}">{{.Body}}</textarea>
//
// The script hides the textarea, shows the editor after it, and copies
// every edit back, so the form posts exactly what the editor shows (as
// CRLF line breaks, like any textarea: normalise them on the server). The
// editor takes the textarea's label (or aria-label, aria-labelledby,
// aria-describedby) as its accessible name and description; a click on the
// label focuses it. Its rows give the editor's least height. Do not set
// required or maxlength on the textarea: a hidden field that fails them
// stops the post with no message.
//
// Problems: data-problems holds ProblemsAttr's JSON, [{"line":3,"message":
// "..."}], with lines counted in the textarea's text (see Problem for the
// optional field and severity keys). Each is shown on its
// line: a "!" in the gutter, a wavy underline, the message on hover and in
// a line under the editor while the cursor is on that line (a live
// region). The page must also list the problems as text itself; the
// script adds only the markers. A link in that list with
// data-editor-line="3" (and href="#body", which without JavaScript scrolls
// to the textarea) moves the cursor to line 3 of that editor and focuses
// it; data-editor-target="id" names the textarea when href does not.
//
// Keys in the editor: F8 and Shift-F8 go to the next and previous problem,
// Ctrl/Cmd-Shift-M lists them, Ctrl/Cmd-F searches, Ctrl/Cmd-Z undoes, and
// Ctrl/Cmd-S anywhere in the form (or the page, if it has only one) clicks
// the form's button[data-editor-save], a normal submit button:
//
//	<button type="submit" data-editor-save>Save draft</button>
//
// Tab indents inside the editor; Escape, then Tab within two seconds,
// moves the focus on, as is CodeMirror's way (say so in the page's help
// text, e.g. "Press Esc then Tab to leave the editor").
//
// # Live preview
//
// An iframe in the same form, sandboxed without allow-scripts and
// allow-same-origin, with the URL of the preview handler:
//
//	<p data-editor-status role="status"></p>
//	<button type="button" data-preview-width="desktop" aria-pressed="true" hidden>Desktop</button>
//	<button type="button" data-preview-width="phone" hidden>Phone</button>
//	<iframe data-editor-preview data-preview-url="/admin/lessons/x/preview"
//	  sandbox title="Preview" src="/admin/lessons/x/email"></iframe>
//
// About 600 ms after the last edit (in an editor or any other field of the
// form) the script POSTs every field of the form, the CSRF field included,
// encoded as the form's own post would be (urlencoded unless the form is
// multipart), same-origin with credentials and the header
// X-Editor-Preview: 1, without following redirects. The response's body
// becomes the iframe's srcdoc, whatever its status. A failure (a 4xx or
// 5xx status, a redirect such as to the login page, no answer) is said in
// the form's [data-editor-status] element, which is emptied when a preview
// works; nothing is said after every pause. If the response has the
// ProblemsHeader (set it with SetProblems), its problems replace the
// editors' markers; without the header the markers stay. The width buttons
// are shown by the script (render them hidden) and set the frame's width
// to 640 px or 375 px.
//
// The preview handler must check the session and CSRF field like any
// form post, and bound its own rendering time and size.
package editor
