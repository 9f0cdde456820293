package course_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse/internal/course"
)

// loadOne loads a course of one lesson with body as its Markdown.
func loadOne(t *testing.T, body string) *course.Lesson {
	t.Helper()
	c, err := course.Load(mapFS(map[string]string{"01-a.md": lessonFile("subject: s\n", body)}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c.Lessons[0]
}

const longPara = "Trust is rebuilt slowly, one kept promise at a time, and the person who broke it " +
	"has to accept that the other person sets the pace. There is no shortcut, no grand gesture that " +
	"replaces the ordinary work of turning up when you said you would and telling the truth when it is " +
	"uncomfortable. Über-long words like Donaudampfschifffahrtsgesellschaftskapitän still fit.\n"

// joinFlowed joins a flowed text's soft-broken lines (those ending in a
// space) with the lines after them at the same quote depth, as a mail
// client that knows format=flowed does before it wraps to its own width.
// Each logical line comes back with its quote marks.
func joinFlowed(text string) []string {
	var out []string
	soft, depth := false, ""
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		d := line[:len(line)-len(strings.TrimLeft(line, ">"))]
		content := strings.TrimPrefix(line[len(d):], " ")
		if d == "" {
			content = line
		}
		if soft && d == depth {
			out[len(out)-1] += content
		} else {
			out = append(out, line)
		}
		soft, depth = strings.HasSuffix(line, " ") && line != "-- ", d
	}
	return out
}

func TestTextWraps(t *testing.T) {
	body := longPara + "\n- " + longPara + "\n> " + longPara + "\n1. " + longPara + "\n> - " + longPara
	text := loadOne(t, body).Text(course.Plain)
	soft := 0
	for i, line := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(line); n > course.TextWidth {
			t.Errorf("line %d is %d columns: %q", i+1, n, line)
		}
		if strings.HasSuffix(line, "  ") || strings.HasSuffix(line, " ") && strings.TrimSpace(strings.TrimLeft(line, ">")) == "" {
			t.Errorf("line %d ends in more than one space, or is a soft break with no text: %q", i+1, line)
		}
		if strings.HasSuffix(line, " ") {
			soft++
		}
	}
	if soft < 20 {
		t.Errorf("%d soft-broken lines, want at least 20:\n%s", soft, text)
	}
	// Each paragraph, list item and quote comes back whole when the soft
	// breaks are joined; a paragraph's last line is a hard break.
	p := strings.TrimSuffix(longPara, "\n")
	want := []string{p, "", "- " + p, "", "> " + p, "", "1. " + p, "", "> - " + p}
	if got := joinFlowed(text); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("joined flowed lines:\n%s\nwant:\n%s\nfrom:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), text)
	}
}

// TestTextNoLineReadsAsQuoteOrSignature: in a flowed message a line that
// starts with ">" is a quote and "-- " a signature separator, so wrapping
// never makes either out of a paragraph's words.
func TestTextNoLineReadsAsQuoteOrSignature(t *testing.T) {
	words := strings.Repeat("word ", 13)
	body := words + ">50% of readers -- " + strings.Repeat("y", 69) + " end.\n\n\\> not a quote\n"
	text := loadOne(t, body).Text(course.Plain)
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, ">") || line == "-- " || line == "--" {
			t.Errorf("line %d would read as a quote or a signature separator: %q\n%s", i+1, line, text)
		}
	}
	if !strings.Contains(text, "word >50%") || !strings.Contains(text, " > not a quote\n") {
		t.Errorf("words starting with > lost their place:\n%s", text)
	}
}

func TestTextLongWordNotBroken(t *testing.T) {
	url := "https://example.com/" + strings.Repeat("very-long-path-segment/", 5)
	text := loadOne(t, "Short words then "+url+" and more.\n").Text(course.Plain)
	// Too long for a line: it goes on a line of its own, whole, and the
	// paragraph flows on after it.
	if !strings.Contains(text, "\n"+url+" \n") || !strings.HasSuffix(text, "[1] "+url+"\n") {
		t.Errorf("long URL broken up:\n%s", text)
	}
}

func TestTextHeadingsUnderlined(t *testing.T) {
	text := loadOne(t, "Text.\n\n## A smaller one\n\nMore.\n\n### Café au lait\n\nEnd.\n").Text(course.Plain)
	for _, want := range []string{
		"A smaller one\n-------------\n",
		"Café au lait\n------------\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	long := strings.Repeat("word ", 20)
	text = loadOne(t, "## "+long+"\n\nx\n").Text(course.Plain)
	if strings.Contains(text, strings.Repeat("-", course.TextWidth+1)) || !strings.Contains(text, strings.Repeat("-", course.TextWidth)) {
		t.Errorf("long heading's underline not capped at %d:\n%s", course.TextWidth, text)
	}
}

func TestTextListsLinksAtEnd(t *testing.T) {
	l := loadOne(t, "Read [the guide](https://example.com/guide?a=1&b=2), then <https://example.org/x>.\n\n"+
		"Write to <help@example.net>.\n")
	wantLinks := []string{"https://example.com/guide?a=1&b=2", "https://example.org/x", "mailto:help@example.net"}
	if strings.Join(l.Links, " ") != strings.Join(wantLinks, " ") {
		t.Fatalf("Links = %v, want %v", l.Links, wantLinks)
	}
	text := l.Text(course.Plain)
	for _, want := range []string{"the guide [1]", "https://example.org/x [2]", "help@example.net [3]"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	wantTail := "\nLinks:\n[1] https://example.com/guide?a=1&b=2\n[2] https://example.org/x\n[3] mailto:help@example.net\n"
	if !strings.HasSuffix(text, wantTail) {
		t.Errorf("text does not end with the link list:\n%s", text)
	}
	if strings.Contains(text, "\x00") {
		t.Error("text has a link marker left in it")
	}
}

func TestLinksPassThroughHref(t *testing.T) {
	l := loadOne(t, "See [a](https://example.com/a?x=1&y=2) and [b](https://example.com/b).\n")
	var seen []string
	href := func(dest string) string {
		seen = append(seen, dest)
		return "https://track.test/c?to=" + dest + "&n=1"
	}
	html := l.HTML(href)
	for _, want := range []string{
		`href="https://track.test/c?to=https://example.com/a?x=1&amp;y=2&amp;n=1"`,
		`href="https://track.test/c?to=https://example.com/b&amp;n=1"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %s:\n%s", want, html)
		}
	}
	text := l.Text(href)
	if !strings.Contains(text, "[1] https://track.test/c?to=https://example.com/a?x=1&y=2&n=1\n") {
		t.Errorf("text link list not passed through href:\n%s", text)
	}
	if len(seen) != 4 {
		t.Errorf("href called %d times, want once per link per part (4)", len(seen))
	}
}

// TestHTMLCommentsAreNotes: an HTML comment is a note for whoever edits
// the lesson; it is allowed, and neither part of the email shows it.
func TestHTMLCommentsAreNotes(t *testing.T) {
	l := loadOne(t, "Hello <!-- inline note --> there.\n\n<!--\nA note\nover lines\n-->\n\nEnd.\n")
	html, text := l.HTML(course.Plain), l.Text(course.Plain)
	for _, bad := range []string{"note", "<!--", "omitted"} {
		if strings.Contains(html, bad) || strings.Contains(text, bad) {
			t.Errorf("comment %q kept:\nhtml %s\ntext %s", bad, html, text)
		}
	}
	if !strings.Contains(html, "Hello") || !strings.Contains(text, "End.") {
		t.Errorf("text around the comments lost:\nhtml %s\ntext %s", html, text)
	}
}

func TestTextDeepQuoteHeadingDoesNotPanic(t *testing.T) {
	body := strings.Repeat(">", 40) + " ## Deep heading\n"
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Load panicked: %v", r)
		}
	}()
	c, err := course.Load(mapFS(map[string]string{"01-a.md": lessonFile("subject: s\n", body)}))
	if err == nil {
		_ = c.Lessons[0].Text(course.Plain)
	}
}

// TestNULByteDoesNotBreakRendering: a NUL byte in a lesson must not be
// taken for a link marker (found by FuzzLoadLesson).
func TestNULByteDoesNotBreakRendering(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("render panicked: %v", r)
		}
	}()
	c, err := course.Load(mapFS(map[string]string{"01-a.md": lessonFile("subject: s\n", "Odd \x00 byte, then \x000\x00 more.\n")}))
	if err != nil {
		return // refusing the file is fine too
	}
	l := c.Lessons[0]
	if strings.Contains(l.HTML(course.Plain), "\x00") || strings.Contains(l.Text(course.Plain), "\x00") {
		t.Error("NUL byte reached the rendered lesson")
	}
}

// TestTextResolvesEscapes: the plain-text part reads as the HTML part
// shows, without Markdown's backslashes or character references.
func TestTextResolvesEscapes(t *testing.T) {
	text := loadOne(t, "\\*not emphasis\\* &amp; &#8212; &copy; `a\\*b`\n").Text(course.Plain)
	if want := "*not emphasis* & — © a\\*b\n"; text != want {
		t.Errorf("text = %q, want %q", text, want)
	}
}
