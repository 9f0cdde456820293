package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLiveEditKeepsLastGoodVersion(t *testing.T) {
	dir := trackedCourse(t)
	h := newHarness(t, map[string]string{"DRIP_LESSONS": dir})
	fp := h.app.fingerprint()
	edit := func(name, body string) {
		file := filepath.Join(dir, name)
		os.WriteFile(file, []byte(body), 0o644)
		// Make the change visible even on filesystems with coarse mtimes.
		future := time.Now().Add(time.Duration(len(body)) * time.Second)
		os.Chtimes(file, future, future)
	}
	edit("02-second.md", "---\nsubject: Second, edited\ndelay: 1d\n---\nNew body.\n")
	fp = h.app.reloadIfChanged(context.Background(), fp)
	if l, _ := h.app.lib.Content().Default().Lesson("second"); l.Subject != "Second, edited" {
		t.Fatalf("edit not picked up: subject %q", l.Subject)
	}
	edit("02-second.md", "---\nsubject: Broken\ndelay: soon\n---\nBody.\n")
	fp = h.app.reloadIfChanged(context.Background(), fp)
	if l, _ := h.app.lib.Content().Default().Lesson("second"); l.Subject != "Second, edited" {
		t.Fatalf("a broken edit replaced the good version: subject %q", l.Subject)
	}
	if _, err, _ := h.app.lib.Status(); err == nil || !strings.Contains(err.Error(), "02-second.md:3") {
		t.Fatalf("the broken edit's problem was not kept: %v", err)
	}
	edit("02-second.md", "---\nsubject: Fixed\ndelay: 1d\n---\nBody again.\n")
	h.app.reloadIfChanged(context.Background(), fp)
	if _, err, _ := h.app.lib.Status(); err != nil {
		t.Fatalf("the error stayed after a good edit: %v", err)
	}
}
