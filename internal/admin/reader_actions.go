package admin

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/pause"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
)

// readerAction wraps one of the reader page's buttons: act on the reader
// named in the URL, then go back to their page with a note of what was
// done. A button about one course names it in the URL (?course=SLUG);
// without it, the default course.
func (s *Server) readerAction(done string, act func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := readerID(r)
		if err == nil {
			err = act(r, id)
		}
		if err != nil {
			s.adminFail(w, r, err)
			return
		}
		s.logger(r).Info("admin: reader changed", "reader", id, "action", done, "course", chosen(r))
		http.Redirect(w, r, withDone(s.inCourse("/admin/readers/"+strconv.FormatInt(id, 10), chosen(r)), done), http.StatusSeeOther)
	}
}

// courseAction is a readerAction on the reader's enrollment in the course
// the URL names.
func (s *Server) courseAction(done string, act func(r *http.Request, id int64, crs *course.Course) error) http.HandlerFunc {
	return s.readerAction(done, func(r *http.Request, id int64) error {
		crs, err := s.courseOf(r)
		if err != nil {
			return err
		}
		return act(r, id, crs)
	})
}

// changed turns "nothing changed" into ErrNotActive: the button was for a
// state the reader is no longer in.
func changed(ok bool, err error) error {
	if err == nil && !ok {
		return store.ErrNotActive
	}
	return err
}

func (s *Server) pauseReader(w http.ResponseWriter, r *http.Request) {
	s.courseAction("pause", func(r *http.Request, id int64, crs *course.Course) error {
		return changed(s.DB.PauseEnrollment(r.Context(), id, crs.Slug, s.Now()))
	})(w, r)
}

// resumeReader restarts a paused course at the reader's next send window,
// as the reader's own resume would; or ends the reader's own pause, so
// the next lesson comes when it would have without it (schedule.Unpause).
func (s *Server) resumeReader(w http.ResponseWriter, r *http.Request) {
	s.courseAction("resume", func(r *http.Request, id int64, crs *course.Course) error {
		return changed(pause.Resume(r.Context(), s.DB, crs, id, s.Now()))
	})(w, r)
}

// stopReader stops one course of the reader, as their own one-click
// unsubscribe from it would; their other courses go on.
func (s *Server) stopReader(w http.ResponseWriter, r *http.Request) {
	s.courseAction("stop", func(r *http.Request, id int64, crs *course.Course) error {
		return changed(s.DB.StopEnrollment(r.Context(), id, crs.Slug, s.Now()))
	})(w, r)
}

// unsubscribePage asks the operator to confirm an unsubscribe: the
// reader page's button leads here, so no stray click unsubscribes anyone.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	d, err := s.reader(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.adminRender(w, r, http.StatusOK, "unsubscribe", &adminPage{Title: "Unsubscribe " + d.Rec.Subscriber.Email, Section: "readers", Data: d})
}

// unsubscribeReader unsubscribes the reader once the confirmation page's
// form says so; any other POST gets the confirmation page.
func (s *Server) unsubscribeReader(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("confirm") != "yes" {
		s.unsubscribePage(w, r)
		return
	}
	s.readerAction("unsubscribe", func(r *http.Request, id int64) error {
		return changed(s.DB.Unsubscribe(r.Context(), id, 0, "operator", s.Now()))
	})(w, r)
}

// moveReader makes the chosen lesson the reader's next one, due now.
func (s *Server) moveReader(w http.ResponseWriter, r *http.Request) {
	s.courseAction("move", func(r *http.Request, id int64, crs *course.Course) error {
		now, target := s.Now(), r.PostFormValue("lesson")
		return s.DB.Move(r.Context(), id, crs.Slug, target, now, now, func(received []drip.Received) ([]string, error) {
			return schedule.PlanMove(crs, received, target)
		})
	})(w, r)
}

// exportReader answers a GDPR access request: everything held about the
// reader, as a JSON download.
func (s *Server) exportReader(w http.ResponseWriter, r *http.Request) {
	id, err := readerID(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	rec, err := s.DB.ReaderData(r.Context(), id)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	body, err := json.MarshalIndent(struct {
		ExportedAt time.Time           `json:"exported_at"`
		Reader     *store.ReaderRecord `json:"reader"`
	}{s.Now().UTC(), rec}, "", "  ")
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.logger(r).Info("admin: reader data exported", "reader", id)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="reader-`+strconv.FormatInt(id, 10)+`.json"`)
	w.Write(append(body, '\n'))
}

// erasePage is the confirmation step before an erasure: the operator
// types the address, so no stray click erases anyone.
func (s *Server) erasePage(w http.ResponseWriter, r *http.Request) {
	d, err := s.reader(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.adminRender(w, r, http.StatusOK, "erase", &adminPage{Title: "Erase " + d.Rec.Subscriber.Email, Section: "readers", Data: d})
}

func (s *Server) erase(w http.ResponseWriter, r *http.Request) {
	d, err := s.reader(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	typed := strings.TrimSpace(r.PostFormValue("confirm"))
	if !strings.EqualFold(typed, d.Rec.Subscriber.Email) {
		d.Confirm = typed
		s.adminRender(w, r, http.StatusUnprocessableEntity, "erase", &adminPage{Title: "Erase " + d.Rec.Subscriber.Email, Section: "readers",
			Error: "The address typed does not match this reader's, so nothing was erased.", Data: d})
		return
	}
	if err := s.DB.Erase(r.Context(), d.Rec.Subscriber.ID, s.Now()); err != nil {
		s.adminFail(w, r, err)
		return
	}
	removed, err := s.eraseFromOutbox(d.Rec.Subscriber.Email)
	if err != nil {
		s.logger(r).Error("admin: erase: outbox copies not all removed", "reader", d.Rec.Subscriber.ID, "err", err)
	}
	s.logger(r).Info("admin: reader erased", "reader", d.Rec.Subscriber.ID, "outbox_files", removed)
	http.Redirect(w, r, "/admin/readers?done=erased", http.StatusSeeOther)
}
