package webhook

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Every way an attempt can fail, with a URL whose path and query hold
// tokens, and the secret nowhere in what the operator or a log sees.
func TestSecretsStayOutOfErrorsAndLogs(t *testing.T) {
	const pathToken, queryToken = "PATHTOKEN123", "QUERYTOKEN456"
	tail := "/hook/" + pathToken + "?key=" + queryToken
	f := newFixture(t, func(c *Config) {
		c.Client = NewClient(true)
		c.Client.Timeout = 20 * time.Millisecond
	})
	secret := NewSecret()
	answers := map[string]http.HandlerFunc{
		"500":      func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
		"redirect": func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "https://x.example"+tail, 302) },
		"timeout": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the hang-up
			<-r.Context().Done()
		},
		"gone": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) },
	}
	for _, h := range answers {
		srv := httptest.NewServer(h)
		defer srv.Close()
		f.box.AddEndpoint(srv.URL+tail, secret)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	f.box.AddEndpoint(closed.URL+tail, secret)
	malformed := Secret("whsec_SHORTSECRETVALUE")
	f.box.AddEndpoint("https://hooks.example"+tail, malformed)
	f.box.AddEndpoint("ftp://hooks.example"+tail, secret)

	strict := newFixture(t, func(c *Config) { c.AllowPrivate = false })
	strict.box.AddEndpoint("https://127.0.0.1"+tail, secret)
	strict.box.AddEndpoint("https://localhost"+tail, secret)

	for _, fx := range []*fixture{f, strict} {
		for ; fx.clk.Now().Sub(t0) < DisableAfter+12*time.Hour; fx.clk.Advance(time.Hour) {
			if fx.clk.Now().Sub(t0)%(6*time.Hour) == 0 {
				fx.event(LessonSent, 0)
			}
			fx.drain()
		}
	}
	var seen []string
	for _, fx := range []*fixture{f, strict} {
		seen = append(seen, fx.log.String())
		for _, a := range fx.box.Attempts() {
			seen = append(seen, a.Error)
		}
		for _, a := range fx.alertList() {
			seen = append(seen, a.Reason, a.Host)
		}
	}
	if err := Verify(secret, signedHeader(t, NewSecret(), "msg_1", t0, nil), nil, t0, 0); err != nil {
		seen = append(seen, err.Error())
	}
	all := strings.Join(seen, "\n")
	for _, s := range []string{strings.TrimPrefix(string(secret), "whsec_"), "SHORTSECRETVALUE", pathToken, queryToken} {
		if strings.Contains(all, s) {
			t.Errorf("%q appears in what was logged or recorded", s)
		}
	}
	for _, want := range []string{"HTTP 500", "redirects are not followed", "no answer from", "connection refused",
		"410 Gone", "signing secret is not", "scheme must be https", "127.0.0.1, a loopback address", "localhost is this machine"} {
		if !strings.Contains(all, want) {
			t.Errorf("no failure says %q; the scenarios did not all run", want)
		}
	}
	if n := len(f.alertList()) + len(strict.alertList()); n != 9 {
		t.Errorf("%d endpoints disabled, want all 9", n)
	}
}
