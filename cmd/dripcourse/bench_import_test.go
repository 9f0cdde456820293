package main

import (
	"os"
	"regexp"
	"strconv"
	"testing"
)

// The import benchmark runs end to end on a small file, so that it keeps
// working between the times someone measures with it.
func TestBenchImport(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where bench makes its throwaway data directory
	out, err := runCmd(t, nil, "bench", "--import", "3000")
	if err != nil {
		t.Fatalf("bench --import: %v\n%s", err, out)
	}
	for _, mode := range []string{"to confirm:", "--confirmed:"} {
		line := regexp.MustCompile(`(?m)^import ` + regexp.QuoteMeta(mode) + ` +3000 rows in [0-9.]+s = [0-9]+ rows/s; CPU [0-9.]+s; peak WAL ([0-9.]+) MB; database ([0-9.]+) MB$`)
		m := line.FindStringSubmatch(out)
		if m == nil {
			t.Errorf("output lacks a line like %s:\n%s", line, out)
			continue
		}
		// The WAL is checkpointed between batches: it never holds the
		// whole import, which the database does.
		wal, _ := strconv.ParseFloat(m[1], 64)
		db, _ := strconv.ParseFloat(m[2], 64)
		if wal <= 0 || wal >= db {
			t.Errorf("%s peak WAL %.1f MB, database %.1f MB: want a WAL seen, and smaller than the database", mode, wal, db)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("bench left %v behind", left)
	}
}
