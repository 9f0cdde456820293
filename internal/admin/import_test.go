package admin

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
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
