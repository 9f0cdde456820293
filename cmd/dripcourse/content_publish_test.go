package main

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

const operatorPassword = "content operator password"

// operator is a logged-in admin session on one harness, keeping its
// cookie by hand (it is Secure, and the test server is plain http).
type operator struct {
	h      *harness
	cookie string
}

func (h *harness) operator() *operator {
	h.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(h.web.URL+"/admin/login", url.Values{"password": {operatorPassword}})
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "dripcourse_admin" {
			return &operator{h: h, cookie: c.Name + "=" + c.Value}
		}
	}
	h.t.Fatalf("login: %d, no session", res.StatusCode)
	return nil
}

func (o *operator) do(method, path string, form url.Values) (int, string) {
	o.h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, o.h.web.URL+path, body)
	req.Header.Set("Cookie", o.cookie)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		o.h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var shownInput = regexp.MustCompile(`name="shown" value="([^"]+)"`)

// publish reads the publish (or rollback) page at path, checks that it
// says want about the readers before its button, and confirms it.
func (o *operator) publish(path, want string) {
	o.h.t.Helper()
	status, page := o.do("GET", path, nil)
	m := shownInput.FindStringSubmatch(page)
	at, button := strings.Index(page, want), strings.Index(page, "</button>\n</form>")
	if status != 200 || m == nil || at < 0 || at > button {
		o.h.t.Fatalf("GET %s: %d; %q at %d, the button at %d\n%s", path, status, want, at, button, page)
	}
	form := url.Values{"shown": {html.UnescapeString(m[1])}, "name": {"Ann Operator"}, "confirm": {"yes"}}
	if status, page = o.do("POST", path, form); status != http.StatusSeeOther {
		o.h.t.Fatalf("POST %s: %d\n%s", path, status, page)
	}
}

// draftLesson2 saves a draft of the tracked course's second lesson with
// its text replaced, as the edit page does.
func (h *harness) draftLesson2(text string) {
	h.t.Helper()
	ctx := context.Background()
	v, files, err := h.app.db.VersionFiles(ctx, "tracked", 0)
	if err != nil {
		h.t.Fatal(err)
	}
	body := strings.Replace(string(files["02-second.md"]), "And [more](https://example.org/more).", text, 1)
	if err := h.app.db.SaveDraft(ctx, "tracked", "02-second.md", v.Number, []byte(body)); err != nil {
		h.t.Fatal(err)
	}
}

// passUntil runs a pass every hour of the harness's clock until its SMTP
// server has n messages, for up to three days.
func (h *harness) passUntil(n int) {
	h.t.Helper()
	for range 72 {
		if len(h.smtp.Messages()) >= n {
			return
		}
		h.clock.Advance(time.Hour)
		h.pass()
	}
}

// lastText is the plain text of the last message the harness's SMTP
// server received, and how many it has.
func (h *harness) lastText() (string, int) {
	h.t.Helper()
	msgs := h.smtp.Messages()
	if len(msgs) == 0 {
		return "", 0
	}
	return parse(h.t, msgs[len(msgs)-1]).parts[0].body, len(msgs)
}

const editedWords = "Words written in the browser."

// TestPublishChangesTheNextLessonAndRollbackRestoresIt: a draft published
// through the admin is the lesson the next reader due gets, over SMTP;
// version 1 published again through the history is what the next one
// gets after that.
func TestPublishChangesTheNextLessonAndRollbackRestoresIt(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_LESSONS": trackedCourse(t), "DRIP_ADMIN_PASSWORD": operatorPassword})
	h.signup("one@example.com", "", "UTC")
	h.confirmAll()
	h.pass() // lesson 1 to the first reader
	h.draftLesson2(editedWords)
	h.operator().publish("/admin/content/tracked/publish", "1 reader gets lesson 2, “Second”, next.")
	h.passUntil(2)
	if text, n := h.lastText(); n != 2 || !strings.Contains(text, editedWords) {
		t.Fatalf("%d messages; lesson 2 after the publish:\n%s", n, text)
	}
	h.smtp.Reset()
	h.signup("two@example.com", "", "UTC")
	h.confirmAll()
	h.pass() // lesson 1 to the second reader
	h.operator().publish("/admin/content/tracked/republish/1", "1 reader gets lesson 2, “Second”, next.")
	h.passUntil(2)
	if text, n := h.lastText(); n != 2 || strings.Contains(text, editedWords) || !strings.Contains(text, "more") {
		t.Fatalf("%d messages; lesson 2 after the rollback:\n%s", n, text)
	}
}

// TestTwoInstancesSendWhatOneOfThemPublished: on PostgreSQL, a publish
// through one instance's admin is sent by that instance and by the
// other, once it has looked at the database as it does every 2 s.
func TestTwoInstancesSendWhatOneOfThemPublished(t *testing.T) {
	dbURL := pgtest.Fresh(t)
	env := map[string]string{"DRIP_LESSONS": trackedCourse(t), "DRIP_DATABASE_URL": dbURL, "DRIP_ADMIN_PASSWORD": operatorPassword}
	a, b := newHarness(t, env), newHarness(t, env)
	a.signup("one@example.com", "", "UTC")
	a.confirmAll()
	a.pass()
	// The second reader is eight hours behind, so the two are due at
	// different hours: the first pass to find one due takes it, and the
	// other instance's the other.
	b.clock.Advance(2 * time.Hour)
	b.signup("two@example.com", "", "America/Los_Angeles")
	b.confirmAll()
	b.pass()
	b.draftLesson2(editedWords)
	b.operator().publish("/admin/content/tracked/publish", "2 readers get lesson 2")
	if err := a.app.syncContent(context.Background()); err != nil { // the other instance's regular look
		t.Fatal(err)
	}
	a.passUntil(2)
	if text, n := a.lastText(); n != 2 || !strings.Contains(text, editedWords) {
		t.Fatalf("the other instance: %d messages, the last to %v; lesson 2:\n%s", n, a.smtp.Messages()[n-1].To, text)
	}
	b.clock.Set(a.clock.Now())
	b.passUntil(2)
	if text, n := b.lastText(); n != 2 || !strings.Contains(text, editedWords) || b.smtp.Messages()[1].To[0] == a.smtp.Messages()[1].To[0] {
		t.Fatalf("the publishing instance: %d messages; lesson 2:\n%s", n, text)
	}
}
