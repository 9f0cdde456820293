package admin

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// newMakerFor is old with another base URL and the same secret.
func newMakerFor(base string, old *links.Maker) *links.Maker {
	return links.NewMaker(base, old.Signer())
}

const adminPassword = "correct horse battery staple"

// admin is a fixture with an admin password and a browser-like client
// that keeps the session cookie by hand (the cookie is Secure, and the
// test server is plain http).
type admin struct {
	*fixture
	cookie string
}

func newAdmin(t *testing.T, setup ...func(*Server)) *admin {
	t.Helper()
	return adminOf(newFixture(t, setup...))
}

// adminOf gives fixture f an admin password.
func adminOf(f *fixture) *admin {
	t := f.t
	t.Helper()
	if err := f.db.SetAdminPassword(context.Background(), HashPassword(adminPassword)); err != nil {
		t.Fatal(err)
	}
	return &admin{fixture: f}
}

// req sends a request with the session cookie, if any, and the given
// headers; it never follows redirects.
func (a *admin) req(method, path string, body io.Reader, header http.Header) (*http.Response, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.ts.URL+path, body)
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if a.cookie != "" {
		req.Header.Set("Cookie", adminCookie+"="+a.cookie)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (a *admin) post(path string, form url.Values) (*http.Response, string) {
	a.t.Helper()
	return a.req("POST", path, strings.NewReader(form.Encode()), nil)
}

func (a *admin) get(path string) (*http.Response, string) {
	a.t.Helper()
	return a.req("GET", path, nil, nil)
}

// login logs in and keeps the session cookie.
func (a *admin) login() *http.Cookie {
	a.t.Helper()
	res, _ := a.post("/admin/login", url.Values{"password": {adminPassword}, "next": {"/admin"}})
	if res.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("login: %d, want 303", res.StatusCode)
	}
	for _, c := range res.Cookies() {
		if c.Name == adminCookie {
			a.cookie = c.Value
			return c
		}
	}
	a.t.Fatal("login set no session cookie")
	return nil
}

func TestAdminNeedsLogin(t *testing.T) {
	a := newAdmin(t)
	a.reader("sam@example.com")
	for _, path := range []string{"/admin", "/admin/", "/admin/readers", "/admin/lessons/welcome", "/admin/outbox", "/admin/export.csv",
		"/admin/readers/1/export"} {
		res, _ := a.get(path)
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("GET %s without a session: %d to %q, want 302 to the login page", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	res, _ := a.post("/admin/readers/1/unsubscribe", url.Values{"confirm": {"yes"}})
	if res.StatusCode != http.StatusFound || a.status("sam@example.com") != "active" {
		t.Fatalf("POST without a session: %d, reader %s; want 302 and nothing changed", res.StatusCode, a.status("sam@example.com"))
	}
	a.cookie = "forged-cookie"
	if res, _ := a.get("/admin"); res.StatusCode != http.StatusFound {
		t.Fatalf("forged cookie: %d, want 302", res.StatusCode)
	}
}

func TestAdminLoginAndLogout(t *testing.T) {
	a := newAdmin(t)
	res, page := a.post("/admin/login", url.Values{"password": {"wrong"}})
	if res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 || !strings.Contains(page, "not right") {
		t.Fatalf("wrong password: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	a.reader("sam@example.com") // so the dashboard has something to chart
	c := a.login()
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || !c.Secure || c.Path != "/admin" || c.MaxAge <= 0 {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Secure (https base URL), Path=/admin, an expiry", c)
	}
	res, page = a.get("/admin")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "<svg") || !strings.Contains(page, `lang="en"`) {
		t.Fatalf("dashboard: %d\n%s", res.StatusCode, page)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'nonce-", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("admin CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") && !strings.Contains(csp, "script-src 'none'") {
		t.Errorf("admin CSP %q allows inline code", csp)
	}
	old := a.cookie
	if res, _ := a.post("/admin/logout", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	a.cookie = old // a copy of the cookie kept from before must not work
	if res, _ := a.get("/admin"); res.StatusCode != http.StatusFound {
		t.Fatalf("after logout the old cookie still works: %d", res.StatusCode)
	}
}

func TestAdminCookieNotSecureOnHTTP(t *testing.T) {
	a := newAdmin(t)
	a.srv.Links = newMakerFor("http://localhost:8080", a.srv.Links)
	if c := a.login(); c.Secure {
		t.Fatal("the cookie is Secure on a plain-http site, so the browser would never send it back")
	}
}

func TestAdminLoginRateLimit(t *testing.T) {
	a := newAdmin(t)
	for i := range loginFailures {
		if res, _ := a.post("/admin/login", url.Values{"password": {"guess"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	res, page := a.post("/admin/login", url.Values{"password": {adminPassword}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(page, "wait a minute") {
		t.Fatalf("after %d failures even the right password: %d, want 429 with a friendly page", loginFailures, res.StatusCode)
	}
	if len(res.Cookies()) != 0 {
		t.Fatal("a refused login set a cookie")
	}
}

func TestAdminRefusesCrossOrigin(t *testing.T) {
	a := newAdmin(t)
	a.login()
	sub, _ := a.reader("sam@example.com")
	path := "/admin/readers/" + itoa(sub) + "/unsubscribe"
	for name, h := range map[string]http.Header{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": {"cross-site"}},
		"foreign Origin":            {"Origin": {"https://evil.example"}},
	} {
		res, _ := a.req("POST", path, strings.NewReader("confirm=yes"), h)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, res.StatusCode)
		}
	}
	if res, _ := a.req("POST", "/admin/login", strings.NewReader("password=x"), http.Header{"Sec-Fetch-Site": {"cross-site"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login POST: %d, want 403", res.StatusCode)
	}
	if a.status("sam@example.com") != "active" {
		t.Fatal("a cross-origin POST changed the reader")
	}
	res, _ := a.req("POST", path, strings.NewReader("confirm=yes"), http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if res.StatusCode != http.StatusSeeOther || a.status("sam@example.com") != "unsubscribed" {
		t.Fatalf("same-origin POST: %d, reader %s", res.StatusCode, a.status("sam@example.com"))
	}
}

// recorder is a Sender that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	msgs []*mailer.Message
}

func (r *recorder) Send(_ context.Context, m *mailer.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *recorder) Close() error { return nil }

func TestAdminLessonPreviewAndTest(t *testing.T) {
	a := newAdmin(t)
	sent := &recorder{}
	a.srv.Sender = sent
	a.login()
	res, page := a.get("/admin/lessons")
	if res.StatusCode != 200 || !strings.Contains(page, `href="/admin/lessons/a-real-apology"`) {
		t.Fatalf("lessons page: %d", res.StatusCode)
	}
	res, page = a.get("/admin/lessons/a-real-apology")
	if res.StatusCode != 200 || !strings.Contains(page, `<iframe class="mail" src="/admin/lessons/a-real-apology/email" sandbox`) ||
		!strings.Contains(page, "Content-Type: multipart/alternative") || !strings.Contains(page, "List-Unsubscribe") {
		t.Fatalf("preview: %d\n%s", res.StatusCode, page)
	}
	res, page = a.get("/admin/lessons/a-real-apology/email")
	csp := res.Header.Get("Content-Security-Policy")
	if res.StatusCode != 200 || !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "frame-ancestors 'self'") || !strings.Contains(page, "<html") {
		t.Fatalf("framed email: %d, CSP %q", res.StatusCode, csp)
	}
	res, _ = a.post("/admin/lessons/a-real-apology/test", url.Values{"email": {"not an address"}})
	if res.StatusCode != http.StatusUnprocessableEntity || len(sent.msgs) != 0 {
		t.Fatalf("test to a bad address: %d, %d sent", res.StatusCode, len(sent.msgs))
	}
	res, _ = a.post("/admin/lessons/a-real-apology/test", url.Values{"email": {"me@example.org"}})
	if res.StatusCode != http.StatusSeeOther || len(sent.msgs) != 1 || sent.msgs[0].ToAddr != "me@example.org" ||
		!strings.HasPrefix(sent.msgs[0].Subject, "[Test] ") {
		t.Fatalf("test send: %d, %+v", res.StatusCode, sent.msgs)
	}
}

func TestAdminLessonSlugIsNoPath(t *testing.T) {
	a := newAdmin(t)
	a.login()
	for _, slug := range []string{"..%2fcourse.yaml", "..%2F..%2Fgo.mod", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..", "01-welcome.md",
		"welcome%2f..%2f..%2fcourse.yaml", "..%5ccourse.yaml", "nope"} {
		for _, suffix := range []string{"", "/email"} {
			res, page := a.get("/admin/lessons/" + slug + suffix)
			if res.StatusCode != http.StatusNotFound || strings.Contains(page, "sender_name") {
				t.Errorf("GET /admin/lessons/%s%s: %d, want 404", slug, suffix, res.StatusCode)
			}
		}
	}
}

func TestAdminShowsContentProblems(t *testing.T) {
	a := newAdmin(t)
	a.login()
	a.srv.Library.Fail(drip.Problems{{File: "lessons/03-a-real-apology.md", Line: 4, Msg: "delay \"2x\" is not a duration"}}, a.clock.Now())
	for _, path := range []string{"/admin/lessons", "/admin"} {
		_, page := a.get(path)
		if !strings.Contains(page, "lessons/03-a-real-apology.md:4: delay &#34;2x&#34; is not a duration") || !strings.Contains(page, "previous version is still in use") {
			t.Errorf("%s does not show the reload problem", path)
		}
	}
}

// TestParallelLoginsCannotOutrunTheLimit sends many wrong passwords at once
// from one address: no more than the limit may be checked.
func TestParallelLoginsCannotOutrunTheLimit(t *testing.T) {
	a := newAdmin(t)
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			res, _ := a.post("/admin/login", url.Values{"password": {"guess"}})
			mu.Lock()
			codes[res.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusUnauthorized] > loginFailures || codes[http.StatusTooManyRequests] < 40-loginFailures {
		t.Fatalf("answers %v: at most %d passwords may be checked", codes, loginFailures)
	}
}

// Logins from fresh addresses that keep every password check busy must
// not keep the operator out: a browser that has logged in before has a
// check of its own, and any other login waits for a turn rather than
// being refused at once.
func TestAdminLoginUnderAFloodOfLogins(t *testing.T) {
	a := newAdmin(t)
	res, _ := a.post("/admin/login", url.Values{"password": {adminPassword}, "next": {"/admin"}})
	var device string
	for _, c := range res.Cookies() {
		if c.Name == deviceCookie && c.HttpOnly && c.Path == "/admin" {
			device = c.Value
		}
	}
	if device == "" {
		t.Fatalf("a login set no device cookie: %v", res.Cookies())
	}
	for range maxPasswordChecks { // attackers hold every shared check
		a.srv.logins.checking <- struct{}{}
	}
	form := strings.NewReader(url.Values{"password": {adminPassword}}.Encode())
	if res, _ := a.req("POST", "/admin/login", form, http.Header{"Cookie": {deviceCookie + "=" + device}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the operator's known browser: %d, want 303 logged in", res.StatusCode)
	}
	done := make(chan int)
	go func() {
		res, _ := a.post("/admin/login", url.Values{"password": {adminPassword}})
		done <- res.StatusCode
	}()
	queued(t, a)            // the new browser waits for a turn
	<-a.srv.logins.checking // one attacker's check ends
	if code := <-done; code != http.StatusSeeOther {
		t.Fatalf("a new browser, once a check was free: %d, want 303", code)
	}
	forged := strings.NewReader(url.Values{"password": {adminPassword}}.Encode())
	a.srv.logins.known <- struct{}{} // the kept check is busy too
	a.srv.logins.checking <- struct{}{}
	go func() {
		res, _ := a.req("POST", "/admin/login", forged, http.Header{"Cookie": {deviceCookie + "=forged"}})
		done <- res.StatusCode
	}()
	queued(t, a) // a forged device cookie waits with the rest
	<-a.srv.logins.checking
	if code := <-done; code != http.StatusSeeOther {
		t.Fatalf("forged device cookie: %d", code)
	}
}

// queued waits until a login is queued for a password check, and fails
// the test if none is: the login was refused or let through at once.
func queued(t *testing.T, a *admin) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for a.srv.logins.waiting.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no login waited for a password check")
		}
		runtime.Gosched()
	}
}
