package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

func TestAdminReaderSearch(t *testing.T) {
	a := newAdmin(t)
	a.login()
	a.reader("Sam.Reader@Example.com")
	a.reader("bob@example.org")
	res, page := a.get("/admin/readers?q=SAM.R")
	if res.StatusCode != 200 || !strings.Contains(page, "Sam.Reader@Example.com") || strings.Contains(page, "bob@example.org") {
		t.Fatalf("search: %d\n%s", res.StatusCode, page)
	}
	if _, page := a.get("/admin/readers?status=pending"); strings.Contains(page, "bob@example.org") {
		t.Fatal("the status filter let an active reader through")
	}
	if _, page := a.get("/admin/readers?status=active"); !strings.Contains(page, "2 readers") {
		t.Fatal("the active filter should find both readers")
	}
}

func TestAdminReaderTimelineAndActions(t *testing.T) {
	a := newAdmin(t)
	a.login()
	sub, _ := a.reader("sam@example.com")
	base := "/admin/readers/" + itoa(sub)
	res, page := a.get(base)
	for _, want := range []string{"Signed up", "Confirmed the address", "Lesson 1, Welcome", "Pause the course", `value="a-real-apology"`} {
		if !strings.Contains(page, want) {
			t.Errorf("reader page lacks %q", want)
		}
	}
	if strings.Contains(page, `<option value="welcome"`) {
		t.Error("the move list offers a lesson the reader already had")
	}
	steps := []struct {
		path   string
		form   url.Values
		status int
		enroll drip.EnrollmentStatus
	}{
		{"/pause", nil, http.StatusSeeOther, drip.EnrollPaused},
		{"/pause", nil, http.StatusConflict, drip.EnrollPaused},
		{"/resume", nil, http.StatusSeeOther, drip.EnrollActive},
		{"/move", url.Values{"lesson": {"welcome"}}, http.StatusConflict, drip.EnrollActive},
		{"/move", url.Values{"lesson": {"../../etc"}}, http.StatusNotFound, drip.EnrollActive},
		{"/move", url.Values{"lesson": {"a-real-apology"}}, http.StatusSeeOther, drip.EnrollActive},
	}
	for _, st := range steps {
		res, _ = a.post(base+st.path, st.form)
		e, _ := a.db.Enrollment(context.Background(), sub, "rebuilding-trust")
		if res.StatusCode != st.status || e.Status != st.enroll {
			t.Fatalf("POST %s %v: %d, enrollment %s; want %d, %s", st.path, st.form, res.StatusCode, e.Status, st.status, st.enroll)
		}
	}
	received, _ := a.db.Received(context.Background(), sub, "rebuilding-trust")
	if len(received) != 2 || received[1].Slug != "why-trust-breaks" || received[1].Status != drip.DeliverySkipped {
		t.Fatalf("after the move: %+v; want why-trust-breaks skipped", received)
	}
	if _, page = a.get(base); !strings.Contains(page, "skipped by the operator") {
		t.Error("the timeline does not show the skipped lesson")
	}
	if res, page = a.post(base+"/unsubscribe", nil); res.StatusCode != http.StatusOK || a.status("sam@example.com") != drip.StatusActive ||
		!strings.Contains(page, `name="confirm" value="yes"`) {
		t.Fatalf("unsubscribe without confirming: %d, %s; want the confirmation page and nothing changed", res.StatusCode, a.status("sam@example.com"))
	}
	if res, page = a.get(base + "/unsubscribe"); res.StatusCode != http.StatusOK || !strings.Contains(page, "Unsubscribe sam@example.com?") {
		t.Fatalf("the confirmation page: %d", res.StatusCode)
	}
	if res, _ = a.post(base+"/unsubscribe", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther || a.status("sam@example.com") != drip.StatusUnsubscribed {
		t.Fatalf("unsubscribe: %d, %s", res.StatusCode, a.status("sam@example.com"))
	}
}

func TestAdminReaderExport(t *testing.T) {
	a := newAdmin(t)
	a.login()
	sub, _ := a.reader("sam@example.com")
	res, body := a.get("/admin/readers/" + itoa(sub) + "/export")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	var got struct {
		Reader store.ReaderRecord `json:"reader"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	r := got.Reader
	if r.Subscriber.Email != "sam@example.com" || len(r.Enrollments) != 1 || len(r.Deliveries) != 1 || len(r.Deliveries[0].Attempts) != 1 ||
		len(r.Events) < 2 || len(r.Confirmations) != 1 {
		t.Fatalf("export misses something:\n%s", body)
	}
}

func TestAdminEraseSuppresses(t *testing.T) {
	a := newAdmin(t)
	a.login()
	sub, _ := a.reader("Sam@Example.com")
	base := "/admin/readers/" + itoa(sub) + "/erase"
	if res, page := a.get(base); res.StatusCode != 200 || !strings.Contains(page, "Type the address to confirm") {
		t.Fatalf("erase page: %d", res.StatusCode)
	}
	if res, _ := a.post(base, url.Values{"confirm": {"someone@else.com"}}); res.StatusCode != http.StatusUnprocessableEntity || a.status("sam@example.com") == "" {
		t.Fatalf("erase with the wrong confirmation: %d; the reader must stay", res.StatusCode)
	}
	box, _ := mailer.NewOutbox(filepath.Join(t.TempDir(), "outbox"), nil)
	a.srv.Outbox = box
	for i, to := range []string{"Sam@Example.com", "other@example.com"} {
		box.Send(context.Background(), &mailer.Message{FromAddr: "c@example.test", ToAddr: to, Subject: "x",
			MessageID: "m" + itoa(int64(i)) + "@example.test", Text: "hello"})
	}
	if res, _ := a.post(base, url.Values{"confirm": {" sam@example.com "}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("erase: %d", res.StatusCode)
	}
	if left, _ := filepath.Glob(filepath.Join(box.Dir, "*.eml")); len(left) != 1 {
		t.Fatalf("%d outbox files left, want only the other reader's", len(left))
	}
	if a.status("sam@example.com") != "" {
		t.Fatal("the reader is still there")
	}
	if ok, _ := a.db.Suppressed(context.Background(), "sam@example.com"); !ok {
		t.Fatal("no suppression left")
	}
	if res, _ := a.do("POST", "/subscribe", a.form("SAM@example.com", 5*time.Second)); res.StatusCode != 200 || a.status("sam@example.com") != "" {
		t.Fatalf("signup after erasure: %d, status %q; want the usual page and nobody added", res.StatusCode, a.status("sam@example.com"))
	}
	if res, _ := a.get("/admin/readers/" + itoa(sub)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("erased reader's page: %d, want 404", res.StatusCode)
	}
}

func TestAdminOutbox(t *testing.T) {
	a := newAdmin(t)
	a.login()
	if _, page := a.get("/admin/outbox"); !strings.Contains(page, "SMTP server") {
		t.Fatal("with no outbox the page should say mail goes to the SMTP server")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "outbox")
	box, err := mailer.NewOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "secret.eml"), []byte("Subject: secret\r\n\r\nkeep out"), 0o600)
	m := &mailer.Message{FromName: "Course", FromAddr: "c@example.test", ToAddr: "ann@example.com", Subject: "Grüße, Ann",
		MessageID: "m1@example.test", Date: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Text: "Hello in text", HTML: "<p>Hello in <b>HTML</b></p>"}
	if err := box.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	a.srv.Outbox = box
	res, page := a.get("/admin/outbox")
	if res.StatusCode != 200 || !strings.Contains(page, "Grüße, Ann") || !strings.Contains(page, "ann@example.com") {
		t.Fatalf("outbox list: %d\n%s", res.StatusCode, page)
	}
	names, _ := box.List()
	msg := "/admin/outbox/" + url.PathEscape(names[0])
	if res, page = a.get(msg); res.StatusCode != 200 || !strings.Contains(page, "Hello in text") || !strings.Contains(page, msg+"/html") {
		t.Fatalf("message: %d\n%s", res.StatusCode, page)
	}
	if res, page = a.get(msg + "/html"); !strings.Contains(page, "<b>HTML</b>") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("message HTML: %q, CSP %q", page, res.Header.Get("Content-Security-Policy"))
	}
	if res, page = a.get(msg + "/raw"); !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") || !strings.Contains(page, "Message-ID: <m1@example.test>") {
		t.Fatalf("raw: %q\n%s", res.Header.Get("Content-Type"), page)
	}
	for _, name := range []string{"..%2fsecret.eml", "..%2Fsecret.eml", "%2e%2e%2fsecret.eml", "..", "secret.eml"} {
		for _, suffix := range []string{"", "/raw", "/html"} {
			if res, page := a.get("/admin/outbox/" + name + suffix); res.StatusCode != http.StatusNotFound || strings.Contains(page, "keep out") {
				t.Errorf("GET /admin/outbox/%s%s: %d, want 404", name, suffix, res.StatusCode)
			}
		}
	}
}

// Any page number, however large, negative or malformed, shows a page of
// the list: past the end, the last one.
func TestAdminReaderPageNumbers(t *testing.T) {
	a := newAdmin(t)
	a.login()
	ctx, now := context.Background(), a.clock.Now()
	for i := range ReadersPerPage + 3 {
		if _, err := a.db.Subscribe(ctx, store.Signup{Email: fmt.Sprintf("r%03d@example.com", i), At: now, MaxConfirmations: 3, ConfirmWindow: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	for page, want := range map[string]string{
		"": "page 1 of 2", "1": "page 1 of 2", "0": "page 1 of 2", "-3": "page 1 of 2", "abc": "page 1 of 2", "1e3": "page 1 of 2",
		"2": "page 2 of 2", "3": "page 2 of 2", "1000": "page 2 of 2", "9223372036854775807": "page 2 of 2",
		"99999999999999999999999": "page 2 of 2", "-99999999999999999999999": "page 1 of 2",
	} {
		res, body := a.get("/admin/readers?page=" + url.QueryEscape(page))
		if res.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("page=%s: %d, want 200 and %q", page, res.StatusCode, want)
			continue
		}
		if want == "page 2 of 2" && (!strings.Contains(body, "r002@example.com") || strings.Contains(body, "r003@example.com")) {
			t.Errorf("page=%s does not list the last page's readers", page)
		}
	}
}

// A reader's own "pause a week" shows on their page with its end, and
// the operator's resume ends it: the next lesson comes back to its time.
func TestAdminShowsAndEndsReadersOwnPause(t *testing.T) {
	a := newAdmin(t)
	a.login()
	sub, del := a.reader("sam@example.com")
	if res, _ := a.do("POST", a.srv.Links.Path(token.Pause, sub, del, a.clock.Now()), nil); res.StatusCode != http.StatusOK {
		t.Fatalf("the reader's pause: %d", res.StatusCode)
	}
	e, _ := a.db.Enrollment(context.Background(), sub, "rebuilding-trust")
	until := e.NextDueAt
	base := "/admin/readers/" + itoa(sub)
	_, page := a.get(base)
	for _, want := range []string{"until " + formatTime(until), "Paused for a week", `action="` + base + `/resume"`} {
		if !strings.Contains(page, want) {
			t.Errorf("reader page lacks %q", want)
		}
	}
	a.clock.Advance(time.Hour)
	if res, _ := a.post(base+"/resume", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resume: %d, want 303", res.StatusCode)
	}
	e, _ = a.db.Enrollment(context.Background(), sub, "rebuilding-trust")
	if e.Status != drip.EnrollActive || !e.NextDueAt.Before(until) || e.NextDueAt.Before(a.clock.Now()) {
		t.Fatalf("after resume: %s, next due %s; want active and due before %s", e.Status, e.NextDueAt, until)
	}
	if _, page = a.get(base); strings.Contains(page, "paused-until") || !strings.Contains(page, "Resumed") {
		t.Error("after resume the page still shows the pause, or no resume in the timeline")
	}
	if res, _ := a.post(base+"/resume", nil); res.StatusCode != http.StatusConflict {
		t.Fatalf("a second resume: %d, want 409", res.StatusCode)
	}
}
