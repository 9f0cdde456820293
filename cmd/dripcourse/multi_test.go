package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/smtptest"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

// instanceEnv, set in a child process's environment, makes the test
// binary run `dripcourse serve` instead of the tests: a real instance.
const instanceEnv = "DRIP_TEST_INSTANCE"

// runInstance is called from TestMain in a child process.
func runInstance() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, []string{"serve"}, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

const (
	multiReaders   = 5000
	multiInstances = 3
	multiWorkers   = 4 // each instance's SMTP connections: the in-flight bound
)

// TestInstancesShareOnePostgres runs three `serve` processes on one
// PostgreSQL database with 5,000 readers due, in two courses, each instance relaying
// through its own SMTP server so the test can see who sent what. One
// instance is SIGKILLed mid-pass. Every reader must still get the lesson,
// repeats must stay within what the killed instance had in flight (and
// carry the same Message-ID), and the survivors must share the rest.
func TestInstancesShareOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three instances; skipped with -short")
	}
	dbURL := pgtest.Fresh(t)
	seedMulti(t, dbURL)

	sinks := make([]*smtptest.Server, multiInstances)
	procs := make([]*exec.Cmd, multiInstances)
	for i := range multiInstances {
		sink, err := smtptest.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sink.Close() })
		// A little time per message, as a real relay takes, so that
		// the kill lands mid-pass.
		sink.SetRule(func(s smtptest.Stage, _ string) error {
			if s == smtptest.StageData {
				time.Sleep(time.Millisecond)
			}
			return nil
		})
		sinks[i] = sink
		procs[i] = startInstance(t, dbURL, sink)
	}
	victim := procs[0]
	if !sinks[0].Wait(300, 60*time.Second) {
		t.Fatalf("instance 0 sent only %d messages in a minute", sinks[0].Count())
	}
	atKill := counts(sinks)
	if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.Wait()
	t.Logf("killed instance 0 after the three had sent %v", atKill)

	got := waitForReaders(t, sinks, multiReaders, 90*time.Second)
	stopInstances(t, procs[1:])
	checkDelivered(t, sinks, got)
	after := counts(sinks)
	for i := 1; i < multiInstances; i++ {
		if share := after[i] - atKill[i]; share < multiReaders/20 {
			t.Errorf("after the kill instance %d sent %d messages: the survivors did not share the work (%v then %v)", i, share, atKill, after)
		}
	}
	t.Logf("messages per instance: %v at the kill, %v at the end", atKill, after)
}

func seedMulti(t *testing.T, dbURL string) {
	t.Helper()
	env := map[string]string{"DRIP_DATA": t.TempDir(), "DRIP_DATABASE_URL": dbURL}
	cfg, err := parseConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// The readers are spread over both built-in courses: a claim takes
	// whichever is due, of any course.
	courses, err := a.benchCourses(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.SeedDueIn(context.Background(), courses, multiReaders, time.Now().Add(-time.Minute),
		func(i int) string { return fmt.Sprintf("reader%d@multi.example", i) }); err != nil {
		t.Fatal(err)
	}
}

func startInstance(t *testing.T, dbURL string, sink *smtptest.Server) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), instanceEnv+"=1", "DRIP_DATABASE_URL="+dbURL, "DRIP_DATA="+t.TempDir(),
		"DRIP_ADDR=127.0.0.1:0", "DRIP_SMTP_URL="+sink.URL(), "DRIP_FROM=lessons@example.test",
		"DRIP_BASE_URL=https://course.example.test", fmt.Sprintf("DRIP_SMTP_CONNECTIONS=%d", multiWorkers),
		"DRIP_TICK=1s", "DRIP_LEASE=5s", "DRIP_LOG_FORMAT=json")
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

func counts(sinks []*smtptest.Server) []int {
	n := make([]int, len(sinks))
	for i, s := range sinks {
		n[i] = s.Count()
	}
	return n
}

// waitForReaders returns, per recipient, the Message-IDs sent to them,
// once every reader has had one or the time is up. Each wake reads only
// the messages that arrived since the last: parsing them all again on
// every arrival cost more CPU than the three instances under test.
func waitForReaders(t *testing.T, sinks []*smtptest.Server, want int, limit time.Duration) map[string][]string {
	t.Helper()
	deadline := time.Now().Add(limit)
	got := map[string][]string{}
	read := make([]int, len(sinks)) // messages of each sink already in got
	for {
		for i, s := range sinks {
			msgs := s.Messages()
			for _, m := range msgs[read[i]:] {
				got[m.To[0]] = append(got[m.To[0]], m.Header().Get("Message-Id"))
			}
			read[i] = len(msgs)
		}
		if len(got) >= want || time.Now().After(deadline) {
			return got
		}
		// Wake on the next message to any sink, or give up at the deadline.
		select {
		case <-sinks[0].Arrivals():
		case <-sinks[1].Arrivals():
		case <-sinks[2].Arrivals():
		case <-time.After(time.Until(deadline)):
		}
	}
}

func stopInstances(t *testing.T, procs []*exec.Cmd) {
	t.Helper()
	for _, p := range procs {
		p.Process.Signal(syscall.SIGTERM)
	}
	for i, p := range procs {
		if err := p.Wait(); err != nil {
			t.Errorf("surviving instance %d did not stop cleanly on SIGTERM: %v", i+1, err)
		}
	}
}

func checkDelivered(t *testing.T, sinks []*smtptest.Server, got map[string][]string) {
	t.Helper()
	if len(got) != multiReaders {
		t.Fatalf("%d of %d readers got the lesson (messages per instance: %v)", len(got), multiReaders, counts(sinks))
	}
	repeats := 0
	for rcpt, ids := range got {
		if !strings.HasSuffix(rcpt, "@multi.example") {
			t.Errorf("message to %q, who is not a reader", rcpt)
		}
		for _, id := range ids[1:] {
			repeats++
			if id != ids[0] {
				t.Errorf("%s got the lesson twice with different Message-IDs %s and %s", rcpt, ids[0], id)
			}
		}
	}
	if repeats > multiWorkers {
		t.Errorf("%d repeats; at most %d (the killed instance's messages in flight) are allowed", repeats, multiWorkers)
	}
	t.Logf("%d readers, %d repeats", len(got), repeats)
}
