package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/render"
)

var pageNonce = regexp.MustCompile(`nonce="([^"]+)"`)

// The "check your inbox" page is rendered once per content version, yet
// each answer carries its own request's nonce, the one its CSP names.
func TestCheckInboxPageCarriesEachRequestsNonce(t *testing.T) {
	f := newFixture(t)
	seen := map[string]bool{}
	for _, email := range []string{"ann@example.com", "bea@example.com"} {
		res, page := f.do("POST", "/subscribe", f.form(email, 5*time.Second))
		if res.StatusCode != 200 || !strings.Contains(page, "<h1>Check your inbox</h1>") {
			t.Fatalf("signup %s: %d", email, res.StatusCode)
		}
		nonces := pageNonce.FindAllStringSubmatch(page, -1)
		if len(nonces) == 0 {
			t.Fatal("the page has no nonce")
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, n := range nonces {
			if !strings.Contains(csp, "'nonce-"+n[1]+"'") {
				t.Fatalf("page nonce %q is not the one in its CSP %q", n[1], csp)
			}
		}
		if seen[nonces[0][1]] {
			t.Fatalf("two answers share the nonce %q", nonces[0][1])
		}
		seen[nonces[0][1]] = true
		if strings.Contains(page, string(f.srv.inboxPages.placeholder)) {
			t.Fatal("the placeholder nonce was served")
		}
	}

	// A new content version shows at once.
	old := f.srv.content()
	src := templatesWith(t, "pages/check-inbox.html", `{{define "title"}}Look in your mail{{end}}{{define "content"}}<h1>Look in your mail</h1>{{end}}`)
	f.srv.Library.Replace(&compose.Content{Set: old.Set, Templates: src}, f.clock.Now())
	if _, page := f.do("POST", "/subscribe", f.form("cat@example.com", 5*time.Second)); !strings.Contains(page, "<h1>Look in your mail</h1>") {
		t.Fatal("the page after a new version is still the old one")
	}
}

// templatesWith loads the built-in templates with the file name holding
// text instead, or left out when text is empty.
func templatesWith(t *testing.T, name, text string) *render.Templates {
	t.Helper()
	files := fstest.MapFS{}
	fs.WalkDir(dripcourse.Templates(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(dripcourse.Templates(), p)
			files[p] = &fstest.MapFile{Data: b}
		}
		return nil
	})
	delete(files, name)
	if text != "" {
		files[name] = &fstest.MapFile{Data: []byte(text)}
	}
	tpl, err := render.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}
