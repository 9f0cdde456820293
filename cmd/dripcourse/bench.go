package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/smtptest"
)

// benchOptions are bench's own flags.
type benchOptions struct {
	readers, connections, courses int
	signups, signupClients        int
	idle, instances, imports      int
	smtp, database, cpuprofile    string
	// webhook subscribes an endpoint on 127.0.0.1 to lesson.sent.
	webhook bool
	// serverDelay is text: benchServer checks it, together with --smtp.
	serverDelay string
	// history builds a year of history for this many readers, then times
	// the operator's pages (bench_history.go); pages times them alone.
	history, runs int
	pages, keep   bool
}

// benchCommand is the performance benchmark (bench*.go).
func benchCommand() command {
	return command{"bench", "[--readers N] [--signups N]",
		"measure a real dispatch pass (and signups) on a throwaway database, against the raw SMTP limit", declareBench}
}

func declareBench(fs *flag.FlagSet) action {
	var o benchOptions
	fs.IntVar(&o.readers, "readers", 20000, "readers with a lesson due")
	fs.IntVar(&o.connections, "connections", 4, "SMTP connections")
	fs.IntVar(&o.courses, "courses", 1, "spread the readers over this many courses of the set, in turn")
	fs.StringVar(&o.smtp, "smtp", "", "send to this smtp:// URL instead of an in-process server on 127.0.0.1")
	fs.StringVar(&o.serverDelay, "server-delay", "0s", "the in-process server waits this long before it accepts each message, as a remote or disk-queueing server does (e.g. 1ms)")
	fs.IntVar(&o.signups, "signups", 0, "also drive this many concurrent signups through the web handler")
	fs.IntVar(&o.signupClients, "signup-clients", 8, "how many clients post signups at once")
	fs.IntVar(&o.idle, "idle", 0, "instead, time passes with nothing due over this many readers (e.g. 1000000)")
	fs.StringVar(&o.database, "database", "", "a postgres:// URL: run on a throwaway schema there instead of SQLite")
	fs.IntVar(&o.instances, "instances", 1, "instances sharing the database (PostgreSQL only), each with its own pool and connections")
	fs.IntVar(&o.imports, "import", 0, "instead, time the import command on a file of this many new readers (e.g. 100000), with and without --confirmed")
	fs.BoolVar(&o.webhook, "webhook", false, "subscribe a webhook endpoint on 127.0.0.1 to lesson.sent and dispatch its deliveries during the pass, then time the backlog's drain")
	fs.IntVar(&o.history, "history", 0, "instead, build a year of history for this many readers (e.g. 1000000), then time the operator's pages on it")
	fs.BoolVar(&o.keep, "keep", false, "with --history: keep the database built, and say how to time its pages again")
	fs.BoolVar(&o.pages, "pages", false, "instead, time the operator's pages on the database the settings name (DRIP_DATA or DRIP_DATABASE_URL)")
	fs.IntVar(&o.runs, "runs", 20, "with --history or --pages: time each page this many times")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the dispatch pass alone to this file (for go tool pprof)")
	return func(ctx context.Context, e *env) error { return cmdBench(ctx, e, o) }
}

// latencies collects per-message times from several goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	sort.Slice(l.d, func(i, j int) bool { return l.d[i] < l.d[j] })
	return l.d[min(len(l.d)-1, int(q*float64(len(l.d))))]
}

// check refuses counts the benchmark cannot run with.
func (o *benchOptions) check() error {
	for _, c := range []struct {
		name     string
		n, least int
	}{{"readers", o.readers, 1}, {"connections", o.connections, 1}, {"courses", o.courses, 1}, {"signups", o.signups, 0},
		{"signup-clients", o.signupClients, 1}, {"idle", o.idle, 0}, {"import", o.imports, 0},
		{"history", o.history, 0}, {"runs", o.runs, 1}} {
		if c.n < c.least {
			return fmt.Errorf("--%s %d: want a whole number of at least %d", c.name, c.n, c.least)
		}
	}
	if o.instances < 1 || o.instances > 16 {
		return fmt.Errorf("--instances %d: want a whole number from 1 to 16", o.instances)
	}
	return nil
}

func cmdBench(ctx context.Context, e *env, o benchOptions) error {
	if err := o.check(); err != nil {
		return err
	}
	if o.history > 0 || o.pages {
		return benchHistory(ctx, e, o)
	}
	dir, err := os.MkdirTemp("", "dripcourse-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.imports > 0 {
		return benchImport(ctx, e, dir, o)
	}
	smtpURL, stop, err := benchServer(o.smtp, o.serverDelay)
	if err != nil {
		return err
	}
	defer stop()
	cfg := *e.cfg
	cfg.Data, cfg.Connections, cfg.MinFormTime = dir, o.connections, 0
	sc, err := mailer.ParseSMTPURL(smtpURL)
	if err != nil {
		return err
	}
	sc.Connections = o.connections
	cfg.SMTP = &sc
	apps, closeAll, pg, err := openBenchApps(ctx, o, &cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	a := apps[0]
	courses, err := a.benchCourses(o.courses)
	if err != nil {
		return err
	}
	if o.idle > 0 {
		return a.benchIdle(ctx, e.stdout, o.idle, courses)
	}
	fmt.Fprintf(e.stdout, "dripcourse bench: %d readers in %d course(s), %d SMTP connections to %s per instance, %d instance(s) on %s\n",
		o.readers, len(courses), o.connections, sc.Redacted(), len(apps), benchStore(&cfg))
	var drained func(io.Writer) error
	if o.webhook {
		if drained, err = benchWebhook(ctx, apps); err != nil {
			return err
		}
	}
	if err := benchPass(ctx, e.stdout, apps, pg, courses, o.readers, o.connections, o.cpuprofile); err != nil {
		return err
	}
	if drained != nil {
		if err := drained(e.stdout); err != nil {
			return err
		}
	}
	if o.signups > 0 {
		return benchSignups(ctx, e.stdout, apps, pg, o.signups, o.signupClients)
	}
	return nil
}

// benchServer returns the SMTP server to send to: the one --smtp names,
// or one started in this process, which takes --server-delay to accept
// each message.
func benchServer(smtpURL, serverDelay string) (url string, stop func(), err error) {
	delay, err := time.ParseDuration(serverDelay)
	if err != nil || delay < 0 || delay > time.Minute {
		return "", nil, fmt.Errorf("--server-delay %q: want a duration from 0s to 1m, such as 1ms", serverDelay)
	}
	if url = smtpURL; url != "" {
		if delay > 0 {
			return "", nil, fmt.Errorf("--server-delay applies to the in-process server only, not to --smtp")
		}
		return url, func() {}, nil
	}
	sink, err := smtptest.Start()
	if err != nil {
		return "", nil, err
	}
	sink.Discard()
	if delay > 0 {
		// A stand-in for the time a real server spends queueing the
		// message before its reply; only the connection waits, not a core.
		sink.SetRule(func(stage smtptest.Stage, _ string) error {
			if stage == smtptest.StageData {
				time.Sleep(delay)
			}
			return nil
		})
	}
	return sink.URL(), func() { sink.Close() }, nil
}

// benchPass seeds readers, runs the real dispatch pass on every instance
// at once, then sends the same number of pre-rendered messages straight to
// the server for comparison.
func benchPass(ctx context.Context, w io.Writer, apps []*app, pg *serverCPU, courses []string, readers, conns int, profile string) error {
	a := apps[0]
	if err := a.seedCourses(ctx, courses, readers, time.Now(), "reader"); err != nil {
		return err
	}
	stop, err := startProfile(profile)
	if err != nil {
		return err
	}
	var lat latencies
	pg0, _ := pg.seconds(ctx)
	cpu0, start := cpuSeconds(), time.Now()
	sum, err := sendDueEverywhere(ctx, apps, func(_ string, _ drip.DeliveryStatus, d time.Duration) { lat.add(d) })
	took, cpu := time.Since(start), cpuSeconds()-cpu0
	pg1, pgOK := pg.seconds(ctx)
	if perr := stop(); err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	rate := float64(sum.Sent) / took.Seconds()
	fmt.Fprintf(w, "dispatch:  %d sent in %.2fs = %.0f msgs/s; latency p50 %s p99 %s; CPU %.2fs; peak RSS %.1f MB\n",
		sum.Sent, took.Seconds(), rate, lat.quantile(0.5).Round(time.Microsecond), lat.quantile(0.99).Round(time.Microsecond), cpu, peakRSSMB())
	if pgOK {
		fmt.Fprintf(w, "server:    PostgreSQL's processes for this run used %.2fs CPU in the pass (%.0f µs a message)\n",
			pg1-pg0, (pg1-pg0)/float64(max(sum.Sent, 1))*1e6)
	}
	if sum.Sent != readers {
		return fmt.Errorf("bench: sent %d of %d (failed %d, retry %d)", sum.Sent, readers, sum.Failed, sum.Retried)
	}
	cpu0 = cpuSeconds()
	raw, err := a.benchRaw(ctx, readers, conns)
	if err != nil {
		return err
	}
	rawCPU := cpuSeconds() - cpu0
	fmt.Fprintf(w, "raw limit: %.0f msgs/s; CPU %.2fs (same server and connections, pre-rendered, no database); dispatch/raw = %.2f\n", raw, rawCPU, rate/raw)
	return nil
}

// benchRaw sends n copies of one pre-rendered lesson over conns
// connections and returns messages per second.
func (a *app) benchRaw(ctx context.Context, n, conns int) (float64, error) {
	ct := a.lib.Content()
	sub := drip.Subscriber{ID: 1, Email: "raw@bench.example", Name: "Sam"}
	msg, err := a.composer.Lesson(ct, ct.Default().Lessons[0], sub, 1, a.composer.NewMessageID("b", 1), time.Now())
	if err != nil {
		return 0, err
	}
	raw, err := mailer.Raw(msg)
	if err != nil {
		return 0, err
	}
	s, err := mailer.NewSMTP(*a.cfg.SMTP, nil)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	start := time.Now()
	for range conns {
		wg.Go(func() {
			for range jobs {
				if err := s.SendRaw(ctx, msg.FromAddr, msg.ToAddr, raw); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return float64(n) / time.Since(start).Seconds(), failed
}

// startProfile starts a CPU profile into path, when one is asked for; the
// returned stop ends it and closes the file.
func startProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSSMB is the process's peak resident set so far (Linux reports KB).
func peakRSSMB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024
}

// benchIdle seeds n readers whose next lesson is due tomorrow and times
// dispatch passes that find nothing to do: the cost every tick pays.
func (a *app) benchIdle(ctx context.Context, w io.Writer, n int, courses []string) error {
	t0 := time.Now()
	if err := a.seedCourses(ctx, courses, n, time.Now().Add(24*time.Hour), "idle"); err != nil {
		return err
	}
	fmt.Fprintf(w, "seeded %d readers in %.1fs\n", n, time.Since(t0).Seconds())
	r := a.runner()
	var lat latencies
	for range 25 {
		start := time.Now()
		if _, err := r.SendDue(ctx); err != nil {
			return err
		}
		lat.add(time.Since(start))
	}
	fmt.Fprintf(w, "idle pass over %d readers in %d course(s): median %s, p99 %s (25 passes)\n", n, len(courses),
		lat.quantile(0.5).Round(time.Microsecond), lat.quantile(0.99).Round(time.Microsecond))
	return nil
}

// benchCourses is the first n courses of the set, the default one first.
func (a *app) benchCourses(n int) ([]string, error) {
	ct := a.lib.Content()
	if n > len(ct.Set.Courses) {
		return nil, fmt.Errorf("--courses %d: the lessons directory has %d course(s)", n, len(ct.Set.Courses))
	}
	out := []string{ct.Default().Slug}
	for _, c := range ct.Set.Courses {
		if len(out) < n && c.Slug != out[0] {
			out = append(out, c.Slug)
		}
	}
	return out, nil
}

// seedCourses seeds n readers due at due, spread over courses in turn.
func (a *app) seedCourses(ctx context.Context, courses []string, n int, due time.Time, prefix string) error {
	return a.db.SeedDueIn(ctx, courses, n, due, func(i int) string { return fmt.Sprintf("%s%d@bench.example", prefix, i) })
}
