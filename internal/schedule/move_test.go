package schedule

import (
	"errors"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
)

func TestPlanMove(t *testing.T) {
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		t.Fatal(err)
	}
	s := crs.Slugs() // welcome, why-trust-breaks, a-real-apology, understanding-why, ...
	rows := func(spec ...string) []drip.Received {
		var out []drip.Received
		for _, sp := range spec {
			slug, status, _ := strings.Cut(sp, ":")
			out = append(out, drip.Received{Slug: slug, Status: drip.DeliveryStatus(status)})
		}
		return out
	}
	cases := []struct {
		name     string
		received []drip.Received
		target   string
		skip     string
		err      error
	}{
		{"the next one already", rows(s[0] + ":sent"), s[1], "", nil},
		{"forward, skipping two", rows(s[0] + ":sent"), s[3], s[1] + " " + s[2], nil},
		{"from the start", nil, s[2], s[0] + " " + s[1], nil},
		{"already had it", rows(s[0]+":sent", s[1]+":sent"), s[0], "", ErrReceived},
		{"a given-up lesson counts as had", rows(s[0] + ":failed"), s[0], "", ErrReceived},
		{"a skipped lesson counts as had", rows(s[0]+":sent", s[1]+":skipped"), s[1], "", ErrReceived},
		{"on past a skipped lesson", rows(s[0]+":sent", s[1]+":skipped"), s[3], s[2], nil},
		{"a retry before the target is skipped", rows(s[0]+":sent", s[1]+":retry"), s[2], s[1], nil},
		{"the retry itself is the target", rows(s[0]+":sent", s[1]+":retry"), s[1], "", nil},
		{"a later retry would go first", rows(s[0]+":sent", s[5]+":retry"), s[2], "", ErrBlocked},
		{"back to a lesson added before the reader's place", rows(s[0]+":sent", s[2]+":sent"), s[1], "", ErrBlocked},
		{"unknown lesson", nil, "../../course.yaml", "", drip.ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			skip, err := PlanMove(crs, c.received, c.target)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err != nil {
				return
			}
			if got := strings.Join(skip, " "); got != c.skip {
				t.Fatalf("skip %q, want %q", got, c.skip)
			}
			after := afterSkips(c.received, skip)
			if next := NextLesson(crs, after); next == nil || next.Slug != c.target {
				t.Fatalf("after the skips the next lesson is %v, want %s", next, c.target)
			}
			for _, r := range after[len(c.received):] {
				if r.Status != drip.DeliverySkipped {
					t.Fatalf("lesson %s is recorded %s, want skipped", r.Slug, r.Status)
				}
			}
		})
	}
}
