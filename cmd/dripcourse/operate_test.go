package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// cli runs a subcommand against the harness's data directory and clock.
func (h *harness) cli(env map[string]string, args ...string) (string, error) {
	h.t.Helper()
	all := map[string]string{"DRIP_DATA": h.app.cfg.Data, "DRIP_LESSONS": h.app.cfg.Lessons}
	for k, v := range env {
		all[k] = v
	}
	var out bytes.Buffer
	err := runAt(context.Background(), h.clock.Now, args, func(k string) string { return all[k] }, nil, &out, &out)
	return out.String(), err
}

// started signs up and confirms readers, and sends their first lesson.
func (h *harness) started(emails ...string) {
	h.t.Helper()
	for _, e := range emails {
		h.signup(e, "", "Europe/London")
	}
	h.confirmAll()
	h.pass()
	h.smtp.Reset()
}

func TestScheduleCommand(t *testing.T) {
	h := newHarness(t, nil)
	h.started("a@example.com", "b@example.com", "c@example.com")
	out, err := h.cli(nil, "schedule")
	if err != nil {
		t.Fatal(err)
	}
	// Confirmed on 1 December at 14:00 UTC: lesson 2 (1 day later) falls
	// in the London morning of the 3rd, lesson 3 two days after that.
	for _, want := range []string{"2026-12-03 02 why-trust-breaks 3", "2026-12-05 03 a-real-apology 3", "lessons due over the next 7 days for 3 active readers"} {
		if !strings.Contains(squeeze(out), want) {
			t.Errorf("schedule lacks %q:\n%s", want, out)
		}
	}
}

func TestSubscriberPauseResume(t *testing.T) {
	h := newHarness(t, nil)
	h.started("a@example.com")
	if out, err := h.cli(nil, "subscriber", "pause", "A@example.com"); err != nil || !strings.Contains(out, "paused") {
		t.Fatalf("pause: %v\n%s", err, out)
	}
	h.clock.Advance(10 * 24 * time.Hour)
	h.pass()
	if h.smtp.Count() != 0 {
		t.Fatal("a paused reader was sent a lesson")
	}
	h.clock.Set(time.Date(2026, 12, 11, 14, 0, 0, 0, time.UTC)) // after the London window
	out, err := h.cli(nil, "subscriber", "resume", "a@example.com")
	if err != nil || !strings.Contains(out, "next lesson due 2026-12-12T08:00:00Z") {
		t.Fatalf("resume should make the next lesson due at the next window, not at once: %v\n%s", err, out)
	}
	h.pass()
	if h.smtp.Count() != 0 {
		t.Fatal("resuming sent a lesson at once")
	}
	if _, err := h.cli(nil, "subscriber", "pause", "nobody@example.com"); err == nil {
		t.Fatal("pausing an unknown address should fail")
	}
}

func TestBackupRestores(t *testing.T) {
	h := newHarness(t, nil)
	h.started("a@example.com", "b@example.com")
	file := filepath.Join(t.TempDir(), "backup.db")
	if out, err := h.cli(nil, "backup", file); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	db, err := store.Open(context.Background(), file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, e := range []string{"a@example.com", "b@example.com"} {
		if s, err := db.SubscriberByEmail(context.Background(), e); err != nil || s.Status != drip.StatusActive {
			t.Errorf("%s in the restored copy: %+v, %v", e, s, err)
		}
	}
	if _, err := h.cli(nil, "backup", file); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
}

func TestCheckAgainstLive(t *testing.T) {
	h := newHarness(t, nil)
	h.started("a@example.com", "b@example.com")
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../lessons/rebuilding-trust")); err != nil {
		t.Fatal(err)
	}
	// Insert a lesson before the one the readers have, and remove lesson 2.
	os.WriteFile(filepath.Join(dir, "00-before-you-start.md"), []byte("---\nsubject: Before you start\ndelay: 0d\n---\nA new first lesson.\n"), 0o644)
	os.Remove(filepath.Join(dir, "02-why-trust-breaks.md"))
	out, err := h.cli(nil, "check", "--lessons", dir, "--against-live")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"the 2 readers now in the course", "Nobody now in the course will get: [before-you-start]"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(squeeze(out), "03 a-real-apology 2 2 0") {
		t.Errorf("both readers should get a-real-apology next:\n%s", out)
	}
}

// squeeze folds runs of spaces, so tests need not know column widths.
func squeeze(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

// TestSubscriberResumeEndsTheReadersOwnPause: a week's pause the reader
// asked for from a lesson is ended by the operator's resume, and the next
// lesson comes back to when it would have gone without the pause.
func TestSubscriberResumeEndsTheReadersOwnPause(t *testing.T) {
	h := newHarness(t, nil)
	h.started("a@example.com")
	ctx := context.Background()
	sub, err := h.app.db.SubscriberByEmail(ctx, "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sent, err := h.app.db.DeliveriesOf(ctx, sub.ID)
	if err != nil || len(sent) != 1 {
		t.Fatalf("deliveries: %v, %v", sent, err)
	}
	if changed, err := h.app.db.PauseFor(ctx, sub.ID, sent[0].ID, 7*24*time.Hour, h.clock.Now()); err != nil || !changed {
		t.Fatalf("the reader's own pause: %v, %v", changed, err)
	}
	out, err := h.cli(nil, "subscriber", "resume", "a@example.com")
	if err != nil || !strings.Contains(out, "next lesson due 2026-12-03T08:00:00Z") {
		t.Fatalf("resume should end the reader's own pause, bringing lesson 2 back to the 3rd: %v\n%s", err, out)
	}
}
