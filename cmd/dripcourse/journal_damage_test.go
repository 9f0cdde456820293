package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
)

// TestDamagedJournalDoesNotStopCommands: a dispatch pass left a journal
// with a damaged line in the middle. The first command on the database
// (here backup, which only reads) still works: it applies the outcomes
// around the line and says on stderr where the line was set aside; the
// commands after it find a journal no longer there.
func TestDamagedJournalDoesNotStopCommands(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(data, "dripcourse.db")
	ctx := context.Background()
	db, err := store.Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	db.SeedDue(ctx, "rebuilding-trust", 3, now, func(i int) string { return fmt.Sprintf("r%d@example.com", i) })
	jobs, err := db.ClaimDue(ctx, now, time.Hour, 3, func(store.Due) store.Pick { return store.Pick{Slug: "welcome", MessageID: "m@x"} })
	db.Close()
	if err != nil || len(jobs) != 3 {
		t.Fatalf("claim: %d, %v", len(jobs), err)
	}
	// The journal as a pass writes it (one JSON line an outcome), its
	// second line since damaged.
	var lines []string
	for i, j := range jobs {
		lines = append(lines, fmt.Sprintf(`{"s":%d,"o":{"DeliveryID":%d,"EnrollmentID":%d,"SubscriberID":%d,"Slug":"welcome","Result":"sent","Reply":{"Code":250,"Enhanced":"","Text":"OK"},"At":%q,"NextDue":%q,"Complete":false,"Bounce":false}}`,
			i+1, j.DeliveryID, j.Enrollment.ID, j.Subscriber.ID, now.Format(time.RFC3339), now.Add(48*time.Hour).Format(time.RFC3339)))
	}
	lines[1] = lines[1][:40] + "\x00\x00#"
	prefix := file + "-outcomes-00000000000000000001-1"
	os.WriteFile(prefix+".lock", nil, 0o600)
	os.WriteFile(prefix+".1.log", []byte(strings.Join(lines, "\n")+"\n"), 0o600)

	env := map[string]string{"DRIP_DATA": data}
	out, err := runCmd(t, env, "backup", filepath.Join(t.TempDir(), "copy.db"))
	if err != nil {
		t.Fatalf("backup with a damaged journal line: %v\n%s", err, out)
	}
	kept, _ := filepath.Glob(file + ".journal-damaged-*")
	if len(kept) != 1 || !strings.Contains(out, prefix+".1.log line 2 is damaged") || !strings.Contains(out, "cat -v "+kept[0]) {
		t.Fatalf("backup's output does not say where the damaged line went (%v):\n%s", kept, out)
	}
	for _, args := range [][]string{{"stats"}, {"export"}} {
		if out, err := runCmd(t, env, args...); err != nil || strings.Contains(out, "damaged") {
			t.Errorf("%s after the replay: %v\n%s", args[0], err, out)
		}
	}
	db, _ = store.Open(ctx, file)
	defer db.Close()
	for _, j := range jobs {
		if d, err := db.Delivery(ctx, j.DeliveryID, j.Subscriber.ID); err != nil || d.Status != "sent" {
			t.Errorf("delivery %d: %s, %v; want sent", j.DeliveryID, d.Status, err)
		}
	}
}
