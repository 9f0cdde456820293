package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/token"
)

func TestPerIPRateLimits(t *testing.T) {
	f := newFixture(t)
	f.srv.Limits = Limits{Signup: 3, Confirm: 2, Unsubscribe: 2, Window: time.Minute}
	f.ts.Config.Handler = f.srv.Handler()
	a, del := f.reader("a@example.com")
	cases := []struct {
		name, method, path string
		allowed            int
	}{
		{"signup", "POST", "/subscribe", 3},
		{"confirm", "GET", f.srv.Links.Path(token.Confirm, a, 0, f.clock.Now()), 2},
		{"unsubscribe", "GET", f.srv.Links.Path(token.Unsubscribe, a, del, f.clock.Now()), 2},
	}
	for _, c := range cases {
		for i := range c.allowed + 1 {
			var res *http.Response
			if c.method == "POST" {
				res, _ = f.do("POST", c.path, f.form("x@example.com", 5*time.Second))
			} else {
				res, _ = f.do("GET", c.path, nil)
			}
			if i < c.allowed && res.StatusCode == http.StatusTooManyRequests {
				t.Fatalf("%s: request %d refused, want %d allowed", c.name, i+1, c.allowed)
			}
			if i == c.allowed && res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("%s: request %d got %d, want 429", c.name, i+1, res.StatusCode)
			}
		}
	}
	// Another client is not affected; a forged X-Forwarded-For does not
	// make this client another one.
	if code := post(f.ts.Config.Handler, "192.0.2.7:1234", ""); code == http.StatusTooManyRequests {
		t.Fatal("a different client address was limited too")
	}
	if code := post(f.ts.Config.Handler, "127.0.0.1:5555", "198.51.100.9"); code != http.StatusTooManyRequests {
		t.Fatalf("X-Forwarded-For from an untrusted peer was believed: %d", code)
	}
}

func TestTrustedProxyHeader(t *testing.T) {
	f := newFixture(t)
	f.srv.Limits = Limits{Signup: 1, Window: time.Minute}
	f.srv.TrustedProxies = []string{"10.0.0.0/8"}
	h := f.srv.Handler()
	if post(h, "10.1.2.3:1000", "198.51.100.1") == http.StatusTooManyRequests {
		t.Fatal("first request refused")
	}
	if post(h, "10.1.2.3:1000", "198.51.100.2") == http.StatusTooManyRequests {
		t.Fatal("behind a trusted proxy, another client was limited by the first one's count")
	}
	if post(h, "10.1.2.3:1000", "198.51.100.1") != http.StatusTooManyRequests {
		t.Fatal("the same client behind the proxy was not limited")
	}
}

func post(h http.Handler, remote, xff string) int {
	req := httptest.NewRequest("POST", "/subscribe", nil)
	req.RemoteAddr = remote
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// Link scanners fetch the unsubscribe page of every lesson they scan, from
// the same addresses as their provider's RFC 8058 one-click POSTs: the
// pages must not spend the POSTs' budget, or an unsubscribe is lost.
func TestOneClickIsCountedApartFromPages(t *testing.T) {
	f := newFixture(t)
	f.srv.Limits = Limits{Unsubscribe: 2, OneClick: 3, Window: time.Minute}
	f.ts.Config.Handler = f.srv.Handler()
	a, delA := f.reader("a@example.com")
	b, delB := f.reader("b@example.com")
	page := f.srv.Links.Path(token.Unsubscribe, b, delB, f.clock.Now())
	for range 3 {
		f.do("GET", page, nil)
	}
	if res, _ := f.do("GET", page, nil); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the page budget was not spent: %d", res.StatusCode)
	}
	oneClick := url.Values{"List-Unsubscribe": {"One-Click"}}
	res, _ := f.do("POST", f.srv.Links.Path(token.Unsubscribe, a, delA, f.clock.Now()), oneClick)
	if res.StatusCode != http.StatusOK || f.status("a@example.com") != drip.StatusUnsubscribed {
		t.Fatalf("one-click POST after the pages: %d, reader %s", res.StatusCode, f.status("a@example.com"))
	}
	for range 2 {
		f.do("POST", f.srv.Links.Path(token.Unsubscribe, a, delA, f.clock.Now()), oneClick)
	}
	if res, _ := f.do("POST", f.srv.Links.Path(token.Unsubscribe, a, delA, f.clock.Now()), oneClick); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("one-click POSTs have no limit of their own: %d", res.StatusCode)
	}
}
