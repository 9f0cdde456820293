package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/smtptest"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

const (
	coursesReaders = 2000 // every one in the default course, every second one in the other too
	coursesLessons = coursesReaders + coursesReaders/2
)

// TestInstancesShareTwoCourses runs two `serve` processes on one
// PostgreSQL database holding both built-in courses, with 2,000 readers
// due a lesson of the first and half of them due one of the second as
// well, each instance relaying through its own SMTP server. Every lesson
// due goes exactly once, from one instance or the other, with its own
// course's List-Id: two lessons to one address, one per course, are not a
// repeat, and nothing is sent twice.
func TestInstancesShareTwoCourses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two instances; skipped with -short")
	}
	dbURL := pgtest.Fresh(t)
	courses := seedTwoCourses(t, dbURL)
	sinks := make([]*smtptest.Server, 2)
	procs := make([]*exec.Cmd, 2)
	for i := range sinks {
		sink, err := smtptest.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sink.Close() })
		sinks[i] = sink
		procs[i] = startInstance(t, dbURL, sink)
	}
	waitForCount(t, sinks, coursesLessons, 90*time.Second)
	stopInstances(t, procs)

	got := map[string]int{} // reader and course -> messages
	for _, s := range sinks {
		for _, m := range s.Messages() {
			got[m.To[0]+" "+listID.FindStringSubmatch(m.Header().Get("List-Id"))[1]]++
		}
	}
	for i := range coursesReaders {
		for j, slug := range courses {
			want := 1
			if j == 1 && i%2 == 1 {
				want = 0
			}
			if key := fmt.Sprintf("reader%d@multi.example %s", i, slug); got[key] != want {
				t.Errorf("%s: %d messages, want %d", key, got[key], want)
			}
		}
	}
	if n := counts(sinks); n[0]+n[1] != coursesLessons || n[0] == 0 || n[1] == 0 {
		t.Errorf("the instances sent %v, want %d between them, each a share", n, coursesLessons)
	}
}

// seedTwoCourses makes the readers of TestInstancesShareTwoCourses, due a
// minute ago, and returns the two courses: the default, then the other.
func seedTwoCourses(t *testing.T, dbURL string) []string {
	t.Helper()
	ctx := context.Background()
	env := map[string]string{"DRIP_DATA": t.TempDir(), "DRIP_DATABASE_URL": dbURL}
	cfg, err := parseConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	courses, err := a.benchCourses(2)
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().Add(-time.Minute)
	email := func(i int) string { return fmt.Sprintf("reader%d@multi.example", i) }
	if err := a.db.SeedDueIn(ctx, courses[:1], coursesReaders, due, email); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < coursesReaders; i += 2 {
		sub, err := a.db.SubscriberByEmail(ctx, email(i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.db.Enroll(ctx, sub.ID, courses[1], due, due); err != nil {
			t.Fatal(err)
		}
	}
	return courses
}

// waitForCount returns once the sinks hold want messages between them, or
// fails the test when the time is up.
func waitForCount(t *testing.T, sinks []*smtptest.Server, want int, limit time.Duration) {
	t.Helper()
	deadline := time.After(limit)
	for {
		if n := counts(sinks); n[0]+n[1] >= want {
			return
		}
		select {
		case <-sinks[0].Arrivals():
		case <-sinks[1].Arrivals():
		case <-deadline:
			t.Fatalf("the instances sent %v in %s, want %d between them", counts(sinks), limit, want)
		}
	}
}
