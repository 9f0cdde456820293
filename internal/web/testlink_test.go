package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/token"
)

// The links of a test message (the test reader's) open a page that says
// the message was a test, with the operator's templates or without a
// page of their own for it.
func TestTestMessageLinks(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	check := func(name string) {
		t.Helper()
		for _, p := range []token.Purpose{token.Unsubscribe, token.Next, token.Pause, token.View, token.Resubscribe} {
			path := f.srv.Links.Path(p, links.TestReader, 0, now)
			res, page := f.do("GET", path, nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(page, "came from a test message") {
				t.Errorf("%s: GET %s: %d, want the test message page", name, path, res.StatusCode)
			}
		}
	}
	check("built-in templates")
	tpl := templatesWith(t, "pages/test-message.html", "")
	f.srv.Library.Replace(&compose.Content{Set: f.srv.content().Set, Templates: tpl}, now)
	check("templates without test-message.html")
}
