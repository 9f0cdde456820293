package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce/bouncetest"
	"github.com/dripcourse/dripcourse/internal/drip"
)

// commandEnv, set in a child process's environment, makes the test binary
// run the dripcourse command its value names (arguments separated by
// "\x1f") instead of the tests.
const commandEnv = "DRIP_TEST_COMMAND"

// runCommand is called from TestMain in a child process.
func runCommand() int {
	err := runAt(context.Background(), time.Now, strings.Split(os.Getenv(commandEnv), "\x1f"), os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	return report(err, os.Stderr)
}

// bounceCLI runs the bounce command in this process against the
// harness's data, with stdin, and returns its output, its error output
// and its exit status.
func (b *bounceHarness) bounceCLI(stdin io.Reader, args ...string) (out, errOut string, code int) {
	b.t.Helper()
	env := map[string]string{"DRIP_DATA": b.app.cfg.Data, "DRIP_BOUNCE_DOMAIN": bounceDomain}
	var o, e bytes.Buffer
	err := runAt(context.Background(), b.clock.Now, append([]string{"bounce"}, args...), func(k string) string { return env[k] }, stdin, &o, &e)
	return o.String(), e.String(), report(err, &e)
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// lines decodes the command's JSON lines into maps, so that the test sees
// the keys as printed.
func lines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var ls []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		ls = append(ls, m)
	}
	return ls
}

// TestBounceCommand: bounce prints one JSON line per report with the
// documented keys and records it; the same file again counts once;
// --dry-run records nothing; standard input works as an MTA's pipe; bad
// input of every kind is named on standard error with exit status 65, and
// changes nobody.
func TestBounceCommand(t *testing.T) {
	b := newBounceHarness(t)
	ls := b.firstLessons("ann@example.org", "ben@example.org", "cat@example.org")
	dir := t.TempDir()
	annFile := writeFile(t, dir, "ann.eml", bouncetest.DSN(original(ls["ann@example.org"]), "failed", "5.1.1", "550 5.1.1 user unknown", "c1"))
	out, errOut, code := b.bounceCLI(nil, "--dry-run", annFile)
	if l := lines(t, out); code != 0 || len(l) != 1 || l[0]["reader"] == nil || b.status("ann@example.org") != drip.StatusActive {
		t.Fatalf("dry run: %d %q %q; ann %s", code, out, errOut, b.status("ann@example.org"))
	}
	for i, wantDup := range []bool{false, true} {
		out, errOut, code = b.bounceCLI(nil, annFile)
		l := lines(t, out)
		if code != 0 || len(l) != 1 {
			t.Fatalf("run %d: %d %q %q", i+1, code, out, errOut)
		}
		for k, want := range map[string]any{"recipient": "ann@example.org", "status": "5.1.1", "action": "failed", "kind": "hard", "duplicate": wantDup} {
			if l[0][k] != want {
				t.Errorf("run %d: %s = %v, want %v", i+1, k, l[0][k], want)
			}
		}
		if l[0]["reader"] == nil || l[0]["delivery"] == nil {
			t.Errorf("run %d: reader %v, delivery %v; want both", i+1, l[0]["reader"], l[0]["delivery"])
		}
	}
	if st, n := b.status("ann@example.org"), b.reportCount("ann@example.org"); st != drip.StatusBounced || n != 1 {
		t.Fatalf("ann %s with %d reports, want bounced with 1", st, n)
	}
	arf := bytes.NewReader(bouncetest.ARF(original(ls["ben@example.org"]), "c2"))
	if out, errOut, code := b.bounceCLI(arf); code != 0 || b.status("ben@example.org") != drip.StatusComplained {
		t.Fatalf("ARF on standard input: %d %q %q; ben %s", code, out, errOut, b.status("ben@example.org"))
	}
	cat := bouncetest.DSN(original(ls["cat@example.org"]), "failed", "5.1.1", "550 5.1.1 user unknown", "c3")
	bad := map[string]string{
		writeFile(t, dir, "blob.eml", []byte{0x7f, 'E', 'L', 'F', 0, 0, 0xff}):                              "not an RFC 5322 message",
		writeFile(t, dir, "person.eml", []byte("From: cat@example.org\nSubject: Re: Lesson 1\n\nThanks\n")): "neither a bounce",
		writeFile(t, dir, "big.eml", append(cat, bytes.Repeat([]byte("x"), 10<<20)...)):                     "larger than 10 MB",
		writeFile(t, dir, "cut.eml", cat[:bytes.Index(cat, []byte("This is the mail system"))]):             "",
		filepath.Join(dir, "missing.eml"): "cannot read",
	}
	for file, want := range bad {
		out, errOut, code := b.bounceCLI(nil, file)
		if want == "" { // cut short before it says what failed: whatever it reads, it must not suppress cat
			t.Logf("%s: exit %d, %s%s", filepath.Base(file), code, out, errOut)
			continue
		}
		if code != exitNoReport || !strings.Contains(errOut, filepath.Base(file)) || !strings.Contains(errOut, want) || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 65 and %q", filepath.Base(file), code, out, errOut, want)
		}
	}
	if st := b.status("cat@example.org"); st != drip.StatusActive {
		t.Fatalf("cat is %s after bad input, want active", st)
	}
}

// TestBounceCommandSurvivesSIGKILL: the bounce command, killed with
// SIGKILL while it records a batch of reports, leaves each report whole
// or not at all (the report, the reader's status and the timeline event
// are one transaction), loses none it printed, and run again records
// every report exactly once.
func TestBounceCommandSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bounce command in child processes; skipped with -short")
	}
	b := newBounceHarness(t)
	var emails, files []string
	for i := range 40 {
		emails = append(emails, fmt.Sprintf("r%02d@example.org", i))
	}
	ls := b.firstLessons(emails...)
	dir := t.TempDir()
	for i, e := range emails {
		files = append(files, writeFile(t, dir, fmt.Sprintf("%02d.eml", i), bouncetest.DSN(original(ls[e]), "failed", "5.1.1", "550 5.1.1 no such user", e)))
	}
	printed := b.killedBounce(files, 10)
	for _, e := range emails {
		st, n, events := b.status(e), b.reportCount(e), b.bounceEvents(e)
		whole := (st == drip.StatusBounced && n == 1 && events == 1) || (st == drip.StatusActive && n == 0 && events == 0)
		if !whole {
			t.Errorf("%s after the kill: %s, %d reports, %d bounce events: half a record", e, st, n, events)
		}
		if printed[e] && n != 1 {
			t.Errorf("%s was printed as recorded, then lost", e)
		}
	}
	if len(printed) < 10 || len(printed) == len(emails) {
		t.Fatalf("the child printed %d of %d reports before the kill: not killed mid-batch", len(printed), len(emails))
	}
	out, errOut, code := b.bounceCLI(nil, files...)
	if code != 0 || len(lines(t, out)) != len(emails) {
		t.Fatalf("the run after the kill: exit %d, %d lines, %q", code, len(lines(t, out)), errOut)
	}
	for _, e := range emails {
		if st, n, events := b.status(e), b.reportCount(e), b.bounceEvents(e); st != drip.StatusBounced || n != 1 || events != 1 {
			t.Errorf("%s in the end: %s, %d reports, %d bounce events; want bounced, 1 and 1", e, st, n, events)
		}
	}
}

// killedBounce runs the bounce command over files in a child process and
// SIGKILLs it once it has printed after lines; it returns the recipients
// printed.
func (b *bounceHarness) killedBounce(files []string, after int) map[string]bool {
	b.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), commandEnv+"="+strings.Join(append([]string{"bounce"}, files...), "\x1f"),
		"DRIP_DATA="+b.app.cfg.Data, "DRIP_BOUNCE_DOMAIN="+bounceDomain)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	printed := map[string]bool{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var l struct{ Recipient string }
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			printed[l.Recipient] = true
		}
		if len(printed) == after {
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		b.t.Fatalf("the child ended with %v, not killed", err)
	}
	return printed
}

// bounceEvents counts the bounce events on a reader's timeline.
func (b *bounceHarness) bounceEvents(email string) int {
	b.t.Helper()
	rec, err := b.app.db.ReaderData(context.Background(), mustReader(b.t, b, email))
	if err != nil {
		b.t.Fatal(err)
	}
	n := 0
	for _, e := range rec.Events {
		if e.Kind == string(drip.EventBounce) {
			n++
		}
	}
	return n
}

// TestBounceRatesWarn: once hard bounces reach 5% of the week's mail, the
// bounce command warns on standard error, and stats shows the counts and
// rates per lesson and for the week, next to the thresholds, with the
// same warning.
func TestBounceRatesWarn(t *testing.T) {
	b := newBounceHarness(t)
	ctx := context.Background()
	slug := b.app.lib.Content().Default().Slug
	if err := b.app.db.SeedDue(ctx, slug, 100, b.clock.Now().Add(-time.Minute), func(i int) string { return fmt.Sprintf("s%03d@example.org", i) }); err != nil {
		t.Fatal(err)
	}
	b.pass()
	msgs := b.smtp.Messages()
	if len(msgs) != 100 {
		t.Fatalf("%d lessons sent, want 100", len(msgs))
	}
	dir := t.TempDir()
	var files []string
	for i, m := range msgs[:5] {
		files = append(files, writeFile(t, dir, fmt.Sprintf("%d.eml", i), bouncetest.DSN(original(m), "failed", "5.1.1", "550 5.1.1 no such user", fmt.Sprint("w", i))))
	}
	files = append(files, writeFile(t, dir, "soft.eml", bouncetest.DSN(original(msgs[5]), "failed", "4.2.2", "452 4.2.2 mailbox full", "w-soft")),
		writeFile(t, dir, "ours.eml", bouncetest.DSN(original(msgs[6]), "failed", "5.7.1", "554 5.7.1 rejected: listed at zen.spamhaus.org", "w-ours")))
	_, errOut, code := b.bounceCLI(nil, files...)
	if code != 0 || !strings.Contains(errOut, "hard bounce rate over the last 7 days is 5.00%") {
		t.Fatalf("bounce: exit %d, stderr %q; want the 5%% warning", code, errOut)
	}
	out, err := b.cli(nil, "stats")
	for _, want := range []string{"last 7 days: 100 sent; hard bounces 5 (5.00%; providers act at 5%), soft bounces 1 (1.00%)", "WARNING: the hard rate is 5.00%"} {
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("stats lacks %q (%v):\n%s", want, err, out)
		}
	}
	out, err = b.cli(nil, "stats", "--course", slug, "--json")
	var rep statsReport
	if err != nil || json.Unmarshal([]byte(out), &rep) != nil {
		t.Fatalf("stats --json: %v\n%s", err, out)
	}
	first := rep.Lessons[0]
	if first.Bounced != 5 || first.SoftBounced != 1 || first.BouncedRate != 0.05 || rep.Bounces.Hard != 5 || len(rep.Bounces.Crossed) != 1 || len(rep.Thresholds) != 3 {
		t.Errorf("stats --json: first lesson %+v, bounces %+v", first, rep.Bounces)
	}
	b.checkAdmin(t, msgs[0].To[0], msgs[6].To[0])
}

// checkAdmin checks the admin's view of TestBounceRatesWarn's reports:
// the dashboard's banner and rates, the lessons' counts, the reports page
// with its alerts, and why a bounced reader's address is suppressed.
func (b *bounceHarness) checkAdmin(t *testing.T, bounced, ours string) {
	dash := b.adminGet("/admin", bounceAdminPassword)
	for _, want := range []string{"The hard bounce rate over the last 7 days is 5.00%, at or above 5.00%", "1 report in the last 7 days says a mail server refused our own sending",
		"<b>5</b> hard bounces · 5.00%", "<b>1</b> soft bounces · 1.00%", "providers act at 0.1% and 0.3%"} {
		if !strings.Contains(dash, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if lessons := b.adminGet("/admin/lessons", bounceAdminPassword); !strings.Contains(lessons, "5 · 5.00%") {
		t.Error("the lessons page lacks the first lesson's 5 hard bounces (5.00%)")
	}
	if alerts := b.adminGet("/admin/bounces?show=alerts", bounceAdminPassword); !strings.Contains(alerts, "zen.spamhaus.org") || strings.Contains(alerts, "no such user") {
		t.Error("the alerts list is not the one report about our sending")
	}
	page := b.adminGet(fmt.Sprintf("/admin/readers/%d", mustReader(t, b, bounced)), bounceAdminPassword)
	if !strings.Contains(page, `<dd id="suppressed-by">a hard bounce (dsn report)`) || !strings.Contains(page, "5.1.1 failed") || !strings.Contains(page, "no such user") {
		t.Errorf("the bounced reader's page does not say why the address is suppressed:\n%s", page)
	}
	if page := b.adminGet(fmt.Sprintf("/admin/readers/%d", mustReader(t, b, ours)), bounceAdminPassword); strings.Contains(page, "suppressed-by") || !strings.Contains(page, "not charged to the reader") {
		t.Error("the page of the reader whose bounce was about our sending should show the report, and no suppression")
	}
}
