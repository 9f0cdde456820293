package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
)

// publishData is the publish page: of a unit's drafts, or of an older
// version to be made the latest again (a rollback).
type publishData struct {
	Unit, UnitTitle string
	Latest          int // the latest published version; 0 for none
	Republish       int // the version to publish again; 0 for the drafts
	Changes         []fileChange
	Problems        []problemLink
	Impact          *impact // nil for the templates, or with problems
	Templates       bool
	Nothing         bool   // there is nothing to publish
	Shown           string // what the page shows, for the POST to compare
	Name            string
	Action, History string
}

// publishView is the publish page's data for unit's drafts (rollback 0)
// or for its version rollback.
func (s *Server) publishView(ctx context.Context, unit string, rollback int) (*publishData, error) {
	var d *draftView
	var err error
	if rollback > 0 {
		d, err = s.loadVersion(ctx, unit, rollback)
	} else {
		d, err = s.loadDraft(ctx, unit, nil)
	}
	if err != nil {
		return nil, err
	}
	_, cur, err := s.DB.VersionFiles(ctx, unit, 0)
	if err != nil && !errors.Is(err, drip.ErrNotFound) {
		return nil, err
	}
	pd := &publishData{Unit: unit, UnitTitle: s.unitHeading(unit), Latest: d.Latest, Republish: rollback,
		Changes: fileChanges(cur, d.Files, "Published", "After"), Problems: s.problemLinks(d), Templates: unit == store.Templates,
		Shown: d.Files.Hash() + "." + strconv.Itoa(d.Latest), History: contentURL(unit, "history", "")}
	pd.Nothing = (rollback == 0 && !d.Drafted) || (len(pd.Changes) == 0 && d.Conflict == nil)
	pd.Action = contentURL(unit, "publish", "")
	if rollback > 0 {
		pd.Action = contentURL(unit, "republish", strconv.Itoa(rollback))
	}
	if crs, ok := d.courseOf(); ok && !pd.Nothing {
		if pd.Impact, err = s.impactOf(ctx, crs); err != nil {
			return nil, err
		}
	}
	return pd, nil
}

func (s *Server) publishPage(w http.ResponseWriter, r *http.Request) {
	s.showPublish(w, r, http.StatusOK, 0, "", "")
}

func (s *Server) republishPage(w http.ResponseWriter, r *http.Request) {
	n, ok := s.versionOfURL(w, r)
	if ok {
		s.showPublish(w, r, http.StatusOK, n, "", "")
	}
}

// showPublish renders the publish page; problem says why a POST did not
// publish, and name keeps what the operator typed.
func (s *Server) showPublish(w http.ResponseWriter, r *http.Request, status, rollback int, name, problem string) {
	pd, err := s.publishView(r.Context(), unitOfURL(r), rollback)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	pd.Name = name
	title := "Publish " + pd.UnitTitle
	if rollback > 0 {
		title = "Publish version " + strconv.Itoa(rollback) + " of " + pd.UnitTitle + " again"
	}
	s.adminRender(w, r, status, "content_publish", &adminPage{Title: title, Section: "content", Error: problem, Data: pd})
}

// versionOfURL is the version number in the URL; on a bad one it answers
// the request and returns false.
func (s *Server) versionOfURL(w http.ResponseWriter, r *http.Request) (int, bool) {
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 {
		s.adminError(w, r, http.StatusNotFound, "There is no such version.")
		return 0, false
	}
	return n, true
}

// courseOf is the draft's course, when it is a course's and loaded.
func (d *draftView) courseOf() (*course.Course, bool) {
	if d.Content == nil || d.Unit == store.Templates {
		return nil, false
	}
	return d.Content.Course(d.Unit)
}

// errChanged refuses a publish whose files are not those the operator
// was shown.
var errChanged = errors.New("admin: the drafts changed since they were shown")

func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	s.publishPost(w, r, 0)
}

func (s *Server) republish(w http.ResponseWriter, r *http.Request) {
	if n, ok := s.versionOfURL(w, r); ok {
		s.publishPost(w, r, n)
	}
}

// publishPost publishes what the page showed: the POST carries the hash
// of the files and the latest version it was shown, and the check inside
// the publishing transaction compares the files it is about to publish,
// so nothing but what was on screen goes out.
func (s *Server) publishPost(w http.ResponseWriter, r *http.Request, rollback int) {
	unit := unitOfURL(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	refuse := func(status int, msg string) { s.showPublish(w, r, status, rollback, name, msg) }
	switch {
	case name == "" || len(name) > 80:
		refuse(http.StatusUnprocessableEntity, "Type your name (up to 80 letters): it is kept in the history with this version.")
		return
	case r.PostFormValue("confirm") != "yes":
		refuse(http.StatusUnprocessableEntity, "Tick the box to say you have read what changes for readers, then publish.")
		return
	}
	pd, err := s.publishView(r.Context(), unit, rollback)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	switch {
	case pd.Nothing:
		refuse(http.StatusConflict, "There is nothing to publish: no saved draft changes anything.")
		return
	case r.PostFormValue("shown") != pd.Shown:
		refuse(http.StatusConflict, "The drafts changed since you looked: someone saved or published meanwhile. Nothing was published. Read what changes below again, then publish.")
		return
	case len(pd.Problems) > 0:
		refuse(http.StatusUnprocessableEntity, "Nothing was published: fix the problems listed below first.")
		return
	}
	v, err := s.publishChecked(r.Context(), unit, rollback, name, pd.Shown)
	if err != nil {
		s.publishFailed(w, r, rollback, name, err)
		return
	}
	s.published(r, unit, v)
	http.Redirect(w, r, contentURL(unit, "history", "")+"?published="+strconv.Itoa(v.Number), http.StatusSeeOther)
}

// publishChecked publishes the drafts, or version rollback, through the
// checks of dripcourse check within the render bounds, and only if the
// files are those shown (hash before the dot of shown).
func (s *Server) publishChecked(ctx context.Context, unit string, rollback int, by, shown string) (store.Version, error) {
	want, _, _ := strings.Cut(shown, ".")
	check := func(units map[string]store.Files) error {
		if units[unit].Hash() != want {
			return errChanged
		}
		return render.Within(ctx, render.RenderTimeout, unitFolder(unit), func() error {
			_, err := s.loadContent(ctx, units)
			return err
		})
	}
	if rollback > 0 {
		return s.DB.Republish(ctx, unit, rollback, by, s.Now(), check)
	}
	return s.DB.PublishDrafts(ctx, unit, by, s.Now(), check)
}

// publishFailed shows why a publish did not happen, with the page as it
// is now.
func (s *Server) publishFailed(w http.ResponseWriter, r *http.Request, rollback int, name string, err error) {
	var ce *store.ConflictError
	var ps drip.Problems
	switch {
	case errors.Is(err, errChanged):
		s.showPublish(w, r, http.StatusConflict, rollback, name, "The drafts changed since you looked: someone saved or published meanwhile. Nothing was published. Read what changes below again, then publish.")
	case errors.As(err, &ce):
		s.showPublish(w, r, http.StatusConflict, rollback, name, "Nothing was published: "+conflictWords(ce))
	case errors.As(err, &ps):
		s.showPublish(w, r, http.StatusUnprocessableEntity, rollback, name, "Nothing was published: fix the problems listed below first.")
	case errors.Is(err, store.ErrDraftProblems):
		s.showPublish(w, r, http.StatusUnprocessableEntity, rollback, name, "Nothing was published: a draft was saved with problems. Open the files marked \"has problems\" on the course's page, fix them and save.")
	default:
		s.adminFail(w, r, err)
	}
}

// published logs a new version and puts it in use here at once.
func (s *Server) published(r *http.Request, unit string, v store.Version) {
	s.logger(r).Info("admin: content published", "unit", unit, "version", v.Number, "by", v.By)
	if s.Publishing.Published == nil {
		return
	}
	if err := s.Publishing.Published(r.Context()); err != nil {
		s.logger(r).Warn("admin: published, but not yet in use here; the next look at the database will load it", "err", err)
	}
}
