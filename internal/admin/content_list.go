package admin

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/store"
)

// unitLine is one unit on the editor's first page.
type unitLine struct {
	Title, Href string
	Version     int
	By          string
	At          time.Time
	Drafts      int
	Problems    bool
}

// contentIndex lists every unit: each course, then the templates, with
// its published version and its drafts.
func (s *Server) contentIndex(w http.ResponseWriter, r *http.Request) {
	var units []string
	for _, c := range s.content().Set.Courses {
		units = append(units, c.Slug)
	}
	units = append(units, store.Templates)
	var lines []unitLine
	for _, u := range units {
		st, err := s.unitOf(r.Context(), u)
		if err != nil {
			s.adminFail(w, r, err)
			return
		}
		lines = append(lines, unitLine{Title: st.Title, Href: "/admin/content/" + url.PathEscape(u), Version: st.Version.Number,
			By: st.Version.By, At: st.Version.At, Drafts: len(st.Drafts), Problems: st.hasProblems()})
	}
	s.adminRender(w, r, http.StatusOK, "content", &adminPage{Title: "Edit course", Section: "content", Data: lines})
}

// fileLine is one file on a unit's page.
type fileLine struct {
	Path, Href string
	Title      string // a lesson's title, or what the file is
	Delay      string
	Draft      bool
	Problems   bool
	First      bool // the first lesson: it cannot move up
	Last       bool // the last lesson: it cannot move down
}

// unitData is a unit's page.
type unitData struct {
	Unit, Title, Base  string
	Version            store.Version
	Course             bool
	Settings           *fileLine
	Lessons            []fileLine
	Emails, Pages      []fileLine
	Others             []fileLine
	Removed            []string
	Drafts             int
	Problems           bool
	Publish, History   string
	AddTitle, AddError string
}

func (s *Server) contentUnit(w http.ResponseWriter, r *http.Request) {
	st, err := s.urlUnit(r.Context(), chi.URLParam(r, "unit"))
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.showUnit(w, r, http.StatusOK, s.unitData(st), unitFlash(r))
}

func (s *Server) showUnit(w http.ResponseWriter, r *http.Request, status int, d *unitData, flash string) {
	s.adminRender(w, r, status, "content_unit", &adminPage{Title: d.Title, Section: "content", Flash: flash, Data: d})
}

// unitData lays out a unit's files: a course's settings and lessons in
// order, or the templates' emails and pages.
func (s *Server) unitData(st *unitState) *unitData {
	base := "/admin/content/" + url.PathEscape(st.Unit)
	d := &unitData{Unit: st.Unit, Title: st.Title, Base: base, Version: st.Version, Course: st.Unit != store.Templates,
		Drafts: len(st.Drafts), Problems: st.hasProblems(), Publish: base + "/publish", History: base + "/history"}
	line := func(p, title string) fileLine {
		dr, ok := st.Drafts[p]
		return fileLine{Path: p, Href: base + "/edit/" + p, Title: title, Draft: ok, Problems: dr.Problems != ""}
	}
	listed := map[string]bool{}
	for i, l := range st.lessons() {
		fl := line(l.Path, l.Slug)
		if parts, ok := splitLesson(st.Files[l.Path]); ok {
			fl.Title, fl.Delay = orDefault(parts.Fields.Title, parts.Fields.Subject), parts.Fields.Delay
		}
		fl.First, fl.Last = i == 0, false
		d.Lessons = append(d.Lessons, fl)
		listed[l.Path] = true
	}
	if n := len(d.Lessons); n > 0 {
		d.Lessons[n-1].Last = true
	}
	for _, p := range st.Files.Paths() {
		switch {
		case listed[p]:
		case d.Course && p == "course.yaml":
			fl := line(p, "Course settings")
			d.Settings = &fl
		case !d.Course && strings.HasPrefix(p, "email/"):
			d.Emails = append(d.Emails, line(p, templateTitle(p)))
		case !d.Course && strings.HasPrefix(p, "pages/"):
			d.Pages = append(d.Pages, line(p, templateTitle(p)))
		default:
			d.Others = append(d.Others, line(p, p))
		}
	}
	for p, dr := range st.Drafts {
		if dr.Deleted {
			d.Removed = append(d.Removed, p)
		}
	}
	sort.Strings(d.Removed)
	return d
}

// templateTitle says what a template is, in words.
func templateTitle(p string) string {
	name := strings.TrimSuffix(p[strings.Index(p, "/")+1:], ".html")
	switch {
	case strings.HasPrefix(p, "email/") && strings.HasSuffix(p, ".txt"):
		return strings.TrimSuffix(name, ".txt") + " email, plain text part"
	case strings.HasPrefix(p, "email/"):
		return name + " email, HTML part"
	}
	return name + " page"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// unitFlash is the note after an action on a unit's page.
func unitFlash(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "removed":
		return "The lesson will be removed when you publish. Readers who had it keep it in their history."
	case "moved":
		return "The order is changed as a draft. Each lesson keeps its name, so readers mid-course get no lesson twice."
	case "discarded":
		return "The drafts are discarded. The course is as last published."
	}
	return ""
}
