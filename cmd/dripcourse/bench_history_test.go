package main

import (
	"os"
	"regexp"
	"testing"
)

// The history benchmark runs end to end on a small history, so that it
// keeps working between the times someone measures with it: every page
// answers, and the throwaway database is gone afterwards.
func TestBenchHistory(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where bench makes its throwaway data directory
	out, err := runCmd(t, nil, "bench", "--history", "600", "--runs", "2")
	if err != nil {
		t.Fatalf("bench --history: %v\n%s", err, out)
	}
	for _, want := range []string{`(?m)^  deliveries +[1-9][0-9]* rows in`, `(?m)^  open and click events +[1-9][0-9]* rows in`,
		`(?m)^built in [0-9.]+s`, `(?m)^counts summed in [0-9.]+s \(0 rows after the marks\)$`,
		`(?m)^  admin dashboard +[0-9.]+ms`, `(?m)^  admin readers, last page +[0-9.]+ms`, `(?m)^  schedule --course +[0-9.]+ms`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("bench left %v behind", left)
	}
}
