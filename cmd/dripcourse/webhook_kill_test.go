package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/smtptest"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

const killReaders = 300

// TestWebhooksSurviveSIGKILL runs serve with lesson.sent subscribed while
// the endpoint is down, SIGKILLs it in the middle of the pass, brings the
// endpoint up and starts serve again: every lesson recorded as sent
// reaches the endpoint as one signed event, none is lost, and no event is
// sent for a lesson that was not recorded.
func TestWebhooksSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts serve twice; skipped with -short")
	}
	dir, secret := t.TempDir(), webhook.NewSecret()
	port := freePort(t)
	seedWebhookKill(t, dir, fmt.Sprintf("http://127.0.0.1:%d/hooks", port), secret)
	sink, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	sink.SetRule(func(s smtptest.Stage, _ string) error {
		if s == smtptest.StageData {
			time.Sleep(2 * time.Millisecond) // so the kill lands mid-pass
		}
		return nil
	})
	first := startServe(t, dir, sink)
	if !sink.Wait(killReaders/3, 2*time.Minute) {
		t.Fatalf("serve sent only %d lessons", sink.Count())
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	t.Logf("killed serve after %d lessons", sink.Count())

	rc := &killReceiver{secret: secret, ids: map[string]bool{}, deliveries: map[int64]bool{}}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rc}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	second := startServe(t, dir, sink)
	defer stopServe(t, second)
	deadline := time.Now().Add(4 * time.Minute) // a delivery claimed at the kill waits out its 2-minute lease
	for rc.count() < killReaders && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.deliveries) != killReaders || rc.bad != 0 {
		t.Fatalf("%d of %d lessons reached the endpoint as lesson.sent (%d bad signatures, %d deliveries in all; %d messages sent)",
			len(rc.deliveries), killReaders, rc.bad, rc.posts, sink.Count())
	}
	t.Logf("%d lessons sent for %d readers; %d webhook deliveries for %d events", sink.Count(), killReaders, rc.posts, len(rc.ids))
	if len(rc.ids) != killReaders {
		t.Errorf("%d webhook-ids for %d lessons: an event was written twice", len(rc.ids), killReaders)
	}
}

// killReceiver verifies each delivery and notes its webhook-id and the
// lesson's delivery.
type killReceiver struct {
	mu         sync.Mutex
	secret     webhook.Secret
	ids        map[string]bool
	deliveries map[int64]bool
	posts, bad int
}

func (rc *killReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.posts++
	if err := webhook.Verify(rc.secret, r.Header, body, time.Now(), webhook.DefaultTolerance); err != nil {
		rc.bad++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ev struct {
		Data struct {
			DeliveryID int64 `json:"delivery_id"`
		}
	}
	_ = json.Unmarshal(body, &ev)
	rc.ids[r.Header.Get("webhook-id")] = true
	rc.deliveries[ev.Data.DeliveryID] = true
	w.WriteHeader(http.StatusNoContent)
}

func (rc *killReceiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.deliveries)
}

func seedWebhookKill(t *testing.T, dir, url string, secret webhook.Secret) {
	t.Helper()
	env := map[string]string{"DRIP_DATA": dir, "DRIP_WEBHOOK_ALLOW_PRIVATE": "true"}
	cfg, err := parseConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.webhooks.AddEndpoint(context.Background(), url, secret, []string{webhook.LessonSent}); err != nil {
		t.Fatal(err)
	}
	if err := a.db.SeedDue(context.Background(), a.lib.Content().Default().Slug, killReaders, time.Now().Add(-time.Minute),
		func(i int) string { return fmt.Sprintf("reader%d@kill.example", i) }); err != nil {
		t.Fatal(err)
	}
}

func startServe(t *testing.T, dir string, sink *smtptest.Server) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), instanceEnv+"=1", "DRIP_DATA="+dir, "DRIP_ADDR=127.0.0.1:0", "DRIP_SMTP_URL="+sink.URL(),
		"DRIP_FROM=lessons@example.test", "DRIP_BASE_URL=https://course.example.test", "DRIP_TICK=1s", "DRIP_LEASE=5s",
		"DRIP_WEBHOOK_ALLOW_PRIVATE=true", "DRIP_ADMIN_PASSWORD=correct horse battery staple", "DRIP_LOG_FORMAT=json")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

func stopServe(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}

// freePort is a port on 127.0.0.1 that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
