package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The store logs through the logger it is given, in that logger's format,
// not through the process-wide default: an operator who asked for JSON
// gets every line as JSON.
func TestStoreLogsThroughItsLogger(t *testing.T) {
	stores(t, testStoreLogsThroughItsLogger)
}

func testStoreLogsThroughItsLogger(t *testing.T) {
	sqliteOnly(t) // the outcome journal, whose replay logs, is SQLite's
	db, outs := journalFixture(t, 3)
	deadJournal(t, db, outs)
	var buf bytes.Buffer
	again, err := Open(context.Background(), db.path, WithLog(slog.New(slog.NewJSONHandler(&buf, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	wantRecordedOnce(t, again, outs)
	line, _, _ := strings.Cut(buf.String(), "\n")
	var rec map[string]any
	if err := json.Unmarshal([]byte(line), &rec); err != nil || !strings.Contains(rec["msg"].(string), "outcome journal replayed") {
		t.Fatalf("the replay was not logged as JSON through the store's logger: %v\n%q", err, buf.String())
	}
}

// With Existing, Open refuses to create a database: a command that only
// reads must not leave an empty one behind a mistyped path.
func TestOpenExistingRefusesToCreate(t *testing.T) {
	stores(t, testOpenExistingRefusesToCreate)
}

func testOpenExistingRefusesToCreate(t *testing.T) {
	ctx := context.Background()
	target := testTarget(t)
	if _, err := Open(ctx, target, Existing()); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("Existing on a fresh target: %v, want ErrNoDatabase", err)
	}
	if !onPostgres(t) {
		if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the refused open left %s behind: %v", target, err)
		}
		if entries, _ := os.ReadDir(filepath.Dir(target)); len(entries) != 0 {
			t.Fatalf("the refused open left files: %v", entries)
		}
	}
	made, err := Open(ctx, target) // an ordinary open makes it
	if err != nil {
		t.Fatal(err)
	}
	made.Close()
	db, err := Open(ctx, target, Existing())
	if err != nil {
		t.Fatalf("Existing on a database that exists: %v", err)
	}
	db.Close()
}
