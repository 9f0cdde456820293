package web

import (
	"errors"
	"net/http"

	"github.com/dripcourse/dripcourse/internal/drip"
)

type importData struct {
	Report    *ImportReport
	Confirmed bool
	MaxKB     int
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	s.adminRender(w, r, http.StatusOK, "import", &adminPage{Title: "Import and export", Section: "import", Data: &importData{MaxKB: MaxImport >> 10}})
}

// importCSV imports an uploaded file and shows its report on the same
// page. The route's body limit caps the upload.
func (s *Server) importCSV(w http.ResponseWriter, r *http.Request) {
	d := &importData{MaxKB: MaxImport >> 10}
	page := &adminPage{Title: "Import and export", Section: "import", Data: d}
	if err := r.ParseMultipartForm(MaxImport + 64<<10); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.adminFail(w, r, err)
			return
		}
		page.Error = "Choose a CSV file to import."
		s.adminRender(w, r, http.StatusUnprocessableEntity, "import", page)
		return
	}
	d.Confirmed = r.FormValue("confirmed") == "yes"
	f, _, err := r.FormFile("file")
	if err != nil {
		page.Error = "Choose a CSV file to import."
		s.adminRender(w, r, http.StatusUnprocessableEntity, "import", page)
		return
	}
	defer f.Close()
	im := &Importer{DB: s.DB, Course: s.content().Default(), Now: s.Now, Confirmed: d.Confirmed}
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
	s.adminRender(w, r, http.StatusOK, "import", page)
}

func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="readers-`+s.Now().UTC().Format("20060102")+`.csv"`)
	if err := ExportCSV(r.Context(), s.DB, s.content().Default(), w); err != nil {
		// The header is out already; all that is left is to log it and
		// cut the download short.
		s.logger(r).Error("admin: export failed", "err", err)
		panic(http.ErrAbortHandler)
	}
	s.logger(r).Info("admin: readers exported")
}
