package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
)

// siteServer is another site on another port of 127.0.0.1: another
// origin. It serves pages made from the app's URL once the app is up.
func siteServer(t *testing.T, pages map[string]func() string) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>A blog</title></head><body><main>`+p()+`</main></body></html>`)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// blogForm is the plain form of the admin's snippet, as an operator pastes
// it into a blog, with a redirect back to the blog.
func blogForm(app, slug, redirect string, captcha bool) string {
	f := `<form method="post" action="` + app + links.SignupPath(slug) + `">
<label for="drip-email">Your email address</label><input id="drip-email" name="email" type="email" required>
<input type="hidden" name="redirect" value="` + redirect + `">`
	if captcha {
		f += `<altcha-widget challengeurl="` + app + `/captcha/challenge"></altcha-widget>`
	}
	f += `<button type="submit">Send me the course</button></form>`
	if captcha {
		f += `<script src="` + app + `/captcha/altcha.js" defer></script>`
	}
	return f
}

// TestBrowserFormOnTrustedSite is a form on the operator's blog (another
// origin): the real captcha script solves the real challenge from the app,
// the form posts across origins, the reader lands on the blog's thank-you
// page, and the confirmation email arrives. The same form on a site not
// trusted is refused; the embed page loads in the blog's iframe and not in
// another site's.
func TestBrowserFormOnTrustedSite(t *testing.T) {
	var app, slug, blogURL string // known once the servers are up, before any page is asked for
	blog := siteServer(t, map[string]func() string{
		"/":       func() string { return "<h1>My blog</h1>" + blogForm(app, slug, blogURL+"/thanks", true) },
		"/thanks": func() string { return "<h1>Thank you</h1>" },
		"/frame": func() string {
			return `<h1>Framed</h1><iframe src="` + app + links.CoursePath(slug) + `/embed" title="Sign up"></iframe>`
		},
	})
	blogURL = blog.URL
	other := siteServer(t, map[string]func() string{
		"/": func() string { return "<h1>Another site</h1>" + blogForm(app, slug, blog.URL+"/thanks", false) },
		"/frame": func() string {
			return `<h1>Framed</h1><iframe src="` + app + links.CoursePath(slug) + `/embed" title="Sign up"></iframe>`
		},
	})
	h := newHarness(t, map[string]string{"DRIP_CAPTCHA": "on", "DRIP_FORM_ORIGINS": blog.URL})
	app, slug = h.web.URL, h.app.lib.Content().Default().Slug
	tb := newTab(t, h, "Europe/Paris")

	navigate(t, tb, blog.URL+"/")
	tb.typeInto("#drip-email", "blogreader@example.org")
	res, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS("button[type=submit]")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.URL != blog.URL+"/thanks" || tb.text("h1") != "Thank you" {
		t.Fatalf("after sending the blog's form: %d at %s, h1 %q; want the blog's thank-you page", res.Status, res.URL, tb.text("h1"))
	}
	if st := subscriberStatus(t, h.app, "blogreader@example.org"); st != drip.StatusPending {
		t.Fatalf("the reader is %q, want pending", st)
	}
	h.pass()
	msgs := h.smtp.Messages()
	if len(msgs) != 1 || !strings.Contains(strings.Join(msgs[0].To, ","), "blogreader@example.org") {
		t.Fatalf("%d messages arrived, want the confirmation to blogreader@example.org", len(msgs))
	}

	navigate(t, tb, other.URL+"/")
	tb.typeInto("#drip-email", "elsewhere@example.org")
	res, err = chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS("button[type=submit]")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 403 || !strings.Contains(tb.text("main"), "may not sign readers up here") {
		t.Fatalf("the form on an untrusted site: %d, %q", res.Status, tb.text("main"))
	}
	if _, err := h.app.db.SubscriberByEmail(context.Background(), "elsewhere@example.org"); err == nil {
		t.Fatal("a form on an untrusted site signed a reader up")
	}

	if got := childFrameURL(t, tb, blog.URL+"/frame"); got != app+links.CoursePath(slug)+"/embed" {
		t.Errorf("the blog's iframe shows %q, want the embed page", got)
	}
	if got := childFrameURL(t, tb, other.URL+"/frame"); !strings.HasPrefix(got, "chrome-error:") {
		t.Errorf("another site's iframe shows %q, want it blocked by frame-ancestors", got)
	}
}

func navigate(t *testing.T, tb *tab, url string) {
	t.Helper()
	res, err := chromedp.RunResponse(tb.ctx, chromedp.Navigate(url))
	if err != nil || res.Status != 200 {
		t.Fatalf("open %s: %v %v", url, res, err)
	}
}

// childFrameURL loads url and returns the URL its one iframe ended at.
func childFrameURL(t *testing.T, tb *tab, url string) string {
	t.Helper()
	navigate(t, tb, url)
	res, err := chromedp.Call(tb.ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil || res.FrameTree == nil || len(res.FrameTree.ChildFrames) != 1 {
		t.Fatalf("frames of %s: %v %+v", url, err, res)
	}
	f := res.FrameTree.ChildFrames[0].Frame
	return f.URL + f.URLFragment
}

// TestBrowserCaptchaOnCoursePage signs up on the course page with the
// captcha on: the widget says what it is doing in a status region, and the
// form goes through once it has solved the challenge.
func TestBrowserCaptchaOnCoursePage(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_CAPTCHA": "on"})
	tb := newTab(t, h, "Europe/Paris")
	tb.open(links.CoursePath(h.app.lib.Content().Default().Slug))
	tb.typeInto("#email", "person@example.org")
	h.clock.Advance(5 * time.Second)
	status, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`new Promise(done => {
	  const el = document.querySelector("altcha-widget");
	  const said = () => el.querySelector("[role=status]").textContent;
	  if (/Verified/.test(said())) return done(said());
	  el.addEventListener("statechange", e => { if (e.detail.state === "verified") done(said()); });
	})`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(status, "Verified") {
		t.Fatalf("the widget's status says %q (%v), want it verified", status, err)
	}
	tb.click("#signup button[type=submit]")
	if got := tb.text("h1"); got != "Check your inbox" {
		t.Fatalf("after signing up: %q", got)
	}
	if st := subscriberStatus(t, h.app, "person@example.org"); st != drip.StatusPending {
		t.Fatalf("the reader is %q, want pending", st)
	}
}
