package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/smtptest"
)

// A port in use stops serve before anything else: no database, and no
// one-time admin password printed and then lost with the process.
func TestServeBindsThePortFirst(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := filepath.Join(t.TempDir(), "data")
	out, err := runCmd(t, map[string]string{"DRIP_DATA": dir, "DRIP_ADDR": taken.Addr().String()}, "serve")
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("serve on a port in use: %v\n%s", err, out)
	}
	if strings.Contains(out, "password") {
		t.Fatalf("serve printed a password before failing:\n%s", out)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("serve made %s before failing: %v", dir, err)
	}
}

// syncBuffer is a log destination that serve and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// SIGTERM ends serve within its shutdown budget even while the mail
// server is silent: the dial in progress is given up, not waited out
// (the SMTP timeout is 30 s). The budget is made short here; serve must
// return within it and a margin, or the test fails.
func TestServeStopsWhileTheMailServerIsSilent(t *testing.T) {
	silent, err := smtptest.StartSilent()
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	envs := map[string]string{"DRIP_DATA": t.TempDir(), "DRIP_SMTP_URL": silent.URL(), "DRIP_TICK": "1s",
		"DRIP_ADDR": "127.0.0.1:0", "DRIP_ADMIN_PASSWORD": "correct horse battery staple"}
	csv := filepath.Join(t.TempDir(), "readers.csv")
	os.WriteFile(csv, []byte("email\nsam@example.org\n"), 0o644) // a confirmation to send
	if out, err := runCmd(t, envs, "import", csv); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	cfg, err := parseConfig(flag.NewFlagSet("serve", flag.ContinueOnError), nil, func(k string) string { return envs[k] })
	if err != nil {
		t.Fatal(err)
	}
	const budget = time.Second
	var log syncBuffer
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- cmdServe(ctx, &env{now: time.Now, cfg: cfg, stdout: io.Discard, stderr: &log, shutdown: budget})
	}()
	select {
	case <-silent.Accepted(): // the first pass dials; the server says nothing
	case err := <-done:
		t.Fatalf("serve ended before dialling: %v\n%s", err, log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("the dispatcher never dialled the mail server\n%s", log.String())
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(budget + 3*time.Second):
		t.Fatalf("serve still running %s after SIGTERM, with a budget of %s\n%s", budget+3*time.Second, budget, log.String())
	}
	if !strings.Contains(log.String(), "stopped") {
		t.Errorf("serve did not log that it stopped:\n%s", log.String())
	}
}

// With DRIP_LOG_FORMAT=json, serve's last word is a JSON log line too.
func TestServeFailsInJSONWhenTheLogIsJSON(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, stderr, err := runSplit(t, map[string]string{"DRIP_DATA": t.TempDir(), "DRIP_ADDR": taken.Addr().String(), "DRIP_LOG_FORMAT": "json"}, "serve")
	var buf bytes.Buffer
	if code := report(err, &buf); code != 1 || buf.Len() != 0 {
		t.Errorf("exit %d and %q on stderr from main; want 1 and nothing", code, buf.String())
	}
	if !strings.Contains(stderr, "address already in use") {
		t.Errorf("the log does not say why serve stopped:\n%s", stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("a log line is not JSON: %q", line)
		}
	}
}
