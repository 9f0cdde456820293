package editor

import (
	"context"
	"encoding/json"
	"github.com/dripcourse/dripcourse/internal/browsertest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's Chromium through chromedp, as
// cmd/dripcourse does: one browser for the package, a tab in its own
// browser context for each test.

var browser browsertest.Browser

func TestMain(m *testing.M) {
	code := m.Run()
	browser.Close()
	os.Exit(code)
}

// watchViolations records, in every page the tab opens, each Content
// Security Policy violation, before any of the page's own scripts run.
const watchViolations = `document.addEventListener("securitypolicyviolation", (e) => {
  (window.__violations = window.__violations || []).push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// tab is one test's browser tab. It fails the test on any CSP violation,
// uncaught exception or console error that the pages of the tab report.
type tab struct {
	t     *testing.T
	ctx   context.Context
	mu    sync.Mutex
	bad   []string // console errors and exceptions
	allow []string // texts of console errors that the test causes on purpose
}

// allowError lets console errors that contain text pass.
func (tb *tab) allowError(text string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.allow = append(tb.allow, text)
}

func newTab(t *testing.T) *tab {
	t.Helper()
	ctx, stop := browser.Tab(t, 60*time.Second)
	tb := &tab{t: t, ctx: ctx}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go tb.collect(messages, done)
	t.Cleanup(func() { stop(); <-done })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1000, 900)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchViolations}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tb.checkClean) // runs before the tab closes
	return tb
}

func (tb *tab) collect(messages func(func(chromedp.ConsoleMessage, error) bool), done chan<- struct{}) {
	defer close(done)
	for m, err := range messages {
		if err != nil {
			return
		}
		if m.Type == chromedp.ConsoleError || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			tb.mu.Lock()
			tb.bad = append(tb.bad, m.String())
			tb.mu.Unlock()
		}
	}
}

// checkClean fails the test if the current page saw a CSP violation or any
// page of the tab logged an error.
func (tb *tab) checkClean() {
	if v := tb.evalQuiet(`(window.__violations || []).join("\n")`); v != "" {
		tb.t.Errorf("CSP violations:\n%s", v)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	bad := slices.DeleteFunc(tb.bad, func(m string) bool {
		return slices.ContainsFunc(tb.allow, func(a string) bool { return strings.Contains(m, a) })
	})
	if len(bad) > 0 {
		tb.t.Errorf("console errors:\n%s", strings.Join(bad, "\n"))
	}
}

func (tb *tab) evalQuiet(js string) string {
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		return ""
	}
	return s
}

func (tb *tab) eval(js string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// waitFor waits until a JavaScript expression is true, and fails the test
// with what it last saw otherwise.
func (tb *tab) waitFor(what, js string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil {
		tb.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// open loads a page and checks the answer's status.
func (tb *tab) open(url string) {
	tb.t.Helper()
	res, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		tb.t.Fatalf("open %s: %v", url, err)
	}
	if res.Status != 200 {
		tb.t.Fatalf("open %s: status %d", url, res.Status)
	}
}

// submit runs actions that submit a form and waits for the next page.
func (tb *tab) submit(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	res, err := chromedp.RunResponse(tb.ctx, actions...)
	if err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	if res.Status != 200 {
		tb.t.Fatalf("%s: status %d", what, res.Status)
	}
}

// frameEval waits until the page's one iframe has an <h1> and evaluates
// JavaScript there. Chromium runs a sandboxed frame in a process of its
// own, a target that the tab's context does not reach, so this attaches to
// the iframe target of the tab's browser context.
func (tb *tab) frameEval(js string) string {
	tb.t.Helper()
	infos, err := chromedp.Targets(tb.ctx)
	if err != nil {
		tb.t.Fatalf("targets: %v", err)
	}
	self := chromedp.FromContext(tb.ctx).Target.TargetID
	var browserContext string
	for _, info := range infos {
		if info.TargetID == self {
			browserContext = string(info.BrowserContextID)
		}
	}
	for _, info := range infos {
		if info.Type != "iframe" || string(info.BrowserContextID) != browserContext {
			continue
		}
		ctx, cancel := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Poll[string]("document.querySelector('h1') && ("+js+")", chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			tb.t.Fatalf("evaluate %s in the frame: %v", js, err)
		}
		return s
	}
	tb.t.Fatal("no iframe target in the tab's browser context")
	return ""
}

// expect waits until a JavaScript expression gives want, and otherwise
// fails the test with the last value it gave.
func (tb *tab) expect(what, js, want string) {
	tb.t.Helper()
	q, _ := json.Marshal(want)
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("("+js+") === "+string(q))); err != nil {
		tb.t.Errorf("%s: %q, want %q", what, tb.evalQuiet(js), want)
	}
}

// accessibleName is the name Chromium's accessibility tree gives the first
// element sel matches, with its role: "textbox: Lesson text".
func (tb *tab) accessibleName(sel string) string {
	tb.t.Helper()
	ids, err := chromedp.Run(tb.ctx, chromedp.QueryNodeIDs(chromedp.CSS(sel)))
	if err != nil || len(ids) == 0 {
		tb.t.Fatalf("find %s: %v", sel, err)
	}
	fetch := false
	res, err := chromedp.Call(tb.ctx, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{NodeID: ids[0], FetchRelatives: &fetch})
	if err != nil || len(res.Nodes) == 0 {
		tb.t.Fatalf("accessibility tree of %s: %v", sel, err)
	}
	n := res.Nodes[0]
	var role, name string
	if n.Role != nil {
		json.Unmarshal(n.Role.Value, &role)
	}
	if n.Name != nil {
		json.Unmarshal(n.Name.Value, &name)
	}
	return role + ": " + name
}
