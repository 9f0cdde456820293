package captcha

import (
	"context"
	"fmt"
	"github.com/dripcourse/dripcourse/internal/browsertest"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/dripcourse/dripcourse/internal/clock"
)

// The browser tests run the real script in Debian's Chromium against two
// servers on 127.0.0.1, which are two origins: a "site" serving the
// operator's page with a strict CSP, and "drip" serving the challenge, the
// script and the form's target, which verifies what the browser posts.

var shared browsertest.Browser

func TestMain(m *testing.M) {
	code := m.Run()
	shared.Close()
	os.Exit(code)
}

// newTab opens a tab in a browser context of its own, or skips the test.
func newTab(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	ctx, _ := shared.Tab(t, timeout)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// console collects what the page writes to its console, CSP refusals
// included.
type console struct {
	mu   sync.Mutex
	msgs []string
}

func listenConsole(t *testing.T, ctx context.Context) *console {
	c := &console{}
	err := chromedp.Listen(ctx, func(ev any) {
		var m string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if len(ev.Args) > 0 {
				m = string(ev.Type) + ": " + string(ev.Args[0].Value) + " " + ev.Args[0].Description
			}
		case *runtime.EventExceptionThrown:
			m = "exception: " + ev.ExceptionDetails.Text
		case *log.EventEntryAdded:
			m = string(ev.Entry.Level) + ": " + ev.Entry.Text
		}
		if m != "" {
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *console) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.msgs, "\n")
}

// post is one form the drip server received, and what Verify said.
type post struct {
	form url.Values
	err  error
}

// drip is dripcourse's side: the challenge (with CORS for the site), the
// script, and the form's target.
type drip struct {
	*httptest.Server
	is      *Issuer
	clock   *clock.Fake
	origin  atomic.Value // the site's origin, trusted for CORS
	failing atomic.Bool  // the challenge answers 503
	gate    chan struct{}
	posts   chan post
	mu      sync.Mutex
	paths   []string
}

func newDrip(t *testing.T, max int64) *drip {
	f := newFixture(t, max)
	d := &drip{is: f.is, clock: f.clock, posts: make(chan post, 8)}
	challenge := f.is.Handler()
	mux := http.NewServeMux()
	mux.Handle("GET /captcha/altcha.js", Script())
	mux.HandleFunc("GET /captcha/challenge", func(w http.ResponseWriter, r *http.Request) {
		if d.gate != nil {
			<-d.gate
		}
		w.Header().Set("Access-Control-Allow-Origin", d.origin.Load().(string))
		w.Header().Set("Vary", "Origin")
		if d.failing.Load() {
			http.Error(w, "down for a moment", http.StatusServiceUnavailable)
			return
		}
		challenge.ServeHTTP(w, r)
	})
	mux.HandleFunc("POST /subscribe", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		err := d.is.Verify(r.Context(), r.PostFormValue("altcha"))
		d.posts <- post{form: r.PostForm, err: err}
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Result</title><h1 id="result">%s</h1>`,
			template.HTMLEscapeString(fmt.Sprint("verified: ", err)))
	})
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.paths = append(d.paths, r.Method+" "+r.URL.Path)
		d.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *drip) requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.paths...)
}

// received waits for the next post.
func (d *drip) received(t *testing.T) post {
	t.Helper()
	select {
	case p := <-d.posts:
		return p
	case <-time.After(30 * time.Second):
		t.Fatal("no form was posted in 30 s")
		return post{}
	}
}

// page is the operator's page: a plain form with the widget.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A blog</title>
<script src="{{.Drip}}/captcha/altcha.js" defer></script></head>
<body><form method="post" action="{{.Drip}}/subscribe">
<label for="email">Email</label> <input id="email" type="email" name="email" required>
<altcha-widget challengeurl="{{.Drip}}/captcha/challenge"{{range .Attrs}} {{.}}{{end}}></altcha-widget>
<button id="go" name="go" value="yes">Sign up</button>
</form></body></html>`))

// newSite serves the page under csp, which names the drip origin for %s.
func newSite(t *testing.T, d *drip, csp string, attrs ...template.HTMLAttr) *httptest.Server {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", strings.ReplaceAll(csp, "%s", d.URL))
		page.Execute(w, map[string]any{"Drip": d.URL, "Attrs": attrs})
	}))
	t.Cleanup(site.Close)
	d.origin.Store(site.URL)
	return site
}

// strictCSP is the policy the package doc asks of a page, and nothing more.
const strictCSP = "default-src 'none'; script-src %s; connect-src %s; worker-src blob:; form-action %s; base-uri 'none'"

// The script's default texts, as the tests expect them.
const (
	TextIdle    = "runs when you use the form."
	TextWaiting = "Verifying you are a person… The form will be sent as soon as this is done."
	TextFailed  = "The check could not load. Check your connection, then try again."
)
