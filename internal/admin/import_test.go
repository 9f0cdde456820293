package admin

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// upload posts a CSV file to the import form.
func (a *admin) upload(csv string, confirmed bool) (*http.Response, string) {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if confirmed {
		mw.WriteField("confirmed", "yes")
	}
	fw, _ := mw.CreateFormFile("file", "readers.csv")
	fw.Write([]byte(csv))
	mw.Close()
	return a.req("POST", "/admin/import", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func TestAdminImportReportsBadRows(t *testing.T) {
	a := newAdmin(t)
	a.login()
	a.reader("old@example.com")
	csv := "email,name,timezone\n" +
		"ann@example.com,Ann,Europe/Paris\n" +
		"not-an-address,Bob,\n" +
		"old@example.com,Old,\n" +
		"cat@example.com,Cat,Mars/Olympus\n" +
		",,\n" +
		"dan@example.com\n"
	res, page := a.upload(csv, true)
	if res.StatusCode != 200 {
		t.Fatalf("import: %d\n%s", res.StatusCode, page)
	}
	for _, want := range []string{"2 added, 1 already present, 0 suppressed, 3 bad rows", "line 3: &#34;not-an-address&#34; is not a valid email address",
		"line 4: old@example.com is already a reader", "line 5: unknown timezone", "line 6: no email address"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if a.status("ann@example.com") != "active" || a.status("dan@example.com") != "active" || a.status("cat@example.com") != "" {
		t.Fatalf("after import: ann %q, dan %q, cat %q", a.status("ann@example.com"), a.status("dan@example.com"), a.status("cat@example.com"))
	}
	if res, page := a.upload("name,timezone\nx,y\n", false); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "header") {
		t.Fatalf("file without an email column: %d", res.StatusCode)
	}
	if res, _ := a.upload("email\n"+strings.Repeat("x", MaxImport+100<<10), false); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized upload: %d, want 413", res.StatusCode)
	}
}

func TestAdminExportCSV(t *testing.T) {
	a := newAdmin(t)
	a.login()
	a.reader("sam@example.com")
	res, body := a.get("/admin/export.csv")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines) != 2 || lines[0] != strings.Join(ExportHeader, ",") || !strings.HasPrefix(lines[1], "sam@example.com,,,active,") ||
		!strings.HasSuffix(lines[1], ",welcome,2026-12-02T12:00:00Z,active") {
		t.Fatalf("export:\n%s", body)
	}
}

// uploadJob uploads csv as a file too large to import within the request
// and returns the job's page.
func (a *admin) uploadJob(csv string) string {
	a.t.Helper()
	a.srv.imports.inline = 10 // bytes: every upload here runs in the background
	res, _ := a.upload(csv, true)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/import/") {
		a.t.Fatalf("a large upload: %d to %q, want 303 to its job's page", res.StatusCode, loc)
	}
	return loc
}

// An upload too large for one request is imported in the background; its
// page gives the report, for as long as the operator likes, and the
// import page lists it.
func TestAdminImportInTheBackground(t *testing.T) {
	a := newAdmin(t)
	a.login()
	a.reader("old@example.com")
	page := a.uploadJob("email,name\nann@example.com,Ann\nold@example.com,Old\nnot-an-address,Bob\n")
	a.srv.waitJob(strings.TrimPrefix(page, "/admin/import/"))
	res, body := a.get(page)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "1 added, 1 already present, 0 suppressed, 1 bad rows") ||
		strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("the finished job's page: %d\n%s", res.StatusCode, body)
	}
	if a.status("ann@example.com") != "active" {
		t.Fatalf("ann is %q after the import, want active", a.status("ann@example.com"))
	}
	if _, body := a.get("/admin/import"); !strings.Contains(body, `href="`+page+`"`) || !strings.Contains(body, ">done<") {
		t.Error("the import page does not list the finished job")
	}
	left, _ := filepath.Glob(filepath.Join(os.TempDir(), "dripcourse-import-*.csv"))
	for _, f := range left {
		if fi, err := os.Stat(f); err == nil && time.Since(fi.ModTime()) < time.Minute {
			t.Errorf("the upload's copy %s is left behind", f)
		}
	}
}

// A job's state says where it stands: running (the page reloads itself,
// and no second job starts), or interrupted when its process stopped
// mid-import (it has not been heard from), with what to do.
func TestAdminImportJobStates(t *testing.T) {
	a := newAdmin(t)
	a.login()
	now := a.clock.Now()
	running := &importJob{ID: newJobID(now), File: "big.csv", Size: 1000, Read: 400, Started: now, Updated: now, State: jobRunning}
	if err := a.srv.saveJob(running); err != nil {
		t.Fatal(err)
	}
	page := "/admin/import/" + running.ID
	if _, body := a.get(page); !strings.Contains(body, "Importing: 40% of the file read") || !strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("a running job's page:\n%s", body)
	}
	a.srv.imports.inline = 10
	if res, body := a.upload("email\nx@example.com\n", false); res.StatusCode != http.StatusConflict || !strings.Contains(body, "Another import is still running") {
		t.Fatalf("a second large upload while one runs: %d, want 409", res.StatusCode)
	}
	a.clock.Advance(jobStale + time.Second) // its process stopped: no more progress
	_, body := a.get(page)
	for _, want := range []string{"This import was interrupted", "40% of the file had been read", "import the same file again"} {
		if !strings.Contains(body, want) {
			t.Errorf("an interrupted job's page lacks %q", want)
		}
	}
	if res, _ := a.get("/admin/import/no-such-job"); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown job: %d, want 404", res.StatusCode)
	}
}
