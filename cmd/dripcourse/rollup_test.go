package main

import (
	"context"
	"encoding/json"
	"regexp"
	"testing"
	"time"

	lessonreport "github.com/dripcourse/dripcourse/internal/report"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

// TestRollupLeavesStatsAsTheyWere: readers open and click (people,
// proxies and scanners), one leaves; once the events are older than
// DRIP_EVENT_RETENTION, housekeeping folds them into daily counts, and
// stats --json and the report the API and the admin answer with are what
// they were, on SQLite and on PostgreSQL. A reader who opens again after
// the rollup is still one reader who opened.
func TestRollupLeavesStatsAsTheyWere(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testRollupLeavesStats(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		pgtest.URL(t) // skips, saying how to enable it, without a server
		testRollupLeavesStats(t, map[string]string{"DRIP_DATABASE_URL": pgtest.Fresh(t)})
	})
}

func testRollupLeavesStats(t *testing.T, env map[string]string) {
	ctx := context.Background()
	env = withEnv(env, map[string]string{"DRIP_LESSONS": trackedCourse(t), "DRIP_EVENT_RETENTION": "30d"})
	h := newHarness(t, env)
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		h.signup(e, "", "UTC")
	}
	h.confirmAll()
	h.pass()
	const browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
	links := lessonLinks(h)
	h.fetch("GET", links["a@example.com"]["/o"], "Mozilla/5.0 (Windows NT 5.1) GoogleImageProxy")
	h.clock.Advance(time.Minute)
	h.fetch("GET", links["a@example.com"]["/o"], browser)
	h.clock.Advance(2 * time.Hour)
	h.fetch("GET", links["a@example.com"]["/o"], browser)
	h.fetch("GET", links["a@example.com"]["/c"], browser)
	h.fetch("GET", links["b@example.com"]["/c"], "Mozilla/5.0 (compatible; Barracuda Sentinel)")
	h.fetch("HEAD", links["b@example.com"]["/o"], browser)
	h.post(links["c@example.com"]["/u"], nil)
	before := figures(t, h, env)

	// Housekeeping runs all along: it sums the events into the counts
	// (on PostgreSQL up to an id seen ten minutes before), and rolls up
	// only what is summed.
	h.app.housekeeping(ctx)()
	h.clock.Advance(31 * 24 * time.Hour)
	h.app.housekeeping(ctx)()
	days, err := h.app.db.EventDays(ctx, "tracked")
	if err != nil {
		t.Fatal(err)
	}
	folded := int64(0)
	for _, d := range days {
		folded += d.Events
	}
	if folded != 6 {
		t.Fatalf("housekeeping folded %d opens and clicks into daily counts %+v, want all 6", folded, days)
	}
	if after := figures(t, h, env); after != before {
		t.Fatalf("the figures changed with the rollup:\n before %s\n after  %s", before, after)
	}
	h.fetch("GET", links["a@example.com"]["/o"], browser)
	a, err := h.app.db.SubscriberByEmail(ctx, "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if evs, err := h.app.db.Events(ctx, a.ID); err != nil || len(evs) == 0 || evs[len(evs)-1].Kind != "open" {
		t.Fatalf("the open after the rollup was not recorded: %+v, %v", evs, err)
	}
	if after := figures(t, h, env); after != before {
		t.Fatalf("an open after the rollup counted its reader twice:\n before %s\n after  %s", before, after)
	}
}

// figures is stats --json and the course's report (the API's and the
// admin's figures), as text.
func figures(t *testing.T, h *harness, env map[string]string) string {
	t.Helper()
	out, err := runCmd(t, withEnv(env, map[string]string{"DRIP_DATA": h.app.cfg.Data}), "stats", "--json")
	if err != nil {
		t.Fatalf("stats --json: %v\n%s", err, out)
	}
	rep, err := lessonreport.Build(context.Background(), h.app.db, h.app.lib.Content().Default())
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	// The command's week of bounces starts from the wall clock: the one
	// field that moves between two runs.
	return since.ReplaceAllString(out, `"since": ...`) + string(js)
}

var since = regexp.MustCompile(`"since": "[^"]*"`)

// lessonLinks maps each reader to the open, click and unsubscribe paths
// of the lessons they were sent.
func lessonLinks(h *harness) map[string]map[string]string {
	h.t.Helper()
	links := map[string]map[string]string{}
	for _, m := range h.smtp.Messages() {
		links[m.To[0]] = map[string]string{}
		for _, mm := range hrefs.FindAllStringSubmatch(parse(h.t, m).parts[1].body, -1) {
			links[m.To[0]][mm[1][:2]] = mm[1]
		}
	}
	return links
}

// withEnv is env with more added.
func withEnv(env, more map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{env, more} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
