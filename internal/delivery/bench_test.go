package delivery_test

import (
	"context"
	"fmt"
	iofs "io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// seed adds n confirmed readers whose first lesson is due, quickly.
func (f *fixture) seed(b *testing.B, n int) {
	b.Helper()
	if err := f.db.SeedDue(context.Background(), f.course.Slug, n, f.clock.Now(), func(i int) string { return fmt.Sprintf("r%d@example.com", i) }); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPass is one full dispatch pass over 10,000 due readers: claim,
// render the real lesson with tracking, send to a real SMTP server on
// loopback over 4 connections, and record every outcome.
func BenchmarkPass(b *testing.B) {
	benchPass(b, 4)
}

func BenchmarkPass8(b *testing.B) {
	benchPass(b, 8)
}

func benchPass(b *testing.B, conns int) {
	const readers = 10000
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, realLessons(b), 10*time.Second)
		f.smtp.Discard()
		f.runner.Workers = conns
		f.runner.Sender = f.sender(conns)
		f.seed(b, readers)
		b.StartTimer()
		sum := f.pass()
		if sum.Sent != readers {
			b.Fatalf("sent %d, want %d", sum.Sent, readers)
		}
	}
	b.ReportMetric(float64(readers*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRenderLesson renders one real lesson, with tracked links, into
// a message.
func BenchmarkRenderLesson(b *testing.B) {
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		b.Fatal(err)
	}
	f := newFixture(b, threeLessons, time.Second)
	ct := &compose.Content{Set: course.NewSet(crs), Templates: f.runner.Content().Templates}
	sub := drip.Subscriber{ID: 1, Email: "r@example.com", Name: "Sam"}
	for b.Loop() {
		if _, err := f.runner.Composer.Lesson(ct, crs.Lessons[2], sub, 42, "m@example.test", start); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClaim claims batches of 256 due readers.
func BenchmarkClaim(b *testing.B) {
	f := newFixture(b, threeLessons, time.Second)
	pick := func(d store.Due) store.Pick { return store.Pick{Slug: "first", MessageID: "m@example.test"} }
	n, seeded := 0, 0
	for b.Loop() {
		if n == seeded {
			// Out of due readers: seed more, off the clock.
			b.StopTimer()
			round := seeded
			if err := f.db.SeedDue(context.Background(), f.course.Slug, 256*100, f.clock.Now(), func(i int) string { return fmt.Sprintf("r%d-%d@example.com", round, i) }); err != nil {
				b.Fatal(err)
			}
			seeded += 256 * 100
			b.StartTimer()
		}
		jobs, err := f.db.ClaimDue(context.Background(), start, time.Hour, 256, pick)
		if err != nil || len(jobs) != 256 {
			b.Fatalf("claim: %d, %v", len(jobs), err)
		}
		n += len(jobs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "claims/s")
}

// BenchmarkRecord commits one outcome at a time, as the sender does on
// PostgreSQL.
func BenchmarkRecord(b *testing.B) {
	f, outcome := recordFixture(b)
	for i := 0; b.Loop(); i++ {
		if err := f.db.Record(context.Background(), outcome(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJournal records one outcome at a time through the journal, as
// the sender does on SQLite, and waits until all are in the database.
func BenchmarkJournal(b *testing.B) {
	f, outcome := recordFixture(b)
	j := f.db.NewJournal()
	for i := 0; b.Loop(); i++ {
		if err := j.Append([]store.Outcome{outcome(i)}); err != nil {
			b.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		b.Fatal(err)
	}
}

// recordFixture claims 20,000 readers and returns the outcome of the i-th
// claimed lesson (cycling round).
func recordFixture(b *testing.B) (*fixture, func(i int) store.Outcome) {
	f := newFixture(b, threeLessons, time.Second)
	f.seed(b, 20000)
	pick := func(d store.Due) store.Pick { return store.Pick{Slug: "first", MessageID: "m@example.test"} }
	jobs, err := f.db.ClaimDue(context.Background(), start, time.Hour, 20000, pick)
	if err != nil {
		b.Fatal(err)
	}
	return f, func(i int) store.Outcome {
		j := jobs[i%len(jobs)]
		return store.Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID,
			SubscriberID: j.Subscriber.ID, Slug: "first", Result: drip.DeliverySent, Reply: store.Reply{Code: 250, Text: "OK"},
			At: start, NextDue: start.Add(48 * time.Hour)}
	}
}

// realLessons is the built-in course, as a MapFS for the fixture.
func realLessons(b *testing.B) fstest.MapFS { return realLessonsT(b) }

func realLessonsT(b testing.TB) fstest.MapFS {
	fs := fstest.MapFS{}
	err := iofs.WalkDir(dripcourse.BuiltInCourse("rebuilding-trust"), ".", func(p string, d iofs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := iofs.ReadFile(dripcourse.BuiltInCourse("rebuilding-trust"), p)
		fs[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return fs
}
