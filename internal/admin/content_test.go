package admin

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/versions"
)

const unitPath = "/admin/content/rebuilding-trust"

// publishBuiltIn publishes the built-in course and templates as version 1
// of each, through check when it is given.
func publishBuiltIn(t *testing.T, a *admin, check store.CheckFunc) {
	t.Helper()
	lessons, err := versions.CourseFiles(dripcourse.BuiltInCourse("rebuilding-trust"), ".")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := versions.TemplateFiles(dripcourse.Templates())
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.db.Publish(context.Background(), store.Publication{By: "disk", At: a.clock.Now(),
		Changes: map[string]store.Files{"rebuilding-trust": lessons, store.Templates: tpl}, Check: check})
	if err != nil {
		t.Fatal(err)
	}
}

// contentAdmin is a logged-in admin whose database holds the built-in
// course and templates as version 1 of each.
func contentAdmin(t *testing.T) *admin {
	t.Helper()
	a := newAdmin(t, func(s *Server) {
		s.LoadContent = func(_ context.Context, u versions.Units) (*compose.Content, error) {
			return versions.Loader{Defaults: dripcourse.Templates()}.Load(u)
		}
	})
	publishBuiltIn(t, a, nil)
	a.login()
	return a
}

var hidden = regexp.MustCompile(`name="(base|revision|mode)" value="([^"]*)"`)

// editForm opens a file's editor and returns its hidden fields.
func (a *admin) editForm(path string) url.Values {
	a.t.Helper()
	res, page := a.get(unitPath + "/edit/" + path)
	if res.StatusCode != http.StatusOK {
		a.t.Fatalf("GET the editor of %s: %d", path, res.StatusCode)
	}
	form := url.Values{}
	for _, m := range hidden.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], m[2])
	}
	return form
}

func (a *admin) drafts() []store.Draft {
	a.t.Helper()
	ds, err := a.db.Drafts(context.Background(), "rebuilding-trust")
	if err != nil {
		a.t.Fatal(err)
	}
	return ds
}

func TestContentRoutesNeedLogin(t *testing.T) {
	a := contentAdmin(t)
	a.cookie = ""
	for _, r := range [][2]string{{"GET", "/admin/content"}, {"GET", unitPath}, {"GET", unitPath + "/edit/course.yaml"},
		{"POST", unitPath + "/edit/course.yaml"}, {"POST", unitPath + "/add"}, {"GET", unitPath + "/remove?path=01-welcome.md"},
		{"POST", unitPath + "/remove"}, {"POST", unitPath + "/move"}, {"GET", unitPath + "/discard"}, {"POST", unitPath + "/discard"}} {
		res, _ := a.req(r[0], r[1], strings.NewReader("path=01-welcome.md&confirm=yes&title=x&body=x&base=1&revision=0"), nil)
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
			t.Errorf("%s %s without a session: %d, want 302 to the login page", r[0], r[1], res.StatusCode)
		}
	}
	if len(a.drafts()) != 0 {
		t.Fatal("a request without a session made a draft")
	}
}

func TestContentRefusesCrossOrigin(t *testing.T) {
	a := contentAdmin(t)
	form := a.editForm("course.yaml")
	form.Set("body", "slug: rebuilding-trust\ntitle: Hijacked\n")
	for _, path := range []string{"/edit/course.yaml", "/add", "/remove", "/move", "/discard"} {
		res, _ := a.req("POST", unitPath+path, strings.NewReader(form.Encode()+"&path=01-welcome.md&confirm=yes&title=x&dir=down"),
			http.Header{"Sec-Fetch-Site": {"cross-site"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", path, res.StatusCode)
		}
	}
	if len(a.drafts()) != 0 {
		t.Fatal("a cross-site POST made a draft")
	}
}

func TestContentUnknownUnitsAndFilesAreNotFound(t *testing.T) {
	a := contentAdmin(t)
	for _, p := range []string{"/admin/content/nope", "/admin/content/_secret", unitPath + "/edit/99-nope.md", unitPath + "/edit/../../etc/passwd",
		unitPath + "/edit/", "/admin/content/_templates/edit/pages/nope.html", unitPath + "/remove?path=course.yaml"} {
		if res, _ := a.get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	if res, _ := a.post(unitPath+"/move", url.Values{"path": {"course.yaml"}, "dir": {"up"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("moving the settings file: %d, want 404", res.StatusCode)
	}
}

func TestContentRefusesAHugeBody(t *testing.T) {
	a := contentAdmin(t)
	form := a.editForm("02-why-trust-breaks.md")
	form.Set("body", strings.Repeat("word ", 6<<20/5))
	res, page := a.post(unitPath+"/edit/02-why-trust-breaks.md", form)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "more text than one file may hold") {
		t.Fatalf("a 6 MB save: %d, want 413 saying what to do", res.StatusCode)
	}
	form.Set("body", strings.Repeat("word ", 1040<<10/5)) // over the 1 MB a file may hold, under the form's cap
	res, page = a.post(unitPath+"/edit/02-why-trust-breaks.md", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Not saved") {
		t.Fatalf("a 1.1 MB lesson: %d, want 422 saying it was not saved", res.StatusCode)
	}
	if len(a.drafts()) != 0 {
		t.Fatal("a refused body made a draft")
	}
}

func TestContentIndexAndUnitPages(t *testing.T) {
	a := contentAdmin(t)
	res, page := a.get("/admin/content")
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Rebuilding Trust") || !strings.Contains(page, templatesTitle) ||
		!strings.Contains(page, "Version 1") || !strings.Contains(page, ">the files on the server<") || !strings.Contains(page, `href="/admin/content"`) {
		t.Fatalf("index: %d\n%s", res.StatusCode, page)
	}
	_, page = a.get(unitPath)
	for _, want := range []string{"Edit the course settings", "Welcome, and how this course works", "01-welcome.md", "13-keeping-trust.md", `for="add-title"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the course's page lacks %q", want)
		}
	}
	if strings.Index(page, "01-welcome.md") > strings.Index(page, "02-why-trust-breaks.md") {
		t.Error("lessons are not in course order")
	}
	_, page = a.get("/admin/content/_templates")
	if !strings.Contains(page, "email/lesson.html") || !strings.Contains(page, "lesson email, HTML part") || !strings.Contains(page, "pages/") {
		t.Errorf("the templates' page lacks the emails and pages:\n%s", page)
	}
}

// publicationOf is the course's latest files with path's body replaced,
// as another operator would publish them.
func publicationOf(t *testing.T, a *admin, path, body string) store.Publication {
	t.Helper()
	_, files, err := a.db.VersionFiles(context.Background(), "rebuilding-trust", 0)
	if err != nil {
		t.Fatal(err)
	}
	parts, _ := splitLesson(files[path])
	files[path] = joinLesson(files[path], parts.Fields, body)
	return store.Publication{By: "carl", At: a.clock.Now(), Changes: map[string]store.Files{"rebuilding-trust": files}}
}
