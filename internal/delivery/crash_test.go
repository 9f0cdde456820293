package delivery_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/delivery"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/smtptest"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// TestMain doubles as the sender process that the crash tests kill: with
// DRIP_CRASH_DB set, this binary runs one real dispatch pass and exits.
func TestMain(m *testing.M) {
	if os.Getenv("DRIP_CRASH_DB") != "" {
		os.Exit(crashChild())
	}
	os.Exit(m.Run())
}

const crashWorkers = 4

func crashChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	port, _ := strconv.Atoi(os.Getenv("DRIP_CRASH_SMTP"))
	now, _ := strconv.ParseInt(os.Getenv("DRIP_CRASH_NOW"), 10, 64)
	crs, err1 := course.Load(threeLessons)
	tpl, err2 := render.Load(dripcourse.Templates())
	db, err3 := store.Open(ctx, os.Getenv("DRIP_CRASH_DB"))
	sender, err4 := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: mailer.TLSNone, Timeout: 10 * time.Second, Connections: crashWorkers}, nil)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	lm := links.NewMaker("https://course.example.test", token.NewSigner(make([]byte, 32)))
	lib := compose.NewLibrary(&compose.Content{Set: course.NewSet(crs), Templates: tpl}, time.Unix(now, 0))
	r := &delivery.Runner{DB: db, Sender: sender, Content: lib.Content, Now: func() time.Time { return time.Unix(now, 0) },
		Workers: crashWorkers, Batch: 50, Log: slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Composer: &compose.Composer{Links: lm, FromAddr: "c@example.test", Tracking: compose.TrackAll}}
	if _, err := r.SendDue(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sender.Close()
	db.Close()
	return 0
}

// child starts the sender process for a pass at now.
func (f *fixture) child(t *testing.T, now time.Time) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "DRIP_CRASH_DB="+f.dbFile, "DRIP_CRASH_SMTP="+strconv.Itoa(f.smtp.Port),
		"DRIP_CRASH_NOW="+strconv.FormatInt(now.Unix(), 10))
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// slowServer makes each message take a moment, as a real relay does, so
// a pass is still running when the test interrupts it.
func slowServer(s smtptest.Stage, _ string) error {
	if s == smtptest.StageData {
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

const readers = 400

// midPass starts a sender process over 400 due readers on a slow server
// and returns once it has sent 100, so the test can interrupt it.
func midPass(t *testing.T) (*fixture, *exec.Cmd) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts child processes; skipped with -short")
	}
	f := newFixture(t, threeLessons, 10*time.Second)
	for i := range readers {
		f.reader(addr(i))
	}
	f.smtp.SetRule(slowServer)
	cmd := f.child(t, start)
	if !f.smtp.Wait(100, 30*time.Second) {
		t.Fatal("the sender never got going")
	}
	return f, cmd
}

func TestCrashMidPassLosesNothing(t *testing.T) {
	f, cmd := midPass(t)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	atKill := f.smtp.Count()
	if atKill >= readers {
		t.Fatalf("the pass finished (%d sent) before it could be killed", atKill)
	}
	// Restarted after the lease, the sender finishes the job.
	restart := f.child(t, start.Add(11*time.Minute))
	if err := restart.Wait(); err != nil {
		t.Fatalf("restarted sender: %v", err)
	}
	byAddr, ids := map[string]int{}, map[string]map[string]bool{}
	for _, m := range f.smtp.Messages() {
		to := m.To[0]
		byAddr[to]++
		if ids[to] == nil {
			ids[to] = map[string]bool{}
		}
		ids[to][m.Header().Get("Message-Id")] = true
	}
	repeats := 0
	for i := range readers {
		a := addr(i)
		switch {
		case byAddr[a] == 0:
			t.Errorf("%s never got the lesson: lost in the crash", a)
		case byAddr[a] > 1:
			repeats += byAddr[a] - 1
			if len(ids[a]) != 1 {
				t.Errorf("%s got a repeat with a different Message-ID: %v", a, ids[a])
			}
		}
	}
	if repeats > crashWorkers {
		t.Errorf("%d lessons repeated, want at most %d (one per connection in flight)", repeats, crashWorkers)
	}
	t.Logf("killed after %d messages; %d repeated after restart", atKill, repeats)
	f.allSent(t, readers)
}

func TestSIGTERMFinishesInFlight(t *testing.T) {
	f, cmd := midPass(t)
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sender exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("sender did not exit within 30 s of SIGTERM")
	}
	sent := f.smtp.Count()
	if sent >= readers {
		t.Fatalf("the pass finished (%d sent) before SIGTERM", sent)
	}
	// Every message that went out is recorded, and nothing is left in flight.
	f.pass()
	if f.smtp.Count() != readers {
		t.Fatalf("%d messages in all, want exactly %d: something was repeated or lost", f.smtp.Count(), readers)
	}
	f.allSent(t, readers)
}

// allSent checks that every reader's first delivery is recorded as sent.
func (f *fixture) allSent(t *testing.T, readers int) {
	t.Helper()
	for id := int64(1); id <= int64(readers); id++ {
		d := f.only(id)
		if d.Status != drip.DeliverySent {
			t.Fatalf("reader %d's delivery is %s, want sent", id, d.Status)
		}
	}
}

// TestTwoSendersNeverDoubleSend runs two sender processes on one database
// at the same moment: claims are leased, so every reader gets exactly one
// lesson.
func TestTwoSendersNeverDoubleSend(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes; skipped with -short")
	}
	f := newFixture(t, threeLessons, 10*time.Second)
	for i := range readers {
		f.reader(addr(i))
	}
	f.smtp.SetRule(slowServer)
	a, b := f.child(t, start), f.child(t, start)
	if err := a.Wait(); err != nil {
		t.Fatalf("first sender: %v", err)
	}
	if err := b.Wait(); err != nil {
		t.Fatalf("second sender: %v", err)
	}
	got := f.received()
	for i := range readers {
		if got[addr(i)] != 1 {
			t.Fatalf("%s got %d messages, want exactly 1", addr(i), got[addr(i)])
		}
	}
	f.allSent(t, readers)
}

// TestDeliveryPausesDuringDatabaseFault: while writes fail, nothing is
// claimed or sent; when the fault clears, everything goes out.
func TestDeliveryPausesDuringDatabaseFault(t *testing.T) {
	f := newFixture(t, threeLessons, 10*time.Second)
	for i := range 10 {
		f.reader(addr(i))
	}
	ctx := context.Background()
	if err := f.db.InjectFault(ctx, store.ReadOnly); err != nil {
		t.Fatal(err)
	}
	if _, err := f.runner.SendDue(ctx); err == nil {
		t.Fatal("a pass on a read-only database reported no error")
	}
	if f.smtp.Count() != 0 {
		t.Fatalf("%d messages sent while nothing could be recorded", f.smtp.Count())
	}
	f.db.InjectFault(ctx, store.NoFault)
	f.pass()
	if f.smtp.Count() != 10 {
		t.Fatalf("%d sent after the fault cleared, want 10", f.smtp.Count())
	}
	f.allSent(t, 10)
}
