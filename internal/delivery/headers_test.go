package delivery_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
)

// linked is a course whose first lesson links out, for tracking tests.
func linked(extra string) fstest.MapFS {
	return fstest.MapFS{
		"course.yaml": {Data: []byte("slug: quiet\ntitle: Rebuilding Trust\nsender_name: Rebuilding Trust\n" + extra)},
		"01-first.md": {Data: []byte("---\nsubject: What a real apology sounds like\ndelay: 0d\n---\nSee [notes](https://example.org/notes).\n")},
		"02-next.md":  {Data: []byte("---\nsubject: Second\ndelay: 1d\n---\nMore.\n")},
	}
}

func (f *fixture) firstMessage(t *testing.T) (map[string]string, string) {
	t.Helper()
	f.reader(addr(1))
	f.pass()
	msgs := f.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	h := map[string]string{}
	for k, v := range msgs[0].Header() {
		h[k] = strings.Join(v, ", ")
	}
	return h, string(msgs[0].Data)
}

func TestLessonHeaders(t *testing.T) {
	f := newFixture(t, linked(""), time.Second)
	h, raw := f.firstMessage(t)
	want := map[string]string{
		"List-Id":               `"Rebuilding Trust" <quiet.lists.example.test>`,
		"Feedback-Id":           "first:quiet:dripcourse",
		"Auto-Submitted":        "auto-generated",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("%s: %q, want %q", k, h[k], v)
		}
	}
	if lu := h["List-Unsubscribe"]; !strings.HasPrefix(lu, "<https://course.example.test/u/") || strings.Contains(lu, "mailto:") {
		t.Errorf("List-Unsubscribe %q: want only the https URL when no mailbox is configured", lu)
	}
	if !strings.HasSuffix(h["Message-Id"], "@example.test>") || h["Date"] == "" {
		t.Errorf("Message-ID %q, Date %q", h["Message-Id"], h["Date"])
	}
	for _, k := range []string{"User-Agent", "X-Mailer"} {
		if h[k] != "" {
			t.Errorf("generator header %s: %q", k, h[k])
		}
	}
	if !strings.Contains(raw, "/o/") || !strings.Contains(raw, "https://course.example.test/c/") {
		t.Error("with tracking on, the lesson should carry a pixel and tracked links")
	}
}

func TestUnsubscribeMailbox(t *testing.T) {
	f := newFixture(t, linked(""), time.Second)
	f.runner.Composer.UnsubMailto = "leave@example.test"
	h, _ := f.firstMessage(t)
	lu := h["List-Unsubscribe"]
	if !strings.HasPrefix(lu, "<https://") || !strings.Contains(lu, ", <mailto:leave@example.test") {
		t.Fatalf("List-Unsubscribe %q: want the https URL first, then the mailto", lu)
	}
}

func TestTrackingOff(t *testing.T) {
	f := newFixture(t, linked(""), time.Second)
	f.runner.Composer.Tracking = compose.TrackOff
	_, raw := f.firstMessage(t)
	if strings.Contains(raw, "/o/") || strings.Contains(raw, "course.example.test/c/") || !strings.Contains(raw, "https://example.org/notes") {
		t.Fatal("with tracking off: no pixel, and links exactly as the author wrote them")
	}
}

func TestDiscreetMode(t *testing.T) {
	lessons := linked("discreet: true\n")
	lessons["01-first.md"] = &fstest.MapFile{Data: []byte("---\nsubject: What a real apology sounds like\npreheader: Affairs get the headlines\ndelay: 0d\n---\nSee [notes](https://example.org/notes).\n")}
	crs, _ := course.Load(lessons)
	f := newFixture(t, lessons, time.Second)
	h, raw := f.firstMessage(t)
	// Neither the inbox (sender, subject, preview line) nor the source
	// may name the course or the lesson's topic.
	plain := strings.ReplaceAll(raw, "=\r\n", "")
	for _, secret := range []string{"Rebuilding Trust", "Affairs get the headlines", "quiet", "first:"} {
		if strings.Contains(plain, secret) {
			t.Errorf("a discreet message shows %q", secret)
		}
	}
	if !strings.Contains(plain, "Your weekly notes, part 1&zwnj;") {
		t.Error("the preview line should be the neutral subject")
	}
	if h["Subject"] != "Your weekly notes, part 1" {
		t.Errorf("Subject %q: the real subject must not show in the inbox", h["Subject"])
	}
	if !strings.HasPrefix(h["From"], `"Weekly notes"`) {
		t.Errorf("From %q: want the neutral sender name", h["From"])
	}
	if strings.Contains(h["List-Id"], "Rebuilding Trust") {
		t.Errorf("List-Id %q names the course", h["List-Id"])
	}
	if strings.Contains(raw, "/o/") || strings.Contains(raw, "course.example.test/c/") {
		t.Error("discreet mode must not track")
	}
	if !strings.Contains(raw, crs.Lessons[0].Title) {
		t.Error("the real title should still be inside the message")
	}
}

// TestLessonIsSevenBit: a course title, subject and reader name that are
// not ASCII still make a message of pure ASCII (RFC 2047 words, quoted-
// printable), which no relay needs to convert and so no relay can break
// the DKIM signature of.
func TestLessonIsSevenBit(t *testing.T) {
	lessons := fstest.MapFS{
		"course.yaml": {Data: []byte("slug: cafe\ntitle: Café Français\nsender_name: Zoë\n")},
		"01-first.md": {Data: []byte("---\nsubject: Première leçon — début\ndelay: 0d\n---\nÇa commence ici. “Quotes” too.\n")},
	}
	f := newFixture(t, lessons, time.Second)
	h, raw := f.firstMessage(t)
	for i := range len(raw) {
		if raw[i] >= 0x80 {
			t.Fatalf("byte %d of the message is not ASCII: %q", i, raw[max(0, i-40):min(len(raw), i+40)])
		}
	}
	if !strings.HasPrefix(h["List-Id"], "=?UTF-8?q?Caf=C3=A9_Fran=C3=A7ais?= <cafe.lists.") {
		t.Errorf("List-Id %q, want the title as an encoded word", h["List-Id"])
	}
}
