package store

import (
	"fmt"
	"io/fs"
	"path"
	"testing"
)

// TestMigrationsAreNumberedInTurn: a database's schema version counts the
// migrations applied, so each dialect's files must be numbered 0001, 0002,
// ... with no gap and no repeat, and the two sets must name the same
// steps. A gap (two branches each taking a number) would make a database
// skip or repeat a step.
func TestMigrationsAreNumberedInTurn(t *testing.T) {
	var sets [2][]string
	for i, d := range []string{"sqlite", "postgres"} {
		names, err := fs.Glob(migrations, "migrations/"+d+"/*.sql")
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: %v, %d files", d, err, len(names))
		}
		for n, name := range names {
			base := path.Base(name)
			if want := fmt.Sprintf("%04d_", n+1); base[:5] != want {
				t.Errorf("%s: migration %d is %s, want a name starting %s", d, n+1, base, want)
			}
			sets[i] = append(sets[i], base)
		}
	}
	if fmt.Sprint(sets[0]) != fmt.Sprint(sets[1]) {
		t.Errorf("the dialects' migrations differ:\n  sqlite:   %v\n  postgres: %v", sets[0], sets[1])
	}
}
