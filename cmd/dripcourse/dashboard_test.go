package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// adminGet fetches an admin page with a session of its own, keeping the
// cookie by hand (it is Secure, and the test server is plain http).
func (h *harness) adminGet(path, password string) string {
	h.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(h.web.URL+"/admin/login", url.Values{"password": {password}})
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	var cookie string
	for _, c := range res.Cookies() {
		if c.Name == "dripcourse_admin" {
			cookie = c.Name + "=" + c.Value
		}
	}
	req, _ := http.NewRequest("GET", h.web.URL+path, nil)
	req.Header.Set("Cookie", cookie)
	if res, err = client.Do(req); err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	return string(b)
}

// The dashboard's "due over the next 7 days" is what `dripcourse
// schedule` says, in the same words, and it counts the readers who
// completed the course.
func TestDashboardAgreesWithSchedule(t *testing.T) {
	const pw = "dashboard password"
	h := newHarness(t, map[string]string{"DRIP_LESSONS": trackedCourse(t), "DRIP_ADMIN_PASSWORD": pw})
	h.started("a@example.com", "b@example.com")
	for range 48 { // through the next send window: the second and last lesson
		h.clock.Advance(time.Hour)
		h.pass()
	}
	h.smtp.Reset()
	h.started("c@example.com", "d@example.com", "e@example.com")
	out, err := h.cli(nil, "schedule")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	words := lines[len(lines)-1]
	if !strings.HasPrefix(words, "3 lessons due over the next 7 days for 3 active readers") {
		t.Fatalf("schedule says %q", words)
	}
	page := h.adminGet("/admin", pw)
	if !strings.Contains(page, words) {
		t.Errorf("the dashboard does not say %q", words)
	}
	if !strings.Contains(page, "<b>2</b> completed it") || !strings.Contains(page, "<b>5</b> started the course") {
		t.Errorf("the dashboard lacks the completed and started counts")
	}
}
