package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// TestImportAndExportCommands: with one course, import and export work
// on a row per reader, with no course column.
func TestImportAndExportCommands(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"DRIP_DATA": data, "DRIP_LESSONS": "../../lessons/rebuilding-trust"}
	file := filepath.Join(t.TempDir(), "readers.csv")
	os.WriteFile(file, []byte("email,name,timezone\n"+
		"ann@example.com,Ann,Asia/Kathmandu\n"+
		"bob@,Bob,\n"+
		"cat@example.com,,Nowhere/City\n"+
		"ann@example.com,Ann again,\n"+
		"dan@example.com\n"), 0o644)
	out, err := runCmd(t, env, "import", file, "--confirmed")
	var ec exitCode
	if !errors.As(err, &ec) || ec != 1 {
		t.Fatalf("import with bad rows: %v, want exit status 1\n%s", err, out)
	}
	for _, want := range []string{
		file + `:3: "bob@" is not a valid email address`,
		file + `:4: unknown timezone "Nowhere/City"`,
		file + ":5: ann@example.com is already a reader (active)",
		"2 added, 1 already present, 0 suppressed, 2 bad rows",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out, err = runCmd(t, env, "export")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != "email,name,timezone,status,created,confirmed,last_lesson,next_due,enrollment_status" {
		t.Fatalf("export: %v\n%s", err, out)
	}
	ann := rows[1]
	if ann[0] != "ann@example.com" || ann[2] != "Asia/Kathmandu" || ann[3] != "active" || ann[5] == "" || ann[7] == "" || ann[8] != "active" {
		t.Fatalf("ann's row: %q", ann)
	}

	// An erased address is never imported again.
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(data, "dripcourse.db"))
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := db.SubscriberByEmail(ctx, "dan@example.com")
	db.Erase(ctx, sub.ID, time.Now())
	db.Close()
	os.WriteFile(file, []byte("email\nDAN@example.com\neve@example.com\n"), 0o644)
	out, err = runCmd(t, env, "import", "--confirmed=false", file)
	if err != nil || !strings.Contains(out, ":2: DAN@example.com is suppressed") || !strings.Contains(out, "1 added, 0 already present, 1 suppressed, 0 bad rows") {
		t.Fatalf("second import: %v\n%s", err, out)
	}
	db, _ = store.Open(ctx, filepath.Join(data, "dripcourse.db"))
	defer db.Close()
	if eve, err := db.SubscriberByEmail(ctx, "eve@example.com"); err != nil || eve.Status != drip.StatusPending {
		t.Fatalf("eve without --confirmed: %+v %v; want pending, awaiting confirmation", eve, err)
	}
}

func TestImportUsage(t *testing.T) {
	env := map[string]string{"DRIP_DATA": t.TempDir()}
	if _, err := runCmd(t, env, "import"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("import without a file: %v", err)
	}
	if _, err := runCmd(t, env, "import", "readers.csv", "--data", "elsewhere"); err == nil || !strings.Contains(err.Error(), "put settings first") {
		t.Fatalf("a setting after the file: %v", err)
	}
	if _, err := runCmd(t, env, "import", filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Fatal("import of a missing file succeeded")
	}
}

// TestImportCommandAcrossBatches: a file longer than one transaction is
// reported row by row in its own order, a reader who comes twice (in
// another batch) is added once, and running the file again adds nothing.
func TestImportCommandAcrossBatches(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"DRIP_DATA": data, "DRIP_LESSONS": "../../lessons/rebuilding-trust"}
	var csvText strings.Builder
	csvText.WriteString("email,name\n")
	for i := range 2*store.ImportBatch + 100 {
		switch i {
		case 1500:
			csvText.WriteString("not an address,Bad\n")
		case 1800:
			csvText.WriteString("Reader3@example.com,Again\n")
		default:
			fmt.Fprintf(&csvText, "reader%d@example.com,Reader\n", i)
		}
	}
	file := filepath.Join(t.TempDir(), "readers.csv")
	os.WriteFile(file, []byte(csvText.String()), 0o644)
	out, err := runCmd(t, env, "import", "--confirmed", file)
	var ec exitCode
	if !errors.As(err, &ec) || ec != 1 {
		t.Fatalf("import with a bad row: %v, want exit status 1\n%s", err, out)
	}
	want := file + ":1502: \"not an address\" is not a valid email address\n" +
		file + ":1802: Reader3@example.com is already a reader (active); left as it is\n" +
		file + ": 2098 added, 1 already present, 0 suppressed, 1 bad rows\n"
	if out != want {
		t.Fatalf("import output:\n%s\nwant:\n%s", out, want)
	}
	out, _ = runCmd(t, env, "import", "--confirmed", file)
	if !strings.Contains(out, ": 0 added, 2099 already present, 0 suppressed, 1 bad rows (the first 500 are listed)") {
		t.Fatalf("the same file again:\n%s", out[max(0, len(out)-300):])
	}
}
