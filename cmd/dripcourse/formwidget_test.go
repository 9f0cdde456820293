package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse"
)

// A templates directory whose course page has no captcha widget gets a
// warning at start when the captcha is on; the built-in one does not.
func TestWarnFormWidget(t *testing.T) {
	for _, custom := range []bool{false, true} {
		env := map[string]string{"DRIP_CAPTCHA": "on"}
		if custom {
			dir := t.TempDir()
			if err := os.CopyFS(dir, dripcourse.Templates()); err != nil {
				t.Fatal(err)
			}
			page := filepath.Join(dir, "pages", "course.html")
			b, _ := os.ReadFile(page)
			old := strings.ReplaceAll(string(b), "<altcha-widget", "<span")
			if err := os.WriteFile(page, []byte(strings.ReplaceAll(old, "</altcha-widget>", "</span>")), 0o644); err != nil {
				t.Fatal(err)
			}
			env["DRIP_TEMPLATES"] = dir
		}
		h := newHarness(t, env)
		var logged bytes.Buffer
		h.app.log = slog.New(slog.NewTextHandler(&logged, nil))
		h.app.warnFormWidget()
		if warned := strings.Contains(logged.String(), "no <altcha-widget>"); warned != custom {
			t.Errorf("custom templates %v: warned %v\n%s", custom, warned, logged.String())
		}
	}
}
