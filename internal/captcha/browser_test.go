package captcha

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// waitState waits until the widget is in the given state.
func waitState(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	js := `document.querySelector("altcha-widget") && document.querySelector("altcha-widget").state === "` + state + `"`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(10*time.Millisecond))); err != nil {
		t.Fatalf("waiting for the widget to be %s: %v (it is %q)", state, err,
			eval[string](t, ctx, `String(document.querySelector("altcha-widget").state)`))
	}
}

const statusJS = `document.querySelector("altcha-widget [role=status]").textContent`

// A reader fills in the form on another site, under a strict CSP: the
// script fetches the challenge when the form is first touched, solves it in
// a worker, says so, and the form posts a solution the server accepts, once.
func TestBrowserSolvesAndPosts(t *testing.T) {
	ctx := newTab(t, 60*time.Second)
	logs := listenConsole(t, ctx)
	d := newDrip(t, 50_000)
	site := newSite(t, d, strictCSP)
	do(t, ctx, chromedp.Navigate(site.URL), chromedp.WaitReady(chromedp.CSS("altcha-widget .altcha-drip-status")))

	live := eval[string](t, ctx, `(() => { const s = document.querySelector("altcha-widget [role=status]");
		return s.getAttribute("aria-live") + "|" + document.querySelector("altcha-widget .altcha-drip-label").innerText })()`)
	if live != "polite|Spam check:" {
		t.Errorf("status region and label: %q", live)
	}
	if got := eval[string](t, ctx, statusJS); got != TextIdle {
		t.Errorf("before the form is touched the status says %q", got)
	}
	if slices.Contains(d.requests(), "GET /captcha/challenge") {
		t.Error("a challenge was fetched before the reader touched the form")
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#email"), "reader@example.org"))
	waitState(t, ctx, "verified")
	if got := eval[string](t, ctx, statusJS); got != "Verified" {
		t.Errorf("once solved the status says %q", got)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
	p := d.received(t)
	if p.err != nil || p.form.Get("email") != "reader@example.org" || p.form.Get("go") != "yes" {
		t.Fatalf("posted %v: %v", p.form, p.err)
	}
	if err := d.is.Verify(context.Background(), p.form.Get("altcha")); err != ErrReplayed {
		t.Errorf("the same solution a second time: %v, want ErrReplayed", err)
	}
	want := []string{"GET /captcha/altcha.js", "GET /captcha/challenge", "POST /subscribe"}
	if got := d.requests(); !slices.Equal(got, want) {
		t.Errorf("requests to dripcourse: %q, want %q", got, want)
	}
	if strings.Contains(logs.String(), "error") {
		t.Errorf("the console has errors:\n%s", logs)
	}
}

// A reader who submits before the solution is ready waits for it, is told
// so, and the form then goes with the button that was pressed.
func TestBrowserEarlySubmitWaits(t *testing.T) {
	ctx := newTab(t, 60*time.Second)
	d := newDrip(t, 50_000)
	d.gate = make(chan struct{})
	site := newSite(t, d, strictCSP)
	do(t, ctx, chromedp.Navigate(site.URL), chromedp.WaitReady(chromedp.CSS("altcha-widget .altcha-drip-status")))
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#email"), "early@example.org"), chromedp.Click(chromedp.CSS("#go")))
	if got := eval[string](t, ctx, statusJS); got != TextWaiting {
		t.Errorf("while the form waits the status says %q", got)
	}
	if n := eval[int](t, ctx, `document.querySelector(".altcha-drip-spinner").getAnimations().length`); n != 1 {
		t.Errorf("%d animations on the spinner, want it turning", n)
	}
	close(d.gate)
	p := d.received(t)
	if p.err != nil || p.form.Get("email") != "early@example.org" || p.form.Get("go") != "yes" {
		t.Fatalf("posted %v: %v", p.form, p.err)
	}
}

// A challenge that cannot be fetched gives a clear message and a retry
// button, which takes the focus when the reader submitted; the retry then
// sends the form. With reduced motion nothing turns.
func TestBrowserFailureThenRetry(t *testing.T) {
	ctx := newTab(t, 60*time.Second)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		t.Fatal(err)
	}
	d := newDrip(t, 50_000)
	d.failing.Store(true)
	d.gate = make(chan struct{})
	site := newSite(t, d, strictCSP)
	do(t, ctx, chromedp.Navigate(site.URL), chromedp.WaitReady(chromedp.CSS("altcha-widget .altcha-drip-status")))
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#email"), "patient@example.org"), chromedp.Click(chromedp.CSS("#go")))
	waitState(t, ctx, "verifying")
	if n := eval[int](t, ctx, `document.querySelector(".altcha-drip-spinner").getAnimations().length`); n != 0 {
		t.Errorf("%d animations with prefers-reduced-motion", n)
	}
	close(d.gate)
	waitState(t, ctx, "error")
	if got := eval[string](t, ctx, statusJS); got != TextFailed {
		t.Errorf("after a failed fetch the status says %q", got)
	}
	if got := eval[string](t, ctx, `document.activeElement.className + "|" + document.activeElement.hidden`); got != "altcha-drip-retry|false" {
		t.Errorf("the focus is on %q, want the visible retry button", got)
	}
	d.failing.Store(false)
	do(t, ctx, chromedp.Click(chromedp.CSS(".altcha-drip-retry")))
	p := d.received(t)
	if p.err != nil || p.form.Get("email") != "patient@example.org" {
		t.Fatalf("posted %v: %v", p.form, p.err)
	}
}

// A page whose CSP forbids blob: workers still gets a solution: the script
// solves on the page itself.
func TestBrowserWithoutBlobWorkers(t *testing.T) {
	ctx := newTab(t, 60*time.Second)
	logs := listenConsole(t, ctx)
	d := newDrip(t, 50_000)
	site := newSite(t, d, strings.Replace(strictCSP, "worker-src blob:", "worker-src 'none'", 1), `auto="onload"`)
	do(t, ctx, chromedp.Navigate(site.URL))
	waitState(t, ctx, "verified")
	if !strings.Contains(logs.String(), "worker-src") {
		t.Errorf("no CSP refusal of the worker was logged, so this test did not test the fallback:\n%s", logs)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#email"), "strict@example.org"), chromedp.Click(chromedp.CSS("#go")))
	if p := d.received(t); p.err != nil {
		t.Fatalf("posted %v: %v", p.form, p.err)
	}
}

// A form that a page's own script sends with fetch stays on the page: its
// second submission solves a new challenge instead of replaying the first.
func TestBrowserScriptedFormSolvesAgain(t *testing.T) {
	ctx := newTab(t, 60*time.Second)
	d := newDrip(t, 20_000)
	site := newSite(t, d, strictCSP)
	do(t, ctx, chromedp.Navigate(site.URL), chromedp.WaitReady(chromedp.CSS("altcha-widget .altcha-drip-status")))
	// The operator's script, added the way a page's own bundle would be.
	eval[bool](t, ctx, `document.querySelector("form").addEventListener("submit", (e) => {
		e.preventDefault();
		fetch(e.target.action, { method: "POST", body: new URLSearchParams(new FormData(e.target)), mode: "no-cors" });
	}) === undefined`)
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#email"), "fetch@example.org"), chromedp.Click(chromedp.CSS("#go")))
	first := d.received(t)
	do(t, ctx, chromedp.Click(chromedp.CSS("#go")))
	second := d.received(t)
	if first.err != nil || second.err != nil {
		t.Fatalf("two scripted submissions: %v, %v", first.err, second.err)
	}
	if first.form.Get("altcha") == second.form.Get("altcha") {
		t.Fatal("the second submission sent the first one's solution again")
	}
}
