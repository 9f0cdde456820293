package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
)

// TestStatsShowSkippedApart: lessons an operator moved a reader past are
// shown as skipped, in the table and in the JSON, never as failed.
func TestStatsShowSkippedApart(t *testing.T) {
	data := t.TempDir()
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(data, "dripcourse.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	in := store.Import{Email: "sam@example.com", Confirmed: true, Course: crs.Slug, FirstDue: now, At: now}
	if _, _, err := db.ImportReader(ctx, in); err != nil {
		t.Fatal(err)
	}
	sam, _ := db.SubscriberByEmail(ctx, in.Email)
	target := crs.Lessons[2].Slug
	err = db.Move(ctx, sam.ID, crs.Slug, target, now, now, func(r []drip.Received) ([]string, error) { return schedule.PlanMove(crs, r, target) })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DRIP_DATA": data}
	out, err := runCmd(t, env, "stats")
	if err != nil {
		t.Fatal(err)
	}
	head := regexp.MustCompile(`(?m)^ *lesson +sent +failed +skipped +bounced `)
	first := regexp.MustCompile(`(?m)^ *` + regexp.QuoteMeta(crs.Lessons[0].Slug) + ` +0 +0 +1 +0 `)
	if !head.MatchString(out) || !first.MatchString(out) {
		t.Fatalf("stats table lacks the skipped column, or counts the skip as failed:\n%s", out)
	}
	// The built-in lessons hold two courses: --course gives one course's
	// report in the one-course shape.
	out, err = runCmd(t, env, "stats", "--course", crs.Slug, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Lessons []map[string]any `json:"lessons"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	l := rep.Lessons[1]
	if l["skipped"] != 1.0 || l["failed"] != 0.0 || l["failed_rate"] != 0.0 || l["sent"] != 0.0 {
		t.Fatalf("stats --json for a skipped lesson: %v", l)
	}
}
