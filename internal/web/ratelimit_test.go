package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

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
