package web

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/captcha"
)

const blog = "https://blog.example.test"

// withForms trusts blog and turns the captcha on, spending solutions in the
// fixture's database.
func withForms(t *testing.T) func(*Server) {
	return func(s *Server) {
		s.FormOrigins = []string{blog}
		is, err := captcha.New(captcha.Config{Key: []byte("captcha key for tests, 32 bytes!"), Now: s.Now, Spender: s.DB.Spender(s.Now)})
		if err != nil {
			t.Fatal(err)
		}
		s.Captcha = is
	}
}

// request sends a form as a browser on origin would (no Origin: a form of
// this site), with extra headers.
func (f *fixture) request(method, path, origin string, form url.Values, headers ...string) (*http.Response, string) {
	f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, f.ts.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// solved fetches a challenge and solves it, as the browser's script does.
func (f *fixture) solved() (captcha.Challenge, string) {
	f.t.Helper()
	_, body := f.do("GET", ChallengePath, nil)
	var ch captcha.Challenge
	if err := json.Unmarshal([]byte(body), &ch); err != nil {
		f.t.Fatalf("challenge %q: %v", body, err)
	}
	payload, err := captcha.Solve(ch)
	if err != nil {
		f.t.Fatal(err)
	}
	return ch, payload
}

// blogForm is a plain form on the blog: no stamp, a solved captcha.
func (f *fixture) blogForm(email string) url.Values {
	_, payload := f.solved()
	return url.Values{"email": {email}, "altcha": {payload}, "website": {""}}
}

func TestTrustedOriginPlainForm(t *testing.T) {
	f := newFixture(t, withForms(t))
	res, page := f.request("POST", "/subscribe", blog, f.blogForm("ann@example.com"))
	if res.StatusCode != 200 || !strings.Contains(page, "Check your inbox") || f.status("ann@example.com") != "pending" {
		t.Fatalf("plain form on a trusted origin: %d %q", res.StatusCode, f.status("ann@example.com"))
	}
	form := f.blogForm("bea@example.com")
	form.Set("redirect", blog+"/thanks/?course=1")
	if res, _ := f.request("POST", "/subscribe", blog, form); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != blog+"/thanks/?course=1" {
		t.Fatalf("redirect to the trusted origin: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	for _, to := range []string{"https://evil.example.test/thanks", "//evil.example.test/", "javascript:alert(1)", "https://blog.example.test@evil.example.test/", "http://blog.example.test/"} {
		form := f.blogForm("cat@example.com")
		form.Set("redirect", to)
		res, page := f.request("POST", "/subscribe", blog, form)
		if res.StatusCode != 200 || res.Header.Get("Location") != "" || !strings.Contains(page, "Check your inbox") {
			t.Errorf("redirect %q: %d to %q; want our own page", to, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

func TestUntrustedOriginRefused(t *testing.T) {
	f := newFixture(t, withForms(t))
	res, page := f.request("POST", "/subscribe", "https://evil.example.test", f.blogForm("dan@example.com"))
	if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "may not sign readers up here") || f.status("dan@example.com") != "" {
		t.Fatalf("untrusted origin: %d, reader %q", res.StatusCode, f.status("dan@example.com"))
	}
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("an untrusted origin got a CORS header")
	}
	// A subdomain of a trusted site is another origin.
	if res, _ := f.request("POST", "/subscribe", "https://shop.blog.example.test", f.blogForm("dan@example.com")); res.StatusCode != http.StatusForbidden {
		t.Errorf("a subdomain of a trusted origin: %d", res.StatusCode)
	}
}

func TestJSONSignupAndCORS(t *testing.T) {
	f := newFixture(t, withForms(t))
	res, body := f.request("POST", "/subscribe", blog, f.blogForm("eve@example.com"), "Accept", "application/json")
	if res.StatusCode != 200 || strings.TrimSpace(body) != `{"status":"check-inbox"}` {
		t.Fatalf("JSON signup: %d %s", res.StatusCode, body)
	}
	h := res.Header
	if h.Get("Access-Control-Allow-Origin") != blog || h.Get("Access-Control-Allow-Credentials") != "" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		t.Fatalf("CORS headers: %v", h)
	}
	res, body = f.request("POST", "/subscribe", blog, f.blogForm("not an address"), "Accept", "application/json")
	var a formAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil || res.StatusCode != 422 || a.Status != "invalid" || a.Errors["email"] == "" {
		t.Fatalf("field error: %d %s", res.StatusCode, body)
	}
	// A JSON body, as a script may send it.
	fields, _ := json.Marshal(map[string]string{"email": "fay@example.com", "altcha": f.blogForm("x").Get("altcha")})
	req, _ := http.NewRequest("POST", f.ts.URL+"/subscribe", strings.NewReader(string(fields)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Origin", blog)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 || f.status("fay@example.com") != "pending" {
		t.Fatalf("JSON body: %v %v", res, err)
	}
}

func TestPreflight(t *testing.T) {
	f := newFixture(t, withForms(t))
	pre := []string{"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type"}
	res, _ := f.request("OPTIONS", "/courses/rebuilding-trust/subscribe", blog, nil, pre...)
	if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != blog || !strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("trusted preflight: %d %v", res.StatusCode, res.Header)
	}
	res, _ = f.request("OPTIONS", "/subscribe", "https://evil.example.test", nil, pre...)
	for k := range res.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Errorf("untrusted preflight got %s", k)
		}
	}
	res, _ = f.request("GET", ChallengePath, blog, nil)
	if res.Header.Get("Access-Control-Allow-Origin") != blog {
		t.Errorf("the challenge is not readable by the trusted origin: %v", res.Header)
	}
	if res, _ := f.request("GET", ChallengePath, "https://evil.example.test", nil); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("the challenge is readable by an untrusted origin")
	}
}

// Every way a captcha solution can be wrong is refused, and nothing is
// stored for it.
func TestCaptchaRefusals(t *testing.T) {
	f := newFixture(t, withForms(t))
	ch, payload := f.solved()
	first := url.Values{"email": {"gus@example.com"}, "altcha": {payload}}
	if res, _ := f.request("POST", "/subscribe", blog, first); res.StatusCode != 200 {
		t.Fatalf("first use: %d", res.StatusCode)
	}
	edit := func(change func(m map[string]any)) string {
		raw, _ := base64.StdEncoding.DecodeString(f.blogForm("x").Get("altcha"))
		var m map[string]any
		json.Unmarshal(raw, &m)
		change(m)
		b, _ := json.Marshal(m)
		return base64.StdEncoding.EncodeToString(b)
	}
	_, expiring := f.solved()
	cases := []struct {
		name, payload, status string
		code                  int
		before                func()
	}{
		{"replayed", payload, "retry", 409, nil},
		{"wrong number", edit(func(m map[string]any) { m["number"] = m["number"].(float64) + 1 }), "refused", 403, nil},
		{"forged signature", edit(func(m map[string]any) { m["signature"] = strings.Repeat("ab", 32) }), "refused", 403, nil},
		{"other salt", edit(func(m map[string]any) { m["salt"] = ch.Salt }), "refused", 403, nil},
		{"missing", "", "refused", 403, nil},
		{"expired", expiring, "retry", 409, func() { f.clock.Advance(11 * time.Minute) }},
	}
	for _, c := range cases {
		if c.before != nil {
			c.before()
		}
		res, body := f.request("POST", "/subscribe", blog, url.Values{"email": {"hal@example.com"}, "altcha": {c.payload}}, "Accept", "application/json")
		var a formAnswer
		json.Unmarshal([]byte(body), &a)
		if res.StatusCode != c.code || a.Status != c.status || a.Errors["altcha"] == "" {
			t.Errorf("%s: %d %s; want %d %s", c.name, res.StatusCode, body, c.code, c.status)
		}
	}
	if f.status("hal@example.com") != "" {
		t.Fatal("a refused solution signed a reader up")
	}
}

// On the site's own page the stamp is single-use, and a reader without
// JavaScript is told what is needed.
func TestOwnFormStampAndNoScript(t *testing.T) {
	f := newFixture(t, withForms(t))
	_, page := f.do("GET", "/", nil)
	for _, want := range []string{`<altcha-widget challengeurl="/captcha/challenge">`, "<noscript>", `src="/captcha/altcha.js"`} {
		if !strings.Contains(page, want) {
			t.Errorf("course page lacks %q", want)
		}
	}
	form := f.form("ivy@example.com", 5*time.Second)
	res, page := f.do("POST", "/subscribe", form)
	if res.StatusCode != 403 || !strings.Contains(page, "needs JavaScript") || f.status("ivy@example.com") != "" {
		t.Fatalf("no captcha solution on our own form: %d", res.StatusCode)
	}
	_, payload := f.solved()
	form = f.form("ivy@example.com", 5*time.Second)
	form.Set("altcha", payload)
	if res, page := f.do("POST", "/subscribe", form); res.StatusCode != 200 || !strings.Contains(page, "Check your inbox") {
		t.Fatalf("our own form, solved: %d", res.StatusCode)
	}
	_, payload = f.solved()
	form.Set("altcha", payload)
	form.Set("email", "jay@example.com")
	if _, page := f.do("POST", "/subscribe", form); !strings.Contains(page, "sent once already") || f.status("jay@example.com") != "" {
		t.Fatal("a form stamp was accepted twice")
	}
}

func TestEmbedFrameAncestors(t *testing.T) {
	f := newFixture(t, withForms(t))
	res, page := f.do("GET", "/courses/rebuilding-trust/embed", nil)
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(csp, "frame-ancestors 'self' "+blog+";") && !strings.HasSuffix(csp, "frame-ancestors 'self' "+blog) {
		t.Fatalf("embed: %d, CSP %q", res.StatusCode, csp)
	}
	if res.Header.Get("X-Frame-Options") != "" || !strings.Contains(page, `name="embed"`) || strings.Contains(page, "<footer") {
		t.Fatalf("embed page: XFO %q", res.Header.Get("X-Frame-Options"))
	}
	res, _ = f.do("GET", "/courses/rebuilding-trust", nil)
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("the course page may be framed: %q", csp)
	}
}

// CanonicalOrigin never panics, and what it accepts is an origin it
// accepts again unchanged, with no path, query, user or wildcard.
func FuzzCanonicalOrigin(f *testing.F) {
	for _, s := range []string{"https://blog.example.com", "HTTP://Blog.Example.com:80", "https://[::1]:8443", "https://a.b/c",
		"https://*.example.com", "https://u@h", "http://h:0", "https://h?", "javascript:alert(1)", "https://h:443#x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := CanonicalOrigin(s)
		if err != nil {
			return
		}
		if again, err := CanonicalOrigin(o); err != nil || again != o {
			t.Fatalf("%q gave %q, which gives %q, %v", s, o, again, err)
		}
		u, _ := url.Parse(o)
		if u.Path != "" || u.RawQuery != "" || u.User != nil || strings.Contains(o, "*") {
			t.Fatalf("%q gave %q, not a bare origin", s, o)
		}
	})
}
