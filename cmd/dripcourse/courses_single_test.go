package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOneCourseCommandsUnchanged: with one course, every command reads as
// it always has (no headings, no course names, today's JSON), --course
// naming that course changes nothing, and another slug is a one-line
// error naming the course.
func TestOneCourseCommandsUnchanged(t *testing.T) {
	h := &courseCLI{newHarness(t, map[string]string{"DRIP_LESSONS": "../../lessons/rebuilding-trust"}), nil}
	h.started("a@example.com", "b@example.com")
	for _, args := range [][]string{{"stats"}, {"stats", "--json"}, {"schedule"}, {"check", "--against-live"}, {"export"}} {
		out, err := h.run(args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if strings.Contains(out, "==") || strings.Contains(out, "rebuilding-trust") || strings.Contains(out, `"courses"`) {
			t.Errorf("%v names the course, as if there were several:\n%s", args, out)
		}
		with, err := h.run(append(args, "--course", "rebuilding-trust")...)
		if err != nil || with != out {
			t.Errorf("%v --course rebuilding-trust differs from %v: %v\n%s\n---\n%s", args, args, err, with, out)
		}
		h.mustFailOneLine(`unknown course "nope": the course here is rebuilding-trust`, append(args, "--course", "nope")...)
	}
	out, _ := h.run("stats", "--json")
	var rep statsReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Lessons) != 13 || rep.Lessons[0].Sent != 2 || rep.Readers["active"] != 2 {
		t.Errorf("stats --json with one course: %v %+v", err, rep)
	}
	out, err := h.run("subscriber", "pause", "a@example.com")
	if err != nil || !strings.HasPrefix(out, "a@example.com: paused; next lesson due") {
		t.Fatalf("pause with one course: %v\n%s", err, out)
	}
	out, err = h.run("subscriber", "resume", "a@example.com", "--course", "rebuilding-trust")
	if err != nil || !strings.HasPrefix(out, "a@example.com: active; next lesson due") {
		t.Fatalf("resume --course with one course: %v\n%s", err, out)
	}
	h.mustFailOneLine(`unknown course "nope": the course here is rebuilding-trust`, "subscriber", "pause", "a@example.com", "--course", "nope")
}
