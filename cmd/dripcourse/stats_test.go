package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// trackedCourse is a two-lesson course whose lessons link somewhere, so
// clicks can be tracked.
func trackedCourse(t *testing.T) string {
	t.Helper()
	return writeFiles(t, map[string]string{
		"course.yaml":  "slug: tracked\ntitle: Tracked course\nsender_name: Tracked\n",
		"01-first.md":  "---\nsubject: First\ndelay: 0d\n---\nRead [the notes](https://example.org/notes) today.\n",
		"02-second.md": "---\nsubject: Second\ndelay: 1d\n---\nAnd [more](https://example.org/more).\n",
	})
}

var hrefs = regexp.MustCompile(`(?:src|href)="https://course\.example\.test(/[a-z]+/[A-Za-z0-9_-]+)"`)

func (h *harness) fetch(method, path, agent string) *http.Response {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.web.URL+path, nil)
	req.Header.Set("User-Agent", agent)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// confirmAll confirms every reader whose confirmation email is waiting.
func (h *harness) confirmAll() {
	h.t.Helper()
	h.pass()
	for _, m := range h.smtp.Messages() {
		c := parse(h.t, m)
		h.post(link(h.t, c.parts[0].body, "/confirm"), nil)
	}
	h.smtp.Reset()
}

func TestStatsCountsScriptedRun(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_LESSONS": trackedCourse(t)})
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		h.signup(e, "", "UTC")
	}
	h.confirmAll()
	h.pass() // the first lesson to all three
	msgs := h.smtp.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d first lessons sent, want 3", len(msgs))
	}
	const browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
	paths := map[string][]string{}
	for _, m := range msgs {
		for _, mm := range hrefs.FindAllStringSubmatch(parse(t, m).parts[1].body, -1) {
			paths[m.To[0]] = append(paths[m.To[0]], mm[1])
		}
	}
	find := func(to, prefix string) string {
		for _, p := range paths[to] {
			if strings.HasPrefix(p, prefix+"/") {
				return p
			}
		}
		t.Fatalf("no %s link for %s in %v", prefix, to, paths[to])
		return ""
	}
	// a: a proxy fetches at once (machine), then the reader opens twice
	// and clicks. b: a scanner follows the link at once (machine), and
	// opens with a HEAD (machine). c: unsubscribes.
	h.fetch("GET", find("a@example.com", "/o"), "Mozilla/5.0 (Windows NT 5.1) GoogleImageProxy")
	h.clock.Advance(time.Minute)
	h.fetch("GET", find("a@example.com", "/o"), browser)
	h.fetch("GET", find("a@example.com", "/o"), browser)
	if res := h.fetch("GET", find("a@example.com", "/c"), browser); res.StatusCode != http.StatusFound || res.Header.Get("Location") != "https://example.org/notes" {
		t.Fatalf("click: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	h.fetch("GET", find("b@example.com", "/c"), "Mozilla/5.0 (compatible; Barracuda Sentinel)")
	h.fetch("HEAD", find("b@example.com", "/o"), browser)
	h.post(find("c@example.com", "/u"), nil)

	out, err := runCmd(t, map[string]string{"DRIP_DATA": h.app.cfg.Data, "DRIP_LESSONS": h.app.cfg.Lessons}, "stats", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep statsReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stats --json is not JSON: %v\n%s", err, out)
	}
	first := rep.Lessons[0]
	want := map[string][2]int{"sent": {first.Sent, 3}, "human opens": {first.HumanOpens, 1}, "machine opens": {first.MachineOpens, 2},
		"human clicks": {first.HumanClicks, 1}, "machine clicks": {first.MachineClicks, 1}, "unsubscribes": {first.Unsubscribes, 1}}
	for name, v := range want {
		if v[0] != v[1] {
			t.Errorf("%s: %d, want %d", name, v[0], v[1])
		}
	}
	if first.Slug != "first" || rep.Lessons[1].Slug != "second" || rep.Readers["active"] != 2 || rep.Readers["unsubscribed"] != 1 {
		t.Errorf("report: %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(h.app.cfg.Data, "dripcourse.db")); err != nil {
		t.Fatal(err)
	}
}
