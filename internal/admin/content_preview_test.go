package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/editor"
)

// livePost posts an edit form's fields as the editor script does.
func (a *admin) livePost(path string, form url.Values) (*http.Response, string) {
	a.t.Helper()
	return a.req("POST", path, strings.NewReader(form.Encode()), http.Header{"X-Editor-Preview": {"1"}, "Sec-Fetch-Site": {"same-origin"}})
}

// TestLivePreviewRendersTheFormUnsaved: the fields of a lesson's form
// come back as the HTML email, with no problems, and nothing is saved.
func TestLivePreviewRendersTheFormUnsaved(t *testing.T) {
	a := newContentAdmin(t)
	form := url.Values{"title": {"Why trust breaks: edited"}, "subject": {"A new subject"}, "preheader": {"p"}, "delay": {"1d"},
		"body": {"A paragraph of " + newWords + "\r\n\r\nAnother."}, "base": {"1"}, "revision": {"0"}, "mode": {"fields"}}
	res, body := a.livePost("/admin/content/rebuilding-trust/preview/"+lesson2, form)
	if res.StatusCode != 200 || !strings.Contains(body, newWords) || !strings.Contains(body, "<html") {
		t.Fatalf("live preview: %d\n%s", res.StatusCode, body)
	}
	if got := res.Header.Get(editor.ProblemsHeader); got != "[]" {
		t.Errorf("problems header %q, want []", got)
	}
	if ds, _ := a.db.Drafts(t.Context(), "rebuilding-trust"); len(ds) != 0 {
		t.Errorf("the preview saved %d drafts", len(ds))
	}
}

// TestLivePreviewNamesProblemsByLine: a problem comes back in the
// editor's header at its line of the textarea, and the frame says what
// stops the preview; hostile input gets a clear answer, never a hang.
func TestLivePreviewNamesProblemsByLine(t *testing.T) {
	a := newContentAdmin(t)
	cases := []struct {
		name, path string
		form       url.Values
		status     int
		header     string // in the problems header
		body       string // in the answer
	}{
		{"unknown function", "/admin/content/_templates/preview/email/lesson.html",
			url.Values{"body": {"<p>\r\n{{nosuch .Name}}</p>"}}, 422, `"line":2`, `function &#34;nosuch&#34; not defined`},
		{"a loop", "/admin/content/_templates/preview/email/lesson.txt",
			url.Values{"body": {"x\n\n{{range 100000000}}x{{end}}"}}, 422, `"line":3`, "range over 100000000"},
		{"recursion", "/admin/content/_templates/preview/email/lesson.html",
			url.Values{"body": {"{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\" .}}"}}, 422, `calls itself`, "calls itself"},
		{"a bad delay", "/admin/content/rebuilding-trust/preview/" + lesson2,
			url.Values{"title": {"T"}, "subject": {"S"}, "delay": {"soon"}, "body": {"text"}, "mode": {"fields"}}, 422, `"line":1`, "delay"},
		{"a 5 MB lesson", "/admin/content/rebuilding-trust/preview/" + lesson2,
			url.Values{"body": {strings.Repeat("long words ", 5<<20/11)}}, 413, "", "The text is too large"},
		{"no such course", "/admin/content/nope/preview/01-a.md", url.Values{"body": {"x"}}, 422, "", "can't be shown"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, body := a.livePost(c.path, c.form)
			if res.StatusCode != c.status || !strings.Contains(res.Header.Get(editor.ProblemsHeader), c.header) || !strings.Contains(body, c.body) {
				t.Errorf("%d, problems %q, want %d with %q and %q in:\n%.600s", res.StatusCode, res.Header.Get(editor.ProblemsHeader), c.status, c.header, c.body, body)
			}
		})
	}
}

// TestPreviewPageShowsTheDraft: the preview of a saved draft shows it at
// both widths in sandboxed frames, as plain text and as the raw message,
// to the sample reader.
func TestPreviewPageShowsTheDraft(t *testing.T) {
	a := newContentAdmin(t)
	a.draft("rebuilding-trust", lesson2, "When people hear", newWords+" When people hear")
	base := "/admin/content/rebuilding-trust/preview/" + lesson2
	res, page := a.get(base)
	for _, want := range []string{`<iframe class="mail desktop" src="` + base + `?view=email" sandbox`, `<iframe class="mail phone" id="phone-frame"`,
		"Sam Sample &lt;sam.sample@example.com&gt;", "Europe/London", "Lesson 2: Why trust breaks", "with its saved drafts"} {
		if res.StatusCode != 200 || !strings.Contains(page, want) {
			t.Errorf("preview page %d lacks %q", res.StatusCode, want)
		}
	}
	res, frame := a.get(base + "?view=email")
	if !strings.Contains(frame, newWords) || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("the frame lacks the draft, or is not sandboxed (%q)", res.Header.Get("Content-Security-Policy"))
	}
	if _, text := a.get(base + "?view=text"); !strings.Contains(text, newWords) || !strings.Contains(text, `<h2 id="plain-text">`) {
		t.Error("the plain-text view lacks the draft")
	}
	if _, raw := a.get(base + "?view=raw"); !strings.Contains(raw, "Subject: The many ways trust breaks") || !strings.Contains(raw, "To: &#34;Sam Sample&#34;") {
		t.Error("the raw view lacks the headers to the sample reader")
	}
	res, frame = a.req("GET", base+"?view=html", nil, http.Header{"Sec-Fetch-Dest": {"iframe"}})
	if !strings.Contains(frame, newWords) || strings.Contains(frame, "Send me a test") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Error("the edit page's frame does not get the email alone")
	}
	if res, _ := a.get("/admin/content/rebuilding-trust/preview/../x"); res.StatusCode != 404 && res.StatusCode != 400 {
		t.Errorf("a path outside the unit: %d", res.StatusCode)
	}
}

// TestTestSendOfADraft: the test goes to the typed address, marked as a
// test, with the draft's text; a bad address is said beside the field.
func TestTestSendOfADraft(t *testing.T) {
	a := newContentAdmin(t)
	sent := &recorder{}
	a.srv.Sender = sent
	a.draft("rebuilding-trust", lesson2, "When people hear", newWords+" When people hear")
	res, page := a.post("/admin/content/rebuilding-trust/test/"+lesson2, url.Values{"email": {"not an address"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="test-error"`) || len(sent.msgs) != 0 {
		t.Fatalf("a bad address: %d, %d sent", res.StatusCode, len(sent.msgs))
	}
	res, _ = a.post("/admin/content/rebuilding-trust/test/"+lesson2, url.Values{"email": {"me@example.com"}})
	if res.StatusCode != http.StatusSeeOther || len(sent.msgs) != 1 {
		t.Fatalf("test send: %d, %d sent", res.StatusCode, len(sent.msgs))
	}
	m := sent.msgs[0]
	text, _ := m.Bodies()
	if m.ToAddr != "me@example.com" || !strings.HasPrefix(m.Subject, "[Test] ") || !strings.Contains(text, "TEST MESSAGE") || !strings.Contains(text, "plank by plank") {
		t.Errorf("test message to %s, %q:\n%s", m.ToAddr, m.Subject, text)
	}
	_, page = a.get("/admin/content/_templates/preview/pages/course.html")
	if !strings.Contains(page, "The page course, with sample data") || strings.Contains(page, "Send me a test") {
		t.Errorf("a page's preview: no sample page, or a test form for a page")
	}
}
