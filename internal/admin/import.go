package admin

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// MaxImport caps an uploaded CSV file: some six hundred thousand readers.
const MaxImport = 32 << 20

// inlineImport is the largest upload imported within its request, a few
// thousand readers: anything larger runs as a background job, which no
// request timeout can cut short.
const inlineImport = 256 << 10

type importData struct {
	Report    *ImportReport
	Confirmed bool
	Courses   []courseOption // with several courses, the ones to import into or export
	MaxMB     int
	Jobs      []jobLine
}

// jobLine is a job in the list of recent imports.
type jobLine struct {
	*importJob
	Status string
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	d := &importData{MaxMB: MaxImport >> 20, Courses: s.courseOptions()}
	if err := s.listJobs(r, d); err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.adminRender(w, r, http.StatusOK, "import", &adminPage{Title: "Import and export", Section: "import", Data: d})
}

func (s *Server) listJobs(r *http.Request, d *importData) error {
	jobs, err := s.jobs(r.Context())
	for _, j := range jobs {
		d.Jobs = append(d.Jobs, jobLine{j, j.status(s.Now())})
	}
	return err
}

// importCSV takes an uploaded file: a small one is imported at once and
// its report shown on the same page; a larger one becomes a background
// job, and the answer is its page. The route's body limit caps the
// upload.
func (s *Server) importCSV(w http.ResponseWriter, r *http.Request) {
	d := &importData{MaxMB: MaxImport >> 20, Courses: s.courseOptions()}
	page := &adminPage{Title: "Import and export", Section: "import", Data: d}
	up, err := s.spoolUpload(r)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		s.adminFail(w, r, err)
		return
	case errors.Is(err, errUnknownCourse):
		page.Error = "There is no such course here. Choose one from the list."
		s.adminRender(w, r, http.StatusUnprocessableEntity, "import", page)
		return
	case err != nil:
		s.logger(r).Warn("admin: import upload not read", "err", err)
		page.Error = "Choose a CSV file to import."
		s.adminRender(w, r, http.StatusUnprocessableEntity, "import", page)
		return
	}
	d.Confirmed = up.Confirmed
	if up.Size > s.imports.inline {
		s.startImportJob(w, r, up, page)
		return
	}
	defer os.Remove(up.Spool)
	s.importNow(w, r, up, page)
}

// importNow imports a small upload within the request.
func (s *Server) importNow(w http.ResponseWriter, r *http.Request, up *importJob, page *adminPage) {
	d := page.Data.(*importData)
	f, err := os.Open(up.Spool)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	defer f.Close()
	im := s.importer(up.Course, d.Confirmed)
	d.Report, err = im.Import(r.Context(), f)
	switch {
	case errors.Is(err, drip.ErrInvalid):
		page.Error = err.Error() // our own sentence about the file, for the operator
		s.adminRender(w, r, http.StatusUnprocessableEntity, "import", page)
		return
	case err != nil:
		s.adminFail(w, r, err)
		return
	}
	s.logger(r).Info("admin: readers imported", "added", d.Report.Added, "existing", d.Report.Existing,
		"suppressed", d.Report.Suppressed, "bad", d.Report.Bad, "confirmed", d.Confirmed)
	s.listJobs(r, d)
	s.adminRender(w, r, http.StatusOK, "import", page)
}

// startImportJob hands a large upload to a background job, one at a time,
// and sends the operator to its page.
func (s *Server) startImportJob(w http.ResponseWriter, r *http.Request, up *importJob, page *adminPage) {
	jobs, err := s.jobs(r.Context())
	for _, j := range jobs {
		if j.status(s.Now()) == jobRunning {
			os.Remove(up.Spool)
			page.Error = "Another import is still running. Wait for it to finish (its page is listed below), then upload this file again."
			s.listJobs(r, page.Data.(*importData))
			s.adminRender(w, r, http.StatusConflict, "import", page)
			return
		}
	}
	if err == nil {
		err = s.startJob(r.Context(), up)
	}
	if err != nil {
		os.Remove(up.Spool)
		s.adminFail(w, r, err)
		return
	}
	s.logger(r).Info("admin: import job started", "job", up.ID, "bytes", up.Size)
	http.Redirect(w, r, "/admin/import/"+up.ID, http.StatusSeeOther)
}

// spoolUpload reads the form as it streams in, copying the file to a
// file of its own (the request's temporary files go when it ends, and a
// job outlives it). It returns the job the file would be.
func (s *Server) spoolUpload(r *http.Request) (*importJob, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	up := &importJob{ID: newJobID(now), Started: now, Updated: now, State: jobRunning, Course: chosen(r)}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errors.Join(err, removeSpool(up))
		}
		if err := s.readPart(p, up); err != nil {
			return nil, errors.Join(err, removeSpool(up))
		}
	}
	if up.Spool == "" {
		return nil, errors.New("admin: import: no file in the form")
	}
	return up, nil
}

// readPart takes one part of the import form: the file, or the
// "confirmed" box.
func (s *Server) readPart(p *multipart.Part, up *importJob) error {
	defer p.Close()
	switch p.FormName() {
	case "confirmed":
		v, err := io.ReadAll(io.LimitReader(p, 16))
		up.Confirmed = strings.TrimSpace(string(v)) == "yes"
		return err
	case "course":
		v, err := io.ReadAll(io.LimitReader(p, 256))
		if slug := strings.TrimSpace(string(v)); slug != "" {
			if _, ok := s.content().Set.Course(slug); !ok {
				return fmt.Errorf("admin: import: %w", errUnknownCourse)
			}
			up.Course = slug
		}
		return err
	case "file":
		if up.Spool != "" || p.FileName() == "" {
			return nil
		}
		f, err := os.CreateTemp("", "dripcourse-import-*.csv")
		if err != nil {
			return err
		}
		up.Spool, up.File = f.Name(), p.FileName()
		up.Size, err = io.Copy(f, p)
		return errors.Join(err, f.Close())
	}
	return nil
}

func removeSpool(up *importJob) error {
	if up.Spool == "" {
		return nil
	}
	return os.Remove(up.Spool)
}

type jobData struct {
	*importJob
	Status string
}

// importJobPage shows a background import: its progress while it runs
// (the page reloads itself, with no script), its report when it is done,
// and what to do when it failed or was interrupted.
func (s *Server) importJobPage(w http.ResponseWriter, r *http.Request) {
	j, err := s.job(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	p := &adminPage{Title: "Import of " + j.File, Section: "import", Data: jobData{j, j.status(s.Now())}}
	if p.Data.(jobData).Status == jobRunning {
		p.Refresh = 3
	}
	s.adminRender(w, r, http.StatusOK, "importjob", p)
}

func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="readers-`+s.Now().UTC().Format("20060102")+`.csv"`)
	if err := s.export(r, w); err != nil {
		// The header is out already; all that is left is to log it and
		// cut the download short.
		s.logger(r).Error("admin: export failed", "err", err)
		panic(http.ErrAbortHandler)
	}
	s.logger(r).Info("admin: readers exported")
}

// errUnknownCourse is an upload naming a course that is not loaded.
var errUnknownCourse = errors.New("no such course")

// importer imports into the course slug names (the default course for
// ""); a row's own course column may name any course loaded.
func (s *Server) importer(slug string, confirmed bool) *Importer {
	ct := s.content()
	crs, ok := ct.Course(slug)
	if !ok {
		crs = ct.Default()
	}
	return &Importer{DB: s.DB, Course: crs, Set: ct.Set, Now: s.Now, Confirmed: confirmed}
}

// export writes the readers as the export command does: with one course
// a row per reader, with several a row per reader and course, of the
// course the URL names or of every course.
func (s *Server) export(r *http.Request, w io.Writer) error {
	ct := s.content()
	if ct.Set.Single() {
		return ExportCSV(r.Context(), s.DB, ct.Default(), w)
	}
	return ExportEnrollments(r.Context(), s.DB, chosen(r), w)
}
