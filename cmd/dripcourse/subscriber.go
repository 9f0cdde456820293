package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/pause"
)

const subscriberUsage = "usage: dripcourse subscriber pause|resume EMAIL [--course SLUG]"

// subscriberCommand declares subscriber's --course, which may also come
// after the address.
func subscriberCommand(fs *flag.FlagSet) action {
	slug := courseFlag(fs, "the reader's one course (a reader of several must be told which)")
	return func(ctx context.Context, e *env) error {
		args, err := laterFlags(e.args, func(fs *flag.FlagSet) { fs.StringVar(slug, "course", *slug, "") },
			"dripcourse subscriber pause --data DIR EMAIL --course SLUG")
		if err != nil {
			return err
		}
		if len(args) != 2 || (args[0] != "pause" && args[0] != "resume") {
			return errors.New(subscriberUsage)
		}
		return cmdSubscriber(ctx, e, args[0], args[1], *slug)
	}
}

// cmdSubscriber pauses or resumes one reader's course: the one named, or
// the reader's only one.
func cmdSubscriber(ctx context.Context, e *env, verb, email, slug string) error {
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	sub, err := a.db.SubscriberByEmail(ctx, email)
	if errors.Is(err, drip.ErrNotFound) {
		return fmt.Errorf("no reader with the address %s", email)
	}
	if err != nil {
		return err
	}
	crs, err := a.readerCourse(ctx, sub, slug)
	if err != nil {
		return err
	}
	now := e.now()
	var changed bool
	if verb == "pause" {
		changed, err = a.db.PauseEnrollment(ctx, sub.ID, crs.Slug, now)
	} else {
		changed, err = pause.Resume(ctx, a.db, crs, sub.ID, now)
	}
	if err != nil {
		return err
	}
	a.printSubscriber(ctx, e, sub, crs, verb, changed)
	return nil
}

// printSubscriber says what pause or resume did; with several courses,
// in which course.
func (a *app) printSubscriber(ctx context.Context, e *env, sub drip.Subscriber, crs *course.Course, verb string, changed bool) {
	in := ""
	if !a.lib.Content().Set.Single() {
		in = " in " + crs.Slug
	}
	if !changed {
		fmt.Fprintf(e.stdout, "%s: nothing to %s%s (the course is not %s)\n", sub.Email, verb, in, map[string]string{"pause": "running", "resume": "paused"}[verb])
		return
	}
	en, _ := a.db.Enrollment(ctx, sub.ID, crs.Slug)
	fmt.Fprintf(e.stdout, "%s: %s%s; next lesson due %s\n", sub.Email, en.Status, in, en.NextDueAt.Format(time.RFC3339))
}

// readerCourse is the course a pause or resume acts on. With one course,
// it. Named by --course, that one, if the reader is in it. Else the
// reader's one enrollment; a reader of several is asked which, with the
// list of them and where they stand in each.
func (a *app) readerCourse(ctx context.Context, sub drip.Subscriber, slug string) (*course.Course, error) {
	ct := a.lib.Content()
	if slug == "" && ct.Set.Single() {
		return ct.Default(), nil
	}
	ens, err := a.db.Enrollments(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	if slug != "" {
		crs, err := findCourse(ct, slug)
		if err == nil && !enrolledIn(ens, slug) {
			err = fmt.Errorf("%s is not a reader of %s (%s)", sub.Email, slug, theirCourses(ens))
		}
		return crs, err
	}
	switch len(ens) {
	case 0:
		return nil, fmt.Errorf("%s is in no course: nothing to pause or resume", sub.Email)
	case 1:
		return a.enrolledCourse(ens[0].Course)
	}
	return nil, fmt.Errorf("%s takes %d courses (%s): add --course SLUG to say which", sub.Email, len(ens), theirCourses(ens))
}

// enrolledCourse is the course of an enrollment, which may have left
// the lessons directory.
func (a *app) enrolledCourse(slug string) (*course.Course, error) {
	crs, ok := a.lib.Content().Course(slug)
	if !ok {
		return nil, fmt.Errorf("the reader's course %s is no longer in the lessons directory: %s", slug, courseList(a.lib.Content().Set))
	}
	return crs, nil
}

func enrolledIn(ens []drip.Enrollment, slug string) bool {
	for _, en := range ens {
		if en.Course == slug {
			return true
		}
	}
	return false
}

// theirCourses names a reader's courses with where they stand in each.
func theirCourses(ens []drip.Enrollment) string {
	if len(ens) == 0 {
		return "they are in no course"
	}
	parts := make([]string, len(ens))
	for i, en := range ens {
		parts[i] = en.Course + ": " + string(en.Status)
	}
	return strings.Join(parts, ", ")
}
