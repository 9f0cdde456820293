package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/smtptest"
)

// runSplit runs a command with its standard output and error apart.
func runSplit(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

// A failing command ends with one line, "dripcourse: <error>", and one
// that has already said what was wrong (check, import) with nothing more:
// no second "exit status 1".
func TestAFailureIsReportedInOneLine(t *testing.T) {
	var buf bytes.Buffer
	if code := report(exitCode(1), &buf); code != 1 || buf.Len() != 0 {
		t.Errorf("a command that reported its own problems: exit %d, and then %q; want 1 and nothing", code, buf.String())
	}
	buf.Reset()
	if code := report(errors.New("backup: disk full"), &buf); code != 1 || buf.String() != "dripcourse: backup: disk full\n" {
		t.Errorf("a command error: exit %d, %q; want 1 and one line", code, buf.String())
	}
	buf.Reset()
	if code := report(nil, &buf); code != 0 || buf.Len() != 0 {
		t.Errorf("success: exit %d, %q", code, buf.String())
	}
}

// An unknown command, or an unknown flag, is one line with the hint to
// run help, not the whole help text.
func TestUnknownCommandIsOneLine(t *testing.T) {
	for _, args := range [][]string{{"stat"}, {"stats", "--nope"}} {
		stdout, stderr, err := runSplit(t, map[string]string{"DRIP_DATA": t.TempDir()}, args...)
		var buf bytes.Buffer
		report(err, &buf)
		if err == nil || strings.Count(buf.String(), "\n") != 1 || !strings.Contains(buf.String(), "dripcourse help") {
			t.Errorf("%q: %q, want one line that points at dripcourse help", args, buf.String())
		}
		if stdout != "" || stderr != "" {
			t.Errorf("%q printed more besides:\n%s%s", args, stdout, stderr)
		}
	}
	if out, err := runCmd(t, nil, "stats", "-h"); err != nil || !strings.Contains(out, "Commands:") {
		t.Errorf("stats -h: %v\n%s", err, out)
	}
}

// The commands that work on readers already there say that there is no
// database, and exit non-zero, instead of creating an empty one.
func TestReadingCommandsNeedADatabase(t *testing.T) {
	for _, args := range [][]string{{"stats"}, {"stats", "--json"}, {"schedule"}, {"export"}, {"backup", "copy.db"},
		{"check", "--against-live"}, {"subscriber", "pause", "a@example.com"}} {
		dir := filepath.Join(t.TempDir(), "data")
		if len(args) == 2 && args[0] == "backup" {
			args = []string{"backup", filepath.Join(t.TempDir(), "copy.db")}
		}
		out, err := runCmd(t, map[string]string{"DRIP_DATA": dir}, args...)
		if err == nil || !strings.Contains(err.Error(), "no database in "+dir) {
			t.Errorf("%q on an empty directory: %v\n%s", args, err, out)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%q created %s: %v", args, dir, err)
		}
	}
}

// With only DRIP_ADDR set, the links in mail follow it.
func TestLinksFollowAddr(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DRIP_DATA": dir, "DRIP_ADDR": ":9000"}
	csv := filepath.Join(t.TempDir(), "readers.csv")
	os.WriteFile(csv, []byte("email\nsam@example.org\n"), 0o644)
	if out, err := runCmd(t, env, "import", csv); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := runCmd(t, env, "send"); err != nil {
		t.Fatalf("send: %v\n%s", err, out)
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "outbox", "*.eml"))
	if len(emls) != 1 {
		t.Fatalf("%d messages in the outbox, want the confirmation", len(emls))
	}
	b, _ := os.ReadFile(emls[0])
	if !strings.Contains(string(b), "http://localhost:9000/confirm/") {
		t.Fatalf("the confirmation's link does not follow DRIP_ADDR :9000:\n%s", b)
	}
}

// send says how many readers wait for their send window and when the next
// lesson is due: run from cron, it must run in every window, and a lesson
// that found no pass in its window waits for the next one.
func TestSendSaysWhoWaitsForTheirWindow(t *testing.T) {
	h := newHarness(t, nil)
	h.started("a@example.com", "b@example.com", "c@example.com")
	// Lesson 2 is due in the London morning of 3 December.
	out, err := h.cli(nil, "send", "--now", "2026-12-02T12:00:00Z")
	if want := "3 readers wait for their send window in the next 24 hours; the next is due 2026-12-03 08:00 UTC"; err != nil || !strings.Contains(out, want) {
		t.Fatalf("send the day before: %v, want %q in:\n%s", err, want, out)
	}
	// No pass ran in that window: at night the lessons are late, and wait
	// for the next morning.
	out, err = h.cli(nil, "send", "--now", "2026-12-03T22:00:00Z")
	if want := "3 readers wait for their send window in the next 24 hours; the next is due 2026-12-04 08:00 UTC"; err != nil || !strings.Contains(out, want) {
		t.Fatalf("send after a missed window: %v, want %q in:\n%s", err, want, out)
	}
	if h.smtp.Count() != 0 {
		t.Fatalf("%d lessons went out at night", h.smtp.Count())
	}
}

// With mail going to SMTP and no postal address, start-up warns, once;
// and every log line is in the format asked for.
func TestPostalAddressWarningAndLogFormat(t *testing.T) {
	sink, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	env := map[string]string{"DRIP_DATA": t.TempDir(), "DRIP_SMTP_URL": sink.URL(), "DRIP_LOG_FORMAT": "json"}
	_, stderr, err := runSplit(t, env, "send")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(stderr, "DRIP_POSTAL_ADDRESS"); n != 1 {
		t.Errorf("the postal address warning came %d times, want once:\n%s", n, stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("a log line is not JSON: %q", line)
		}
	}
	env["DRIP_POSTAL_ADDRESS"] = "1 Harbour Road, Portsmouth"
	if _, stderr, _ := runSplit(t, env, "send"); strings.Contains(stderr, "DRIP_POSTAL_ADDRESS") {
		t.Errorf("warned with a postal address set:\n%s", stderr)
	}
}

// The web server's own complaints (a failed accept, a bad TLS
// handshake) go through the configured logger too.
func TestWebServerLogsInTheConfiguredFormat(t *testing.T) {
	var buf bytes.Buffer
	h := newHarness(t, nil)
	h.app.log = newLogger(&Config{LogFormat: "json"}, &buf)
	h.app.webServer().ErrorLog.Print("http: Accept error: too many open files")
	if !json.Valid(bytes.TrimSpace(buf.Bytes())) || !strings.Contains(buf.String(), "too many open files") {
		t.Fatalf("the web server's log line: %q, want JSON", buf.String())
	}
}
