package main

import (
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/bounce/bouncetest"
)

// TestBrowserBouncesPage looks at the bounces page on a phone (375px):
// the alert about our own sending, the week's rates and the reports, all
// legible, with no sideways scrolling.
func TestBrowserBouncesPage(t *testing.T) {
	b := newBounceHarness(t)
	ls := b.firstLessons("ann@example.org", "maximilian.alexander.featherstonehaugh@a-rather-long-domain.example.org")
	for _, data := range [][]byte{
		bouncetest.DSN(original(ls["ann@example.org"]), "failed", "5.1.1", "550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown in virtual mailbox table", "p1"),
		bouncetest.DSN(original(ls["maximilian.alexander.featherstonehaugh@a-rather-long-domain.example.org"]), "failed", "5.7.1",
			"554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.25", "p2"),
	} {
		if _, errOut, code := b.bounceCLI(strings.NewReader(string(data))); code != 0 {
			t.Fatalf("bounce: %d %s", code, errOut)
		}
	}
	tb := newTab(t, b.harness, "UTC")
	tb.login(bounceAdminPassword)
	tb.visit("/admin/bounces")
	if got := tb.text(`[role="alert"]`); !strings.Contains(got, "refused our own sending") {
		t.Errorf("the page's alert reads %q", got)
	}
	if n := tb.eval(`String(document.querySelectorAll("tbody tr").length)`); n != "2" {
		t.Errorf("%s reports listed, want 2", n)
	}
	if p := tb.eval(chartProblems); p != "" {
		t.Errorf("bounces page at 375px:\n%s", p)
	}
	tb.screenshot("bounces-375")
}
