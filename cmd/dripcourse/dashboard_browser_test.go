package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// chartProblems lists what is wrong with the dashboard's charts as a
// person sees them: a bar without its label or value, a bar that does
// not use the row's width, text smaller than 12px, or a page wider than
// the screen.
const chartProblems = `(() => {
  const p = [];
  for (const li of document.querySelectorAll(".bars li")) {
    if (!li.querySelector(".bar-label").textContent.trim() || !li.querySelector(".bar-value").textContent.trim()) p.push("a bar without label or value: " + li.outerHTML);
  }
  for (const li of document.querySelectorAll(".funnel li")) {
    for (const c of [".step-title", ".step-value", ".rates"]) if (!li.querySelector(c).textContent.trim()) p.push("a funnel step without " + c);
  }
  for (const svg of document.querySelectorAll("svg.bar")) {
    if (!svg.getAttribute("viewBox") || svg.getAttribute("width") !== "100%") p.push("a bar without viewBox and width 100%");
    const row = svg.parentElement, w = (e) => e.getBoundingClientRect().width;
    const beside = [...row.children].filter(c => c !== svg && getComputedStyle(row).display === "grid").reduce((a, c) => a + w(c), 0);
    if (w(svg) + beside + 40 < w(row)) p.push("a bar that leaves its row's width unused: " + w(svg) + " of " + w(row));
  }
  const walk = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const el = walk.currentNode.parentElement;
    if (!walk.currentNode.textContent.trim() || el.closest("details:not([open])")) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 12) p.push(size + "px text: " + walk.currentNode.textContent.trim().slice(0, 30));
  }
  if (document.documentElement.scrollWidth > innerWidth) p.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + innerWidth);
  return p.join("\n");
})()`

// screenshot saves the whole page as name.png among the test's artifacts
// (kept with go test -artifacts), to be looked at.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	file := filepath.Join(tb.t.ArtifactDir(), name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", file)
}

// TestBrowserDashboardAtPhoneAndDesktopWidths looks at the dashboard and
// the readers list as an operator would, on a phone (375px) and on a
// desktop (1280px): every bar labelled, charts as wide as their space,
// text legible, and no sideways scrolling; long names cut short with an
// ellipsis and shown whole on focus.
func TestBrowserDashboardAtPhoneAndDesktopWidths(t *testing.T) {
	const pw = "dashboard browser password"
	h := newHarness(t, map[string]string{"DRIP_ADMIN_PASSWORD": pw})
	long := "maximilian.alexander.featherstonehaugh-worthington@a-rather-long-domain.example.org"
	h.signup(long, "Maximilian Alexander Featherstonehaugh-Worthington the Third", "Europe/London")
	for _, e := range []string{"ann@example.org", "bo@example.org", "cy@example.org"} {
		h.signup(e, "", "Europe/Paris")
	}
	h.confirmAll()
	h.pass()
	h.smtp.Reset()
	tb := newTab(t, h, "UTC")
	tb.login(pw)
	if n := tb.eval(`String(document.querySelectorAll(".funnel li").length)`); n != "13" {
		t.Fatalf("the funnel has %s steps, want one per lesson (13)", n)
	}
	if got := tb.text(".funnel li"); !strings.Contains(got, "4 reached · 100%") {
		t.Errorf("the first lesson's step reads %q: want 4 readers, 100%% of those who started", got)
	}
	if p := tb.eval(chartProblems); p != "" {
		t.Errorf("dashboard at 375px:\n%s", p)
	}
	tb.screenshot("dashboard-375")

	tb.click(`nav a[href="/admin/readers"]`)
	cut := `document.querySelector("td .cut[title^='maximilian']")`
	if got := tb.eval(`(() => { const c = ` + cut + `; return c.scrollWidth > c.clientWidth ? "cut" : "whole"; })()`); got != "cut" {
		t.Errorf("the long address is shown %s on a phone, want cut short with an ellipsis", got)
	}
	if got := tb.eval(`(() => { const c = ` + cut + `; c.focus(); return getComputedStyle(c).whiteSpace; })()`); got != "normal" {
		t.Errorf("the long address on focus: white-space %s, want shown whole (normal)", got)
	}
	tb.screenshot("readers-375")

	if err := chromedp.Do(tb.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	tb.visit("/admin")
	if p := tb.eval(chartProblems); p != "" {
		t.Errorf("dashboard at 1280px:\n%s", p)
	}
	if w := tb.eval(`String(Math.round(document.querySelector(".funnel svg.bar").getBoundingClientRect().width))`); len(w) < 3 || w < "600" {
		t.Errorf("the funnel's bars are %spx wide on a 1280px screen: they do not use the width they have", w)
	}
	tb.screenshot("dashboard-1280")
}
