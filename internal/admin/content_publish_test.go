package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/store"
)

const newWords = "Trust is a bridge you build plank by plank."

// TestPublishShowsTheImpactThenPublishes: the page shows the diff and
// what happens to the readers in the database before its button; the
// POST publishes with the operator's name, and the content is in use at
// once.
func TestPublishShowsTheImpactThenPublishes(t *testing.T) {
	a := newContentAdmin(t)
	a.reader("ann@example.com") // has had lesson 1
	a.draft("rebuilding-trust", lesson2, "When people hear", newWords+" When people hear")
	res, page := a.get("/admin/content/rebuilding-trust/publish")
	if res.StatusCode != 200 {
		t.Fatalf("publish page: %d\n%s", res.StatusCode, page)
	}
	impact := strings.Index(page, "What changes for readers")
	button := strings.Index(page, "Publish to readers</button>")
	for _, want := range []string{"1 reader is in this course now", "1 reader gets lesson 2, “Why trust breaks”, next.",
		"02-why-trust-breaks.md: changed", `<tr class="ins">`, newWords} {
		if !strings.Contains(page, want) {
			t.Errorf("the publish page lacks %q", want)
		}
	}
	if impact < 0 || button < 0 || impact > button {
		t.Fatalf("the impact (at %d) is not shown before the button (at %d)", impact, button)
	}
	form := url.Values{"shown": {shownHash(t, page)}, "name": {"Ann Operator"}, "confirm": {"yes"}}
	res, _ = a.post("/admin/content/rebuilding-trust/publish", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/content/rebuilding-trust/history?published=2" {
		t.Fatalf("publish: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	vs := a.versionsOf("rebuilding-trust")
	if len(vs) != 2 || vs[0].By != "Ann Operator" || !vs[0].At.Equal(a.clock.Now()) {
		t.Fatalf("versions after publishing: %+v", vs)
	}
	if !strings.Contains(a.inUse("why-trust-breaks"), newWords) {
		t.Error("the published lesson is not in use on this instance")
	}
	if ds, _ := a.db.Drafts(context.Background(), "rebuilding-trust"); len(ds) != 0 {
		t.Errorf("%d drafts left after publishing", len(ds))
	}
	_, page = a.get("/admin/content/rebuilding-trust/history?published=2")
	if !strings.Contains(page, "Version 2 is published.") || !strings.Contains(page, "<td>Ann Operator</td>") {
		t.Errorf("history after publishing:\n%s", page)
	}
}

// TestPublishRefusesWhatWasNotShown: drafts saved after the page was
// read are not published with the hash of what it showed, and a POST
// without a name or the confirmation publishes nothing.
func TestPublishRefusesWhatWasNotShown(t *testing.T) {
	a := newContentAdmin(t)
	a.draft("rebuilding-trust", lesson2, "When people hear", newWords+" When people hear")
	_, page := a.get("/admin/content/rebuilding-trust/publish")
	hash := shownHash(t, page)
	a.draft("rebuilding-trust", "03-a-real-apology.md", "---\n", "---\n")
	a.draft("rebuilding-trust", lesson2, "When people hear", "Someone else's words. When people hear")
	cases := []struct {
		form   url.Values
		status int
		want   string
	}{
		{url.Values{"shown": {hash}, "name": {"Ann"}, "confirm": {"yes"}}, http.StatusConflict, "The drafts changed since you looked"},
		{url.Values{"shown": {"x"}, "name": {"Ann"}, "confirm": {"yes"}}, http.StatusConflict, "The drafts changed since you looked"},
		{url.Values{"shown": {hash}, "confirm": {"yes"}}, http.StatusUnprocessableEntity, "Type your name"},
		{url.Values{"shown": {hash}, "name": {"Ann"}}, http.StatusUnprocessableEntity, "Tick the box"},
	}
	for _, c := range cases {
		res, page := a.post("/admin/content/rebuilding-trust/publish", c.form)
		if res.StatusCode != c.status || !strings.Contains(page, c.want) {
			t.Errorf("POST %v: %d, want %d saying %q", c.form, res.StatusCode, c.status, c.want)
		}
	}
	if vs := a.versionsOf("rebuilding-trust"); len(vs) != 1 {
		t.Fatalf("%d versions: something was published", len(vs))
	}
}

// TestPublishIsBlockedByProblems: a draft that fails the checks lists
// its problems with a link to its line, has no publish button, and a
// POST publishes nothing.
func TestPublishIsBlockedByProblems(t *testing.T) {
	a := newContentAdmin(t)
	a.draft(store.Templates, "email/lesson.html", "<body", "{{range 100000000}}{{end}}<body")
	res, page := a.get("/admin/content/_templates/publish")
	if res.StatusCode != 200 || !strings.Contains(page, "Problems to fix before publishing") || !strings.Contains(page, "range over 100000000") ||
		!strings.Contains(page, `href="/admin/content/_templates/edit/email/lesson.html?line=`) || strings.Contains(page, `name="shown"`) {
		t.Fatalf("publish page of a broken draft: %d\n%s", res.StatusCode, page)
	}
	res, page = a.post("/admin/content/_templates/publish", url.Values{"shown": {"x"}, "name": {"Ann"}, "confirm": {"yes"}})
	if res.StatusCode == http.StatusSeeOther || len(a.versionsOf(store.Templates)) != 1 {
		t.Fatalf("a draft with problems was published: %d", res.StatusCode)
	}
}

// TestContentPagesNeedALoginAndOurOwnPages: every content route sends a
// visitor without a session to the login page, and a POST from another
// site is refused.
func TestContentPagesNeedALoginAndOurOwnPages(t *testing.T) {
	a := newContentAdmin(t)
	routes := []struct{ method, path string }{
		{"GET", "/admin/content/rebuilding-trust/publish"}, {"POST", "/admin/content/rebuilding-trust/publish"},
		{"GET", "/admin/content/rebuilding-trust/history"}, {"GET", "/admin/content/rebuilding-trust/diff?from=1&to=1"},
		{"GET", "/admin/content/rebuilding-trust/republish/1"}, {"POST", "/admin/content/rebuilding-trust/republish/1"},
		{"GET", "/admin/content/rebuilding-trust/preview/" + lesson2}, {"POST", "/admin/content/rebuilding-trust/preview/" + lesson2},
		{"POST", "/admin/content/rebuilding-trust/test/" + lesson2},
	}
	cookie := a.cookie
	for _, r := range routes {
		a.cookie = ""
		res, _ := a.req(r.method, r.path, strings.NewReader("name=x&confirm=yes"), nil)
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("%s %s without a session: %d to %q", r.method, r.path, res.StatusCode, res.Header.Get("Location"))
		}
		if r.method != "POST" {
			continue
		}
		a.cookie = cookie
		res, _ = a.req(r.method, r.path, strings.NewReader("name=x&confirm=yes"), http.Header{"Sec-Fetch-Site": {"cross-site"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s from another site: %d, want 403", r.method, r.path, res.StatusCode)
		}
	}
	a.cookie = cookie
	for _, p := range []string{"/admin/content/no-such-course/publish", "/admin/content/rebuilding-trust/republish/x",
		"/admin/content/rebuilding-trust/republish/99", "/admin/content/rebuilding-trust/diff?from=1&to=x"} {
		if res, _ := a.get(p); res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Errorf("GET %s: %d, want a 4xx", p, res.StatusCode)
		}
	}
}
