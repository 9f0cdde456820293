//go:build bench

package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The benchmark command is run end to end on a small scale, so that it
// keeps working between the times someone measures with it.
func TestBenchCommandRunsAndCleansUp(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where bench makes its throwaway data directory
	// Twenty messages over two connections to a server that takes 20 ms
	// over each cannot go faster than 100 a second, in either pass.
	out, err := runCmd(t, nil, "bench", "--readers", "20", "--connections", "2",
		"--server-delay", "20ms", "--signups", "60", "--signup-clients", "3")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^dispatch: +20 sent in [0-9.]+s = ([0-9]+) msgs/s; latency p50 \S+ p99 \S+; CPU [0-9.]+s; peak RSS [0-9.]+ MB$`),
		regexp.MustCompile(`(?m)^raw limit: ([0-9]+) msgs/s; CPU [0-9.]+s .*; dispatch/raw = [0-9.]+$`),
		regexp.MustCompile(`(?m)^signups: +60 .*req/s()`),
	} {
		m := want.FindStringSubmatch(out)
		if m == nil {
			t.Errorf("output lacks a line like %s:\n%s", want, out)
			continue
		}
		if rate, err := strconv.Atoi(m[1]); err == nil && rate > 100 {
			t.Errorf("%d msgs/s: faster than --server-delay allows, so the server did not wait\n%s", rate, out)
		}
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("bench left %s behind", e.Name())
	}
}

func TestBenchRefusesABadServerDelay(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--server-delay", "soon"}, `--server-delay "soon": want a duration`},
		{[]string{"--server-delay", "-1ms"}, `--server-delay "-1ms"`},
		{[]string{"--server-delay", "1ms", "--smtp", "smtp://127.0.0.1:1?tls=none"}, "in-process server only"},
	} {
		out, err := runCmd(t, nil, append([]string{"bench", "--readers", "1"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error()+out, c.want) {
			t.Errorf("bench %v: got %v\n%s\nwant an error with %q", c.args, err, out, c.want)
		}
	}
}
