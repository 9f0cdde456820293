package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"
)

// A database that rolled up opens and clicks before the counts existed
// (version 13) keeps its figures through the upgrade: the counts start
// from the first-time columns its deliveries kept, and a later open of
// such a delivery counts no more, read after the mark or summed. Its
// schema is then that of a new database.
func TestUpgradeKeepsRolledUpFigures(t *testing.T) {
	stores(t, testUpgradeKeepsRolledUpFigures)
}

func testUpgradeKeepsRolledUpFigures(t *testing.T) {
	ctx := context.Background()
	dialect := "sqlite"
	if onPostgres(t) {
		dialect = "postgres"
	}
	names, _ := fs.Glob(migrations, "migrations/"+dialect+"/*.sql")
	sort.Strings(names)
	at := slices.IndexFunc(names, func(n string) bool { return filepath.Base(n) == "0013_event_rollups.sql" })
	if at < 0 {
		t.Fatal("no migration 0013_event_rollups.sql")
	}
	target := oldSchema(t, names[:at+1])
	fill(t, target, at+1)
	rollUpByHand(t, target)
	db, err := Open(ctx, target)
	if err != nil {
		t.Fatalf("upgrade from version %d: %v", at+1, err)
	}
	defer db.Close()
	now := upgradeAt
	for _, when := range []string{"upgraded", "summed"} {
		for _, c := range []string{"", "rebuilding-trust"} {
			got, err := db.lessonStats(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if want := rawLessonStats(t, db, c); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, course %q:\n got  %s\n want %s", when, c, show(got), show(want))
			}
			if l := got["welcome"]; l == nil || l.HumanOpens != 2 || l.MachineClicks != 1 {
				t.Errorf("%s, course %q: welcome %+v; want 2 human opens (one folded) and the folded machine click", when, c, l)
			}
		}
		sumAll(t, db, &now)
	}
	fresh := open(t)
	if onPostgres(t) {
		if a, b := postgresColumns(t, ctx, db), postgresColumns(t, ctx, fresh); !reflect.DeepEqual(a, b) {
			t.Errorf("the upgraded schema's columns differ from a new one's:\n upgraded %v\n new      %v", a, b)
		}
	} else if a, b := sqliteColumns(t, ctx, db), sqliteColumns(t, ctx, fresh); !reflect.DeepEqual(a, b) {
		t.Errorf("the upgraded schema's columns differ from a new one's:\n upgraded %v\n new      %v", a, b)
	}
	if a, b := indexes(t, db), indexes(t, fresh); !slices.Equal(a, b) {
		t.Errorf("the upgraded schema's indexes differ from a new one's:\n upgraded %v\n new      %v", a, b)
	}
}

// rollUpByHand does to a version 13 database what a rollup did: the
// first welcome lesson's human open and machine click were folded (their
// times kept on the delivery, the events gone), and its reader opened it
// again later; another reader's open is kept as it is.
func rollUpByHand(t *testing.T, target string) {
	t.Helper()
	driver, dsnText := "sqlite", dsn(target, false)
	if onPostgres(t) {
		driver, dsnText = "pgx", target
	}
	raw, err := sql.Open(driver, dsnText)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	later := upgradeAt.Add(-time.Hour).Unix()
	for _, q := range []string{
		`UPDATE deliveries SET first_open_at = sent_at + 60, first_machine_click_at = sent_at + 30
			WHERE id = (SELECT min(id) FROM deliveries WHERE slug = 'welcome')`,
		`INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at, course)
			SELECT subscriber_id, id, slug, 'open', 0, '', ` + fmt.Sprint(later) + `, 'rebuilding-trust' FROM deliveries WHERE slug = 'welcome'
			AND id IN ((SELECT min(id) FROM deliveries WHERE slug = 'welcome'), (SELECT max(id) FROM deliveries WHERE slug = 'welcome'))`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// indexes names the indexes of db's schema.
func indexes(t *testing.T, db *DB) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%' ORDER BY name"
	if db.d.postgres() {
		q = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"
	}
	return names(t, context.Background(), db, q)
}
