package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &out)
	return out.String(), err
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheckReportsEveryProblem(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"course.yaml":   "slug: test\ntitle: Test\n",
		"01-one.md":     "---\nsubject: One\ndelay: 0d\n---\nBody one.\n",
		"02-two.md":     "---\nsubject: Two\ndelay: 2x\n---\nBody two.\n",
		"03-three.md":   "---\ndelay: 1d\n---\nBody three.\n",
		"04-one.md":     "---\nsubject: Again\ndelay: 1d\n---\nBody.\n",
		"05-broken.md":  "---\nsubject: [unclosed\ndelay: 1d\n---\nBody.\n",
		"06-extra.md":   "---\nsubject: Extra\ndelay: 1d\nsubjet: typo\n---\nBody.\n",
		"notes.txt":     "ignored",
		"Bad Name.md":   "---\nsubject: x\n---\nx\n",
		"07-nofront.md": "Just text.\n",
	})
	out, err := runCmd(t, nil, "check", "--lessons", dir)
	var ec exitCode
	if !errors.As(err, &ec) || ec != 1 {
		t.Fatalf("check exited with %v, want status 1\n%s", err, out)
	}
	for _, want := range []string{
		"02-two.md:3: delay \"2x\"",
		"03-three.md:1: subject is missing",
		"04-one.md:1: duplicate slug \"one\"",
		"05-broken.md:2:",
		"06-extra.md:4:",
		"Bad Name.md: lesson file names look like",
		"07-nofront.md:1: a lesson starts with front matter",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// serve refuses to start on the same problems, with the same words.
	sout, serr := runCmd(t, map[string]string{"DRIP_DATA": t.TempDir()}, "serve", "--lessons", dir, "--addr", "127.0.0.1:0")
	if serr == nil || !strings.Contains(serr.Error(), "02-two.md:3: delay \"2x\"") {
		t.Fatalf("serve started on a broken course: %v\n%s", serr, sout)
	}
}

func TestCheckBuiltInCourse(t *testing.T) {
	out, err := runCmd(t, nil, "check")
	if err != nil || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check on the built-in course: %v\n%s", err, out)
	}
}

func TestCheckTemplateError(t *testing.T) {
	tpl := t.TempDir()
	os.CopyFS(tpl, os.DirFS("../../templates"))
	os.WriteFile(filepath.Join(tpl, "email", "lesson.txt"), []byte("Hello\n{{.Nope}}\n"), 0o644)
	out, err := runCmd(t, nil, "check", "--templates", tpl)
	if err == nil || !strings.Contains(out, "email/lesson.txt:2:") || !strings.Contains(out, "Nope") {
		t.Fatalf("a template naming a missing field passed check: %v\n%s", err, out)
	}
}

func TestBadSettingsStopStartup(t *testing.T) {
	cases := map[string]map[string]string{
		"smtp scheme": {"DRIP_SMTP_URL": "http://mail.example.com"},
		"smtp port":   {"DRIP_SMTP_URL": "smtp://mail.example.com:99999"},
		"smtp tls":    {"DRIP_SMTP_URL": "smtp://mail.example.com?tls=maybe"},
		"from":        {"DRIP_FROM": "not an address"},
		"base url":    {"DRIP_BASE_URL": "course.example.com"},
		"base path":   {"DRIP_BASE_URL": "https://example.com/course"},
		"base frag":   {"DRIP_BASE_URL": "https://course.example.com#top"},
		"base user":   {"DRIP_BASE_URL": "https://me:pw@course.example.com"},
		"mailto":      {"DRIP_UNSUBSCRIBE_MAILTO": "Not An Address>"},
		"mailto name": {"DRIP_UNSUBSCRIBE_MAILTO": "Leave <leave@example.com>"},
		"tracking":    {"DRIP_TRACKING": "sometimes"},
		"connections": {"DRIP_SMTP_CONNECTIONS": "0"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			env["DRIP_DATA"] = t.TempDir()
			_, err := runCmd(t, env, "serve")
			var key string
			for k := range env {
				if k != "DRIP_DATA" {
					key = k
				}
			}
			if err == nil || !strings.Contains(err.Error(), key) {
				t.Fatalf("err %v, want a message naming %s", err, key)
			}
		})
	}
	_, err := runCmd(t, map[string]string{"DRIP_SMTP_URL": "smtp://user:s3cret@mail.example.com?tls=maybe"}, "serve")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("the SMTP password leaked into the error: %v", err)
	}
}

func TestHelpListsCommandsAndSettings(t *testing.T) {
	out, err := runCmd(t, nil, "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"serve", "send", "check", "DRIP_SMTP_URL", "DRIP_ADMIN_PASSWORD", "DRIP_LESSONS"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// A flag typed where --course's slug was forgotten is refused as such,
// before any database is looked for.
func TestCourseFlagNeedsASlug(t *testing.T) {
	for _, args := range [][]string{{"stats", "--course", "-h"}, {"schedule", "--course", "--json"}, {"import", "--course", "-x", "f.csv"}} {
		out, err := runCmd(t, map[string]string{"DRIP_DATA": t.TempDir()}, args...)
		if err == nil || !strings.Contains(out+err.Error(), "needs the slug of a course after it") || strings.Contains(out+err.Error(), "no database") {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
}
