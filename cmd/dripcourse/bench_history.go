package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/admin"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/forecast"
	"github.com/dripcourse/dripcourse/internal/store"
)

// benchPassword is the admin password bench --history and --pages set, to
// fetch the admin's pages through its real handler.
const benchPassword = "bench pages password"

// benchHistory builds a year of history for --history readers on a
// throwaway database (kept with --keep), then times the operator's pages
// on it; --pages alone times them on the database the settings name.
func benchHistory(ctx context.Context, e *env, o benchOptions) error {
	cfg := *e.cfg
	cfg.AdminPassword = benchPassword
	var keep func() string
	if o.history > 0 {
		var drop func()
		var err error
		if keep, drop, err = benchHistoryStore(ctx, o, &cfg); err != nil {
			return err
		}
		if !o.keep {
			defer drop()
		}
	}
	a, err := openApp(ctx, &cfg, newLogger(&cfg, io.Discard), time.Now)
	if err != nil {
		return err
	}
	defer a.Close()
	courses, err := a.benchCourses(o.courses)
	if err != nil {
		return err
	}
	if o.history > 0 {
		if err := a.buildHistory(ctx, e.stdout, courses, o.history); err != nil {
			return err
		}
		if o.keep {
			fmt.Fprintf(e.stdout, "kept: time the pages again with %s dripcourse bench --pages\n", keep())
		}
	}
	if err := a.catchUpCounts(ctx, e.stdout); err != nil {
		return err
	}
	if err := a.makeForecasts(ctx, e.stdout, courses); err != nil {
		return err
	}
	return a.benchPages(ctx, e.stdout, courses, o.runs)
}

// catchUpCounts folds the tallies and sums the history into the stats'
// counts, as serve's housekeeping does a batch a minute. Nothing else
// writes meanwhile, so each run may act as if the PostgreSQL lag had
// passed.
func (a *app) catchUpCounts(ctx context.Context, w io.Writer) error {
	start := time.Now()
	if err := a.db.FoldTallies(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "tallies folded in %.1fs\n", time.Since(start).Seconds())
	start, at, was, still := time.Now(), time.Now(), int64(-1), 0
	for {
		// A delivery awaiting a retry holds its mark: stop when one does
		// (on PostgreSQL the first run only takes a candidate).
		behind, err := a.db.CountsBehind(ctx)
		if behind == was {
			still++
		} else {
			still = 0
		}
		if err != nil || behind == 0 || still == 2 {
			fmt.Fprintf(w, "counts summed in %.1fs (%d rows after the marks)\n", time.Since(start).Seconds(), behind)
			return err
		}
		was = behind
		at = at.Add(11 * time.Minute)
		if err := a.db.AdvanceCounts(ctx, at); err != nil {
			return err
		}
	}
}

// makeForecasts makes each course's forecast, as serve's housekeeping
// does every few minutes, and says how long that took.
func (a *app) makeForecasts(ctx context.Context, w io.Writer, slugs []string) error {
	var courses []*course.Course
	for _, slug := range slugs {
		if crs, ok := a.lib.Content().Set.Course(slug); ok {
			courses = append(courses, crs)
		}
	}
	start := time.Now()
	made, err := forecast.Remake(ctx, a.db, courses, a.now())
	fmt.Fprintf(w, "forecasts: %d made in %.2fs (housekeeping's work every %s)\n", made, time.Since(start).Seconds(), forecast.RemakeAfter)
	return err
}

// benchHistoryStore points cfg at a new SQLite directory or PostgreSQL
// schema, and returns the setting that names it and what removes it.
func benchHistoryStore(ctx context.Context, o benchOptions, cfg *Config) (keep func() string, drop func(), err error) {
	if o.database != "" {
		if !store.IsPostgres(o.database) {
			return nil, nil, fmt.Errorf("--database: want a postgres:// URL")
		}
		schemaURL, _, drop, err := throwawaySchema(ctx, o.database)
		if err != nil {
			return nil, nil, err
		}
		cfg.DatabaseURL = schemaURL
		return func() string { return "DRIP_DATABASE_URL='" + schemaURL + "'" }, drop, nil
	}
	dir, err := os.MkdirTemp("", "dripcourse-history-")
	if err != nil {
		return nil, nil, err
	}
	cfg.Data, cfg.DatabaseURL = dir, ""
	return func() string { return "DRIP_DATA=" + dir }, func() { os.RemoveAll(dir) }, nil
}

// buildHistory fills the empty database with n readers' year, printing
// each step and the whole build's time.
func (a *app) buildHistory(ctx context.Context, w io.Writer, slugs []string, n int) error {
	var courses []store.HistoryCourse
	for _, slug := range slugs {
		crs, _ := a.lib.Content().Set.Course(slug)
		hc := store.HistoryCourse{Slug: slug}
		var at time.Duration
		for _, l := range crs.Lessons {
			at += l.Delay
			hc.Lessons = append(hc.Lessons, store.HistoryLesson{Slug: l.Slug, After: at})
		}
		courses = append(courses, hc)
	}
	fmt.Fprintf(w, "dripcourse bench --history: %d readers over %d course(s) on %s\n", n, len(courses), benchStore(a.cfg))
	start := time.Now()
	err := a.db.BuildHistory(ctx, courses, n, time.Now(), func(s store.HistoryStep) {
		fmt.Fprintf(w, "  %-22s %10d rows in %6.1fs\n", s.Name, s.Rows, s.Took.Seconds())
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "built in %.1fs; peak RSS %.1f MB\n", time.Since(start).Seconds(), peakRSSMB())
	return nil
}

// benchPage is one timed operator page or command.
type benchPage struct {
	name string
	run  func(context.Context) error
}

// benchPages times each operator page and command runs times, printing the
// median and p99 of each.
func (a *app) benchPages(ctx context.Context, w io.Writer, slugs []string, runs int) error {
	pages, err := a.operatorPages(ctx, slugs)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "operator pages, %d runs each (median, p99, max):\n", runs)
	for _, p := range pages {
		var lat latencies
		for range runs {
			start := time.Now()
			if err := p.run(ctx); err != nil {
				return fmt.Errorf("bench: %s: %w", p.name, err)
			}
			lat.add(time.Since(start))
		}
		fmt.Fprintf(w, "  %-34s %9s %9s %9s\n", p.name, ms(lat.quantile(0.5)), ms(lat.quantile(0.99)), ms(lat.quantile(1)))
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

// operatorPages are the pages and commands an operator waits for: the
// admin's through its real handler, stats and schedule as the commands
// compute them (without printing).
func (a *app) operatorPages(ctx context.Context, slugs []string) ([]benchPage, error) {
	h := a.webServer().Handler
	cookie, err := benchLogin(h)
	if err != nil {
		return nil, err
	}
	get := func(path string) func(context.Context) error {
		return func(context.Context) error { return benchGet(h, cookie, path) }
	}
	crs, _ := a.lib.Content().Set.Course(slugs[0])
	reader, prefix, err := a.benchReader(ctx)
	if err != nil {
		return nil, err
	}
	q := "?course=" + url.QueryEscape(crs.Slug)
	pages := []benchPage{
		{"admin dashboard", get("/admin/" + q)},
		{"admin lessons (per-lesson stats)", get("/admin/lessons" + q)},
		{"stats --course", func(ctx context.Context) error { _, err := a.stats(ctx, crs); return err }},
		{"schedule --course", func(ctx context.Context) error { return a.benchSchedule(ctx, crs) }},
		{"admin readers, search " + prefix, get("/admin/readers?q=" + url.QueryEscape(prefix))},
		{"admin reader page", get(fmt.Sprintf("/admin/readers/%d", reader))},
		{"admin readers, page 1", get("/admin/readers")},
	}
	_, total, err := a.db.Readers(ctx, store.ReaderQuery{Limit: 1})
	if err != nil {
		return nil, err
	}
	mid := max(1, (total+admin.ReadersPerPage-1)/admin.ReadersPerPage/2)
	above, _, err := a.db.Readers(ctx, store.ReaderQuery{Offset: (mid - 1) * admin.ReadersPerPage, Limit: 1})
	if err != nil || len(above) == 0 {
		return nil, fmt.Errorf("bench: the reader list's middle: %v", err)
	}
	_, enrolled, err := a.db.Readers(ctx, store.ReaderQuery{Course: crs.Slug, Only: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	cmid := max(1, (enrolled+admin.ReadersPerPage-1)/admin.ReadersPerPage/2)
	return append(pages,
		benchPage{"admin readers, middle page", get(fmt.Sprintf("/admin/readers?page=%d&before=%d", mid, above[0].ID+1))},
		benchPage{"admin readers, last page", get("/admin/readers?last=1")},
		benchPage{"admin readers, middle by number", get(fmt.Sprintf("/admin/readers?page=%d", mid))},
		benchPage{"admin readers of the course, page 1", get("/admin/readers" + q)},
		benchPage{"  the course's middle by number", get(fmt.Sprintf("/admin/readers%s&page=%d", q, cmid))},
		benchPage{"  the course's finished, middle by number", get(fmt.Sprintf("/admin/readers%s&enrolled=completed&page=%d", q, cmid/2))}), nil
}

// benchSchedule is the schedule command's work on one course.
func (a *app) benchSchedule(ctx context.Context, crs *course.Course) error {
	week, err := forecast.Read(ctx, a.db, crs, a.now().UTC())
	if err == nil {
		printSchedule(io.Discard, crs, week)
	}
	return err
}

// benchReader picks a reader in the middle of the list who finished a
// course (a full timeline), and an email prefix that matches a few.
func (a *app) benchReader(ctx context.Context) (int64, string, error) {
	rows, _, err := a.db.Readers(ctx, store.ReaderQuery{Status: "active", Limit: 1})
	if err != nil || len(rows) == 0 {
		return 0, "", fmt.Errorf("bench: no active reader to open: %v", err)
	}
	id := rows[0].ID / 2
	sub, err := a.db.Subscriber(ctx, id)
	if err != nil {
		return 0, "", fmt.Errorf("bench: reader %d: %w", id, err)
	}
	prefix, _, _ := strings.Cut(sub.Email, "@")
	return id, prefix[:max(1, len(prefix)-2)], nil
}

// benchLogin signs in to the admin and returns the session cookie.
func benchLogin(h http.Handler) (string, error) {
	req := httptest.NewRequest("POST", "/admin/login", strings.NewReader(url.Values{"password": {benchPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "dripcourse_admin" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("bench: admin login answered %d without a session", rec.Code)
}

// benchGet fetches one admin page and wants a 200.
func benchGet(h http.Handler, cookie, path string) error {
	body, code := benchFetch(h, cookie, path)
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: %d %.200s", path, code, body)
	}
	return nil
}

func benchFetch(h http.Handler, cookie, path string) (string, int) {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Cookie", cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.String(), rec.Code
}
