package admin

import (
	"strings"
	"testing"
)

func TestLessonFieldsRoundTrip(t *testing.T) {
	file := []byte("---\ntitle: 'Why: it breaks'\nsubject: S\ndelay: 1d\n---\nBody\n")
	p, ok := splitLesson(file)
	if !ok || p.Fields != (lessonFields{Title: "Why: it breaks", Subject: "S", Delay: "1d"}) || p.Body != "Body\n" || p.Offset != 5 {
		t.Fatalf("split: %+v, %v", p, ok)
	}
	if p.KeyLines[2] != "title" || p.KeyLines[4] != "delay" {
		t.Errorf("key lines %v; want title on the file's line 2, delay on 4", p.KeyLines)
	}
	if got := string(joinLesson(file, p.Fields, "New body\n")); got != "---\ntitle: 'Why: it breaks'\nsubject: S\ndelay: 1d\n---\nNew body\n" {
		t.Errorf("unchanged fields did not keep the front matter as written:\n%s", got)
	}
	f := lessonFields{Title: "Yes: no", Subject: "123", Preheader: "", Delay: "2d"}
	got := string(joinLesson(file, f, "B\n"))
	back, ok := splitLesson([]byte(got))
	if !ok || back.Fields != f {
		t.Fatalf("new front matter reads back as %+v, want %+v:\n%s", back.Fields, f, got)
	}
	if strings.Contains(got, "preheader") {
		t.Errorf("an empty preheader was written:\n%s", got)
	}
	for _, bad := range []string{"no front matter\n", "---\nsubject: S\nauthor: me\n---\nB\n", "---\nsubject: [a]\n---\nB\n", "---\nsubject: S\n"} {
		if _, ok := splitLesson([]byte(bad)); ok {
			t.Errorf("%q split into fields; want the whole file edited", bad)
		}
	}
}

func TestSlugOf(t *testing.T) {
	for title, want := range map[string]string{"Café talks: a new start!": "cafe-talks-a-new-start", "It's 2 o’clock": "its-2-oclock", "???": "lesson"} {
		if got := slugOf(title); got != want {
			t.Errorf("slugOf(%q) = %q, want %q", title, got, want)
		}
	}
}
