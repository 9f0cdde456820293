// Package admin serves the operator's pages under /admin: each course's
// dashboard, and its lessons with their previews and test sends, chosen
// with a course switcher (courses.go); the readers with their timelines,
// each of their courses with the operator's actions on it (pause,
// resume, move, stop), and the actions on the reader as a whole
// (unsubscribe, export, erase); bounces and complaints, the outbox, and
// CSV import and export.
// The route table is in this file; each feature has a small file of its
// own.
//
// The admin is an http.Handler that the public server (package web)
// mounts at /admin, so its requests carry web's request IDs, logs, panic
// recovery and CSP nonce. Errors become answers through web's one table
// of answers, with the operator's sentence. Every page but the login
// needs a session; every state-changing request must come from the
// admin's own pages.
package admin

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/editor"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/versions"
	"github.com/dripcourse/dripcourse/internal/web"
)

// Server holds what the admin's handlers share. Build it in cmd, and give
// its Handler to web.Server's Admin.
type Server struct {
	DB       *store.DB
	Links    *links.Maker
	Composer *compose.Composer
	Library  *compose.Library
	Now      func() time.Time
	Log      *slog.Logger
	// Sender sends the test lessons asked for on the lesson pages: the
	// dispatcher's own sender, so a test goes the way lessons go.
	Sender mailer.Sender
	// Outbox is the outbox the sender writes to, shown on the outbox
	// pages; nil when mail goes to an SMTP server.
	Outbox *mailer.Outbox
	// LimitCounter, when set, counts login attempts in the shared
	// database, so instances share the login limit. Nil counts in memory.
	LimitCounter httprate.LimitCounter
	// FormOrigins and Captcha are what the signup forms' snippets need to
	// know (forms.go): the sites allowed to use them, and whether the
	// captcha is on.
	FormOrigins []string
	Captcha     bool
	// Integrations, when set, serves the API keys and webhooks pages
	// (integrations.go).
	Integrations *Integrations
	// Publishing, when set, serves the preview, publish and history of
	// edited content under /admin/content (content_preview*.go,
	// content_publish*.go, content_history*.go).
	Publishing *Publishing
	// LoadContent checks and loads content as dripcourse check does, for
	// the content editor's saves (content_check.go); nil uses
	// versions.Loader with no default templates.
	LoadContent func(ctx context.Context, units versions.Units) (*compose.Content, error)

	editor  *editor.Assets // the text editor's script, made by Handler
	logins  *loginState    // built by Handler
	imports importJobs     // the background imports this process runs
	faults  web.Faults     // database faults are logged once, not per request

	counterFaults counterFaults // LimitCounter's failures, see counter.go
}

func (s *Server) content() *compose.Content { return s.Library.Content() }

// logger is the request's logger, carrying its request ID.
func (s *Server) logger(r *http.Request) *slog.Logger {
	if l := web.RequestLog(r); l != nil {
		return l
	}
	return s.Log
}

// The admin's pages are part of the program, not of the operator's
// templates/ directory: an operator restyling the course can never break
// the tools needed to fix it.
//
//go:embed pages/*.html
var adminFiles embed.FS

// adminPages are parsed once; they are built in, so a mistake in them is
// caught by any test that starts a Server.
var adminPages = mustParseAdmin(adminFiles)

// loginState is what the login handlers share beyond the Server.
type loginState struct {
	perIP, perDevice *httprate.RateLimiter // count login attempts (loginlimit.go)
	checking         chan struct{}         // password checks in progress
	known            chan struct{}         // the check reserved for known devices
	waiting          atomic.Int32          // logins waiting for a check
}

// maxPasswordChecks is how many argon2id checks may run at once, besides
// the one kept for browsers that have logged in before. Logins beyond
// them wait their turn, up to maxLoginWaiters of them for up to loginWait
// each: refused at once, a few clients from fresh addresses could keep the
// operator out for as long as they liked.
const (
	maxPasswordChecks = 2
	maxLoginWaiters   = 64
	loginWait         = 10 * time.Second
)

// Handler returns the admin's route table, to be mounted at /admin. Every
// route but the login page needs a session; every state-changing request
// must come from our own pages (http.CrossOriginProtection), so another
// site cannot make a logged-in operator's browser act.
func (s *Server) Handler() http.Handler {
	s.imports = importJobs{done: map[string]chan struct{}{}, inline: inlineImport}
	s.logins = &loginState{checking: make(chan struct{}, maxPasswordChecks), known: make(chan struct{}, 1)}
	s.logins.perIP, s.logins.perDevice = newLoginLimits(s.LimitCounter, s)
	r := chi.NewRouter()
	r.Use(adminHeaders)
	r.NotFound(s.adminNotFound)
	r.MethodNotAllowed(s.methodNotAllowed)
	r.Group(func(r chi.Router) {
		r.Use(middleware.RequestSize(web.MaxBody))
		r.Get("/login", s.loginPage)
		r.Post("/login", s.login)
	})
	r.Group(func(r chi.Router) {
		r.Use(middleware.RequestSize(web.MaxBody), s.requireAdmin, s.knownCourse)
		r.Get("/", s.dashboard)
		r.Post("/logout", s.logout)
		r.Get("/lessons", s.lessonsPage)
		r.Get("/lessons/{slug}", s.lessonPage)
		r.Get("/lessons/{slug}/email", s.lessonEmail)
		r.Post("/lessons/{slug}/test", s.sendTest)
		r.Get("/readers", s.readersPage)
		r.Get("/readers/{id}", s.readerPage)
		r.Get("/readers/{id}/export", s.exportReader)
		r.Get("/readers/{id}/erase", s.erasePage)
		r.Post("/readers/{id}/erase", s.erase)
		r.Post("/readers/{id}/pause", s.pauseReader)
		r.Post("/readers/{id}/resume", s.resumeReader)
		r.Get("/readers/{id}/unsubscribe", s.unsubscribePage)
		r.Post("/readers/{id}/unsubscribe", s.unsubscribeReader)
		r.Post("/readers/{id}/move", s.moveReader)
		r.Post("/readers/{id}/stop", s.stopReader)
		r.Get("/bounces", s.bouncesPage)
		r.Get("/outbox", s.outboxPage)
		r.Get("/outbox/{name}", s.outboxMessage)
		r.Get("/outbox/{name}/html", s.outboxHTML)
		r.Get("/outbox/{name}/raw", s.outboxRaw)
		r.Get("/import", s.importPage)
		r.Get("/import/{id}", s.importJobPage)
		r.Get("/export.csv", s.exportCSV)
		r.Get("/forms", s.formsIndex)
		r.Get("/forms/{slug}", s.formsPage)
		s.integrationRoutes(r)
	})
	// The content editor (content_*.go): the units, each file in the
	// editor, drafts; lessons added, removed and moved; the editor's script.
	s.editor = editor.New("/admin/assets")
	r.Handle("/assets/*", s.editor)
	r.Group(func(r chi.Router) {
		r.Use(middleware.RequestSize(maxContentBody), s.requireAdmin)
		r.Get("/content", s.contentIndex)
		r.Get("/content/{unit}", s.contentUnit)
		r.Get("/content/{unit}/edit/*", s.contentEdit)
		r.Post("/content/{unit}/edit/*", s.contentSave)
		r.Post("/content/{unit}/add", s.contentAdd)
		r.Get("/content/{unit}/remove", s.contentRemovePage)
		r.Post("/content/{unit}/remove", s.contentRemove)
		r.Post("/content/{unit}/move", s.contentMove)
		r.Get("/content/{unit}/discard", s.contentDiscardPage)
		r.Post("/content/{unit}/discard", s.contentDiscard)
	})
	r.Group(func(r chi.Router) {
		r.Use(middleware.RequestSize(MaxImport+64<<10), s.requireAdmin)
		r.Post("/import", s.importCSV)
	})
	// Content preview, publish and history (content_preview*.go,
	// content_publish*.go, content_history*.go): a live preview posts a
	// whole file, up to the store's cap.
	if s.Publishing != nil {
		r.Group(func(r chi.Router) {
			r.Use(middleware.RequestSize(store.MaxFileBytes+64<<10), s.requireAdmin)
			r.Post("/content/{unit}/preview/*", s.livePreview)
			r.Get("/content/{unit}/preview/*", s.previewPage)
			r.Post("/content/{unit}/test/*", s.testDraft)
			r.Get("/content/{unit}/publish", s.publishPage)
			r.Post("/content/{unit}/publish", s.publish)
			r.Get("/content/{unit}/history", s.historyPage)
			r.Get("/content/{unit}/diff", s.diffPage)
			r.Get("/content/{unit}/republish/{n}", s.republishPage)
			r.Post("/content/{unit}/republish/{n}", s.republish)
		})
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOrigin))
	return cop.Handler(r)
}

// adminHeaders replaces the public pages' policy with the admin's: no
// script at all, styles by nonce, and frames only from our own origin
// (for the sandboxed email previews).
func adminHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+web.Nonce(r)+
			"'; img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		next.ServeHTTP(w, r)
	})
}

// framedHeaders are for an email's HTML shown inside an admin page: the
// email's inline styles apply, nothing runs, and only our own pages may
// frame it.
func framedHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "+
		"form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

// adminPage is the data of every admin page.
type adminPage struct {
	Title   string
	Section string // which navigation entry is current
	Nonce   string
	Course  string // the title the page is about: its course's, or the install's
	// Current is the slug of the course the page is about; "" for none
	// (the reader list of every course, the bounces, the outbox).
	Current string
	Switch  []switchLink // the course switcher; nil with one course
	Nav     navLinks
	Flash   string // the outcome of the last action
	Menu    bool   // the request is signed in: show the admin's menu
	Refresh int    // seconds after which the page reloads itself; 0 never
	Script  string // the URL of a script the page loads (the text editor's); "" for none
	Error   string
	Data    any // the page's own data
}

func mustParseAdmin(fsys fs.FS) map[string]*template.Template {
	funcs := template.FuncMap{"when": formatTime, "add": func(a, b int) int { return a + b }, "pct": pct, "rate": rateOf,
		"kind": func(k string) string { return kindWords[k] }, "publisher": publisher}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(fsys, "pages/layout.html"))
	names, _ := fs.Glob(fsys, "pages/*.html")
	pages := map[string]*template.Template{}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(fsys, file))
	}
	return pages
}

// formatTime shows a stored time in UTC, or a dash for never.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// adminRender renders an admin page into a buffer and writes it.
func (s *Server) adminRender(w http.ResponseWriter, r *http.Request, status int, name string, p *adminPage) {
	tpl, ok := adminPages[name]
	if !ok {
		s.logger(r).Error("admin page missing", "page", name)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	p.Nonce = web.Nonce(r)
	s.placeCourse(r, p)
	p.Menu = s.signedIn(r)
	if p.Flash == "" {
		p.Flash = s.flash(r)
	}
	var buf bytes.Buffer
	if err := tpl.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.logger(r).Error("render admin page", "page", name, "err", err)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// navLinks are the menu's links that keep the course chosen in the URL.
type navLinks struct{ Dashboard, Lessons, Readers string }

// placeCourse fills in what a page says of courses: the title in its
// header, the switcher, and the menu's links, which keep the course the
// URL chose.
func (s *Server) placeCourse(r *http.Request, p *adminPage) {
	keep := chosen(r)
	if p.Current == "" && p.Section != "readers" {
		p.Current = keep
	}
	switch {
	case p.Current != "":
		p.Course = s.courseTitle(p.Current)
	case s.several():
		p.Course = "Every course"
	default:
		p.Course = s.content().Default().Title
	}
	p.Switch = s.switcher(p.Section, p.Current)
	p.Nav = navLinks{Dashboard: s.inCourse("/admin", keep), Lessons: s.inCourse("/admin/lessons", keep), Readers: s.inCourse("/admin/readers", keep)}
}

// flash is the note of what the last action did, naming the course it
// acted on when there are several.
func (s *Server) flash(r *http.Request) string {
	f := flashes[r.URL.Query().Get("done")]
	if f != "" && chosen(r) != "" && s.several() {
		f += " Course: " + s.courseTitle(chosen(r)) + "."
	}
	return f
}

// flashes are the messages an action's redirect can ask for, by key, so
// no text from a URL is ever shown on a page.
var flashes = map[string]string{
	"pause":       "The reader's course is paused.",
	"resume":      "The reader's course is running again.",
	"unsubscribe": "The reader is unsubscribed.",
	"move":        "The reader's next lesson is changed. It goes out with the next dispatch pass, unless their course is paused.",
	"stop":        "The reader's course is stopped. Their other courses go on.",
	"erased":      "The reader was erased. Only a hash of the address is kept, so it is never mailed again.",
	"test":        "The test email was sent.",
	"logout":      "You are logged out.",
}

// publisher says who published a version in an operator's words: the
// command line's publishers by what they are, an operator by name.
func publisher(by string) string {
	switch by {
	case "disk":
		return "the files on the server"
	case "import":
		return "an import of files (dripcourse course import)"
	case "cli":
		return "the command line"
	}
	return by
}
