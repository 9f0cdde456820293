package render_test

import (
	"errors"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
)

const templatesDir = "../../templates"

// realTemplates copies the shipped templates into a MapFS that a test may
// change.
func realTemplates(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(templatesDir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(os.DirFS(templatesDir), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func problems(t *testing.T, err error) drip.Problems {
	t.Helper()
	var ps drip.Problems
	if !errors.As(err, &ps) || len(ps) == 0 {
		t.Fatalf("err = %v (%T), want drip.Problems", err, err)
	}
	return ps
}

func TestLoadShippedTemplates(t *testing.T) {
	tpl, err := render.Load(os.DirFS(templatesDir))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	pages := strings.Join(tpl.Pages(), ",")
	for _, p := range render.RequiredPages {
		if !strings.Contains(","+pages+",", ","+p+",") {
			t.Errorf("page %s not loaded (have %s)", p, pages)
		}
	}
	html, text, err := tpl.Email("lesson", render.SampleEmail(render.SampleCourse))
	if err != nil {
		t.Fatalf("render lesson email: %v", err)
	}
	for _, part := range []string{html, text} {
		if !strings.Contains(part, "https://example.com/u/x") || !strings.Contains(part, "Sample lesson") {
			t.Errorf("lesson email part lacks the unsubscribe URL or title:\n%s", part)
		}
	}
	page, err := tpl.Page("course", &render.Page{Course: render.SampleCourse})
	if err != nil || !strings.Contains(string(page), "Sample course") {
		t.Errorf("course page: %v\n%s", err, page)
	}
	if _, err := tpl.Page("no-such-page", &render.Page{}); err == nil {
		t.Error("rendering an unknown page succeeded")
	}
	if _, _, err := tpl.Email("no-such-email", &render.Email{}); err == nil {
		t.Error("rendering an unknown email succeeded")
	}
}

func TestLoadEscapesReaderInput(t *testing.T) {
	tpl, err := render.Load(os.DirFS(templatesDir))
	if err != nil {
		t.Fatal(err)
	}
	e := render.SampleEmail(render.SampleCourse)
	e.Name = `<script>alert("x")</script>`
	html, _, err := tpl.Email("lesson", e)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "<script>") {
		t.Error("a reader's name reached the HTML email unescaped")
	}
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name string
		edit func(m fstest.MapFS)
		want string // prefix of one problem line
	}{
		{"page syntax error", func(m fstest.MapFS) {
			m["pages/course.html"] = &fstest.MapFile{Data: []byte("{{define \"content\"}}\n<p>fine</p>\n{{if}}\n{{end}}\n")}
		}, "pages/course.html:3: "},
		{"page unclosed action", func(m fstest.MapFS) {
			m["pages/course.html"] = &fstest.MapFile{Data: []byte("{{define \"content\"}}\n\n\n\n<p>{{.Title</p>\n{{end}}\n")}
		}, "pages/course.html:5: "},
		{"layout syntax error", func(m fstest.MapFS) {
			m["pages/layout.html"] = &fstest.MapFile{Data: []byte("<html>\n{{range}}\n")}
		}, "pages/layout.html:2: "},
		{"email text syntax error", func(m fstest.MapFS) {
			m["email/lesson.txt"] = &fstest.MapFile{Data: []byte("Hi\n\n{{.Name | nosuchfunc}}\n")}
		}, "email/lesson.txt:3: "},
		{"missing required page", func(m fstest.MapFS) { delete(m, "pages/pause.html") }, "pages/pause.html: missing"},
		{"missing layout", func(m fstest.MapFS) { delete(m, "pages/layout.html") }, "pages/layout.html: missing"},
		{"missing email text part", func(m fstest.MapFS) { delete(m, "email/confirm.txt") }, "email/confirm.txt: missing"},
		{"missing email html part", func(m fstest.MapFS) { delete(m, "email/lesson.html") }, "email/lesson.html: missing"},
		{"page with unknown field", func(m fstest.MapFS) {
			m["pages/course.html"] = &fstest.MapFile{Data: []byte("{{define \"title\"}}T{{end}}\n{{define \"content\"}}\n<p>{{.NoSuchField}}</p>\n{{end}}\n")}
		}, "pages/course.html:3:"},
		{"email with unknown field", func(m fstest.MapFS) {
			m["email/lesson.txt"] = &fstest.MapFile{Data: []byte("Hi\n{{.Course.NoSuchField}}\n")}
		}, "email/lesson.txt:2:"},
		{"extra email without text part", func(m fstest.MapFS) {
			m["email/welcome.html"] = &fstest.MapFile{Data: []byte("<p>hi</p>")}
		}, "email/welcome.txt: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := realTemplates(t)
			tt.edit(m)
			tpl, err := render.Load(m)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if tpl != nil {
				t.Error("Load returned templates along with problems")
			}
			problems(t, err)
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(line, tt.want) {
					return
				}
			}
			t.Errorf("no problem starts with %q in:\n%v", tt.want, err)
		})
	}
}

// TestUnknownFieldNamesTheFile checks that a template that fails its
// sample render is reported against a file that exists, and the line, so
// an editor can open it there.
func TestUnknownFieldNamesTheFile(t *testing.T) {
	tests := []struct{ name, file, src string }{
		{"page", "pages/confirm.html", "{{define \"title\"}}T{{end}}{{define \"content\"}}\n\n{{.Nope}}{{end}}"},
		{"email html", "email/lesson.html", "<p>\n\n{{.Nope}}</p>"},
		{"email text", "email/confirm.txt", "Hi\n\n{{.Nope}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := realTemplates(t)
			m[tt.file] = &fstest.MapFile{Data: []byte(tt.src)}
			_, err := render.Load(m)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, p := range problems(t, err) {
				if _, ok := m[p.File]; !ok {
					t.Errorf("problem names %q, which is not a file: %v", p.File, p)
				}
				if p.Line != 3 {
					t.Errorf("problem at line %d, want 3: %v", p.Line, p)
				}
				if !strings.Contains(p.Msg, "Nope") {
					t.Errorf("problem does not name the field: %v", p)
				}
			}
		})
	}
}

// emailVariants are the shipped emails rendered with sample data in the
// shapes that change what they show.
func emailVariants(t *testing.T) map[string]string {
	t.Helper()
	tpl, err := render.Load(os.DirFS(templatesDir))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	variants := map[string]func(e *render.Email){
		"full": func(*render.Email) {},
		"last": func(e *render.Email) { e.Last = true },
		"plain": func(e *render.Email) {
			e.Name, e.Preheader, e.PixelURL, e.PostalAddress, e.ViewURL = "", "", "", "", ""
		},
	}
	for _, name := range render.RequiredEmails {
		for v, change := range variants {
			e := render.SampleEmail(render.SampleCourse)
			change(e)
			htmlPart, _, err := tpl.Email(name, e)
			if err != nil {
				t.Fatal(err)
			}
			out[name+"/"+v] = htmlPart
		}
	}
	return out
}

// TestEmailLandmarks: every email has exactly one main landmark and no
// content outside landmarks (axe-core's landmark-one-main and region), and
// its elements nest properly.
func TestEmailLandmarks(t *testing.T) {
	for name, doc := range emailVariants(t) {
		w := walkEmail(doc)
		if w.mains != 1 || strings.Count(doc, "<main") != 1 {
			t.Errorf("%s: %d main landmarks, want 1", name, w.mains)
		}
		if len(w.outside) > 0 {
			t.Errorf("%s: content outside landmarks: %q", name, w.outside)
		}
		if len(w.broken) > 0 {
			t.Errorf("%s: %s", name, strings.Join(w.broken, "; "))
		}
		if !strings.Contains(doc, `<footer role="contentinfo"`) {
			t.Errorf("%s: no footer landmark", name)
		}
	}
}

// TestEmailHasNoHiddenTextMarks: nothing in an email, the hidden preheader
// included, is coloured like its background or hidden with a tiny font,
// opacity or visibility, which spam filters score as hidden text; the
// preheader is hidden by height, overflow and mso-hide instead.
func TestEmailHasNoHiddenTextMarks(t *testing.T) {
	preheader := regexp.MustCompile(`<div style="([^"]*)">(?:Sample preheader|One click to confirm)`)
	for name, doc := range emailVariants(t) {
		w := walkEmail(doc)
		if len(w.low) > 0 {
			t.Errorf("%s: text coloured like its background: %s", name, strings.Join(w.low, "; "))
		}
		if len(w.hidden) > 0 {
			t.Errorf("%s: hidden-text styles: %s", name, strings.Join(w.hidden, "; "))
		}
		m := preheader.FindStringSubmatch(doc)
		if m == nil {
			if !strings.HasSuffix(name, "/plain") || strings.HasPrefix(name, "confirm") {
				t.Errorf("%s: no preheader", name)
			}
			continue
		}
		for _, want := range []string{"max-height:0", "overflow:hidden", "mso-hide:all"} {
			if !strings.Contains(m[1], want) {
				t.Errorf("%s: preheader style %q lacks %s", name, m[1], want)
			}
		}
		if strings.Contains(m[1], "color") || strings.Contains(m[1], "font-size") {
			t.Errorf("%s: preheader style %q sets a colour or a font size", name, m[1])
		}
	}
}

// TestEmailTextHasNoStraySoftBreaks: the plain-text part is sent flowed,
// where a line that ends in a space runs on into the next, so the
// templates' own lines never end in one; "-- " is the signature separator.
func TestEmailTextHasNoStraySoftBreaks(t *testing.T) {
	tpl, err := render.Load(os.DirFS(templatesDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range render.RequiredEmails {
		_, text, err := tpl.Email(name, render.SampleEmail(render.SampleCourse))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(text, "\n") {
			if strings.HasSuffix(line, " ") && line != "-- " {
				t.Errorf("%s.txt line %d ends in a space: %q", name, i+1, line)
			}
		}
	}
}
