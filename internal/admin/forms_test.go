package admin

import (
	"html"
	"strings"
	"testing"
)

// The forms page shows, per course, the plain form and the iframe to copy,
// pointing at this server, with the captcha's widget when it is on.
func TestFormsPageSnippets(t *testing.T) {
	a := newAdmin(t, func(s *Server) { s.FormOrigins, s.Captcha = []string{"https://blog.example.test"}, true })
	a.login()
	if res, _ := a.get("/admin/forms"); res.StatusCode != 303 || res.Header.Get("Location") != "/admin/forms/rebuilding-trust" {
		t.Fatalf("/admin/forms: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, page := a.get("/admin/forms/rebuilding-trust")
	if res.StatusCode != 200 {
		t.Fatalf("forms page: %d", res.StatusCode)
	}
	text := html.UnescapeString(page)
	for _, want := range []string{
		`<form method="post" action="https://course.example.test/courses/rebuilding-trust/subscribe">`,
		`<altcha-widget challengeurl="https://course.example.test/captcha/challenge"></altcha-widget>`,
		`<script src="https://course.example.test/captcha/altcha.js" defer></script>`,
		`name="website"`, `<noscript>`,
		`<iframe src="https://course.example.test/courses/rebuilding-trust/embed" title="Sign up for Rebuilding Trust"`,
		"https://blog.example.test",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("forms page lacks %q", want)
		}
	}
	if strings.Contains(page, "<textarea id=\"plain-snippet\" readonly rows=\"18\" spellcheck=\"false\"><form") {
		t.Error("the snippet is not escaped inside its textarea")
	}
	if res, _ := a.get("/admin/forms/no-such-course"); res.StatusCode != 404 {
		t.Errorf("unknown course: %d", res.StatusCode)
	}
	b := newAdmin(t)
	b.login()
	if _, page := b.get("/admin/forms/rebuilding-trust"); !strings.Contains(page, "DRIP_FORM_ORIGINS</code> is empty") || strings.Contains(page, "altcha-widget") {
		t.Error("with no origins and no captcha, the page neither warns nor leaves the widget out")
	}
}
