package admin

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var plainTextPre = regexp.MustCompile(`(?s)<pre class="text" tabindex="0" role="region" aria-labelledby="plain-text">(.*?)</pre>`)

// The plain-text preview shows the text as a reader's mail app does (the
// flowed part unflowed: a paragraph is one line), in a box a keyboard can
// scroll (focusable, with a name).
func TestAdminPlainTextPreview(t *testing.T) {
	a := newAdmin(t)
	a.login()
	_, page := a.get("/admin/lessons/a-real-apology")
	m := plainTextPre.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `<h2 id="plain-text">`) {
		t.Fatal("no focusable, named plain-text box on the lesson page")
	}
	text, long := html.UnescapeString(m[1]), 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasSuffix(line, " ") && line != "-- " {
			t.Errorf("a soft line break is left in the preview: %q", line)
		}
		if len(line) > 78 {
			long++
		}
	}
	if long == 0 {
		t.Errorf("no paragraph is joined into one line:\n%s", text)
	}
	if !strings.Contains(page, "=20\r\n") {
		t.Error("the raw message has no soft line breaks, so this test shows nothing")
	}
}

var testLinks = regexp.MustCompile(`https://course\.example\.test(/(?:u|next|pause|v)/[A-Za-z0-9_-]+)`)

// A test message says it is one, and its links lead to a page that says
// so, never a 404 for the reader who does not exist.
func TestAdminTestMessage(t *testing.T) {
	a := newAdmin(t)
	sent := &recorder{}
	a.srv.Sender = sent
	a.login()
	if res, _ := a.post("/admin/lessons/a-real-apology/test", url.Values{"email": {"me@example.org"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("test send: %d", res.StatusCode)
	}
	m := sent.msgs[0]
	if !strings.HasPrefix(m.Subject, "[Test] ") || !strings.HasPrefix(m.Text, "TEST MESSAGE: this is a test of lesson 3") ||
		!strings.Contains(m.HTML, "Test message. This is a test of lesson 3") {
		t.Fatalf("the test message does not say it is one: %q\n%s", m.Subject, m.Text[:200])
	}
	paths := map[string]bool{}
	for _, l := range testLinks.FindAllStringSubmatch(m.Text, -1) {
		paths[l[1]] = true
	}
	if len(paths) < 4 {
		t.Fatalf("found %d of the lesson's links (unsubscribe, next, pause, view): %v", len(paths), paths)
	}
	for path := range paths {
		for _, method := range []string{"GET", "POST"} {
			if method == "POST" && strings.HasPrefix(path, "/v/") {
				continue
			}
			res, page := a.do(method, path, url.Values{"List-Unsubscribe": {"One-Click"}})
			if res.StatusCode != http.StatusOK || !strings.Contains(page, "This was a test message") || !strings.Contains(page, "Send me a test") {
				t.Errorf("%s %s: %d, want the page that says it was a test", method, path, res.StatusCode)
			}
		}
	}
}
