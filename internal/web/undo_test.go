package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/token"
)

// unsubscribe POSTs the lesson's unsubscribe link and returns the undo
// path the page offers, or "" when it offers none.
func (f *fixture) unsubscribe(path string) string {
	f.t.Helper()
	res, page := f.do("POST", path, nil)
	if res.StatusCode != 200 {
		f.t.Fatalf("unsubscribe: %d", res.StatusCode)
	}
	if m := undoAction.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// The undo of an unsubscribe comes only from the POST that unsubscribed,
// lasts minutes, and undoes that one unsubscribe: whoever holds an old
// lesson (its unsubscribe link) cannot put the reader back on the list.
func TestUndoIsShortLivedAndOnlyFromTheUnsubscribe(t *testing.T) {
	f := newFixture(t)
	a, del := f.reader("a@example.com")
	unsub := f.srv.Links.Path(token.Unsubscribe, a, del, f.clock.Now())
	first := f.unsubscribe(unsub)
	if first == "" {
		t.Fatal("the POST that unsubscribed offers no undo")
	}
	if again := f.unsubscribe(unsub); again != "" {
		t.Fatal("a repeated one-click POST minted a new undo")
	}
	// Its undo works once; unsubscribing again makes the old undo useless.
	if res, _ := f.do("POST", first, nil); res.StatusCode != 200 || f.status("a@example.com") != drip.StatusActive {
		t.Fatalf("undo within minutes: %d, reader %s", res.StatusCode, f.status("a@example.com"))
	}
	second := f.unsubscribe(unsub)
	if res, _ := f.do("POST", first, nil); res.StatusCode != http.StatusConflict || f.status("a@example.com") != drip.StatusUnsubscribed {
		t.Fatalf("the first unsubscribe's undo, reused after a second unsubscribe: %d, reader %s; want 409, still unsubscribed",
			res.StatusCode, f.status("a@example.com"))
	}
	// Past its few minutes, the undo has expired.
	f.clock.Advance(links.UndoLifetime + time.Second)
	if res, _ := f.do("POST", second, nil); res.StatusCode != http.StatusGone || f.status("a@example.com") != drip.StatusUnsubscribed {
		t.Fatalf("an undo %s old: %d, reader %s; want 410", links.UndoLifetime, res.StatusCode, f.status("a@example.com"))
	}
	// A re-subscribe link that names no unsubscribe (as they were once
	// made, valid for a month) does nothing.
	old := f.srv.Links.Path(token.Resubscribe, a, del, f.clock.Now())
	if res, _ := f.do("POST", old, nil); res.StatusCode != http.StatusConflict || f.status("a@example.com") != drip.StatusUnsubscribed {
		t.Fatalf("a re-subscribe link naming no unsubscribe: %d, reader %s", res.StatusCode, f.status("a@example.com"))
	}
}

// An unsubscribe whose request is cut short, the client gone before the
// store was written, is still done.
func TestUnsubscribeCutShortIsStillDone(t *testing.T) {
	f := newFixture(t)
	a, del := f.reader("a@example.com")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client has gone away
	req := httptest.NewRequest("POST", f.srv.Links.Path(token.Unsubscribe, a, del, f.clock.Now()), strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f.srv.Handler().ServeHTTP(httptest.NewRecorder(), req.WithContext(ctx))
	if st := f.status("a@example.com"); st != drip.StatusUnsubscribed {
		t.Fatalf("after a one-click POST whose client went away: %s, want unsubscribed", st)
	}
}
