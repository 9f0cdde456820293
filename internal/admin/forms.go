package admin

import (
	"html"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/web"
)

// Signup forms on the operator's own sites: per course, the HTML of a
// plain form and of an iframe of the embed page, ready to copy into a blog
// or a static site. They work from the origins in DRIP_FORM_ORIGINS only.

// formsData is the forms page of one course.
type formsData struct {
	Title, Slug     string
	Courses         []formCourse // every course, to move between their pages
	Origins         []string
	Captcha         bool
	PlainForm       string
	Iframe          string
	EmbedURL, Base  string
	SignupURL, Page string
}

// formCourse is one course in the list of the forms page.
type formCourse struct {
	Slug, Title string
	Current     bool
}

// formsIndex is /admin/forms: the default course's forms page.
func (s *Server) formsIndex(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin/forms/"+s.content().Default().Slug, http.StatusSeeOther)
}

// formsPage is /admin/forms/{slug}.
func (s *Server) formsPage(w http.ResponseWriter, r *http.Request) {
	set := s.content().Set
	c, ok := set.Course(chi.URLParam(r, "slug"))
	if !ok {
		s.adminNotFound(w, r)
		return
	}
	base := s.Links.Base()
	d := &formsData{Title: c.Title, Slug: c.Slug, Origins: s.FormOrigins, Captcha: s.Captcha, Base: base,
		SignupURL: base + links.SignupPath(c.Slug), EmbedURL: base + links.CoursePath(c.Slug) + "/embed",
		Page: base + links.CoursePath(c.Slug)}
	for _, other := range set.Courses {
		d.Courses = append(d.Courses, formCourse{Slug: other.Slug, Title: other.Title, Current: other == c})
	}
	d.PlainForm, d.Iframe = plainFormSnippet(c, base, s.Captcha), iframeSnippet(c, d.EmbedURL)
	s.adminRender(w, r, http.StatusOK, "forms", &adminPage{Title: "Signup forms: " + c.Title, Section: "forms", Data: d})
}

// plainFormSnippet is a signup form for another site: the same fields as
// the course page's, the honeypot, and the captcha widget with its script
// when the captcha is on.
func plainFormSnippet(c *course.Course, base string, withCaptcha bool) string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<form method="post" action="` + e(base+links.SignupPath(c.Slug)) + `">
  <label for="drip-email">Your email address</label>
  <input id="drip-email" name="email" type="email" required autocomplete="email">
  <label for="drip-name">Your first name (optional)</label>
  <input id="drip-name" name="name" type="text" autocomplete="given-name">
  <!-- Optional: a page on this site to show once the reader has signed up.
  <input type="hidden" name="redirect" value="https://your-site.example/thanks/"> -->
  <div style="position:absolute;left:-10000px" aria-hidden="true">
    <label>Leave this empty <input name="website" type="text" tabindex="-1" autocomplete="off"></label>
  </div>
`)
	if withCaptcha {
		b.WriteString(`  <altcha-widget challengeurl="` + e(base+web.ChallengePath) + `"></altcha-widget>
  <noscript>To sign up, your browser does a short calculation that shows a person is sending this form. Please turn JavaScript on for this page.</noscript>
`)
	}
	b.WriteString("  <button type=\"submit\">Send me the course</button>\n</form>\n")
	if withCaptcha {
		b.WriteString(`<script src="` + e(base+web.ScriptPath) + `" defer></script>` + "\n")
	}
	return b.String()
}

// iframeSnippet frames the course's embed page.
func iframeSnippet(c *course.Course, embedURL string) string {
	return `<iframe src="` + html.EscapeString(embedURL) + `" title="` + html.EscapeString("Sign up for "+c.Title) +
		`" style="width:100%;max-width:36rem;height:36rem;border:0" loading="lazy"></iframe>` + "\n"
}
