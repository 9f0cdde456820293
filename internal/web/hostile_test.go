package web

import (
	"context"
	"html"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/token"
)

// TestConcurrentSignupsOfOneAddress is subscription bombing: 200 signups
// of the same address at once make one reader and at most the capped
// number of confirmation emails.
func TestConcurrentSignupsOfOneAddress(t *testing.T) {
	f := newFixture(t)
	form := f.form("victim@example.com", 5*time.Second)
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if res, _ := f.do("POST", "/subscribe", form); res.StatusCode != 200 {
				t.Errorf("status %d", res.StatusCode)
			}
		})
	}
	wg.Wait()
	counts, err := f.db.ReaderCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if counts[drip.StatusPending] != 1 {
		t.Fatalf("%d pending readers, want 1", counts[drip.StatusPending])
	}
	if n := f.queuedConfirmations(t); n != 3 {
		t.Fatalf("%d confirmation emails queued, want the cap of 3", n)
	}
}

func (f *fixture) queuedConfirmations(t *testing.T) int {
	t.Helper()
	jobs, err := f.db.ClaimConfirmations(context.Background(), f.clock.Now().Add(time.Hour), time.Minute, 1000, func(int64) string { return "x@example.test" })
	if err != nil {
		t.Fatal(err)
	}
	return len(jobs)
}

// TestHostileNameIsEscaped sends markup and line breaks as a name: the
// page and the HTML email escape it, and no header can be smuggled in.
func TestHostileNameIsEscaped(t *testing.T) {
	f := newFixture(t)
	const evil = "<script>alert(1)</script>\r\nBcc: spy@example.com"
	form := f.form("not an address", 5*time.Second)
	form.Set("name", evil)
	_, page := f.do("POST", "/subscribe", form)
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, html.EscapeString("<script>alert(1)</script>")) {
		t.Fatal("the name was not escaped when the form was shown again")
	}
	form = f.form("sam@example.com", 5*time.Second)
	form.Set("name", evil)
	f.do("POST", "/subscribe", form)
	sub, err := f.db.SubscriberByEmail(context.Background(), "sam@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(sub.Name, "\r\n") {
		t.Fatalf("stored name %q keeps a line break", sub.Name)
	}
	ct := f.srv.content()
	conf, err := f.srv.Composer.Confirmation(ct, ct.Default(), sub, "c@example.test", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(conf.Text, "alert(1)") || strings.Contains(conf.HTML, "alert(1)") {
		t.Fatal("the confirmation email carries the typed name to an address nobody has confirmed")
	}
	msg, err := f.srv.Composer.Lesson(ct, ct.Default().Lessons[0], sub, 1, "m@example.test", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if text, html := msg.Bodies(); strings.Contains(html, "<script>") || !strings.Contains(text, "<script>alert(1)</script>") {
		t.Fatal("the lesson's HTML part must escape the name and the text part show it as typed")
	}
	if strings.ContainsAny(msg.ToName, "\r\n") {
		t.Fatal("a line break reached the To header")
	}
}

// TestViewInBrowser shows a lesson on the web from its signed link.
func TestViewInBrowser(t *testing.T) {
	f := newFixture(t)
	a, del := f.reader("a@example.com")
	res, page := f.do("GET", f.srv.Links.Path(token.View, a, del, f.clock.Now()), nil)
	if res.StatusCode != 200 || !strings.Contains(page, "Welcome") || strings.Contains(page, links.PathOpen+"/") {
		t.Fatalf("view: %d; want the lesson, without a tracking pixel", res.StatusCode)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src") {
		t.Fatalf("view CSP %q", csp)
	}
}

func FuzzParseSignup(f *testing.F) {
	for _, s := range [][3]string{
		{"sam@example.com", "Sam", "Europe/London"}, {"", "", ""}, {"a@b", "x", "Mars/Olympus"},
		{"Sam <sam@example.com>", "<b>", "UTC"}, {"sam@example.com\r\nBcc: x@y.z", "n\r\nX: y", "../../etc/passwd"},
		{strings.Repeat("a", 300) + "@example.com", strings.Repeat("é", 500), "Local"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, email, name, tz string) {
		form, problem := ParseSignup(email, name, tz)
		if strings.ContainsAny(form.Name, "\r\n") || utf8.RuneCountInString(form.Name) > maxName {
			t.Fatalf("name %q kept a line break or its length", form.Name)
		}
		if problem == "" && (strings.ContainsAny(form.Email, "\r\n<> ") || len(form.Email) > maxEmail || !strings.Contains(form.Email, "@")) {
			t.Fatalf("accepted address %q", form.Email)
		}
		if form.Timezone != "" && !validZone(form.Timezone) {
			t.Fatalf("kept an unknown zone %q", form.Timezone)
		}
	})
}

// A token must not reach the log whole, wherever it is in the path.
func TestRedactPath(t *testing.T) {
	tok := "AgEBjsSy7A0FnSYSq5vIG4Chz3MPysNZ"
	for _, c := range []struct{ in, want string }{
		{"/u/" + tok, "/u/AgEBjsSy…"},
		{"/u/" + tok + "/", "/u/AgEBjsSy…/"},
		{"/u/" + tok + "/x", "/u/AgEBjsSy…/x"},
		{"/admin/readers/42", "/admin/readers/42"},
		{"/" + tok + "/" + tok, "/AgEBjsSy…/AgEBjsSy…"},
	} {
		if got := RedactPath(c.in); got != c.want {
			t.Errorf("RedactPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
